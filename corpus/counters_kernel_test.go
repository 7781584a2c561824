package corpus

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/kernel"
)

// accountingRules count traffic per host, interleaved (source then
// destination for each host) as accounting scripts write them, and per
// host for one port. ipt2nft merges each kind into one set lookup whose
// elements carry the counters.
const accountingRules = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A OUTPUT -s 127.0.0.1/32 -d 127.0.0.1/32 -p udp
-A OUTPUT -d 127.0.0.2/32 -p udp
-A OUTPUT -s 127.0.0.1/32 -d 127.0.0.3/32 -p udp
-A OUTPUT -d 127.0.0.4/32 -p udp
-A OUTPUT -d 127.0.0.5/32 -p udp -m udp --dport 9
-A OUTPUT -d 127.0.0.6/32 -p udp -m udp --dport 9
COMMIT
`

// TestKernelAccountingCounters sends the same datagrams through the
// accounting rules under iptables-legacy and under ipt2nft's translation,
// and compares what every rule counted. The element counters must count
// exactly what each rule did: in particular the kernel bumps an element's
// counter as soon as the lookup finds it, so the lookup must come after
// every other match of the rule (datagrams to 127.0.0.5 port 10 must not
// count), and rules must not be merged into one counter.
func TestKernelAccountingCounters(t *testing.T) {
	if _, err := testutil.NewNetns(t).Exec("", "iptables-legacy", "-w", "-L", "-n"); err != nil {
		t.Skipf("skipped: iptables-legacy: %v", err)
	}
	rules := filepath.Join(t.TempDir(), "accounting.rules")
	if err := os.WriteFile(rules, []byte(accountingRules), 0o600); err != nil {
		t.Fatal(err)
	}
	nft := translateWithBinary(t, rules)
	if n := strings.Count(nft, "counter"); n != 6 || strings.Count(nft, "{") < 3 {
		t.Fatalf("expected the rules merged into sets with element counters:\n%s", nft)
	}
	sends := map[string]int{"127.0.0.1:9": 3, "127.0.0.2:9": 2, "127.0.0.3:9": 1, "127.0.0.4:7": 4, "127.0.0.5:9": 5, "127.0.0.5:10": 7, "127.0.0.6:9": 6}
	// What each rule should count: its destination's datagrams, or for
	// the port rules only those to port 9.
	want := []int{3, 2, 1, 4, 5, 6}

	legacy := testutil.NewNetns(t)
	if out, err := legacy.Exec(accountingRules, "iptables-legacy-restore", "-w"); err != nil {
		t.Fatalf("iptables-legacy-restore: %v\n%s", err, out)
	}
	send(t, legacy, sends)
	if got := legacyCounts(t, legacy, "OUTPUT"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("iptables-legacy counted %v, expected %v: the test's own premise is wrong", got, want)
	}

	ns := testutil.NewNetns(t)
	if err := ns.NftLoad(nft); err != nil {
		t.Fatal(err)
	}
	send(t, ns, sends)
	listed, err := ns.Exec("", "nft", "-j", "list", "ruleset")
	if err != nil {
		t.Fatalf("nft -j list: %v\n%s", err, listed)
	}
	counts := elementCounts(t, listed)
	for i, host := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"} {
		if counts[host] != want[i] {
			text, _ := ns.Exec("", "nft", "list", "ruleset")
			t.Errorf("element %s counted %d packets, iptables' rule %d counted %d\n%s", host, counts[host], i+1, want[i], text)
		}
	}
}

// legacyCounts are the packet counts of chain's rules under
// iptables-legacy in ns, in order.
func legacyCounts(t *testing.T, ns *testutil.Netns, chain string) []int {
	t.Helper()
	out, err := ns.Exec("", "iptables-legacy", "-w", "-L", chain, "-v", "-x", "-n")
	if err != nil {
		t.Fatalf("iptables-legacy -L: %v\n%s", err, out)
	}
	var got []int
	for _, l := range strings.Split(out, "\n")[2:] {
		if f := strings.Fields(l); len(f) > 0 {
			n, _ := strconv.Atoi(f[0])
			got = append(got, n)
		}
	}
	return got
}

// send sends UDP datagrams ("addr:port": how many) from inside ns.
func send(t *testing.T, ns *testutil.Netns, sends map[string]int) {
	t.Helper()
	if out, err := ns.Exec("", "ip", "link", "set", "lo", "up"); err != nil {
		t.Fatalf("ip link set lo up: %v\n%s", err, out)
	}
	err := kernel.InNetns(ns.Name, func() error {
		// Unconnected: a connected socket would refuse to send after
		// the port-unreachable errors come back.
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer c.Close()
		for to, n := range sends {
			addr, err := net.ResolveUDPAddr("udp4", to)
			if err != nil {
				return err
			}
			for range n {
				if _, err := c.WriteTo([]byte("count me"), addr); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// elementCounts reads "nft -j list ruleset" and returns each set
// element's packet count by the element's value.
func elementCounts(t *testing.T, listed string) map[string]int {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(listed), &doc); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if el, ok := v["elem"].(map[string]any); ok {
				if c, ok := el["counter"].(map[string]any); ok {
					counts[fmt.Sprint(el["val"])] = int(c["packets"].(float64))
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return counts
}
