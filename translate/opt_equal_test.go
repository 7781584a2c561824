package translate

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestEqualAsDeepEqual compares every pair of a varied collection of
// statements with both equalities.
func TestEqualAsDeepEqual(t *testing.T) {
	exprs, stmts := equalityCases()
	for _, x := range exprs {
		for _, y := range exprs {
			if got, want := equalExpr(x, y), reflect.DeepEqual(x, y); got != want {
				t.Errorf("equalExpr(%#v, %#v) = %v, DeepEqual %v", x, y, got, want)
			}
		}
	}
	for _, x := range stmts {
		for _, y := range stmts {
			if got, want := equalStmt(x, y), reflect.DeepEqual(x, y); got != want {
				t.Errorf("equalStmt(%#v, %#v) = %v, DeepEqual %v", x, y, got, want)
			}
		}
	}
}

// equalityCases is a varied collection of expressions, some equal to
// others, and of statements made of them.
func equalityCases() ([]ir.Expr, []ir.Stmt) {
	a4, _ := netip.ParseAddr("192.0.2.1")
	a4b, _ := netip.ParseAddr("192.0.2.1") // equal, parsed apart
	a6, _ := netip.ParseAddr("2001:db8::1")
	a6z, _ := netip.ParseAddr("fe80::1%eth0")
	p4 := netip.MustParsePrefix("10.0.0.0/8")
	exprs := []ir.Expr{
		nil, &ir.Payload{Proto: "ip", Field: "saddr"}, &ir.Payload{Proto: "ip", Field: "daddr"}, &ir.Payload{Proto: "ip", Field: "saddr"},
		&ir.Meta{Key: "mark"}, &ir.Meta{Key: "mark", Bare: true}, &ir.Ct{Key: "mark"}, &ir.Ct{Dir: "original", Key: "mark"},
		ir.Int(1), ir.Hex(1), ir.Int(2), &ir.Integer{Value: 1, Width: 8}, ir.Str("eth0"), &ir.String{Value: "eth0", Bare: true},
		ir.Sym("eth0"), ir.IP(a4), ir.IP(a4b), ir.IP(a6), ir.IP(a6z), &ir.Prefix{Prefix: p4}, &ir.Prefix{Prefix: netip.MustParsePrefix("10.0.0.0/16")},
		&ir.EtherAddr{Addr: [6]byte{1}}, &ir.EtherAddr{}, ir.IntRange(1, 2), ir.IntRange(1, 2), ir.IntRange(1, 3),
		&ir.SetLit{Elems: []ir.Expr{ir.Int(1)}}, &ir.SetLit{Elems: []ir.Expr{ir.Int(1)}}, &ir.SetLit{}, &ir.SetLit{Elems: []ir.Expr{}},
		(*ir.Payload)(nil), (*ir.Integer)(nil),
		&ir.Range{Lo: ir.Int(1)}, &ir.Range{}, (*ir.Range)(nil), (*ir.SetLit)(nil), (*ir.Concat)(nil), (*ir.Elem)(nil), (*ir.FlagList)(nil),
		&ir.SetLit{Elems: []ir.Expr{ir.Int(1), ir.IntRange(1000, 2000)}}, &ir.SetLit{Elems: []ir.Expr{ir.Int(1), ir.IntRange(1000, 2000)}},
		&ir.SetLit{Elems: []ir.Expr{ir.Int(1), ir.IntRange(1000, 2001)}}, &ir.SetLit{Elems: []ir.Expr{ir.IntRange(1000, 2000), ir.Int(1)}},
		&ir.SetLit{Elems: []ir.Expr{nil}}, &ir.SetLit{Elems: []ir.Expr{&ir.SetLit{}}},
		&ir.Concat{Elems: []ir.Expr{ir.IP(a4), ir.Int(22)}}, &ir.Concat{Elems: []ir.Expr{ir.IP(a4b), ir.Int(22)}},
		&ir.Concat{Elems: []ir.Expr{ir.IP(a4), ir.Int(23)}}, &ir.Concat{}, &ir.Concat{Elems: []ir.Expr{}},
		&ir.Elem{Key: ir.Int(1)}, &ir.Elem{Key: ir.Int(1)}, &ir.Elem{Key: ir.Int(1), Comment: "a"}, &ir.Elem{Key: ir.Int(1), Times: &ir.ElemTimes{Timeout: "1s"}},
		&ir.Elem{Key: ir.Int(1), Times: &ir.ElemTimes{Expires: "1s"}}, &ir.Elem{Key: ir.Int(2)},
		&ir.Elem{Key: ir.Int(1), Counter: &ir.Counter{}}, &ir.Elem{Key: ir.Int(1), Counter: &ir.Counter{}},
		&ir.Elem{Key: ir.Int(1), Counter: &ir.Counter{Packets: 1, HasValues: true}},
		&ir.SetLit{Elems: []ir.Expr{&ir.Elem{Key: ir.Int(1), Comment: "a"}}}, &ir.SetLit{Elems: []ir.Expr{&ir.Elem{Key: ir.Int(1), Comment: "a"}}},
		&ir.FlagList{Flags: []string{"new", "related"}}, &ir.FlagList{Flags: []string{"new", "related"}}, &ir.FlagList{Flags: []string{"new"}},
		&ir.FlagList{}, &ir.FlagList{Flags: []string{}},
	}
	var stmts []ir.Stmt
	for _, l := range exprs[:8] {
		for _, r := range exprs[8:] {
			stmts = append(stmts, &ir.Match{Left: l, Right: r}, &ir.Match{Left: l, Op: ir.CmpNe, Right: r})
		}
	}
	stmts = append(stmts, nil, &ir.Match{Left: exprs[1], Right: ir.Int(1), Spell: 1},
		&ir.Verdict{Kind: ir.VerdictJump, Chain: "a"}, &ir.Verdict{Kind: ir.VerdictJump, Chain: "a"}, &ir.Verdict{Kind: ir.VerdictGoto, Chain: "a"},
		&ir.Verdict{}, &ir.Counter{}, &ir.Counter{Packets: 1, HasValues: true}, &ir.Counter{}, (*ir.Verdict)(nil), (*ir.Match)(nil),
		&ir.Log{}, &ir.Log{Args: []ir.LogArg{}}, &ir.Log{Args: []ir.LogArg{{Key: "prefix", Value: ir.Str("a")}}},
		&ir.Log{Args: []ir.LogArg{{Key: "prefix", Value: ir.Str("a")}}}, &ir.Log{Args: []ir.LogArg{{Key: "prefix", Value: ir.Str("b")}}},
		&ir.Log{Args: []ir.LogArg{{Key: "level", Value: ir.Str("a")}}}, &ir.Log{Args: []ir.LogArg{{Key: "prefix"}}}, (*ir.Log)(nil),
		&ir.Nat{}, &ir.Nat{Kind: ir.NatDNAT, Addr: ir.IP(a4), Port: ir.Int(80)}, &ir.Nat{Kind: ir.NatDNAT, Addr: ir.IP(a4b), Port: ir.Int(80)},
		&ir.Nat{Kind: ir.NatDNAT, Addr: ir.IP(a4)}, &ir.Nat{Kind: ir.NatDNAT, Addr: ir.IP(a4), Port: ir.Int(80), Flags: []string{}},
		&ir.Nat{Kind: ir.NatDNAT, Addr: ir.IP(a4), Port: ir.Int(80), Flags: []string{"random"}}, &ir.Nat{Kind: ir.NatSNAT, Family: "ip"},
		&ir.Nat{Kind: ir.NatSNAT, Family: "ip", Prefix: true}, &ir.Nat{Kind: ir.NatSNAT, AddrPort: true}, (*ir.Nat)(nil))
	return exprs, stmts
}
