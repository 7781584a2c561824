package translate

import (
	"fmt"
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
		if o.NoProvenance && m.Into != nil && m.Pass != "inline" && (m.Into.Source != "" || len(m.Into.Origin) > 1) {
			t.Errorf("%s: %s merge kept %d origins and text %q", name, m.Pass, len(m.Into.Origin), m.Into.Source)
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
	defer func(n int) { runCompactFrom = n }(runCompactFrom)
	runCompactFrom = 1
	inputs := runTestInputs(t, 20, 0x9e0)
	merged := 0
	for _, in := range inputs {
		o := AllOpt()
		want := provenanceResult(t, in.name, in.src, o)
		o.NoProvenance = true
		if got := provenanceResult(t, in.name, in.src, o); got != want {
			t.Fatalf("%s: with NoProvenance\n%s\nwithout\n%s", in.name, got, want)
		}
		merged += strings.Count(want, "\nmerge ")
	}
	if merged < 100 {
		t.Errorf("only %d merges: the inputs test little", merged)
	}
}
