package translate

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// runDump writes a dump whose chains are runs of rules alike, some whole
// (one address each, counters with values, without, [0:0], none), some
// with a last rule that matches every packet (and at times one after it), some
// broken by what a run cannot hold or the passes treat otherwise: an
// address again or inside a network, a comment, another verdict, a rule
// of another shape, an -s list (one command, several rules), inserts and
// deletes, a recent match.
func runDump(r *rand.Rand, v6 bool) string {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n")
	chains := []string{"BL", "BL2", "ACC", "ONE", "MP", "SVC"}
	for _, c := range chains {
		fmt.Fprintf(&b, ":%s - [0:0]\n", c)
	}
	addr := func(i int) string {
		if v6 {
			return fmt.Sprintf("2001:db8::%x/128", i)
		}
		return fmt.Sprintf("10.%d.%d.%d/32", i>>16&255, i>>8&255, i&255)
	}
	counter := func(n int) string {
		switch r.IntN(6) {
		case 0:
			return "[0:0] "
		case 1:
			return ""
		}
		return fmt.Sprintf("[%d:%d] ", n, 60*n)
	}
	allCounters := r.IntN(2) == 0
	rare := 30 + r.IntN(600) // one rule in rare/14 is not like the others or out of order
	for _, c := range chains[:3] {
		dir, verdict := "-s", "DROP"
		if r.IntN(3) == 0 {
			dir = "-d"
		}
		if c == "ACC" {
			verdict = "ACCEPT"
		}
		extra := ""
		if r.IntN(3) == 0 {
			// Matches every rule has, the protocol one a dependency that
			// the passes drop: the statements before the counter move.
			extra = " -p tcp -m tcp --dport 22"
		}
		n := 2 + r.IntN(40)
		for i := range n {
			cnt := counter(i + 1)
			if allCounters {
				cnt = fmt.Sprintf("[%d:%d] ", i+1, 7*i)
			}
			a := addr(1000*len(c) + i)
			switch k := r.IntN(rare); {
			case k == 0:
				a = addr(1000 * len(c)) // the first address again
			case k == 12 || k == 13:
				a = addr(500 + r.IntN(400)) // out of order: a run that needs the store
			case k == 1 && !v6:
				a = "10.0.0.0/8"
			case k == 2:
				fmt.Fprintf(&b, "%s-A %s %s %s -m comment --comment \"c%d\" -j %s\n", cnt, c, dir, a, i, verdict)
				continue
			case k == 3:
				fmt.Fprintf(&b, "%s-A %s %s %s -j RETURN\n", cnt, c, dir, a)
				continue
			case k == 4:
				fmt.Fprintf(&b, "%s-A %s %s %s -p tcp -m tcp --dport 22 -j %s\n", cnt, c, dir, a, verdict)
				continue
			case k == 5 && !v6:
				fmt.Fprintf(&b, "%s-A %s %s 172.16.%d.1,172.16.%d.2 -j %s\n", cnt, c, dir, i, i, verdict)
				continue
			case k == 6:
				fmt.Fprintf(&b, "%s-A %s -j LOG --log-prefix \"x \"\n", cnt, c)
				continue
			case k == 7:
				fmt.Fprintf(&b, "%s-A %s ! %s %s -j %s\n", cnt, c, dir, a, verdict)
				continue
			case k == 8:
				fmt.Fprintf(&b, "%s-A %s %s %s -j ONE\n", cnt, c, dir, a)
				continue
			case k == 9:
				fmt.Fprintf(&b, "-I %s %s %s -j %s\n", c, dir, addr(99999), verdict)
				continue
			case k == 10:
				fmt.Fprintf(&b, "-D %s %s %s -j %s\n", c, dir, addr(1000*len(c)), verdict)
				continue
			case k == 14 && cnt != "":
				cnt = fmt.Sprintf("[%d:%d] ", uint64(1)<<32+uint64(i), 7) // values of 64 bits
				fmt.Fprintf(&b, "%s-A %s %s %s%s -j %s\n", cnt, c, dir, a, extra, verdict)
				continue
			case k == 11 && r.IntN(4) == 0:
				fmt.Fprintf(&b, "%s-A %s -m recent --name r%d --rcheck -j %s\n", cnt, c, i, verdict)
				continue
			}
			fmt.Fprintf(&b, "%s-A %s %s %s%s -j %s\n", cnt, c, dir, a, extra, verdict)
		}
		if r.IntN(2) == 0 {
			// A last rule that matches every packet, the run's tail; and
			// at times a rule after it.
			fmt.Fprintf(&b, "%s-A %s -j %s\n", counter(n+1), c, []string{"RETURN", "DROP", "ACCEPT", "LOG", "ONE"}[r.IntN(5)])
			if r.IntN(4) == 0 {
				fmt.Fprintf(&b, "%s-A %s %s %s -j %s\n", counter(n+2), c, dir, addr(77777), verdict)
			}
		}
	}
	svcDump(&b, r, v6, counter)
	// One command, three rules whose protocol match the passes drop:
	// each has matches of its own, which a run does not hold.
	mp := "-s 10.9.0.1,10.9.0.2,10.9.0.3"
	if v6 {
		mp = "-s 2001:db8:9::1,2001:db8:9::2"
	}
	fmt.Fprintf(&b, "%s-A MP %s -p tcp -m multiport --dports 22,80 -j DROP\n", counter(7), mp)
	b.WriteString("-A INPUT -j MP\n")
	b.WriteString("-A ONE -s 192.0.2.1/32 -j DROP\n-A INPUT -j SVC\n-A INPUT -j BL\n-A FORWARD -j BL2\n-A FORWARD -j ONE\n-A OUTPUT -j ACC\nCOMMIT\n")
	return b.String()
}

// svcDump writes chain SVC: rules alike but for an address, a port and
// a comment ("-s A -p tcp --dport P -m comment --comment C -j ACCEPT"),
// which a run holds with its ports and comments, then perhaps rules a
// run holds as its rest ("-p udp"), a tail, or rules that end the run:
// a tuple again, the first rule's address or port (rules the sets pass
// leaves out of the first rule's set), a rule without a comment or with
// another shape, a port range, a LOG, an unconditional DROP.
func svcDump(b *strings.Builder, r *rand.Rand, v6 bool, counter func(int) string) {
	addr := func(i int) string {
		if v6 {
			return fmt.Sprintf("2001:db8:%x::/48", i)
		}
		return fmt.Sprintf("10.%d.%d.0/24", i>>8&255, i&255)
	}
	ports := 1 + r.IntN(400) // few: the first rule's port again
	if r.IntN(4) == 0 {
		ports = 2 // more rules with the first rule's port than the sets pass looks past
	}
	comment := func(i int) string {
		switch r.IntN(4) {
		case 0:
			return "" // the same for all
		case 1:
			if i%7 == 3 {
				return ""
			}
		}
		return fmt.Sprintf(" -m comment --comment \"svc %d\"", i)
	}
	cm := r.IntN(4)
	sameCounter, noCounter := r.IntN(3) == 0, r.IntN(4) == 0
	rare := 20 + r.IntN(400)
	n := 2 + r.IntN(80)
	for i := range n {
		cnt := counter(i + 1)
		switch {
		case noCounter:
			cnt = ""
		case sameCounter:
			cnt = fmt.Sprintf("[%d:%d] ", i+1, 9*i)
		}
		a, p, c := addr(i), 1000+i%ports, ""
		if cm != 0 {
			c = comment(i)
		}
		switch k := r.IntN(rare); {
		case k == 0:
			a, p = addr(0), 1000 // the first tuple again
		case k == 1:
			a = addr(0)
		case k == 2:
			p = 1000
		case k == 3:
			fmt.Fprintf(b, "%s-A SVC -s %s -p tcp -m tcp --dport %d:%d -j ACCEPT\n", cnt, a, p, p+3)
			continue
		case k == 4:
			fmt.Fprintf(b, "%s-A SVC -s %s -j ACCEPT\n", cnt, a)
			continue
		case k == 5:
			fmt.Fprintf(b, "%s-A SVC -s %s -p tcp -m tcp --sport %d -j ACCEPT\n", cnt, a, p)
			continue
		case k == 6:
			fmt.Fprintf(b, "%s-A SVC -d %s -p tcp -m tcp --dport %d -j ACCEPT\n", cnt, a, p)
			continue
		case k == 7 && cnt != "":
			cnt = fmt.Sprintf("[%d:%d] ", uint64(1)<<33+uint64(i), uint64(1)<<40) // values of 64 bits
		}
		fmt.Fprintf(b, "%s-A SVC -s %s -p tcp -m tcp --dport %d%s -j ACCEPT\n", cnt, a, p, c)
	}
	// The rest: rules that test no tcp port.
	for i := range r.IntN(3) * r.IntN(20) {
		cnt := counter(i + 1)
		switch r.IntN(12) {
		case 0:
			fmt.Fprintf(b, "%s-A SVC -j LOG --log-prefix \"svc \"\n", cnt)
		case 1:
			fmt.Fprintf(b, "%s-A SVC -s %s -j DROP\n", cnt, addr(i))
		case 2:
			fmt.Fprintf(b, "%s-A SVC -p udp -m udp --dport %d -j ACCEPT\n", cnt, 53+i)
		case 3:
			fmt.Fprintf(b, "%s-A SVC -j DROP\n", cnt)
		case 4:
			fmt.Fprintf(b, "%s-A SVC -s %s -p tcp -m tcp --dport %d -j DROP\n", cnt, addr(i), 1000+i)
		default:
			fmt.Fprintf(b, "%s-A SVC -s %s -p udp -m multiport --dports %d,%d,%d:%d -j ACCEPT\n", cnt, addr(7000+i), 4*i, 4*i+1, 4*i+2, 4*i+3)
		}
	}
	if r.IntN(4) == 0 {
		fmt.Fprintf(b, "%s-A SVC -j RETURN\n", counter(n+1))
	}
}

// runResult translates src with or without runs and optimizes it: the
// ruleset (as text and JSON) and everything the report and diagnostics
// say.
func runResult(name, src string, runs bool, o OptOptions, opt Options, inet bool) string {
	opt.Runs = runs
	tr := New(opt)
	tr.AddText(name, src, iptparse.FamilyAny)
	rs := tr.Ruleset()
	inetRep := &OptReport{}
	if inet {
		MergeInet(rs, inetRep)
	}
	rep := Optimize(rs, o)
	var b strings.Builder
	b.WriteString(rulesetText(rs))
	if err := emit.WriteJSON(&b, rs); err != nil {
		fmt.Fprintf(&b, "json: %v\n", err)
	}
	fmt.Fprintf(&b, "before %d after %d\n", rep.Before, rep.After)
	for _, m := range append(inetRep.Merges, rep.Merges...) {
		fmt.Fprintf(&b, "merge %s %v %s %q %q\n", m.Pass, m.From, m.Reason, m.Into.Source(), SourceLines(m.Into))
	}
	for _, d := range rep.Dead {
		fmt.Fprintf(&b, "dead %s %q %v\n", d.Chain, d.Rule.Source(), d.Rule.Origin)
	}
	for _, d := range append(tr.Diags(), rep.Notes...) {
		fmt.Fprintln(&b, d)
	}
	fmt.Fprintf(&b, "%+v\n", tr.Stats())
	return b.String()
}

// TestRunsSameResult checks that translating with runs (every run held
// compactly: runCompactFrom 1) gives the ruleset, report and diagnostics
// of translating without, on the real-world dumps and on dumps made of
// runs, for every output's passes.
func TestRunsSameResult(t *testing.T) {
	defer func(n int) { runCompactFrom, runMerged = n, nil }(runCompactFrom)
	var merged atomic.Int64
	runMerged = func() { merged.Add(1) }
	json := AllOpt()
	json.NoElementCounters = true
	noProv := AllOpt() // the translate command's: runs keep no texts
	noProv.NoProvenance = true
	inputs := runTestInputs(t, 60, 0x5e75)
	for _, in := range inputs {
		for _, v := range []struct {
			o    OptOptions
			opt  Options
			inet bool
		}{
			{AllOpt(), Options{}, true},
			{json, Options{}, true},
			{OptOptions{}, Options{}, false},
			{AllOpt(), Options{NoCounterValues: true}, true},
			{AllOpt(), Options{}, false},
			{noProv, Options{NoProvenance: true}, true},
		} {
			runCompactFrom = 1 << 20
			want := runResult(in.name, in.src, false, v.o, v.opt, v.inet)
			for _, from := range []int{1, 2, 3, 1 << 20} {
				runCompactFrom = from
				if got := runResult(in.name, in.src, true, v.o, v.opt, v.inet); got != want {
					t.Fatalf("%s, compact from %d, %+v %+v: with runs\n%s\nwithout\n%s", in.name, from, v.o, v.opt, got, want)
				}
			}
		}
	}
	if n := merged.Load(); n < 200 {
		t.Errorf("only %d runs merged as runs", n)
	}
}

// TestRunMerged checks that a chain of rules alike is held as a run and
// merged from it.
func TestRunMerged(t *testing.T) {
	tr := runTranslator(t, 100, func(i int) string { return fmt.Sprintf("10.0.%d.%d", i/10, i) })
	rs := tr.Ruleset()
	c := rs.Tables[0].Chain("BL")
	u, _ := c.Deferred.(*ruleRun)
	if u == nil || u.Len() != 100 || len(c.Rules) != 0 {
		t.Fatalf("chain BL not held as a run of 100 rules: %#v", c.Deferred)
	}
	rep := Optimize(rs, AllOpt())
	if c.Deferred != nil || len(c.Rules) != 1 || len(rep.Merges) != 1 || rep.Before != 100 || rep.After != 1 {
		t.Fatalf("run not merged: %d rules, %d merges, %d → %d", len(c.Rules), len(rep.Merges), rep.Before, rep.After)
	}
	set, _ := c.Rules[0].Stmts[0].(*ir.Match).Right.(*ir.AddrSet)
	if set == nil || set.Len() != 100 {
		t.Fatalf("not a set of 100 addresses: %#v", c.Rules[0].Stmts[0].(*ir.Match).Right)
	}
}

// TestRunPositions checks that a run gives its rules their positions,
// whether each is on the line after the one before or not (a comment
// line, another chain's rule, a rule indented, in between).
func TestRunPositions(t *testing.T) {
	defer func(n int) { runCompactFrom = n }(runCompactFrom)
	var b strings.Builder
	b.WriteString("*filter\n:BL - [0:0]\n:OTHER - [0:0]\n")
	for i := range 40 {
		switch i {
		case 10:
			b.WriteString("# a comment\n")
		case 20:
			b.WriteString("-A OTHER -j DROP\n")
		case 30:
			b.WriteString("  ")
		}
		fmt.Fprintf(&b, "[%d:%d] -A BL -s 10.0.0.%d/32 -j DROP\n", i, 60*i, i)
	}
	b.WriteString("COMMIT\n")
	for _, from := range []int{1, 5, 15, 25, 35} {
		for _, o := range []OptOptions{AllOpt(), {}} {
			runCompactFrom = 1 << 20
			want := runResult("p.rules", b.String(), false, o, Options{}, false)
			runCompactFrom = from
			if got := runResult("p.rules", b.String(), true, o, Options{}, false); got != want {
				t.Fatalf("compact from %d, %+v: with runs\n%s\nwithout\n%s", from, o, got, want)
			}
		}
	}
}

// FuzzRunsSameResult holds runs to TestRunsSameResult's promise on dumps
// the fuzzer makes from dumps of runs: translating with every run held
// compactly gives what translating without runs gives.
func FuzzRunsSameResult(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(runDump(rand.New(rand.NewPCG(seed, 0xf022)), seed%4 == 3))
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 64<<10 {
			return
		}
		defer func(n int) { runCompactFrom = n }(runCompactFrom)
		for _, o := range []OptOptions{AllOpt(), {Sets: true}} {
			runCompactFrom = 1 << 20
			want := runResult("f.rules", src, false, o, Options{}, true)
			for _, from := range []int{1, 2} {
				runCompactFrom = from
				if got := runResult("f.rules", src, true, o, Options{}, true); got != want {
					t.Fatalf("compact from %d, %+v: with runs\n%s\nwithout\n%s", from, o, got, want)
				}
			}
		}
	})
}

// runInput is a named dump for the run tests.
type runInput struct{ name, src string }

// runTestInputs is the real-world dumps (when the shared corpus is
// there) and n dumps made of runs, generated from seeds 0..n-1 and salt.
func runTestInputs(t *testing.T, n, salt uint64) []runInput {
	t.Helper()
	var inputs []runInput
	dir, ok := testutil.SharedPath("corpus/realworld")
	if !ok {
		t.Logf("%s not found: generated dumps only (set IPT2NFT_SHARED to the shared directory)", dir)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, runInput{filepath.Base(f), string(src)})
	}
	for seed := range n {
		inputs = append(inputs, runInput{fmt.Sprintf("run%d.rules", seed), runDump(rand.New(rand.NewPCG(seed, salt)), seed%3 == 2)})
	}
	return inputs
}

// runTranslator translates, with every run held compactly (runCompactFrom
// 1, put back when t ends), a chain BL of n rules "[i+1:i+2] -A BL -s
// addr(i)/32 -j DROP".
func runTranslator(t *testing.T, n int, addr func(i int) string) *Translator {
	old := runCompactFrom
	t.Cleanup(func() { runCompactFrom = old })
	runCompactFrom = 1
	var b strings.Builder
	b.WriteString("*filter\n:BL - [0:0]\n")
	for i := range n {
		fmt.Fprintf(&b, "[%d:%d] -A BL -s %s/32 -j DROP\n", i+1, i+2, addr(i))
	}
	b.WriteString("COMMIT\n")
	tr := New(Options{Runs: true})
	tr.AddText("bl.rules", b.String(), iptparse.FamilyIPv4)
	return tr
}

// TestRunDisjointValues checks disjointValues against comparing every
// two of the run's values (valueInterval, overlap), on small random sets
// of addresses and prefixes of a few dozen addresses, in any order; and
// disjointTuples of the same sets with a port each, where two overlap if
// their ports are the same too (ports of 32 bits, or some wider).
func TestRunDisjointValues(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 0xd15))
	for range 20000 {
		is6 := r.IntN(3) == 0
		wide := r.IntN(4) == 0 // ports of 33 bits too, alike in their low 32
		var u ruleRun
		u.set.Is6 = is6
		var keys []ir.Expr
		for range 1 + r.IntN(10) {
			b := [16]byte{0x20, 0x01, 0x0d, 0xb8}
			a := netip.AddrFrom16(b).Next()
			if !is6 {
				a = netip.AddrFrom4([4]byte{10, 0, 0, 0})
			}
			for range r.IntN(48) {
				a = a.Next()
			}
			var key ir.Expr = &ir.Addr{Addr: a}
			// Or a prefix of it: of its full length, 2 or 5 bits
			// shorter, or of none.
			if k := r.IntN(5); k > 0 {
				bits := a.BitLen() - []int{0, 0, 2, 5}[k-1]
				if k == 4 {
					bits = r.IntN(2) * 96 // ::/0, ::/96 if IPv6
				}
				key = &ir.Prefix{Prefix: netip.PrefixFrom(a, min(bits, a.BitLen()))}
			}
			if !u.set.CanAdd(key, nil) {
				t.Fatalf("cannot add %v", key)
			}
			u.set.Add(key, nil)
			port := uint64(r.IntN(3))
			if wide {
				port |= uint64(r.IntN(2)) << 32
			}
			u.ports = append(u.ports, port)
			keys = append(keys, key)
		}
		want, wantTuples := true, true
		for i := range keys {
			for j := range i {
				x, _ := valueInterval(keys[i])
				y, _ := valueInterval(keys[j])
				if overlap(x, y) {
					want = false
					wantTuples = wantTuples && u.ports[i] != u.ports[j]
				}
			}
		}
		if got := u.disjointValues(); got != want {
			t.Fatalf("disjointValues of %v: %v, want %v", keys, got, want)
		}
		if got := u.disjointTuples(); got != wantTuples {
			t.Fatalf("disjointTuples of %v, ports %v: %v, want %v", keys, u.ports, got, wantTuples)
		}
	}
}

// TestDisjointTuplesRuns checks disjointTuples4 against comparing every
// two tuples, on IPv4 sets listed in runs ascending by port and address
// (disjointRuns4 merges up to maxRuns of them), some tuples overlapping
// others of their run or of another, some of a prefix that starts before
// the address before it; and with more runs than maxRuns, or a port of
// 33 bits, which are sorted.
func TestDisjointTuplesRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 0xa5c))
	merged := 0
	for range 5000 {
		var s ir.AddrSet
		var ports []uint64
		var spans [][2]uint32
		runs := 1 + r.IntN(4)
		if r.IntN(8) == 0 {
			runs = maxRuns - 2 + r.IntN(5)
		}
		for range runs {
			port := uint64(r.IntN(4))
			if r.IntN(200) == 0 {
				port |= 1 << 32
			}
			a := netip.AddrFrom4([4]byte{10, 0, 0, byte(r.IntN(64))})
			for range 1 + r.IntN(8) {
				if r.IntN(3) == 0 {
					port += uint64(1 + r.IntN(2))
				} else {
					for range r.IntN(4) {
						a = a.Next()
					}
				}
				var key ir.Expr = &ir.Addr{Addr: a}
				lo, hi := ipv4Uint(a), ipv4Uint(a)
				if r.IntN(8) == 0 {
					p := netip.PrefixFrom(a, 30).Masked()
					key = &ir.Prefix{Prefix: p}
					lo, hi = ipv4Uint(p.Addr()), ipv4Uint(p.Addr())|3
				}
				s.Add(key, nil)
				ports = append(ports, port)
				spans = append(spans, [2]uint32{lo, hi})
			}
		}
		want := true
		for i := range spans {
			for j := range i {
				if ports[i] == ports[j] && spans[i][0] <= spans[j][1] && spans[j][0] <= spans[i][1] {
					want = false
				}
			}
		}
		if got, ok := disjointTuples4(&s, ports); ok && got != want {
			t.Fatalf("disjointTuples4 of %v, ports %v: %v, want %v", spans, ports, got, want)
		}
		if got, ok := disjointRuns4(&s, ports); ok {
			merged++
			if got != want {
				t.Fatalf("disjointRuns4 of %v, ports %v: %v, want %v", spans, ports, got, want)
			}
		}
	}
	if merged < 3000 {
		t.Errorf("disjointRuns4 merged only %d of 5000 sets", merged)
	}
}

// ipv4Uint is a's 32 bits.
func ipv4Uint(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// TestConcatRun checks that a chain of rules alike but for an address, a
// port and a comment, followed by rules of another protocol, is held as a
// run with its rest and gives what the passes give the rules in full: with
// no rule with the first rule's port or address, with a few (the sets
// pass merges them apart), and with more than the pass looks past.
func TestConcatRun(t *testing.T) {
	defer func(n int) { runCompactFrom, runMerged = n, nil }(runCompactFrom)
	var merged atomic.Int64
	runMerged = func() { merged.Add(1) }
	for _, c := range []struct {
		ports     int // ports the rules cycle through
		wantMerge bool
	}{{1000, true}, {30, true}, {2, false}} {
		var b strings.Builder
		b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:SVC - [0:0]\n-A INPUT -j SVC\n")
		for i := range 100 {
			fmt.Fprintf(&b, "[%d:%d] -A SVC -s 10.0.%d.0/24 -p tcp -m tcp --dport %d -m comment --comment \"svc %d\" -j ACCEPT\n", i, 3*i, i, 1000+i%c.ports, i)
		}
		for i := range 10 {
			fmt.Fprintf(&b, "[%d:%d] -A SVC -s 10.1.%d.0/24 -p udp -m multiport --dports %d,%d -j ACCEPT\n", i, i, i, 4*i, 4*i+1)
		}
		b.WriteString("COMMIT\n")
		runCompactFrom = 1
		tr := New(Options{Runs: true})
		tr.AddText("svc.rules", b.String(), iptparse.FamilyIPv4)
		u, _ := tr.Ruleset().Tables[0].Chain("SVC").Deferred.(*ruleRun)
		if u == nil || u.diff2 < 0 || u.Len() != 110 || len(u.rest) != 10 {
			t.Fatalf("ports %d: chain SVC not held as a run of 100 rules with a port and a rest of 10: %+v", c.ports, u)
		}
		for _, o := range []OptOptions{AllOpt(), {Sets: true}} {
			merged.Store(0)
			got := runResult("svc.rules", b.String(), true, o, Options{}, false)
			if n := merged.Load(); (n == 1) != c.wantMerge {
				t.Errorf("ports %d: %d runs merged as runs, want %v", c.ports, n, c.wantMerge)
			}
			runCompactFrom = 1 << 20
			want := runResult("svc.rules", b.String(), false, o, Options{}, false)
			if got != want {
				t.Fatalf("ports %d, %+v: with runs\n%s\nwithout\n%s", c.ports, o, got, want)
			}
			runCompactFrom = 1
			if c.wantMerge {
				// The set's elements as JSON and netlink take them
				// (AddrSet.Exprs), written as a SetLit: the same text.
				text := func(runs bool, fix func(*ir.Ruleset)) string {
					tr := New(Options{Runs: runs})
					tr.AddText("svc.rules", b.String(), iptparse.FamilyIPv4)
					rs := tr.Ruleset()
					Optimize(rs, o)
					fix(rs)
					return rulesetText(rs)
				}
				got := text(true, func(rs *ir.Ruleset) {
					m := rs.Tables[0].Chain("SVC").Rules[0].Stmts[0].(*ir.Match)
					a, ok := m.Right.(*ir.AddrSet)
					if !ok || a.Ports == nil {
						t.Fatalf("ports %d: merged into %T, not an AddrSet with ports", c.ports, m.Right)
					}
					m.Right = &ir.SetLit{Elems: a.Exprs()}
				})
				if want := text(false, func(*ir.Ruleset) {}); got != want {
					t.Fatalf("ports %d: the elements of the set made anew\n%s\nwant\n%s", c.ports, got, want)
				}
			}
		}
	}
}

// TestWithout checks without against keeping the elements not excluded,
// of one and of several items, the first, the last and neighbours among
// those excluded.
func TestWithout(t *testing.T) {
	for _, per := range []int{1, 2, 4} {
		for _, excl := range [][]int{{0}, {4}, {1, 2}, {0, 3}, {1, 3, 4}, {0, 1, 2, 3, 4}} {
			xs := make([]int, 5*per)
			for i := range xs {
				xs[i] = i
			}
			var want []int
			for i := range 5 {
				if !slices.Contains(excl, i) {
					want = append(want, xs[i*per:(i+1)*per]...)
				}
			}
			if got := without(xs, per, excl); !slices.Equal(got, want) {
				t.Errorf("without %v of %d each: %v, want %v", excl, per, got, want)
			}
		}
	}
	if got := without[uint8](nil, 1, []int{0}); got != nil {
		t.Errorf("without of nil: %v", got)
	}
}

// TestRunMemberValue: a rule joins a run only with a plain value for
// the run's address selector (no set, no element), the selector and
// operator being the run's own.
func TestRunMemberValue(t *testing.T) {
	saddr := &ir.Payload{Proto: "ip", Field: "saddr"}
	daddr := &ir.Payload{Proto: "ip", Field: "daddr"}
	drop := &ir.Verdict{Kind: ir.VerdictDrop}
	addr := func(s string) ir.Expr { return &ir.Addr{Addr: netip.MustParseAddr(s)} }
	line := int32(0)
	rule := func(left ir.Expr, op ir.CmpOp, v ir.Expr) *ir.Rule {
		line++
		return &ir.Rule{
			Stmts:  []ir.Stmt{&ir.Match{Left: left, Op: op, Right: v}, drop},
			Origin: []iptparse.Pos{{File: "run.rules", Line: line, Col: 1}},
		}
	}
	for _, c := range []struct {
		name string
		r    *ir.Rule
		want bool
	}{
		{"address", rule(saddr, ir.CmpEq, addr("10.0.0.3")), true},
		{"prefix", rule(saddr, ir.CmpEq, &ir.Prefix{Prefix: netip.MustParsePrefix("10.1.0.0/16")}), true},
		{"set", rule(saddr, ir.CmpEq, &ir.SetLit{Elems: []ir.Expr{addr("10.0.0.4"), addr("10.0.0.5")}}), false},
		{"element", rule(saddr, ir.CmpEq, &ir.Elem{Key: addr("10.0.0.6")}), false},
		{"other selector", rule(daddr, ir.CmpEq, addr("10.0.0.7")), false},
		{"other operator", rule(saddr, ir.CmpNe, addr("10.0.0.8")), false},
	} {
		line = 0
		u := newRun(rule(saddr, ir.CmpEq, addr("10.0.0.1")))
		if added, _ := u.add(rule(saddr, ir.CmpEq, addr("10.0.0.2"))); !added {
			t.Fatalf("%s: the second rule did not join", c.name)
		}
		if added, _ := u.add(c.r); added != c.want {
			t.Errorf("%s: added %v, want %v", c.name, added, c.want)
		}
	}
}

// TestStmtsArePointers checks what sameStmt leans on: every type of ir
// with the Stmt interface's method has it on a pointer receiver, so that
// its statements are pointers, equal when their two words are. It reads
// ir's source: a statement type of another kind would have to be
// compared by ==.
func TestStmtsArePointers(t *testing.T) {
	files, err := filepath.Glob("../ir/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("ir's source: %v", err)
	}
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Name.Name != "stmt" {
				continue
			}
			n++
			if _, ptr := fd.Recv.List[0].Type.(*ast.StarExpr); !ptr {
				t.Errorf("%s: stmt() of %s is not on a pointer receiver: sameStmt would be wrong", name, types.ExprString(fd.Recv.List[0].Type))
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d statement types found", n)
	}
	a, b := ir.Stmt(&ir.Counter{}), ir.Stmt(&ir.Counter{})
	if !sameStmt(a, a) || sameStmt(a, b) || sameStmt(a, ir.Stmt(&ir.Match{})) || !sameStmt(nil, nil) || sameStmt(a, nil) {
		t.Error("sameStmt is not ==")
	}
}
