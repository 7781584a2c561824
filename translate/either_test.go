package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/ir"
)

func TestEither(t *testing.T) {
	m := func(v uint64) ir.Stmt { return ir.Eq(&ir.Meta{Key: "mark"}, ir.Int(v)) }
	c := &Ctx{}
	c.Add(m(1), &ir.Comment{Text: "note"})
	if !c.Either([]ir.Stmt{m(2)}, []ir.Stmt{m(3), m(4)}) {
		t.Fatal("Either refused a rule without state")
	}
	if c.Either([]ir.Stmt{m(5)}, []ir.Stmt{m(6)}) {
		t.Error("a second Either was accepted")
	}
	c.Add(&ir.Counter{Packets: 5, Bytes: 500, HasValues: true}, &ir.Verdict{Kind: ir.VerdictDrop})
	p := func(stmts []ir.Stmt) string {
		return (&emit.Printer{}).Rule(&ir.Rule{Stmts: stmts})
	}
	bodies := c.ruleBodies()
	want := []string{
		"meta mark 1 meta mark 2 counter packets 5 bytes 500 drop",
		"meta mark 1 meta mark 3 meta mark 4 counter drop",
	}
	if len(bodies) != len(want) {
		t.Fatalf("%d rules, want %d", len(bodies), len(want))
	}
	for i, b := range bodies {
		if got := p(b); got != want[i] {
			t.Errorf("rule %d: %q, want %q", i, got, want[i])
		}
	}
	if _, ok := bodies[0][1].(*ir.Comment); !ok {
		t.Errorf("the first rule lost its note")
	}
	for _, s := range bodies[1] {
		if _, ok := s.(*ir.Comment); ok {
			t.Errorf("the note is repeated")
		}
	}
	// State before the split point would run once per nft rule.
	for _, st := range []ir.Stmt{
		&ir.Limit{Rate: 1, Per: "second"},
		&ir.Quota{Bytes: 1},
		ir.Eq(&ir.Numgen{Mode: "inc", Mod: 2}, ir.Int(0)),
	} {
		c := &Ctx{}
		c.Add(st)
		if c.Either([]ir.Stmt{m(1)}, []ir.Stmt{m(2)}) {
			t.Errorf("Either accepted a rule with %T before it", st)
		}
	}
	c = &Ctx{}
	c.Add(ir.Eq(&ir.Numgen{Mode: "random", Mod: 2}, ir.Int(0)))
	if !c.Either([]ir.Stmt{m(1)}, []ir.Stmt{m(2)}) {
		t.Errorf("Either refused numgen random")
	}
}
