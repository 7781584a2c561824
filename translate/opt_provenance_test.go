package translate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// provenanceResult translates and optimizes src with runs and prints
// what the translate command prints of it as text or a plan: the text,
// the netlink batch and its positions, the diagnostics, the counts. It fails t if o.NoProvenance is set and a
// merged rule kept more than its first origin or any text.
func provenanceResult(t *testing.T, name, src string, o OptOptions) string {
	tr := New(Options{Runs: true})
	tr.AddText(name, src, iptparse.FamilyAny)
	rs := tr.Ruleset()
	inetRep := &OptReport{}
	MergeInet(rs, inetRep)
	rep := Optimize(rs, o)
	var b strings.Builder
	b.WriteString(rulesetText(rs))
	prog, err := emit.CompileNetlink(rs)
	if err != nil {
		fmt.Fprintln(&b, err)
	} else if msgs, err := prog.Messages(); err != nil {
		fmt.Fprintln(&b, err)
	} else {
		for _, m := range msgs {
			fmt.Fprintf(&b, "%d %d %d %x %s\n", m.Type, m.Flags, m.Family, m.Data, m.What)
			if m.Rule != nil {
				fmt.Fprintln(&b, m.Rule.Pos())
			}
		}
	}
	fmt.Fprintf(&b, "before %d after %d merges %d\n", rep.Before, rep.After, len(rep.Merges))
	for _, m := range rep.Merges {
		fmt.Fprintf(&b, "merge %s %s\n", m.Pass, m.Reason)
		if o.NoProvenance && m.Into != nil && m.Pass != "inline" && (m.Into.Source() != "" || len(m.Into.Origin) > 1) {
			t.Errorf("%s: %s merge kept %d origins and text %q", name, m.Pass, len(m.Into.Origin), m.Into.Source())
		}
	}
	for _, d := range append(tr.Diags(), rep.Notes...) {
		fmt.Fprintln(&b, d)
	}
	fmt.Fprintf(&b, "%+v\n", tr.Stats())
	return b.String()
}

// TestNoProvenanceSameOutput checks that OptOptions.NoProvenance changes
// nothing the translate command prints, on the real-world dumps and on
// dumps of runs (each held compactly).
func TestNoProvenanceSameOutput(t *testing.T) {
	defer func(n, m, c int) { runCompactFrom, streamFrom, setChunk = n, m, c }(runCompactFrom, streamFrom, setChunk)
	runCompactFrom = 1
	inputs := runTestInputs(t, 20, 0x9e0)
	for seed := range uint64(10) {
		inputs = append(inputs, runInput{fmt.Sprintf("comments%d.rules", seed), commentsDump(rand.New(rand.NewPCG(seed, 0xc0)))})
	}
	merged := 0
	for _, in := range inputs {
		o := AllOpt()
		want := provenanceResult(t, in.name, in.src, o)
		o.NoProvenance = true
		// Groups from their second rule on, or from a few, have their
		// sets made as they grow (setStream), in chunks of a few
		// elements or many.
		for _, from := range []int{2, 3, 1 << 20} {
			streamFrom, setChunk = from, 1+from%3
			if got := provenanceResult(t, in.name, in.src, o); got != want {
				t.Fatalf("%s: with NoProvenance, sets streamed from %d rules in chunks of %d\n%s\nwithout\n%s", in.name, from, setChunk, got, want)
			}
		}
		merged += strings.Count(want, "\nmerge ")
	}
	if merged < 100 {
		t.Errorf("only %d merges: the inputs test little", merged)
	}
}

// commentsDump is rules the sets pass merges whose comments change
// within a group (none, one for several rules, one each), with and
// without counters, on one selector and on two, some with several
// values (products), some with a set match that stays as it is.
func commentsDump(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n:C - [0:0]\n")
	comment := func() string {
		switch r.IntN(4) {
		case 0:
			return ""
		case 1:
			return ` -m comment --comment "same"`
		}
		return fmt.Sprintf(` -m comment --comment "c%d"`, r.IntN(3))
	}
	counter := func() string {
		if r.IntN(2) == 0 {
			return ""
		}
		return fmt.Sprintf("[%d:%d] ", r.IntN(5), r.IntN(500))
	}
	n := 2 + r.IntN(40)
	for i := range n {
		fmt.Fprintf(&b, "%s-A A -s 10.%d.%d.0/24%s -j DROP\n", counter(), i/200, i%200, comment())
	}
	for i := range n {
		if r.IntN(4) == 0 {
			fmt.Fprintf(&b, "-A B -s 10.1.%d.0/24 -p tcp -m multiport --dports %d,%d%s -j ACCEPT\n", i%250, 20000+2*i, 20001+2*i, comment())
			continue
		}
		fmt.Fprintf(&b, "%s-A B -s 10.1.%d.0/24 -p tcp -m tcp --dport %d%s -j ACCEPT\n", counter(), i%250, 1000+i, comment())
	}
	for i := range n {
		set := ""
		if r.IntN(3) == 0 {
			set = fmt.Sprintf(" -m set --match-set s%d src", i%2)
		}
		fmt.Fprintf(&b, "-A C -p udp -m udp --dport %d%s%s -j ACCEPT\n", 3000+i, set, comment())
	}
	b.WriteString("COMMIT\n")
	return b.String()
}
