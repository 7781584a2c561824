package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestHasStateful: hasStateful and statefulOrTProxy, which look at
// matches themselves, say of a rule what stateful says of its
// statements, whatever the position of the stateful one; so does the
// sets pass's fill, given the rule's join key.
func TestHasStateful(t *testing.T) {
	random := &ir.Meta{Key: "random"}
	plain := &ir.Payload{Proto: "tcp", Field: "dport"}
	stmts := []struct {
		s        ir.Stmt
		stateful bool
	}{
		{&ir.Match{Left: plain, Right: &ir.Integer{Value: 22}}, false},
		{&ir.Match{Left: random, Right: &ir.Integer{Value: 1}}, true},
		{&ir.Match{Left: &ir.Binary{Left: random, Right: &ir.Integer{Value: 3}}, Right: &ir.Integer{Value: 1}}, true},
		{&ir.Match{Left: plain, Right: &ir.Numgen{Mode: "random", Mod: 2}}, true},
		{&ir.Match{Left: &ir.Meta{Key: "mark"}, Right: &ir.Integer{Value: 1}}, false},
		{&ir.Counter{}, false},
		{&ir.Verdict{Kind: ir.VerdictAccept}, false},
		{&ir.Limit{Rate: 1}, true},
		{&ir.Quota{Bytes: 1}, true},
		{&ir.SetUpdate{Op: "add", Set: "s"}, true},
		{&ir.Meter{Name: "m"}, true},
		{&ir.CtCount{Count: 1}, true},
		{&ir.TProxy{}, false},
	}
	for i, x := range stmts {
		if got := stateful(x.s); got != x.stateful {
			t.Fatalf("stateful(%T #%d) = %v", x.s, i, got)
		}
		_, tproxy := x.s.(*ir.TProxy)
		for _, before := range []bool{false, true} {
			r := &ir.Rule{Stmts: []ir.Stmt{x.s}}
			if before {
				r.Stmts = []ir.Stmt{stmts[0].s, &ir.Counter{}, x.s, &ir.Verdict{Kind: ir.VerdictDrop}}
			}
			if got := hasStateful(r); got != x.stateful {
				t.Errorf("hasStateful(%T #%d, after others %v) = %v; want %v", x.s, i, before, got, x.stateful)
			}
			if got, want := statefulOrTProxy(r), x.stateful || tproxy; got != want {
				t.Errorf("statefulOrTProxy(%T #%d, after others %v) = %v; want %v", x.s, i, before, got, want)
			}
			// the sets pass's facts take a rule with a join key to have
			// no state
			if joinKey(r) != 0 && x.stateful {
				t.Errorf("joinKey(%T #%d, after others %v) = %x for a stateful rule; want 0", x.s, i, before, joinKey(r))
			}
			var f ruleFacts
			var fa factsAlloc
			if fa.fill(&f, r, joinKey(r)); f.stateful != x.stateful {
				t.Errorf("fill(%T #%d, after others %v).stateful = %v; want %v", x.s, i, before, f.stateful, x.stateful)
			}
		}
	}
}
