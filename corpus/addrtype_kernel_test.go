package corpus

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/kernel"
)

// addrtypeRules drop multicast and broadcast datagrams by destination
// type (ipt2nft merges the two into one fib lookup in a set), then count
// what passes: to the on-link network, and to local addresses.
const addrtypeRules = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A OUTPUT -p udp -m addrtype --dst-type MULTICAST -j DROP
-A OUTPUT -p udp -m addrtype --dst-type BROADCAST -j DROP
-A OUTPUT -d 10.9.0.0/24 -p udp
-A OUTPUT -p udp -m addrtype --dst-type LOCAL
COMMIT
`

// TestKernelAddrtype sends datagrams to multicast, broadcast, on-link and
// local addresses under iptables-legacy and under ipt2nft's translation,
// and compares what the counting rules after the drops counted: the
// probes of verify never go to broadcast or multicast addresses.
func TestKernelAddrtype(t *testing.T) {
	if _, err := testutil.NewNetns(t).Exec("", "iptables-legacy", "-w", "-L", "-n"); err != nil {
		t.Skipf("skipped: iptables-legacy: %v", err)
	}
	rules := filepath.Join(t.TempDir(), "addrtype.rules")
	if err := os.WriteFile(rules, []byte(addrtypeRules), 0o600); err != nil {
		t.Fatal(err)
	}
	nft := translateWithBinary(t, rules)
	if !strings.Contains(nft, "fib daddr type { multicast, broadcast } drop") {
		t.Fatalf("expected the two drops merged into one set lookup:\n%s", nft)
	}
	sends := map[string]int{"224.0.0.1:9": 3, "10.9.0.255:9": 2, "10.9.0.2:9": 4, "10.9.0.1:9": 5, "127.0.0.1:9": 1}
	want := []int{4 + 5, 5 + 1} // on-link (10.9.0.1 and .2), local (10.9.0.1 and 127.0.0.1)

	legacy := onLink(t)
	if out, err := legacy.Exec(addrtypeRules, "iptables-legacy-restore", "-w"); err != nil {
		t.Fatalf("iptables-legacy-restore: %v\n%s", err, out)
	}
	sendTo(t, legacy, sends)
	if got := legacyCounts(t, legacy, "OUTPUT"); fmt.Sprint(got) != fmt.Sprint([]int{3, 2, want[0], want[1]}) {
		t.Fatalf("iptables-legacy counted %v, expected [3 2 %d %d]: the test's own premise is wrong", got, want[0], want[1])
	}

	ns := onLink(t)
	if err := ns.NftLoad(nft); err != nil {
		t.Fatal(err)
	}
	sendTo(t, ns, sends)
	listed, err := ns.Exec("", "nft", "list", "ruleset")
	if err != nil {
		t.Fatalf("nft list: %v\n%s", err, listed)
	}
	var got []int
	for _, m := range regexp.MustCompile(`counter packets (\d+)`).FindAllStringSubmatch(listed, -1) {
		n, _ := strconv.Atoi(m[1])
		got = append(got, n)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the counting rules counted %v under the translation, %v under iptables-legacy\n%s", got, want, listed)
	}
}

// onLink is a namespace with 10.9.0.1/24 on a veth and a multicast route.
func onLink(t *testing.T) *testutil.Netns {
	t.Helper()
	ns := testutil.NewNetns(t)
	for _, c := range [][]string{
		{"ip", "link", "set", "lo", "up"},
		{"ip", "link", "add", "v0", "type", "veth", "peer", "name", "v0p"},
		{"ip", "addr", "add", "10.9.0.1/24", "dev", "v0"},
		{"ip", "link", "set", "v0", "up"},
		{"ip", "link", "set", "v0p", "up"},
		{"ip", "route", "add", "224.0.0.0/4", "dev", "v0"},
	} {
		if out, err := ns.Exec("", c...); err != nil {
			t.Skipf("skipped: %v: %v %s", c, err, out)
		}
	}
	return ns
}

// sendTo sends UDP datagrams ("addr:port": how many) from inside ns, from
// a socket that may send to broadcast addresses.
func sendTo(t *testing.T, ns *testutil.Netns, sends map[string]int) {
	t.Helper()
	err := kernel.InNetns(ns.Name, func() error {
		c, err := net.ListenPacket("udp4", "0.0.0.0:0")
		if err != nil {
			return err
		}
		defer c.Close()
		raw, err := c.(*net.UDPConn).SyscallConn()
		if err != nil {
			return err
		}
		var serr error
		raw.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
		})
		if serr != nil {
			return serr
		}
		for to, n := range sends {
			addr, err := net.ResolveUDPAddr("udp4", to)
			if err != nil {
				return err
			}
			for range n {
				// the drops make the kernel answer EPERM: not an error here
				c.WriteTo([]byte("count me"), addr)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
