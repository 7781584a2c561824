package translate

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// TestSlabTrim checks that trim gives back only the room of the slice
// last handed out, and that a trimmed slice's appends never write into
// what the slab hands out next.
func TestSlabTrim(t *testing.T) {
	var s slab[int]
	a := s.slice(8)
	a = append(a, 1, 2, 3)
	a = s.trim(a)
	if len(a) != 3 || cap(a) != 3 {
		t.Fatalf("trimmed: len %d cap %d, want 3 3", len(a), cap(a))
	}
	b := s.slice(8)
	if &b[:1][0] != &s.blk[3] {
		t.Fatal("the next slice does not start where the trimmed one ends")
	}
	b = append(b, 4, 5)
	a = append(a, 99) // must reallocate
	if b[0] != 4 || b[1] != 5 || a[3] != 99 {
		t.Fatalf("an append to a trimmed slice wrote into the next: a %v, b %v", a, b)
	}
	// Not the last slice: left as it is.
	if got := s.trim(a[:0]); cap(got) != cap(a) {
		t.Fatalf("trimmed a slice that was not the last handed out: cap %d, want %d", cap(got), cap(a))
	}
	c := s.slice(4)
	if c = s.trim(c); cap(c) != 0 {
		t.Fatalf("empty slice trimmed to cap %d, want 0", cap(c))
	}
	d := s.slice(4)
	d = append(d, 7)
	b2 := s.trim(b) // b is not the last any more
	if cap(b2) != 8 {
		t.Fatalf("trim of an earlier slice changed it: cap %d", cap(b2))
	}
	if d[0] != 7 {
		t.Fatal("slice after an empty trimmed one was overwritten")
	}
}

// TestSharedValues checks that rules share their address payloads and
// plain verdicts, and that renaming a chain renames only the jumps to it
// (jumps are not shared).
func TestSharedValues(t *testing.T) {
	tr := New(Options{})
	tr.AddText("shared.rules", `*filter
:INPUT ACCEPT [0:0]
:A - [0:0]
-A INPUT -s 10.0.0.1 -j DROP
-A INPUT -s 10.0.0.2 -j DROP
-A INPUT -j A
-E A B
:A - [0:0]
-A INPUT -j A
COMMIT
`, iptparse.FamilyIPv4)
	rs := tr.Ruleset()
	var rules []*ir.Rule
	for _, tb := range rs.Tables {
		if c := tb.Chain("input"); c != nil {
			rules = c.Rules
		}
	}
	if len(rules) != 4 {
		t.Fatalf("%d rules in INPUT, want 4", len(rules))
	}
	if rules[0].Stmts[0].(*ir.Match).Left != rules[1].Stmts[0].(*ir.Match).Left {
		t.Error("two rules testing ip saddr do not share the payload")
	}
	last := func(r *ir.Rule) *ir.Verdict { return r.Stmts[len(r.Stmts)-1].(*ir.Verdict) }
	if last(rules[0]) != last(rules[1]) {
		t.Error("two rules ending in drop do not share the verdict")
	}
	if got := last(rules[2]).Chain + " " + last(rules[3]).Chain; got != "B A" {
		t.Errorf("jumps after the rename: %s, want B A", got)
	}
}

// TestSlabGiveBack checks that vals and slab take back only the value or
// trimmed slice they handed out last, zeroed, and hand it out again.
func TestSlabGiveBack(t *testing.T) {
	var v vals[int]
	p, q := v.new(), v.new()
	*p, *q = 1, 2
	if v.giveBack(p) || *p != 1 { // not the last
		t.Fatal("took back a value that was not the last handed out")
	}
	if !v.giveBack(q) {
		t.Fatal("did not take back the last value handed out")
	}
	if r := v.new(); r != q || *r != 0 {
		t.Fatalf("the value given back is not handed out again, zeroed (%v, %d)", r == q, *r)
	}
	if r := v.new(); r == p || r == q || *p != 1 {
		t.Fatal("a value handed out twice")
	}
	var s slab[int]
	a := s.trim(append(s.slice(8), 1, 2))
	b := s.trim(append(s.slice(8), 3))
	s.giveBackSlice(a) // not the last
	if a[0] != 1 {
		t.Fatal("took back a slice that was not the last handed out")
	}
	s.giveBackSlice(b)
	if c := s.slice(1); &c[:1][0] != &b[0] || b[0] != 0 {
		t.Fatal("the slice given back is not handed out again, zeroed")
	}
	s.giveBackSlice(make([]int, 1)) // not from the slab
}

// TestRunMembersGiveBack checks that a run's members, each the only rule
// of its command, are made in the same memory: the rule block never
// grows past its first sizes.
func TestRunMembersGiveBack(t *testing.T) {
	tr := runTranslator(t, 5000, func(i int) string { return fmt.Sprintf("10.%d.%d.1", i/250, i%250) })
	if n := tr.alloc.rules.next; n >= maxSlab {
		t.Errorf("rule blocks grew to %d rules: run members were not given back", n)
	}
	if n, m := tr.alloc.addrs.next, tr.alloc.counters.next; n >= maxSlab || m >= maxSlab {
		t.Errorf("address and counter blocks grew to %d and %d: run members' were not given back", n, m)
	}
	if u, _ := tr.Ruleset().Tables[0].Chain("BL").Deferred.(*ruleRun); u == nil || u.Len() != 5000 {
		t.Fatal("chain BL not held as a run of 5000 rules")
	}
}

// TestRulesetReleasesLayout checks that the finished ruleset leaves the
// translator without its chain indexes, and that asking again gives the
// same ruleset.
func TestRulesetReleasesLayout(t *testing.T) {
	tr := New(Options{})
	tr.AddText("a.rules", "*filter\n:A - [0:0]\n-A INPUT -j A\n-A A -s 10.0.0.1/32 -j DROP\nCOMMIT\n", iptparse.FamilyIPv4)
	rs := tr.Ruleset()
	if tr.native != nil {
		t.Error("the translator keeps its chain indexes after the ruleset is finished")
	}
	if again := tr.Ruleset(); again != rs {
		t.Error("Ruleset made the ruleset again")
	}
}

// TestBlockValuesKept checks that the values extensions take from the
// translator's blocks (NAT statements, statistic's random test, "-m tcp"
// alone, multiport's ports, LOG's prefix) stay each rule's own: each
// value is handed out once.
func TestBlockValuesKept(t *testing.T) {
	tr := New(Options{})
	tr.AddText("blocks.rules", `*nat
:PREROUTING ACCEPT [0:0]
:SVC - [0:0]
:SEP1 - [0:0]
:SEP2 - [0:0]
-A PREROUTING -p tcp -m multiport --dports 80,443 -j SVC
-A SVC -m statistic --mode random --probability 0.5 -j SEP1
-A SVC -j SEP2
-A SEP1 -p tcp -m tcp -j LOG --log-prefix one
-A SEP1 -p tcp -m tcp -j DNAT --to-destination 10.0.0.1:8080
-A SEP2 -p tcp -m tcp -j DNAT --to-destination 10.0.0.2:8081
COMMIT
`, iptparse.FamilyIPv4)
	got := rulesetText(tr.Ruleset())
	for _, want := range []string{
		"tcp dport { 80, 443 }", "meta random & 2147483647 < 1073741824", `log prefix "one"`,
		"dnat to 10.0.0.1:8080", "dnat to 10.0.0.2:8081",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}

// TestSharedMatches checks that a rule shares the interface, address and
// port matches of the rule made before it when they are the same (the
// negation, the value and the field too), and has its own otherwise.
func TestSharedMatches(t *testing.T) {
	tr := New(Options{})
	tr.AddText("shared.rules", `*nat
:PREROUTING ACCEPT [0:0]
-A PREROUTING -d 203.0.113.1/32 -i eth0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.168.1.1:80
-A PREROUTING -d 203.0.113.1/32 -i eth0 -p tcp -m tcp --dport 81 -j DNAT --to-destination 192.168.1.2:80
-A PREROUTING ! -d 203.0.113.1/32 ! -i eth0 -p tcp -m tcp --dport 81 -j DNAT --to-destination 192.168.1.3:80
-A PREROUTING -s 203.0.113.1/32 -i eth1 -p udp -m udp --dport 81 -j DNAT --to-destination 192.168.1.4:80
-A PREROUTING -s 203.0.113.0/24 -d 203.0.113.0/24 -i eth1+ -p udp -m udp --sport 81 -j DNAT --to-destination 192.168.1.5:80
-A PREROUTING -s 203.0.113.0/24 -d 203.0.113.0/25 -i eth1+ -p udp -m udp --sport 81 -j DNAT --to-destination 192.168.1.6:80
-A PREROUTING -p udp -m udp ! --sport 81 -j DNAT --to-destination 192.168.1.7:80
COMMIT
`, iptparse.FamilyIPv4)
	rs := tr.Ruleset()
	rules := rs.Tables[0].Chain("nat_prerouting").Rules
	if len(rules) != 7 {
		t.Fatalf("%d rules, want 7", len(rules))
	}
	// match is rule i's match whose text starts with sel.
	match := func(i int, sel string) *ir.Match {
		for _, s := range rules[i].Stmts {
			if m, ok := s.(*ir.Match); ok && strings.HasPrefix((&emit.Printer{}).Stmt(m), sel) {
				return m
			}
		}
		t.Fatalf("rule %d has no %q match", i, sel)
		return nil
	}
	for _, c := range []struct {
		i, j  int
		sel   string
		share bool
	}{
		{0, 1, "ip daddr", true},
		{0, 1, "iifname", true},
		{0, 1, "tcp dport", false}, // another port
		{1, 2, "ip daddr", false},  // negated
		{1, 2, "iifname", false},
		{1, 2, "tcp dport", true},
		{2, 3, "iifname", false},  // another interface
		{3, 4, "ip saddr", false}, // an address, then a prefix
		{3, 4, "iifname", false},
		{4, 5, "ip saddr", true},
		{4, 5, "iifname", true},
		{4, 5, "udp sport", true},
		{4, 5, "ip daddr", false}, // another prefix length
		{5, 6, "udp sport", false},
	} {
		if got := match(c.i, c.sel) == match(c.j, c.sel); got != c.share {
			t.Errorf("rules %d and %d share their %s match: %v, want %v", c.i, c.j, c.sel, got, c.share)
		}
	}
	want := []string{
		`iifname "eth0" ip daddr 203.0.113.1 tcp dport 81 counter dnat to 192.168.1.2:80`,
		`iifname != "eth0" ip daddr != 203.0.113.1 tcp dport 81 counter dnat to 192.168.1.3:80`,
		`iifname "eth1" ip saddr 203.0.113.1 udp dport 81 counter dnat to 192.168.1.4:80`,
		`iifname "eth1*" ip saddr 203.0.113.0/24 ip daddr 203.0.113.0/25 udp sport 81 counter dnat to 192.168.1.6:80`,
		`udp sport != 81 counter dnat to 192.168.1.7:80`,
	}
	text := rulesetText(rs)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("no rule %s in\n%s", w, text)
		}
	}
}

// TestRunRulesShareNoMatch checks that the rules of a chain that a run
// may hold take no match made for another rule (nativeLayout.mayShare):
// a run's members give theirs back to their blocks.
func TestRunRulesShareNoMatch(t *testing.T) {
	tr := New(Options{Runs: true})
	tr.AddText("runshare.rules", `*nat
:PREROUTING ACCEPT [0:0]
-A PREROUTING -s 10.0.0.1/32 -j ACCEPT
COMMIT
*filter
:BL - [0:0]
-A BL -s 10.0.0.1/32 -j DROP
-A BL -s 10.0.0.2/32 -j DROP
-A BL -s 10.0.0.3/32 -j DROP
COMMIT
`, iptparse.FamilyIPv4)
	rs := tr.Ruleset()
	nat := rs.Tables[0].Chain("nat_prerouting").Rules[0].Stmts[0].(*ir.Match)
	u, _ := rs.Tables[0].Chain("BL").Deferred.(*ruleRun)
	if u == nil || u.Len() != 3 {
		t.Fatal("chain BL not held as a run of 3 rules")
	}
	if u.head.Stmts[0] == ir.Stmt(nat) {
		t.Error("a run's first rule shares its address match with a rule of another chain")
	}
}

// TestPayloadSlots checks that ruleAlloc.payload hands out the one shared
// payload of each field however the fields it is asked for alternate,
// those of one slot included, and a payload of its own each time past
// maxSharedPayloads distinct fields.
func TestPayloadSlots(t *testing.T) {
	var a ruleAlloc
	var keys [][2]string
	for _, proto := range []string{"ip", "ip6", "tcp", "udp", "th", ""} {
		for _, field := range []string{"saddr", "daddr", "sport", "dport", "protocol", "nexthdr", ""} {
			keys = append(keys, [2]string{proto, field})
		}
	}
	if len(keys) <= maxSharedPayloads {
		t.Fatalf("%d fields, all shared", len(keys))
	}
	first := map[[2]string]*ir.Payload{}
	for round := range 3 {
		for i := range keys {
			k := keys[(i*5+round)%len(keys)] // 5: prime to len(keys)
			for range 2 {
				// Strings of their own, not the constants above.
				p := a.payload(strings.Clone(k[0]), strings.Clone(k[1]))
				if p.Proto != k[0] || p.Field != k[1] {
					t.Fatalf("payload(%q, %q) = %q %q", k[0], k[1], p.Proto, p.Field)
				}
				q, ok := first[k]
				if !ok {
					first[k] = p
					continue
				}
				if shared := slices.Contains(a.sharedPayloads, q); (p == q) != shared {
					t.Fatalf("payload(%q, %q): the same as before: %v; shared: %v", k[0], k[1], p == q, shared)
				}
			}
		}
	}
}

// TestNoOrigin checks that exact mode gives rules and declared chains
// their positions, and none with NoOrigin.
func TestNoOrigin(t *testing.T) {
	src := "*filter\n:INPUT ACCEPT [0:0]\n:MINE - [0:0]\n-A MINE -j ACCEPT\nCOMMIT\n"
	for _, noOrigin := range []bool{false, true} {
		tr := New(Options{Exact: true, NoOrigin: noOrigin})
		tr.AddText("f", src, iptparse.FamilyIPv4)
		var n int
		for _, c := range tr.Commands() {
			var origin []iptparse.Pos
			switch {
			case c.Op == ir.CmdAddChain:
				origin = c.Chain.Origin
			case c.Rule != nil:
				origin = c.Rule.Origin
			default:
				continue
			}
			n++
			if (origin == nil) != noOrigin {
				t.Errorf("NoOrigin %v: %s %v", noOrigin, (&emit.Printer{}).CommandText(c), origin)
			}
		}
		if n != 3 {
			t.Errorf("NoOrigin %v: %d chains and rules", noOrigin, n)
		}
	}
}

// TestExactSharedValues checks exact mode's values shared by its rules:
// each rule prints its own protocol ("meta l4proto" for tcp and udp in
// turn) and a counter without values, whatever the dump's counters; and
// normal mode still gives each rule its own counter values.
func TestExactSharedValues(t *testing.T) {
	src := `*nat
:PREROUTING ACCEPT [0:0]
[1:10] -A PREROUTING -p tcp -m tcp -j DNAT --to-destination 10.0.0.1:80
[2:20] -A PREROUTING -p udp -m udp -j DNAT --to-destination 10.0.0.2:53
[3:30] -A PREROUTING -p tcp -m tcp -j DNAT --to-destination 10.0.0.3:80
COMMIT
`
	var got []string
	p := &emit.Printer{Style: emit.Style{Upstream: true}}
	tr := New(Options{Exact: true, EmitCommand: func(c *ir.Command) {
		if c.Rule != nil {
			got = append(got, p.CommandText(c))
		}
	}})
	tr.AddText("f", src, iptparse.FamilyIPv4)
	want := []string{
		"add rule ip nat PREROUTING meta l4proto tcp counter dnat to 10.0.0.1:80",
		"add rule ip nat PREROUTING meta l4proto udp counter dnat to 10.0.0.2:53",
		"add rule ip nat PREROUTING meta l4proto tcp counter dnat to 10.0.0.3:80",
	}
	if !slices.Equal(got, want) {
		t.Errorf("exact mode:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	tr = New(Options{})
	tr.AddText("f", src, iptparse.FamilyIPv4)
	var counters []string
	for _, tb := range tr.Ruleset().Tables {
		for _, ch := range tb.Chains {
			for _, r := range ch.Rules {
				for _, s := range r.Stmts {
					if c, ok := s.(*ir.Counter); ok {
						counters = append(counters, fmt.Sprint(c.Packets, c.Bytes))
					}
				}
			}
		}
	}
	if want := []string{"1 10", "2 20", "3 30"}; !slices.Equal(counters, want) {
		t.Errorf("normal mode's counters %v, want %v", counters, want)
	}
}

// TestAddrPayloadFamilies checks the payloads of -s and -d kept apart
// (addrPayload): each family and field its own, one translator reading
// an IPv4 file and then an IPv6 one.
func TestAddrPayloadFamilies(t *testing.T) {
	var got []string
	p := &emit.Printer{Style: emit.Style{Upstream: true}}
	tr := New(Options{Exact: true, EmitCommand: func(c *ir.Command) {
		if c.Rule != nil {
			got = append(got, p.CommandText(c))
		}
	}})
	tr.AddText("v4", "*filter\n-A INPUT -s 10.0.0.1 -d 10.0.0.2 -j DROP\nCOMMIT\n", iptparse.FamilyIPv4)
	tr.AddText("v6", "*filter\n-A INPUT -s 2001:db8::1 -d 2001:db8::2 -j DROP\n-A INPUT -d 2001:db8::3 -j DROP\nCOMMIT\n", iptparse.FamilyIPv6)
	tr.AddText("v4", "*filter\n-A INPUT -d 10.0.0.3 -j DROP\nCOMMIT\n", iptparse.FamilyIPv4)
	want := []string{
		"add rule ip filter INPUT ip saddr 10.0.0.1 ip daddr 10.0.0.2 counter drop",
		"add rule ip6 filter INPUT ip6 saddr 2001:db8::1 ip6 daddr 2001:db8::2 counter drop",
		"add rule ip6 filter INPUT ip6 daddr 2001:db8::3 counter drop",
		"add rule ip filter INPUT ip daddr 10.0.0.3 counter drop",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRulesHandedOutZeroed: the rules the blocks hand out are zeroed,
// however the rules handed out before their reset were filled, as
// translateRule sets only a rule's statements and comment.
func TestRulesHandedOutZeroed(t *testing.T) {
	var a ruleAlloc
	for i := range 5000 {
		r := a.rules.new()
		if r.Stmts != nil || r.Comment != "" || r.Origin != nil || r.Source() != "" || r.Dead() != "" {
			t.Fatalf("rule %d handed out holds %+v", i, *r)
		}
		r.Stmts, r.Comment, r.Origin = []ir.Stmt{&ir.Counter{}}, "c", []iptparse.Pos{{Line: int32(i)}}
		r.SetSourceIn(a.notes.new(), "-A INPUT")
		a.commandDone()
	}
}

// TestOrigins checks the one-position lists origin hands out from the
// block: each holds its position, has no room past it (the optimizer
// appends merged rules' positions to a rule's list: an append must not
// write over the next list), and the last one given back is handed out
// again.
func TestOrigins(t *testing.T) {
	var a ruleAlloc
	var lists [][]iptparse.Pos
	for i := range 600 { // past a block
		lists = append(lists, a.origin(iptparse.Pos{File: "f", Line: int32(i)}))
	}
	for i, o := range lists {
		if len(o) != 1 || cap(o) != 1 || o[0].Line != int32(i) {
			t.Fatalf("list %d: %v, len %d cap %d", i, o, len(o), cap(o))
		}
	}
	_ = append(lists[0], iptparse.Pos{Line: -1})
	if lists[1][0].Line != 1 {
		t.Fatal("an append to a list wrote over the next")
	}
	last := lists[len(lists)-1]
	a.pos.giveBackSlice(last)
	if o := a.origin(iptparse.Pos{Line: 7}); &o[0] != &last[0] {
		t.Fatal("the list given back is not handed out again")
	}
}
