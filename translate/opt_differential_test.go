package translate_test

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/evalcount"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

// The optimizer must never change what a packet meets. These tests build
// random filter dumps from a small vocabulary (so that rules overlap,
// repeat and differ in one field, which is what the passes look for),
// translate them with every pass off and with every pass on, and follow
// every packet of a small universe through both rulesets with the IR
// interpreter of internal/evalcount: the verdict and the log and reject
// effects must be the same. The kernel tests prove the same on real
// rulesets; this explores the passes' commutation and merge logic far
// more widely, in milliseconds per ruleset.

var (
	diffSources = []string{"10.0.0.1", "10.0.0.2", "10.0.0.0/24", "10.0.1.0/24", "10.0.0.0/16", "192.168.0.1"}
	diffDests   = []string{"10.0.0.1", "172.16.0.1", "172.16.0.0/12"}
	diffIfaces  = []string{"eth0", "eth1", "eth+", "ppp0"}
	diffPorts   = []string{"22", "80", "443", "1000:2000", "1500"}
	diffStates  = []string{"NEW", "ESTABLISHED", "RELATED,ESTABLISHED", "NEW,ESTABLISHED"}
	diffChains  = []string{"U1", "U2", "U3"}
)

// diffRule writes one random rule of chain (a base chain when user < 0,
// else the user chain diffChains[user]; user chains jump only to later
// ones, so there are no loops).
func diffRule(r *rand.Rand, chain string, user int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-A %s", chain)
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	not := func() string {
		if r.IntN(6) == 0 {
			return "! "
		}
		return ""
	}
	if r.IntN(3) == 0 {
		fmt.Fprintf(&b, " %s-s %s", not(), pick(diffSources))
	}
	if r.IntN(5) == 0 {
		fmt.Fprintf(&b, " %s-d %s", not(), pick(diffDests))
	}
	if r.IntN(4) == 0 {
		fmt.Fprintf(&b, " %s-i %s", not(), pick(diffIfaces))
	}
	switch r.IntN(4) {
	case 0, 1:
		proto := pick([]string{"tcp", "udp"})
		fmt.Fprintf(&b, " -p %s", proto)
		switch r.IntN(5) {
		case 0, 1, 2:
			fmt.Fprintf(&b, " -m %s %s--dport %s", proto, not(), pick(diffPorts))
		case 3:
			fmt.Fprintf(&b, " -m multiport --dports %s,%s", pick(diffPorts), pick(diffPorts))
		}
		if r.IntN(6) == 0 {
			fmt.Fprintf(&b, " -m %s --sport %s", proto, pick([]string{"53", "1024:65535"}))
		}
		if proto == "tcp" {
			b.WriteString(tcpFlagsOption(b.String()))
		}
	case 2:
		if r.IntN(2) == 0 {
			b.WriteString(" -p icmp")
		}
	}
	if r.IntN(5) == 0 {
		fmt.Fprintf(&b, " -m conntrack %s--ctstate %s", not(), pick(diffStates))
	}
	if r.IntN(4) == 0 {
		// Comments, the same or different: set elements carry them,
		// next to their counters.
		fmt.Fprintf(&b, " -m comment --comment c%d", r.IntN(3))
	}
	// "" is an accounting rule: no target, only the rule's counter.
	targets := []string{"ACCEPT", "DROP", "REJECT", "LOG --log-prefix p1", "LOG --log-prefix p2", "", ""}
	if user >= 0 {
		targets = append(targets, "RETURN")
	}
	for _, c := range diffChains[user+1:] {
		targets = append(targets, "jump "+c, "goto "+c)
	}
	t := pick(targets)
	switch {
	case strings.HasPrefix(t, "jump "):
		fmt.Fprintf(&b, " -j %s", t[5:])
	case strings.HasPrefix(t, "goto "):
		fmt.Fprintf(&b, " -g %s", t[5:])
	case t == "":
	case t == "DROP" && r.IntN(2) == 0:
		// A run of LOG then DROP with the same matches: LOG fusion's case.
		line := b.String()
		fmt.Fprintf(&b, " -j LOG --log-prefix p3\n%s -j DROP", line)
	default:
		fmt.Fprintf(&b, " -j %s", t)
	}
	return b.String()
}

// tcpFlags are --tcp-flags masks and the values tested under each, as
// anti-DDoS scripts write them.
var tcpFlags = map[string][]string{
	"FIN,SYN,RST,PSH,ACK,URG": {"NONE", "ALL", "FIN,PSH,URG", "FIN,SYN,PSH,URG", "SYN"},
	"SYN,RST":                 {"SYN,RST", "SYN"},
	"FIN,SYN,RST,ACK":         {"SYN", "SYN,ACK"},
}

// tcpFlagsOption gives some TCP rules a --tcp-flags test (sets of
// masked flags' case), or --syn. It draws from a generator of its own,
// seeded by the rule so far, so that dumps without it are what the seeds
// gave before it existed.
func tcpFlagsOption(line string) string {
	h := fnv.New64a()
	h.Write([]byte(line))
	r := rand.New(rand.NewPCG(h.Sum64(), 0xf1a9))
	switch r.IntN(8) {
	case 0, 1:
		masks := []string{"FIN,SYN,RST,PSH,ACK,URG", "FIN,SYN,RST,PSH,ACK,URG", "SYN,RST", "FIN,SYN,RST,ACK"}
		mask := masks[r.IntN(len(masks))]
		not := ""
		if r.IntN(6) == 0 {
			not = "! "
		}
		return fmt.Sprintf(" -m tcp %s--tcp-flags %s %s", not, mask, tcpFlags[mask][r.IntN(len(tcpFlags[mask]))])
	case 2:
		return " -m tcp --syn"
	}
	return ""
}

// diffDump writes a random filter table.
func diffDump(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("*filter\n")
	policy := func() string { return []string{"ACCEPT", "DROP"}[r.IntN(2)] }
	fmt.Fprintf(&b, ":INPUT %s [0:0]\n:FORWARD %s [0:0]\n:OUTPUT ACCEPT [0:0]\n", policy(), policy())
	for _, c := range diffChains {
		fmt.Fprintf(&b, ":%s - [0:0]\n", c)
	}
	emit := func(chain string, user, n int) {
		prev := ""
		for range n {
			line := diffRule(r, chain, user)
			if prev != "" && r.IntN(2) == 0 {
				// Repeat the previous rule with one word changed: the
				// sets and maps passes' case.
				line = mutateWord(r, prev)
			}
			b.WriteString(line + "\n")
			prev = line
		}
	}
	emit("INPUT", -1, 2+r.IntN(14))
	if r.IntN(3) == 0 {
		// Interface dispatch: the verdict maps pass's case.
		for k, iface := range []string{"eth0", "eth1", "ppp0"}[:2+r.IntN(2)] {
			fmt.Fprintf(&b, "-A FORWARD -i %s -j %s\n", iface, diffChains[(k+r.IntN(2))%len(diffChains)])
		}
	}
	emit("FORWARD", -1, r.IntN(6))
	for i, c := range diffChains {
		emit(c, i, r.IntN(8))
	}
	serviceRun(rand.New(rand.NewPCG(uint64(b.Len()), 7)), &b)
	b.WriteString("COMMIT\n")
	if r.IntN(2) == 0 {
		diffNat(r, &b)
	}
	if r.IntN(2) == 0 {
		return b.String()
	}
	// iptables-save -c: each rule's counters name it (the packet count
	// is its number), so that the comparison can tell which counters a
	// packet incremented.
	lines := strings.Split(b.String(), "\n")
	n := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "-A ") {
			n++
			lines[i] = fmt.Sprintf("[%d:%d] %s", n, 100*n, l)
		}
	}
	return strings.Join(lines, "\n")
}

// serviceRun may add to FORWARD a run of rules that differ in their
// source and port list, with the same target: concatenations of rules
// with several values (ip saddr . tcp dport { A . 22, A . 80, B . 443 }).
// It draws from its own generator so that the rest of the dump is what
// the seed gave before it existed.
func serviceRun(r *rand.Rand, b *strings.Builder) {
	if r.IntN(2) == 0 {
		return
	}
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	proto, target := pick([]string{"tcp", "udp"}), pick([]string{"ACCEPT", "DROP", "REJECT"})
	for range 2 + r.IntN(3) {
		ports := "-m multiport --dports " + pick(diffPorts) + "," + pick(diffPorts)
		if r.IntN(3) == 0 {
			ports = "-m " + proto + " --dport " + pick(diffPorts)
		}
		fmt.Fprintf(b, "-A FORWARD -s %s -p %s %s -j %s\n", pick(diffSources), proto, ports, target)
	}
}

// diffNat writes a random nat table: port forwards (the NAT maps pass's
// case), redirects, source NAT and masquerade.
func diffNat(r *rand.Rand, b *strings.Builder) {
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	b.WriteString("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n")
	// kube-proxy's endpoint chains: one rule each, jumped to once (the
	// inline pass's case), or twice, or ending in RETURN (not its case).
	var endpoints strings.Builder
	for k := range r.IntN(4) {
		name := fmt.Sprintf("SEP%d", k)
		fmt.Fprintf(b, ":%s - [0:0]\n", name)
		body := pick([]string{"-p tcp -j DNAT --to-destination 10.9.0.5:8080", "-p udp -m udp --dport 53 -j DNAT --to-destination 10.9.0.2",
			"-s 10.0.0.0/24 -j RETURN", "-j ACCEPT", "-s 10.0.0.1 -j DNAT --to-destination 10.9.0.1"})
		fmt.Fprintf(&endpoints, "-A %s %s\n", name, body)
		if r.IntN(4) == 0 {
			fmt.Fprintf(&endpoints, "-A %s -j DNAT --to-destination 10.9.0.3\n", name)
		}
		for range 1 + r.IntN(2) {
			fmt.Fprintf(&endpoints, "-A PREROUTING %s-d %s -j %s\n", pick([]string{"", "-p tcp -m tcp --dport 80 ", "-i eth1 "}), pick(diffDests), name)
		}
	}
	b.WriteString(endpoints.String())
	for range r.IntN(10) {
		line := "-A PREROUTING"
		if r.IntN(3) == 0 {
			line += " -i " + pick(diffIfaces)
		}
		if r.IntN(4) == 0 {
			line += " -d " + pick(diffDests)
		}
		proto := pick([]string{"tcp", "udp"})
		line += fmt.Sprintf(" -p %s -m %s --dport %s", proto, proto, pick([]string{"22", "80", "443", "1500"}))
		switch r.IntN(5) {
		case 0:
			line += " -j REDIRECT --to-ports 3128"
		case 1:
			line += " -j ACCEPT"
		default:
			line += " -j DNAT --to-destination " + pick([]string{"10.9.0.1", "10.9.0.2:8080", "10.9.0.3:22", "10.9.0.1:80"})
		}
		b.WriteString(line + "\n")
	}
	for range r.IntN(4) {
		line := "-A POSTROUTING"
		if r.IntN(2) == 0 {
			line += " -s " + pick(diffSources)
		}
		if r.IntN(2) == 0 {
			line += " -o " + pick([]string{"eth9", "eth0", "eth+"})
		}
		if r.IntN(2) == 0 {
			line += " -j MASQUERADE"
		} else {
			line += " -j SNAT --to-source " + pick([]string{"198.51.100.1", "198.51.100.2"})
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("COMMIT\n")
}

// mutateWord replaces one address, interface, port or verdict of a rule
// with another of its kind.
func mutateWord(r *rand.Rand, line string) string {
	if strings.Contains(line, "\n") {
		return line
	}
	words := strings.Fields(line)
	var spots []int
	for i := 1; i < len(words); i++ {
		switch words[i-1] {
		case "-s", "-d", "-i", "--dport", "--dports", "--tcp-flags", "-j":
			spots = append(spots, i)
		}
	}
	if len(spots) == 0 {
		return line
	}
	i := spots[r.IntN(len(spots))]
	switch words[i-1] {
	case "-s":
		words[i] = diffSources[r.IntN(len(diffSources))]
	case "-d":
		words[i] = diffDests[r.IntN(len(diffDests))]
	case "-i":
		words[i] = diffIfaces[r.IntN(len(diffIfaces))]
	case "--dport":
		words[i] = diffPorts[r.IntN(len(diffPorts))]
	case "--dports":
		words[i] = diffPorts[r.IntN(len(diffPorts))] + "," + diffPorts[r.IntN(len(diffPorts))]
	case "--tcp-flags":
		// The mask stays; the value tested under it changes.
		if vals := tcpFlags[words[i]]; i+1 < len(words) && len(vals) > 0 {
			words[i+1] = vals[r.IntN(len(vals))]
		}
	case "-j":
		if slices.Contains(diffChains, words[i]) || i != len(words)-1 {
			return line
		}
		words[i] = []string{"ACCEPT", "DROP", "REJECT"}[r.IntN(3)]
	}
	// A new comment, sometimes: rules that differ in it merge too, each
	// element keeping its own.
	if k := slices.Index(words, "--comment"); k > 0 && r.IntN(2) == 0 {
		words[k+1] = fmt.Sprintf("c%d", r.IntN(3))
	}
	return strings.Join(words, " ")
}

// diffPackets is the universe of packets both rulesets are compared on:
// every combination of the vocabulary's values, and some outside it.
func diffPackets() []evalcount.Packet {
	var out []evalcount.Packet
	for _, hook := range []string{"prerouting", "input", "forward", "postrouting"} {
		for _, src := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.9", "10.0.1.1", "10.0.9.9", "192.168.0.1"} {
			for _, dst := range []string{"10.0.0.1", "172.16.0.1", "172.17.0.1"} {
				for _, iif := range []string{"eth0", "eth1", "ppp0"} {
					for _, proto := range []uint8{6, 17, 1} {
						for _, dport := range []uint16{22, 80, 443, 1500, 9999} {
							if proto == 1 && dport != 22 {
								continue
							}
							for _, st := range []string{"new", "established", "related"} {
								// TCP packets with other flags than SYN
								// (the first) for one port: --tcp-flags'
								// cases.
								flags := []uint8{0x02}
								if proto == 6 && dport == 22 {
									flags = append(flags, 0x12, 0x00, 0x29, 0x3f, 0x06)
								}
								for _, fl := range flags {
									out = append(out, evalcount.Packet{Hook: hook, Iif: iif, Oif: "eth9",
										Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst),
										Proto: proto, SPort: 1024, DPort: dport, CtState: st, TCPFlags: fl})
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}

// diffCompare translates dump twice and compares every packet's fate. It
// returns the number of rules before and after optimization, and counts
// in kinds (if not nil) the optimizer's constructs in the result.
func diffCompare(t *testing.T, dump string, packets []evalcount.Packet, kinds map[string]int) (before, after int) {
	t.Helper()
	f := iptparse.ParseFile("random.rules", dump, translate.Registry{}, iptparse.FamilyIPv4)
	if errs := f.Errors(); len(errs) > 0 {
		t.Fatalf("generated dump does not parse: %v\n%s", errs, dump)
	}
	build := func(optimize bool) *ir.Ruleset {
		tr := translate.New(translate.Options{})
		tr.AddFile(f)
		rs := tr.Ruleset()
		if optimize {
			translate.MergeInet(rs, &translate.OptReport{})
			rep := translate.Optimize(rs, translate.AllOpt())
			for _, m := range rep.Merges {
				if kinds != nil && strings.Contains(m.Reason, "rules in between") {
					kinds["merge past other rules"]++
				}
				if kinds != nil && m.Pass == "inline" {
					kinds["inlined chain"]++
				}
			}
		}
		return rs
	}
	lit, opt := build(false), build(true)
	count := func(rs *ir.Ruleset) (n int) {
		for _, tb := range rs.Tables {
			for _, c := range tb.Chains {
				n += len(c.Rules)
				if rs == opt && kinds != nil {
					for _, r := range c.Rules {
						for _, st := range r.Stmts {
							switch st := st.(type) {
							case *ir.VMap:
								kinds["verdict map"]++
							case *ir.Nat:
								if _, ok := st.Addr.(*ir.MapLookup); ok {
									kinds["NAT map"]++
								}
							case *ir.Log:
								if len(r.Stmts) > 0 {
									if _, ok := r.Stmts[len(r.Stmts)-1].(*ir.Verdict); ok {
										kinds["log fused"]++
									}
								}
							case *ir.Match:
								if set, ok := st.Right.(*ir.SetLit); ok {
									kinds["set"]++
									if _, ok := st.Left.(*ir.Binary); ok {
										kinds["masked flags set"]++
									}
									if _, ok := st.Left.(*ir.Concat); ok && len(set.Elems) > len(r.Origin) {
										// A rule with several values gave several elements.
										kinds["concatenation product"]++
									}
									if el, ok := set.Elems[0].(*ir.Elem); ok && el.Counter != nil {
										kinds["element counters"]++
									}
									if slices.ContainsFunc(set.Elems, func(e ir.Expr) bool {
										el, ok := e.(*ir.Elem)
										return ok && el.Counter != nil && el.Comment != ""
									}) {
										kinds["element counters with comments"]++
									}
								}
							}
						}
					}
				}
			}
		}
		return n
	}
	// The rules reported as never matching (after an unconditional
	// verdict, or shadowed by an earlier rule) must be removable without
	// any packet noticing.
	pruned := build(false)
	dead := map[*ir.Rule]bool{}
	for _, d := range translate.Optimize(pruned, translate.OptOptions{}).Dead {
		dead[d.Rule] = true
	}
	if kinds != nil {
		kinds["dead rules"] += len(dead)
	}
	for _, tb := range pruned.Tables {
		for _, c := range tb.Chains {
			c.Rules = slices.DeleteFunc(c.Rules, func(r *ir.Rule) bool { return dead[r] })
		}
	}
	same := func(p evalcount.Packet, name string, other *ir.Ruleset) {
		a, err := evalcount.Count(lit, p)
		if err != nil {
			t.Fatalf("literal: %v\n%s", err, dump)
		}
		b, err := evalcount.Count(other, p)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, dump)
		}
		slices.Sort(a.Counted)
		slices.Sort(b.Counted)
		if a.Verdict != b.Verdict || !slices.Equal(a.Effects, b.Effects) || !slices.Equal(a.Counted, b.Counted) {
			t.Fatalf("packet %+v:\n  literal   %s %v %v\n  %-9s %s %v %v\ndump:\n%s", p, a.Verdict, a.Effects, a.Counted, name, b.Verdict, b.Effects, b.Counted, dump)
		}
	}
	for _, p := range packets {
		same(p, "optimized", opt)
		same(p, "less dead", pruned)
	}
	return count(lit), count(opt)
}

// TestOptimizerDifferential runs 400 random rulesets through the
// comparison (about 2,200 packets each).
func TestOptimizerDifferential(t *testing.T) {
	packets := diffPackets()
	n := 400
	if testing.Short() {
		n = 50
	}
	before, after := 0, 0
	kinds := map[string]int{}
	for seed := range n {
		r := rand.New(rand.NewPCG(uint64(seed), 0x1b2))
		b, a := diffCompare(t, diffDump(r), packets, kinds)
		before, after = before+b, after+a
	}
	// The vocabulary is meant to give the passes work: if nothing merges,
	// the test tests nothing.
	if after >= before*95/100 {
		t.Fatalf("optimizer merged too little to be tested: %d rules → %d", before, after)
	}
	for _, k := range []string{"set", "masked flags set", "verdict map", "NAT map", "log fused", "element counters", "element counters with comments", "concatenation product", "merge past other rules", "dead rules", "inlined chain"} {
		if kinds[k] == 0 {
			t.Errorf("no %s in any optimized ruleset: that pass went untested", k)
		}
	}
	t.Logf("%d rulesets, %d packets each: %d rules → %d (%v), all packets alike", n, len(packets), before, after, kinds)
}

// FuzzOptimizerDifferential explores more rulesets: the fuzzer's input
// seeds the generator.
func FuzzOptimizerDifferential(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(77), uint64(0))
	packets := diffPackets()
	f.Fuzz(func(t *testing.T, a, b uint64) {
		diffCompare(t, diffDump(rand.New(rand.NewPCG(a, b))), packets, nil)
	})
}

// accountingDump writes a FORWARD chain of per-host accounting rules, a
// source and a destination rule per host in either order, as traffic
// accounting scripts write them; with mixed set, some rules also test
// the protocol and some hosts also get a verdict rule in between.
func accountingDump(r *rand.Rand, hosts int, mixed bool) string {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n")
	n := 0
	rule := func(s string) {
		n++
		fmt.Fprintf(&b, "[%d:%d] -A FORWARD %s\n", n, 100*n, s)
	}
	for h := 1; h <= hosts; h++ {
		dirs := []string{"-s", "-d"}
		if r.IntN(2) == 0 {
			dirs[0], dirs[1] = dirs[1], dirs[0]
		}
		for _, d := range dirs {
			extra := ""
			if mixed && r.IntN(8) == 0 {
				extra = " -p udp"
			}
			rule(fmt.Sprintf("%s 10.0.0.%d/32%s", d, h, extra))
		}
		if mixed && r.IntN(12) == 0 {
			rule(fmt.Sprintf("-s 10.0.0.%d/32 -j %s", h, []string{"DROP", "ACCEPT"}[r.IntN(2)]))
		}
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// TestAccountingRunsDifferential checks long accounting chains, where the
// sets pass looks past up to countLookahead rules that only count: every
// packet must increment the same counters as before, and a plain chain
// of a /24's hosts must become one set per direction.
func TestAccountingRunsDifferential(t *testing.T) {
	for seed := range uint64(30) {
		r := rand.New(rand.NewPCG(seed, 0xacc))
		hosts := 20 + r.IntN(200)
		mixed := seed%3 != 0
		dump := accountingDump(r, hosts, mixed)
		var packets []evalcount.Packet
		outside := netip.MustParseAddr("192.0.2.1")
		for h := 1; h <= hosts+1; h++ {
			a := netip.AddrFrom4([4]byte{10, 0, 0, byte(h)})
			for _, proto := range []uint8{6, 17} {
				for _, pair := range [][2]netip.Addr{{a, outside}, {outside, a}, {a, netip.AddrFrom4([4]byte{10, 0, 0, byte(1 + r.IntN(hosts))})}} {
					packets = append(packets, evalcount.Packet{Hook: "forward", Iif: "eth0", Oif: "eth1", Src: pair[0], Dst: pair[1], Proto: proto, SPort: 1024, DPort: 80, CtState: "new"})
				}
			}
		}
		before, after := diffCompare(t, dump, packets, nil)
		if !mixed && after != 2 {
			t.Errorf("seed %d: %d accounting rules of %d hosts became %d rules, want one set per direction", seed, before, hosts, after)
		}
	}
}
