package translate

import (
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// exactBlockRules are rules whose values translateLOG, translateMultiport,
// Ctx.proto, ctStateMatch and translateTCP's flags test take from the
// translator's blocks, IPv4 and IPv6, with
// what upstream prints for each (iptables-restore-translate v1.8.11).
// A log statement with more than two arguments takes heap for them
// (heap4 and heap6 say so).
var exactBlockRules = []struct {
	v4, v6, want4, want6 string
	heap4, heap6         bool
}{
	{"-A INPUT -p udp -m multiport --dports 53,67,68:69 -j ACCEPT", "",
		"ip protocol udp udp dport { 53, 67, 68-69 } counter accept", "", false, false},
	{"-A INPUT -p tcp -m multiport --sports 80 -j ACCEPT", "",
		"ip protocol tcp tcp sport 80 counter accept", "", false, false},
	{"-A INPUT -p tcp -m multiport ! --dports 1000:2000,3000 -j DROP", "",
		"ip protocol tcp tcp dport != { 1000-2000, 3000 } counter drop", "", false, false},
	{"-A INPUT -p gre -j ACCEPT", "-A INPUT -p udp -j ACCEPT",
		"ip protocol gre counter accept", "meta l4proto udp counter accept", false, false},
	{"-A INPUT ! -p 200 -j DROP", "-A INPUT ! -p 200 -j DROP",
		"ip protocol != 200 counter drop", "meta l4proto != 200 counter drop", false, false},
	{`-A INPUT -p udp -j LOG --log-prefix "x: " --log-level 6`, `-A INPUT -j LOG --log-prefix "y: "`,
		`ip protocol udp counter log prefix "x: " level info`, `counter log prefix "y: "`, false, false},
	{"-A INPUT -j LOG --log-tcp-sequence --log-uid", "-A INPUT -j LOG --log-tcp-options --log-tcp-sequence",
		"counter log flags tcp sequence flags skuid", "counter log flags tcp sequence,options", false, false},
	{"-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT", "-A INPUT -m conntrack ! --ctstate INVALID,NEW -j DROP",
		"ct state related,established counter accept", "ct state ! invalid,new counter drop", false, false},
	{"-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT", "-A INPUT -m state --state NEW -j ACCEPT",
		"ct state untracked counter accept", "ct state new counter accept", false, false},
	{"-A INPUT -j LOG --log-level 7 --log-tcp-options --log-ip-options --log-macdecode", "-A INPUT -j LOG",
		"counter log level debug flags tcp options flags ip options flags ether", "counter log", true, false},
	{"-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j DROP", "-A INPUT -p tcp -m tcp ! --syn -j ACCEPT",
		"tcp flags syn / fin,syn,rst,ack counter drop", "tcp flags != syn / fin,syn,rst,ack counter accept", false, false},
	{"-A INPUT -p tcp -m tcp --dport 22 --tcp-flags ALL NONE -j DROP", "-A INPUT -p tcp -m tcp --tcp-flags SYN,ACK NONE -j DROP",
		"tcp dport 22 tcp flags 0x0 / fin,syn,rst,psh,ack,urg counter drop", "tcp flags 0x0 / syn,ack counter drop", false, false},
}

// TestExactBlockValues checks exact mode's rules whose log statements,
// port lists, protocol and state matches come from the translator's
// blocks:
// translated again and again, each time in the blocks' values handed out
// again, each prints as the first time (and as upstream does), and
// once the blocks are warm their translation takes no heap.
func TestExactBlockValues(t *testing.T) {
	for _, fam := range []iptparse.Family{iptparse.FamilyIPv4, iptparse.FamilyIPv6} {
		var src strings.Builder
		var want []string
		var heap []bool
		src.WriteString("*filter\n:INPUT ACCEPT [0:0]\n")
		for _, r := range exactBlockRules {
			text, out, h, prefix := r.v4, r.want4, r.heap4, "add rule ip filter INPUT "
			if fam == iptparse.FamilyIPv6 {
				text, out, h, prefix = r.v6, r.want6, r.heap6, "add rule ip6 filter INPUT "
			}
			if text != "" {
				src.WriteString(text + "\n")
				want = append(want, prefix+out)
				heap = append(heap, h)
			}
		}
		src.WriteString("COMMIT\n")
		f := iptparse.ParseFile("f", src.String(), Registry{}, fam)
		if errs := f.Errors(); len(errs) > 0 {
			t.Fatal(errs)
		}
		var got []string
		record := true
		p := &emit.Printer{Style: emit.Style{Upstream: true}}
		tr := New(Options{Exact: true, EmitCommand: func(c *ir.Command) {
			if record && c.Rule != nil {
				got = append(got, p.CommandText(c))
			}
		}})
		tr.reuse = true // as AddText streaming: the blocks are reset
		tr.startFile(f)
		var cmds []*iptparse.Command
		for _, it := range f.Items {
			tr.addItem(it)
			if c, ok := it.(*iptparse.CommandLine); ok {
				cmds = append(cmds, c.Command)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%v: got\n%s\nwant\n%s", fam, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// Past several blocks and resets of each.
		for i := range 300 {
			got = got[:0]
			for _, c := range cmds {
				tr.AddCommand(c)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%v, round %d: got\n%s\nwant\n%s", fam, i, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
		record = false
		var noHeap []*iptparse.Command
		for i, c := range cmds {
			if !heap[i] {
				noHeap = append(noHeap, c)
			}
		}
		if n := testing.AllocsPerRun(50, func() {
			for _, c := range noHeap {
				tr.AddCommand(c)
			}
		}); n != 0 {
			t.Errorf("%v: %v heap allocations translating %d rules", fam, n, len(noHeap))
		}
	}
}

// TestBlocksSizedToResets checks that a reset hands out again all the
// values of each block (ruleAlloc.reset): a block holds what the commands
// between two resets take, however little the commands before took.
// Reset once half a block was used, a burst after quiet commands did not
// fit in the half left, and the blocks grew to twice the size.
func TestBlocksSizedToResets(t *testing.T) {
	var a ruleAlloc
	for p := range 1000 {
		n := 1
		if p%3 == 0 {
			n = 50
		}
		for range n {
			a.matches.new()
			a.rules.new()
		}
		for range resetEvery {
			a.commandDone()
		}
	}
	if n := len(a.matches.blk); n > 64 {
		t.Errorf("a block of %d matches for 50 at most between resets", n)
	}
	if n := len(a.rules.blk); n > 64 {
		t.Errorf("a block of %d rules for 50 at most between resets", n)
	}
}
