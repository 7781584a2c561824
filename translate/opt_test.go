package translate

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/shlex"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// optimized translates command lines (one per line, "iptables" implied),
// optimizes, and returns the rules of each chain as "chain: rule" lines
// plus the whole ruleset text.
func optimized(t *testing.T, o OptOptions, script string) (string, string) {
	t.Helper()
	tr := New(Options{})
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		args, err := shlex.Split(line)
		if err != nil {
			t.Fatal(err)
		}
		p := &iptparse.Parser{Registry: Registry{}, Family: iptparse.FamilyIPv4}
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs(args, "t"))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		tr.AddCommand(cmd)
	}
	rs := tr.Ruleset()
	Optimize(rs, o)
	return rulesOf(rs), rulesetText(rs)
}

func rulesOf(rs *ir.Ruleset) string {
	var lines []string
	pr := &emit.Printer{}
	for _, tb := range rs.Tables {
		for _, c := range tb.Chains {
			for _, r := range c.Rules {
				lines = append(lines, c.Name+": "+pr.Rule(r))
			}
		}
	}
	return strings.Join(lines, "\n")
}

func rulesetText(rs *ir.Ruleset) string {
	var b strings.Builder
	(&emit.Printer{}).WriteRuleset(&b, rs, emit.RulesetOptions{Replace: true})
	return b.String()
}

func TestOptimizer(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"ports into a set, comments onto elements", `
			-A INPUT -p tcp --dport 22 -m comment --comment ssh -j ACCEPT
			-A INPUT -p tcp --dport 80 -m comment --comment web -j ACCEPT
			-A INPUT -p tcp --dport 443 -m comment --comment web -j ACCEPT
			-A INPUT -p udp --dport 53 -j ACCEPT`,
			`input: tcp dport { 22 comment "ssh", 80 comment "web", 443 comment "web" } accept
input: udp dport 53 accept`},
		{"same comment stays on the rule", `
			-A INPUT -p tcp --dport 22 -m comment --comment admin -j ACCEPT
			-A INPUT -p tcp --dport 2222 -m comment --comment admin -j ACCEPT`,
			`input: tcp dport { 22, 2222 } accept comment "admin"`},
		{"two selectors differ: concatenation", `
			-A INPUT -s 10.0.0.1 -p tcp --dport 22 -j ACCEPT
			-A INPUT -s 10.0.0.2 -p tcp --dport 80 -j ACCEPT`,
			`input: ip saddr . tcp dport { 10.0.0.1 . 22, 10.0.0.2 . 80 } accept`},
		{"interface dispatch: verdict map", `
			-N low_sec
			-N high_sec
			-A FORWARD -i eth0 -j low_sec
			-A FORWARD -i eth1 -j high_sec`,
			`forward: iifname vmap { "eth0" : jump low_sec, "eth1" : jump high_sec }`},
		{"verdict map: comments onto elements, or kept when shared", `
			-N a
			-N b
			-A FORWARD -i eth0 -m comment --comment "lan" -j a
			-A FORWARD -i eth1 -m comment --comment "dmz" -j b
			-A FORWARD -i eth2 -j DROP
			-A INPUT -i eth0 -m comment --comment "trusted" -j ACCEPT
			-A INPUT -i eth1 -m comment --comment "trusted" -j DROP`,
			`forward: iifname vmap { "eth0" comment "lan" : jump a, "eth1" comment "dmz" : jump b, "eth2" : drop }
input: iifname vmap { "eth0" : accept, "eth1" : drop } comment "trusted"`},
		{"mis-merge: overlapping prefixes keep their order", `
			-A INPUT -s 10.1.0.0/16 -j ACCEPT
			-A INPUT -s 10.0.0.0/8 -j DROP`,
			`input: ip saddr 10.1.0.0/16 accept
input: ip saddr 10.0.0.0/8 drop`},
		{"mis-merge: overlapping prefixes, same verdict", `
			-A INPUT -s 10.0.0.0/8 -j DROP
			-A INPUT -s 10.1.0.0/16 -j DROP`,
			`input: ip saddr 10.0.0.0/8 drop
input: ip saddr 10.1.0.0/16 drop`},
		{"mis-merge: wildcard interface overlaps", `
			-A FORWARD -i eth+ -j ACCEPT
			-A FORWARD -i eth0 -j DROP`,
			`forward: iifname "eth*" accept
forward: iifname "eth0" drop`},
		{"mis-merge: duplicate key with different verdicts", `
			-A INPUT -i eth0 -j ACCEPT
			-A INPUT -i eth0 -j DROP`,
			`input: iifname "eth0" accept
input: iifname "eth0" drop`},
		{"mis-merge: negations are not merged", `
			-A INPUT ! -s 10.0.0.1 -j DROP
			-A INPUT ! -s 10.0.0.2 -j DROP`,
			`input: ip saddr != 10.0.0.1 drop
input: ip saddr != 10.0.0.2 drop`},
		{"mis-merge: tcp flags are bit tests, not values", `
			-A INPUT -p tcp --tcp-flags SYN SYN -j DROP
			-A INPUT -p tcp --tcp-flags ACK ACK -j DROP`,
			`input: tcp flags & syn == syn drop
input: tcp flags & ack == ack drop`},
		{"dependency clean-up", `
			-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
			-A INPUT -p udp -j ACCEPT`,
			`input: tcp dport 22 accept
input: ip protocol udp accept`},
		{"only adjacent rules", `
			-A INPUT -p tcp --dport 22 -j ACCEPT
			-A INPUT -s 10.0.0.0/8 -j DROP
			-A INPUT -p tcp --dport 80 -j ACCEPT`,
			`input: tcp dport 22 accept
input: ip saddr 10.0.0.0/8 drop
input: tcp dport 80 accept`},
		{"mis-merge: rules with state (limit) are not merged", `
			-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT
			-A INPUT -p tcp --dport 80 -m limit --limit 3/min -j ACCEPT`,
			`input: tcp dport 22 limit rate 3/minute burst 5 packets accept
input: tcp dport 80 limit rate 3/minute burst 5 packets accept`},
		{"mis-merge: a limited LOG is not fused with the verdict", `
			-A INPUT -p tcp --dport 23 -m limit --limit 1/s -j NFLOG
			-A INPUT -p tcp --dport 23 -j DROP`,
			`input: tcp dport 23 limit rate 1/second burst 5 packets log group 0
input: tcp dport 23 drop`},
		{"LOG then DROP with the same matches: one rule", `
			-A INPUT -p tcp --dport 23 -j LOG --log-prefix "telnet "
			-A INPUT -p tcp --dport 23 -j DROP`,
			`input: tcp dport 23 log prefix "telnet " drop`},
		{"past rules that match other packets", `
			-A INPUT -p tcp --dport 22 -j ACCEPT
			-A INPUT -p udp --dport 53 -j ACCEPT
			-A INPUT -p tcp --dport 80 -j ACCEPT
			-A INPUT -p tcp --dport 25 -j DROP
			-A INPUT -p tcp --dport 443 -j ACCEPT`,
			`input: tcp dport { 22, 80, 443 } accept
input: udp dport 53 accept
input: tcp dport 25 drop`},
		{"not past a rule that may match the same packets", `
			-A INPUT -p tcp --dport 22 -j ACCEPT
			-A INPUT -s 10.0.0.0/8 -j DROP
			-A INPUT -p tcp --dport 80 -j ACCEPT`,
			`input: tcp dport 22 accept
input: ip saddr 10.0.0.0/8 drop
input: tcp dport 80 accept`},
		{"a rule's port list and its address: concatenation", `
			-A INPUT -s 10.0.0.1 -p udp -m multiport --dports 53,123 -j ACCEPT
			-A INPUT -s 10.0.0.0/24 -p udp -m multiport --dports 1000:2000,3000 -j ACCEPT
			-A INPUT -s 10.0.1.2 -p udp --dport 161 -j ACCEPT`,
			`input: ip saddr . udp dport { 10.0.0.1 . 53, 10.0.0.1 . 123, 10.0.0.0/24 . 1000-2000, 10.0.0.0/24 . 3000, 10.0.1.2 . 161 } accept`},
		{"rules sharing a port list merge on their address, not into a product", `
			-A INPUT -s 10.0.0.1 -p tcp -m multiport --dports 80,443 -j ACCEPT
			-A INPUT -s 10.0.0.2 -p tcp -m multiport --dports 80,443 -j ACCEPT
			-A INPUT -s 10.0.0.3 -p tcp --dport 22 -j ACCEPT`,
			`input: ip saddr { 10.0.0.1, 10.0.0.2 } tcp dport { 80, 443 } accept
input: ip saddr 10.0.0.3 tcp dport 22 accept`},
		{"a product past a rule that matches other packets", `
			-A INPUT -s 10.0.0.1 -p tcp -m multiport --dports 80,443 -j ACCEPT
			-A INPUT -s 10.0.0.0/24 -p tcp --dport 443 -j DROP
			-A INPUT -s 10.0.0.0/24 -p tcp --dport 22 -j ACCEPT`,
			`input: ip saddr . tcp dport { 10.0.0.1 . 80, 10.0.0.1 . 443, 10.0.0.0/24 . 22 } accept
input: ip saddr 10.0.0.0/24 tcp dport 443 drop`},
		{"no product whose elements overlap", `
			-A INPUT -s 10.0.0.1 -p tcp -m multiport --dports 80,443 -j ACCEPT
			-A INPUT -s 10.0.0.0/24 -p tcp --dport 80 -j ACCEPT`,
			`input: ip saddr 10.0.0.1 tcp dport { 80, 443 } accept
input: ip saddr 10.0.0.0/24 tcp dport 80 accept`},
		{"counting-only rules keep their counter", `
			-A INPUT -p tcp --dport 22`,
			`input: tcp dport 22 counter`},
		{"TCP flags under one mask into a set, past other masks' drops", `
			-A INPUT -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE -j DROP
			-A INPUT -p tcp --tcp-flags SYN,RST SYN,RST -j DROP
			-A INPUT -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG FIN,PSH,URG -j DROP
			-A INPUT -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG ALL -j DROP
			-A INPUT -p tcp --tcp-flags FIN,SYN FIN,SYN -j DROP
			-A INPUT -p tcp ! --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN -j DROP
			-A INPUT -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE --dport 22 -j ACCEPT
			-A INPUT -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN --dport 80 -j ACCEPT`,
			`input: tcp flags & (fin | syn | rst | psh | ack | urg) == { 0x0, fin | psh | urg, fin | syn | rst | psh | ack | urg } drop
input: tcp flags syn,rst / syn,rst drop
input: tcp flags fin,syn / fin,syn drop
input: tcp flags != syn / fin,syn,rst,psh,ack,urg drop
input: tcp dport 22 tcp flags 0x0 / fin,syn,rst,psh,ack,urg accept
input: tcp dport 80 tcp flags syn / fin,syn,rst,psh,ack,urg accept`},
		{"the same ports over tcp and udp: one rule on the transport header", `
			-A INPUT -p udp --dport 53 -m comment --comment DNS -j ACCEPT
			-A INPUT -p tcp --dport 53 -m comment --comment DNS -j ACCEPT
			-A INPUT -d 10.0.0.1 -p tcp --sport 1024:65535 --dport 25 -j DROP
			-A INPUT -d 10.0.0.1 -p udp --sport 1024:65535 --dport 25 -j DROP
			-A INPUT -d 10.0.0.1 -p sctp --sport 1024:65535 --dport 25 -j DROP
			-A INPUT -p tcp -m multiport --dports 22,80 -j ACCEPT
			-A INPUT -p udp -m multiport --dports 22,80 -j ACCEPT`,
			`input: meta l4proto { tcp, udp } th dport { 53 comment "DNS", 22, 80 } accept
input: ip daddr 10.0.0.1 meta l4proto { tcp, udp, sctp } th sport 1024-65535 th dport 25 drop`},
		{"transport merges: every protocol th reads, in their order", `
			-A INPUT -p dccp --dport 9 -j ACCEPT
			-A INPUT -p sctp --dport 9 -j ACCEPT
			-A INPUT -p udp --dport 9 -j ACCEPT
			-A INPUT -p tcp --dport 9 -j ACCEPT`,
			`input: meta l4proto { tcp, udp, sctp, dccp } th dport 9 accept`},
		{"transport merges: rejects", `
			-A INPUT -p tcp --dport 137 -j REJECT
			-A INPUT -p udp --dport 137 -j REJECT
			-A INPUT -p tcp --dport 139 -j REJECT --reject-with tcp-reset
			-A INPUT -p udp --dport 445 -j REJECT --reject-with icmp-host-prohibited`,
			`input: meta l4proto { tcp, udp } th dport 137 reject
input: tcp dport 139 reject with tcp reset
input: udp dport 445 reject with icmp type host-prohibited`},
		{"transport merges: counters stay per rule", `
			-A INPUT -p tcp --dport 53 -c 10 1000 -j ACCEPT
			-A INPUT -p udp --dport 53 -c 20 2000 -j ACCEPT`,
			`input: tcp dport 53 counter packets 10 bytes 1000 accept
input: udp dport 53 counter packets 20 bytes 2000 accept`},
		{"transport merges: element counters stay per rule", `
			-A INPUT -p tcp --dport 22 -c 0 0 -j ACCEPT
			-A INPUT -p tcp --dport 80 -c 0 0 -j ACCEPT
			-A INPUT -p udp --dport 22 -c 0 0 -j ACCEPT
			-A INPUT -p udp --dport 80 -c 0 0 -j ACCEPT`,
			`input: tcp dport { 22 counter packets 0 bytes 0, 80 counter packets 0 bytes 0 } accept
input: udp dport { 22 counter packets 0 bytes 0, 80 counter packets 0 bytes 0 } accept`},
		{"transport merges keep what each rule has of its own", `
			-A INPUT -p tcp --dport 53 -m limit --limit 5/s -j ACCEPT
			-A INPUT -p udp --dport 53 -m limit --limit 5/s -j ACCEPT
			-A INPUT -p tcp --dport 54 -j ACCEPT
			-A INPUT -p udp --dport 54 -j DROP
			-A INPUT -p tcp --dport 55 --tcp-flags SYN SYN -j ACCEPT
			-A INPUT -p udp --dport 55 -j ACCEPT
			-A INPUT -p tcp --dport 56 -j LOG
			-A INPUT -p udp --dport 56 -j LOG`,
			`input: tcp dport 53 limit rate 5/second burst 5 packets accept
input: udp dport 53 limit rate 5/second burst 5 packets accept
input: tcp dport 54 accept
input: udp dport 54 drop
input: tcp dport 55 tcp flags & syn == syn accept
input: udp dport 55 accept
input: tcp dport 56 log
input: udp dport 56 log`},
	}
	ns := (*testutil.Netns)(nil)
	if ok, _ := testutil.CanUseNetns(); ok {
		ns = testutil.NewNetns(t)
	}
	for _, c := range cases {
		got, text := optimized(t, AllOpt(), c.in)
		if got != c.want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", c.name, got, c.want)
		}
		if ns != nil {
			if err := ns.NftCheck(text); err != nil {
				t.Errorf("%s: does not load: %v\n%s", c.name, err, text)
			}
		}
	}
}

func TestOptimizerCounters(t *testing.T) {
	// Counter values from iptables-save -c move onto set elements.
	f := iptparse.ParseFile("c.rules", "*filter\n:INPUT ACCEPT [0:0]\n[5:300] -A INPUT -p tcp --dport 22 -j ACCEPT\n[7:420] -A INPUT -p tcp --dport 80 -j ACCEPT\n[0:0] -A INPUT -p tcp --dport 81 -j ACCEPT\nCOMMIT\n", Registry{}, iptparse.FamilyIPv4)
	tr := New(Options{})
	tr.AddFile(f)
	rs := tr.Ruleset()
	rep := Optimize(rs, AllOpt())
	want := "input: tcp dport { 22 counter packets 5 bytes 300, 80 counter packets 7 bytes 420, 81 counter packets 0 bytes 0 } accept"
	if got := rulesOf(rs); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if rep.Before != 3 || rep.After != 1 || len(rep.Merges) != 1 || len(rep.Merges[0].From) != 3 {
		t.Errorf("report %+v", rep)
	}
	if ok, _ := testutil.CanUseNetns(); ok {
		if err := testutil.NewNetns(t).NftCheck(rulesetText(rs)); err != nil {
			t.Error(err)
		}
	}
}

func TestNatMap(t *testing.T) {
	mk := func(port uint64, addr string, to uint64) *ir.Rule {
		return &ir.Rule{Stmts: []ir.Stmt{
			ir.Eq(&ir.Meta{Key: "iifname"}, ir.Str("eth0")),
			ir.Eq(&ir.Payload{Proto: "tcp", Field: "dport"}, ir.Int(port)),
			&ir.Nat{Kind: ir.NatDNAT, Addr: ir.IP(netip.MustParseAddr(addr)), Port: ir.Int(to)},
		}}
	}
	rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "t", Chains: []*ir.Chain{{
		Name: "pre", Hook: &ir.Hook{Type: "nat", Hook: "prerouting", Priority: ir.Priority{Name: "dstnat"}},
		Rules: []*ir.Rule{mk(80, "10.0.0.1", 8080), mk(443, "10.0.0.2", 443), mk(2222, "10.0.0.3", 22)},
	}}}}}
	Optimize(rs, AllOpt())
	want := `pre: iifname "eth0" dnat ip addr . port to tcp dport map { 80 : 10.0.0.1 . 8080, 443 : 10.0.0.2 . 443, 2222 : 10.0.0.3 . 22 }`
	if got := rulesOf(rs); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if ok, _ := testutil.CanUseNetns(); ok {
		if err := testutil.NewNetns(t).NftCheck(rulesetText(rs)); err != nil {
			t.Error(err)
		}
	}
}

// TestSetProducts covers what concatenations of rules with several values
// must not do: split counter values, grow past maxProduct, or report a
// merge of merged rules twice.
func TestSetProducts(t *testing.T) {
	run := func(dump string) (string, *OptReport) {
		t.Helper()
		f := iptparse.ParseFile("p.rules", "*filter\n:INPUT ACCEPT [0:0]\n"+dump+"COMMIT\n", Registry{}, iptparse.FamilyIPv4)
		tr := New(Options{})
		tr.AddFile(f)
		rs := tr.Ruleset()
		rep := Optimize(rs, AllOpt())
		return rulesOf(rs), rep
	}
	t.Run("counter values stay on the rule that counted them", func(t *testing.T) {
		got, _ := run("[10:100] -A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT\n[5:50] -A INPUT -p tcp --dport 22 -j ACCEPT\n" +
			"[3:30] -A INPUT -s 10.0.0.1 -p udp -m multiport --dports 53,123 -j ACCEPT\n[1:10] -A INPUT -s 10.0.0.2 -p udp --dport 161 -j ACCEPT\n")
		// Split among 80 and 443, the 10 packets would count twice.
		want := `input: tcp dport { 80, 443 } counter packets 10 bytes 100 accept
input: tcp dport 22 counter packets 5 bytes 50 accept
input: ip saddr 10.0.0.1 udp dport { 53, 123 } counter packets 3 bytes 30 accept
input: ip saddr 10.0.0.2 udp dport 161 counter packets 1 bytes 10 accept`
		if got != want {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
		got, _ = run("[0:0] -A INPUT -s 10.0.0.1 -p udp -m multiport --dports 53,123 -j ACCEPT\n[0:0] -A INPUT -s 10.0.0.2 -p udp --dport 161 -j ACCEPT\n")
		want = `input: ip saddr . udp dport { 10.0.0.1 . 53 counter packets 0 bytes 0, 10.0.0.1 . 123 counter packets 0 bytes 0, 10.0.0.2 . 161 counter packets 0 bytes 0 } accept`
		if got != want {
			t.Errorf("zero counters:\ngot:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("one merge reported for merged rules merged again", func(t *testing.T) {
		got, rep := run("-A INPUT -s 10.0.0.1 -p tcp --dport 22 -j ACCEPT\n-A INPUT -s 10.0.0.1 -p tcp --dport 80 -j ACCEPT\n-A INPUT -s 10.0.0.2 -p tcp --dport 443 -j ACCEPT\n")
		if want := `input: ip saddr . tcp dport { 10.0.0.1 . 22, 10.0.0.1 . 80, 10.0.0.2 . 443 } accept`; got != want {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
		if len(rep.Merges) != 1 || len(rep.Merges[0].From) != 3 || !strings.HasPrefix(rep.Merges[0].Reason, "3 rules differing only in ip saddr . tcp dport") {
			t.Errorf("merges: %+v", rep.Merges)
		}
	})
	t.Run("at most maxProduct elements from one rule", func(t *testing.T) {
		var b strings.Builder
		for p := range maxProduct + 1 {
			fmt.Fprintf(&b, "-A INPUT -s 10.0.0.1 -p tcp --dport %d -j ACCEPT\n", 1000+p)
		}
		b.WriteString("-A INPUT -s 10.0.0.2 -p tcp --dport 22 -j ACCEPT\n")
		got, _ := run(b.String())
		if lines := strings.Count(got, "\n") + 1; lines != 2 || !strings.HasSuffix(got, "input: ip saddr 10.0.0.2 tcp dport 22 accept") {
			t.Errorf("want the %d ports in one rule and the last rule alone, got:\n%s", maxProduct+1, got)
		}
	})
}

// TestSourcesOfOneCommand: the rules one command's address list makes
// share its text; merged, the text is written once (not once per
// address: quadratic in the list), and SourceLines gives it back for
// each origin.
func TestSourcesOfOneCommand(t *testing.T) {
	var addrs []string
	for i := range 300 {
		addrs = append(addrs, fmt.Sprintf("10.0.%d.%d", i/250, 1+i%250))
	}
	first := "-A INPUT -s " + strings.Join(addrs, ",") + " -j DROP"
	src := "*filter\n:INPUT ACCEPT [0:0]\n" + first + "\n-A INPUT -s 192.0.2.1 -j DROP\nCOMMIT\n"
	f := iptparse.ParseFile("s.rules", src, Registry{}, iptparse.FamilyIPv4)
	tr := New(Options{})
	tr.AddFile(f)
	rs := tr.Ruleset()
	Optimize(rs, AllOpt())
	rules := rs.Tables[0].Chains[0].Rules
	if len(rules) != 1 || len(rules[0].Origin) != 301 {
		t.Fatalf("want one rule of 301 origins, got %d rules: %s", len(rules), rulesOf(rs))
	}
	r := rules[0]
	if len(r.Source()) > 2*len(first) {
		t.Errorf("the merged rule's text is %d bytes for a %d-byte command", len(r.Source()), len(first))
	}
	lines := SourceLines(r)
	if len(lines) != 301 || lines[0] != first || lines[299] != first || lines[300] != "-A INPUT -s 192.0.2.1 -j DROP" {
		t.Errorf("SourceLines: %d lines, first %.40q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
}

// filterTable translates lines as the rules of a *filter table that
// declares the given built-in chains, and returns the source too.
func filterTable(name string, lines []string, chains ...string) (*Translator, string) {
	var b strings.Builder
	b.WriteString("*filter\n")
	for _, c := range chains {
		b.WriteString(":" + c + " ACCEPT [0:0]\n")
	}
	b.WriteString(strings.Join(lines, "\n") + "\nCOMMIT\n")
	tr := New(Options{})
	tr.AddFile(iptparse.ParseFile(name, b.String(), Registry{}, iptparse.FamilyIPv4))
	return tr, b.String()
}

// markerPorts are the numbers from 1000 up a rule's matches compare with:
// the random tests mark their rules with ports.
func markerPorts(r *ir.Rule) []int {
	var ports []int
	for _, s := range r.Stmts {
		if m, ok := s.(*ir.Match); ok {
			if p, ok := m.Right.(*ir.Integer); ok && p.Value >= 1000 {
				ports = append(ports, int(p.Value))
			}
		}
	}
	return ports
}

// TestInsertOrder runs random appends, inserts (at the head and
// elsewhere), replacements, deletions and flushes on two chains and
// compares the translated chains with a plain list model: inserts at the
// head wait aside until the chain is needed (nativeLayout.front).
func TestInsertOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 34))
	for round := range 60 {
		model := map[string][]int{}
		var lines []string
		port := 1000
		for range 40 + r.IntN(80) {
			chain := []string{"INPUT", "OUTPUT"}[r.IntN(2)]
			n := len(model[chain])
			port++
			rule := fmt.Sprintf("-p tcp --dport %d -j ACCEPT", port)
			switch op := r.IntN(10); {
			case op < 3:
				lines = append(lines, "-A "+chain+" "+rule)
				model[chain] = append(model[chain], port)
			case op < 6:
				lines = append(lines, "-I "+chain+" "+rule)
				model[chain] = append([]int{port}, model[chain]...)
			case op < 7:
				at := 1 + r.IntN(n+1)
				lines = append(lines, fmt.Sprintf("-I %s %d %s", chain, at, rule))
				model[chain] = slices.Insert(model[chain], at-1, port)
			case op < 8 && n > 0:
				at := 1 + r.IntN(n)
				lines = append(lines, fmt.Sprintf("-R %s %d %s", chain, at, rule))
				model[chain][at-1] = port
			case op < 9 && n > 0:
				at := r.IntN(n)
				lines = append(lines, fmt.Sprintf("-D %s -p tcp --dport %d -j ACCEPT", chain, model[chain][at]))
				model[chain] = slices.Delete(model[chain], at, at+1)
			case op == 9 && r.IntN(4) == 0:
				lines = append(lines, "-F "+chain)
				model[chain] = nil
			}
		}
		tr, src := filterTable("o.rules", lines, "INPUT", "OUTPUT")
		for _, c := range tr.Ruleset().Tables[0].Chains {
			var got []int
			for _, rule := range c.Rules {
				got = append(got, markerPorts(rule)...)
			}
			want := model[strings.ToUpper(c.Name)]
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, chain %s:\n got %v\nwant %v\n%s", round, c.Name, got, want, src)
			}
		}
	}
}

// TestDeleteFindsTheFirst: -D by specification deletes the first rule
// that is the same, through the rules' index (deleteRule), in random runs
// of appends, inserts, replacements, deletions by number and by
// specification (of rules there once, twice, or not at all) and
// flushes, with comments and other counters on some rules. The chains
// must equal a plain list model, and every -D of an absent rule must be
// reported.
func TestDeleteFindsTheFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(56, 78))
	for round := range 80 {
		type rule struct {
			port    int
			comment string
		}
		var model []rule
		var lines []string
		misses := 0
		pick := func() rule {
			x := rule{port: 1000 + r.IntN(6)}
			if r.IntN(4) == 0 {
				x.comment = "c"
			}
			return x
		}
		spec := func(x rule) string {
			s := fmt.Sprintf("-p tcp --dport %d", x.port)
			if x.comment != "" {
				s += " -m comment --comment " + x.comment
			}
			return s + " -j ACCEPT"
		}
		for range 30 + r.IntN(120) {
			n := len(model)
			x := pick()
			switch op := r.IntN(12); {
			case op < 4:
				counters := ""
				if r.IntN(3) == 0 {
					counters = fmt.Sprintf("-c %d %d ", r.IntN(9), r.IntN(900))
				}
				lines = append(lines, "-A INPUT "+counters+spec(x))
				model = append(model, x)
			case op < 5:
				lines = append(lines, "-I INPUT "+spec(x))
				model = append([]rule{x}, model...)
			case op < 6:
				at := 1 + r.IntN(n+1)
				lines = append(lines, fmt.Sprintf("-I INPUT %d %s", at, spec(x)))
				model = slices.Insert(model, at-1, x)
			case op < 7 && n > 0:
				at := 1 + r.IntN(n)
				lines = append(lines, fmt.Sprintf("-R INPUT %d %s", at, spec(x)))
				model[at-1] = x
			case op < 8 && n > 0:
				at := 1 + r.IntN(n)
				lines = append(lines, fmt.Sprintf("-D INPUT %d", at))
				model = slices.Delete(model, at-1, at)
			case op < 11:
				lines = append(lines, "-D INPUT "+spec(x))
				if i := slices.Index(model, x); i >= 0 {
					model = slices.Delete(model, i, i+1)
				} else {
					misses++
				}
			case r.IntN(5) == 0:
				lines = append(lines, "-F INPUT")
				model = nil
			}
		}
		tr, src := filterTable("d.rules", lines, "INPUT")
		var got []rule
		for _, c := range tr.Ruleset().Tables[0].Chains {
			for _, rl := range c.Rules {
				for _, p := range markerPorts(rl) {
					got = append(got, rule{p, rl.Comment})
				}
			}
		}
		if !slices.Equal(got, model) {
			t.Fatalf("round %d:\n got %v\nwant %v\n%s", round, got, model, src)
		}
		bad := 0
		for _, d := range tr.Diags() {
			if strings.Contains(d.Msg, "Bad rule") {
				bad++
			}
		}
		if bad != misses {
			t.Fatalf("round %d: %d deletions reported missing, want %d\n%s", round, bad, misses, src)
		}
	}
}

// TestSameRuleAsDeepEqual compares sameRule with the comparison it
// replaced (reflect.DeepEqual of the statements with every counter made
// the same) on every pair of a varied set of translated rules, some
// repeated with other counter values or comments.
func TestSameRuleAsDeepEqual(t *testing.T) {
	old := func(a, b *ir.Rule) bool {
		strip := func(r *ir.Rule) []ir.Stmt {
			var out []ir.Stmt
			for _, s := range r.Stmts {
				if _, ok := s.(*ir.Counter); ok {
					s = &ir.Counter{}
				}
				out = append(out, s)
			}
			return out
		}
		return a.Comment == b.Comment && reflect.DeepEqual(strip(a), strip(b))
	}
	r := rand.New(rand.NewPCG(5, 6))
	parts := [][]string{
		{"", "-s 10.0.0.1", "-s 10.0.0.0/8", "! -s 10.0.0.1", "-d 192.0.2.0/24"},
		{"", "-i eth0", "-i eth+", "-o wg0"},
		{"", "-p tcp --dport 22", "-p tcp -m multiport --dports 80,443", "-p udp --dport 53", "-p icmp --icmp-type echo-request"},
		{"", "-m conntrack --ctstate NEW", "-m comment --comment web", "-m comment --comment ssh", "-m limit --limit 5/min"},
		{"-j ACCEPT", "-j DROP", "-j LOG --log-prefix x", "-j REJECT", "-j MARK --set-mark 1", ""},
	}
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n")
	for range 150 {
		line := "-A INPUT"
		for _, p := range parts {
			if w := p[r.IntN(len(p))]; w != "" {
				line += " " + w
			}
		}
		fmt.Fprintf(&b, "[%d:%d] %s\n", r.IntN(3), r.IntN(3), line)
		if r.IntN(3) == 0 {
			fmt.Fprintf(&b, "[%d:%d] %s\n", 5+r.IntN(3), r.IntN(9), line) // the same rule, other counters
		}
	}
	b.WriteString("COMMIT\n")
	f := iptparse.ParseFile("s.rules", b.String(), Registry{}, iptparse.FamilyIPv4)
	tr := New(Options{})
	tr.AddFile(f)
	rules := tr.Ruleset().Tables[0].Chains[0].Rules
	same := 0
	for _, x := range rules {
		for _, y := range rules {
			got, want := sameRule(x, y), old(x, y)
			if got != want {
				t.Fatalf("sameRule = %v, DeepEqual %v:\n%s\n%s", got, want, x.Source(), y.Source())
			}
			if got && x != y {
				same++
			}
		}
	}
	if same == 0 {
		t.Fatal("no two distinct rules compared equal: the test compares nothing")
	}
}

// TestChainOrder runs random creations, deletions (one chain at a time,
// or all, which iptables refuses while one has rules), renames and rules
// in user chains, and compares the chains of the ruleset, in order, with
// a plain list: chains deleted one at a time leave their key behind until
// the order is needed (orderOf).
func TestChainOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	for round := range 400 {
		var model []string // user chains in creation order
		rules := map[string]int{}
		var lines []string
		for range 30 + r.IntN(60) {
			name := fmt.Sprintf("c%d", r.IntN(12))
			has := slices.Contains(model, name)
			switch op := r.IntN(10); {
			case op < 4 && !has:
				lines = append(lines, "-N "+name)
				model = append(model, name)
			case op < 6 && has && rules[name] == 0:
				lines = append(lines, "-X "+name)
				model = slices.DeleteFunc(model, func(s string) bool { return s == name })
			case op < 7 && has:
				lines = append(lines, "-A "+name+" -j ACCEPT")
				rules[name]++
			case op < 8 && has:
				lines = append(lines, "-F "+name)
				rules[name] = 0
			case op < 9 && has:
				// A new name, or one a deleted chain had.
				to := fmt.Sprintf("r%d", round*1000+len(lines))
				if c := fmt.Sprintf("c%d", r.IntN(12)); !slices.Contains(model, c) {
					to = c
				}
				lines = append(lines, "-E "+name+" "+to)
				model[slices.Index(model, name)] = to
				rules[to], rules[name] = rules[name], 0
			case op == 9 && r.IntN(5) == 0:
				// As iptables: all user chains, or none if one has rules.
				lines = append(lines, "-X")
				if !slices.ContainsFunc(model, func(s string) bool { return rules[s] > 0 }) {
					model = nil
				}
			}
		}
		tr, src := filterTable("c.rules", lines, "INPUT")
		var got []string
		for _, c := range tr.Ruleset().Tables[0].Chains {
			if c.Hook == nil {
				got = append(got, c.Name)
			}
		}
		if !slices.Equal(got, model) {
			t.Fatalf("round %d:\n got %v\nwant %v\n%s", round, got, model, src)
		}
	}
}

// TestOneIntRange: sets of numbers and number ranges that cover one
// range without a gap become that range, written like their first
// element; anything else stays a set.
func TestOneIntRange(t *testing.T) {
	hex := func(v uint64) *ir.Integer { return &ir.Integer{Value: v, Base: 16} }
	top := ^uint64(0)
	cases := []struct {
		elems []ir.Expr
		want  string // "" for no range
	}{
		{[]ir.Expr{ir.Int(20), ir.Int(21)}, "20-21"},
		{[]ir.Expr{ir.Int(21), ir.Int(20), ir.Int(22)}, "20-22"},
		{[]ir.Expr{ir.Int(20), ir.Int(21), ir.Int(25)}, ""},
		{[]ir.Expr{ir.IntRange(1, 5), ir.IntRange(3, 9), ir.Int(10)}, "1-10"},
		{[]ir.Expr{ir.Int(5), ir.Int(5)}, "5"},
		{[]ir.Expr{hex(0x64), hex(0x65)}, "0x64-0x65"},
		{[]ir.Expr{hex(0x64), ir.Int(0x65)}, ""},
		{[]ir.Expr{ir.Int(top - 1), ir.Int(top), ir.IntRange(top-3, top-2)}, fmt.Sprintf("%d-%d", top-3, top)},
		{[]ir.Expr{ir.Int(top), ir.Int(0)}, ""},
		{[]ir.Expr{&ir.Elem{Key: ir.Int(1), Comment: "c"}, ir.Int(2)}, ""},
		{[]ir.Expr{&ir.Symbol{Name: "tcp"}, ir.Int(7)}, ""},
	}
	p := &emit.Printer{}
	for _, c := range cases {
		got := ""
		if v, ok := oneIntRange(c.elems); ok {
			got = p.Expr(v)
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", p.Expr(&ir.SetLit{Elems: c.elems}), got, c.want)
		}
	}
	// Only equality (and inequality) with the set becomes a range.
	r := &ir.Rule{Stmts: []ir.Stmt{
		ir.Cmp(&ir.Payload{Proto: "tcp", Field: "dport"}, ir.CmpNe, &ir.SetLit{Elems: []ir.Expr{ir.Int(1), ir.Int(2)}}),
		ir.Cmp(&ir.Payload{Proto: "tcp", Field: "sport"}, ir.CmpLt, &ir.SetLit{Elems: []ir.Expr{ir.Int(1), ir.Int(2)}}),
	}}
	flattenSingletons(r)
	if _, ok := r.Stmts[0].(*ir.Match).Right.(*ir.Range); !ok {
		t.Errorf("!= { 1, 2 } stays %s", p.Expr(r.Stmts[0].(*ir.Match).Right))
	}
	if _, ok := r.Stmts[1].(*ir.Match).Right.(*ir.SetLit); !ok {
		t.Errorf("< { 1, 2 } became %s", p.Expr(r.Stmts[1].(*ir.Match).Right))
	}
}

// TestL4Bit checks l4Bit's switch against l4Names.
func TestL4Bit(t *testing.T) {
	for i, n := range l4Names {
		if got := l4Bit(n); got != 1<<i {
			t.Errorf("l4Bit(%q) = %b, want %b", n, got, 1<<i)
		}
	}
	for _, n := range []string{"", "ip", "tcpx", "ud"} {
		if got := l4Bit(n); got != 0 {
			t.Errorf("l4Bit(%q) = %b, want 0", n, got)
		}
	}
}

// TestSetsKeepRulesBeforeMerge checks that a sets round keeps the rules
// before its first merge (the round makes its result only then).
func TestSetsKeepRulesBeforeMerge(t *testing.T) {
	got, _ := optimized(t, OptOptions{Sets: true, Counters: true}, `
-A INPUT -p udp -j ACCEPT
-A INPUT -i eth0 -j ACCEPT
-A INPUT -s 10.0.0.1 -j DROP
-A INPUT -s 10.0.0.2 -j DROP
-A INPUT -p tcp -j ACCEPT`)
	want := "input: ip protocol udp accept\ninput: iifname \"eth0\" accept\ninput: ip saddr { 10.0.0.1, 10.0.0.2 } drop\ninput: ip protocol tcp accept"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestChainOrderLongestFirst checks chainOrder against a stable sort by
// length, longest first, of chains with many lengths alike, empty ones,
// and runs.
func TestChainOrderLongestFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 0xc4a1))
	for range 50 {
		chains := make([]*ir.Chain, r.IntN(300))
		for i := range chains {
			n := r.IntN(1 + r.IntN(70000))
			if r.IntN(3) == 0 {
				n = r.IntN(4) + []int{0, 250, 1000}[r.IntN(3)] // around a bucket's bounds
			}
			c := &ir.Chain{Rules: make([]*ir.Rule, n)}
			if r.IntN(5) == 0 {
				c.Rules = c.Rules[:0]
				c.Deferred = &ruleRun{n: r.IntN(40)}
			}
			chains[i] = c
		}
		want := make([]int, len(chains))
		for i := range want {
			want[i] = i
		}
		slices.SortStableFunc(want, func(a, b int) int { return chainLen(chains[b]) - chainLen(chains[a]) })
		got := chainOrder(chains)
		for k, i := range want {
			if int(uint32(got[k])) != i {
				t.Fatalf("%d chains: place %d holds chain %d (%d rules), want %d (%d rules)", len(chains), k, uint32(got[k]), chainLen(chains[uint32(got[k])]), i, chainLen(chains[i]))
			}
		}
	}
}

// TestMapsKeepOneRule checks what finishChain leans on to skip the map
// passes for a chain of one rule: mergeVMaps and mergeNatMaps give such
// a chain back as it is and report no merge.
func TestMapsKeepOneRule(t *testing.T) {
	script := `
-t filter -A INPUT -p tcp --dport 22 -j ACCEPT
-t filter -A INPUT -s 10.0.0.1 -j DROP
-t filter -A INPUT -p tcp -m multiport --dports 80,443 -j SVC
-t filter -A INPUT -d 10.0.0.0/8 -j SVC
-t filter -A INPUT -m comment --comment c -i eth0 -g SVC
-t filter -A SVC -j RETURN
-t nat -A PREROUTING -d 203.0.113.1 -p tcp --dport 8080 -j DNAT --to-destination 192.168.1.1:80
-t nat -A PREROUTING -p udp --dport 53 -j DNAT --to-destination 192.168.1.2
-t nat -A POSTROUTING -s 192.168.0.0/16 -j SNAT --to-source 203.0.113.1
-t nat -A POSTROUTING -o eth0 -j MASQUERADE
-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 3128`
	tr := New(Options{})
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		args, err := shlex.Split(line)
		if err != nil {
			t.Fatal(err)
		}
		p := &iptparse.Parser{Registry: Registry{}, Family: iptparse.FamilyIPv4}
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs(args, "t"))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		tr.AddCommand(cmd)
	}
	n := 0
	for _, tb := range tr.Ruleset().Tables {
		for _, c := range tb.Chains {
			for _, r := range c.Rules {
				n++
				for name, pass := range map[string]func([]*ir.Rule, *OptReport) []*ir.Rule{
					"vmap":   mergeVMaps,
					"natmap": func(rs []*ir.Rule, rep *OptReport) []*ir.Rule { return mergeNatMaps(tb.Family, rs, rep) },
				} {
					var rep OptReport
					one := []*ir.Rule{r}
					if got := pass(one, &rep); len(got) != 1 || got[0] != r || len(rep.Merges) != 0 {
						t.Errorf("%s of the one rule %d of chain %s: %d rules, %d merges", name, n, c.Name, len(got), len(rep.Merges))
					}
				}
			}
		}
	}
	if n < 11 {
		t.Errorf("%d rules translated", n)
	}
}
