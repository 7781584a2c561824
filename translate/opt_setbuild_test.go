package translate

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestBuildSetRuleSingleConcat checks the concatenations buildSetRule
// makes itself for rules of one value per selector against product's,
// which it makes for the other rules: a plain value, a set of one value
// and a set of one element with attributes (kept, as product keeps it).
func TestBuildSetRuleSingleConcat(t *testing.T) {
	saddr, dport := &ir.Payload{Proto: "ip", Field: "saddr"}, &ir.Payload{Proto: "tcp", Field: "dport"}
	rule := func(addr ir.Expr, port ir.Expr) *ir.Rule {
		return &ir.Rule{Stmts: []ir.Stmt{
			&ir.Match{Left: saddr, Op: ir.CmpEq, Right: addr},
			&ir.Match{Left: dport, Op: ir.CmpEq, Right: port},
			&ir.Verdict{Kind: ir.VerdictAccept},
		}}
	}
	ip := func(s string) ir.Expr { return ir.IP(netip.MustParseAddr(s)) }
	group := []*ir.Rule{
		rule(ip("10.0.0.1"), ir.Int(22)),
		rule(&ir.SetLit{Elems: []ir.Expr{ip("10.0.0.2")}}, ir.Int(80)),
		rule(ip("10.0.0.3"), &ir.SetLit{Elems: []ir.Expr{&ir.Elem{Key: ir.Int(443), Comment: "x"}}}),
		rule(ip("10.0.0.4"), &ir.SetLit{Elems: []ir.Expr{ir.Int(53), ir.Int(54)}}),
		rule(ip("10.0.0.5"), ir.Int(25)),
	}
	diff := []int{0, 1}
	var want []ir.Expr
	for _, r := range group {
		for _, c := range product(r, diff) {
			want = append(want, &ir.Elem{Key: c})
		}
	}
	merged := buildSetRule(group, diff, &OptReport{})
	var got []ir.Expr
	for _, s := range merged.Stmts {
		if m, ok := s.(*ir.Match); ok {
			if set, ok := m.Right.(*ir.SetLit); ok {
				got = set.Elems
			}
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d elements, want %d", len(got), len(want))
	}
	for i := range want {
		g := got[i]
		if _, ok := g.(*ir.Elem); !ok {
			g = &ir.Elem{Key: g}
		}
		if !reflect.DeepEqual(g, want[i]) {
			t.Errorf("element %d: got %#v, want %#v", i, g, want[i])
		}
		if c, ok := g.(*ir.Elem).Key.(*ir.Concat); ok && cap(c.Elems) != len(c.Elems) {
			t.Errorf("element %d: concatenation with room to grow into the next one's", i)
		}
	}
}
