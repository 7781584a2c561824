package translate

import (
	"fmt"
	"math/rand"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// TestU32AgainstKernel sends UDP datagrams through a namespace where each
// --u32 test is both an iptables-legacy rule (the kernel's xt_u32) and
// its nft translation, and compares the packet counters. The payloads
// are made of 0x00 and 0xff bytes and have many lengths, so the tests
// match some packets and some packets are too short for the words read.
func TestU32AgainstKernel(t *testing.T) {
	if _, err := exec.LookPath("iptables-legacy"); err != nil {
		t.Skip("skipped: needs iptables-legacy to run xt_u32")
	}
	exprs := []string{
		`--u32 "28=0xff00ff00"`,
		`--u32 "28&0x00ff00ff=0x00ff0000"`,
		`--u32 "22&0xffff=8:16"`,
		`--u32 "0&0xffff=28:36"`,
		`--u32 "30>>8&0xff=0xff"`,
		`--u32 "29&0xffff=0xff00"`,
		`--u32 "0>>22&0x3C@8=0xff00ff00"`,
		`--u32 "0>>22&0x3C@9>>16=0xff:0xffff"`,
		`! --u32 "0&0xffff=28:32"`,
		`--u32 "28>>24=0xff && 29>>24=0"`,
		`--u32 "0>>28<<4=0x41:0x4f"`,
		`--u32 "28&0xff=0xff,0:0xf"`,
		`--u32 "32&0xf0f0=0xf000"`,
	}
	ns := testutil.NewNetns(t)
	if out, err := ns.Exec("", "ip", "link", "set", "lo", "up"); err != nil {
		t.Fatalf("lo up: %v %s", err, out)
	}
	var chain strings.Builder
	for i, e := range exprs {
		rule := fmt.Sprintf("-t raw -A OUTPUT -p udp -m udp --dport %d -m u32 %s", 9000+i, e)
		if out, err := ns.Exec("", append([]string{"iptables-legacy"}, splitArgsE(t, rule)...)...); err != nil {
			t.Fatalf("iptables-legacy %s: %v %s", rule, err, out)
		}
		nft, err := xlate(t, iptparse.FamilyIPv4, false, rule)
		if err != nil {
			t.Fatalf("%s: %v", rule, err)
		}
		chain.WriteString("\t\t" + nft + "\n")
	}
	rs := "table ip u32test {\n\tchain o {\n\t\ttype filter hook output priority raw; policy accept;\n" + chain.String() + "\t}\n}\n"
	if err := ns.NftLoad(rs); err != nil {
		t.Fatalf("%v\n%s", err, rs)
	}
	rnd := rand.New(rand.NewSource(1))
	var script strings.Builder
	for n := 0; n < 300; n++ {
		l := 1 + rnd.Intn(14)
		var payload strings.Builder
		for j := 0; j < l; j++ {
			if rnd.Intn(2) == 0 {
				payload.WriteString(`\x00`)
			} else {
				payload.WriteString(`\xff`)
			}
		}
		for i := range exprs {
			fmt.Fprintf(&script, "printf '%s' > /dev/udp/127.0.0.1/%d\n", payload.String(), 9000+i)
		}
	}
	if out, err := ns.Exec(script.String(), "bash"); err != nil {
		t.Fatalf("sending: %v %s", err, out)
	}
	legacy, _ := ns.Exec("", "iptables-legacy", "-t", "raw", "-nvxL", "OUTPUT")
	nft, _ := ns.Exec("", "nft", "list", "chain", "ip", "u32test", "o")
	var xt []string
	for _, line := range strings.Split(legacy, "\n") {
		if f := strings.Fields(line); len(f) > 2 && strings.Contains(line, "u32") {
			xt = append(xt, f[0])
		}
	}
	var nf []string
	for _, m := range regexp.MustCompile(`counter packets (\d+)`).FindAllStringSubmatch(nft, -1) {
		nf = append(nf, m[1])
	}
	if len(xt) != len(exprs) || len(nf) != len(exprs) {
		t.Fatalf("counters not found:\n%s\n%s", legacy, nft)
	}
	for i, e := range exprs {
		if xt[i] != nf[i] {
			t.Errorf("%s: xt_u32 matched %s packets, nft %s", e, xt[i], nf[i])
		}
		if testing.Verbose() {
			t.Logf("%-40s xt %s nft %s", e, xt[i], nf[i])
		}
	}
}
