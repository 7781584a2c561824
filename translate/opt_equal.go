package translate

import (
	"reflect"
	"slices"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Structural equality for the optimizer, with exactly the result of
// reflect.DeepEqual. The passes compare statements of neighbouring rules
// millions of times on big rulesets; the statements and expressions that
// make up nearly all rules (matches of a selector against a value,
// verdicts, counters) are compared field by field here, anything else
// through reflect. TestEqualAsDeepEqual checks the two agree.

// equalStmt compares two statements structurally.
func equalStmt(a, b ir.Stmt) bool {
	switch a := a.(type) {
	case *ir.Match:
		if b, ok := b.(*ir.Match); ok && a != nil && b != nil {
			return a == b || a.Op == b.Op && a.Spell == b.Spell && equalExpr(a.Left, b.Left) && equalExpr(a.Right, b.Right)
		}
	case *ir.Verdict:
		if b, ok := b.(*ir.Verdict); ok && a != nil && b != nil {
			return *a == *b
		}
	case *ir.Counter:
		if b, ok := b.(*ir.Counter); ok && a != nil && b != nil {
			return *a == *b
		}
	case *ir.Log:
		if b, ok := b.(*ir.Log); ok && a != nil && b != nil {
			if !sameNilness(a.Args, b.Args) || len(a.Args) != len(b.Args) {
				return false
			}
			for i := range a.Args {
				if a.Args[i].Key != b.Args[i].Key || !equalExpr(a.Args[i].Value, b.Args[i].Value) {
					return false
				}
			}
			return true
		}
	case *ir.Nat:
		if b, ok := b.(*ir.Nat); ok && a != nil && b != nil {
			return a.Kind == b.Kind && a.Family == b.Family && a.Prefix == b.Prefix && a.AddrPort == b.AddrPort &&
				sameNilness(a.Flags, b.Flags) && slices.Equal(a.Flags, b.Flags) &&
				equalExpr(a.Addr, b.Addr) && equalExpr(a.Port, b.Port)
		}
	}
	return reflect.DeepEqual(a, b)
}

// sameNilness: reflect.DeepEqual tells a nil slice from an empty one.
func sameNilness[T any](a, b []T) bool { return (a == nil) == (b == nil) }

// equalExpr compares two expressions structurally.
func equalExpr(a, b ir.Expr) bool {
	if eq, known := equalPlainExpr(a, b); known {
		return eq
	}
	if eq, known := equalComposite(a, b); known {
		return eq
	}
	return reflect.DeepEqual(a, b)
}

// equalComposite compares the expressions that hold others: ranges,
// sets and their elements, concatenations (a port list "{ 53, 1000-2000
// }" is compared with every neighbour's by the sets pass), and flag
// lists. known is false for other expressions, and for nil pointers
// (left to reflect).
func equalComposite(a, b ir.Expr) (eq, known bool) {
	switch a := a.(type) {
	case *ir.Range:
		bt, ok := b.(*ir.Range)
		if !ok || a == nil || bt == nil {
			return false, !ok
		}
		return equalExpr(a.Lo, bt.Lo) && equalExpr(a.Hi, bt.Hi), true
	case *ir.SetLit:
		bt, ok := b.(*ir.SetLit)
		if !ok || a == nil || bt == nil {
			return false, !ok
		}
		return equalExprs(a.Elems, bt.Elems), true
	case *ir.Concat:
		bt, ok := b.(*ir.Concat)
		if !ok || a == nil || bt == nil {
			return false, !ok
		}
		return equalExprs(a.Elems, bt.Elems), true
	case *ir.Elem:
		bt, ok := b.(*ir.Elem)
		if !ok || a == nil || bt == nil {
			return false, !ok
		}
		sameCounter := a.Counter == bt.Counter || (a.Counter != nil && bt.Counter != nil && *a.Counter == *bt.Counter)
		return a.Timeout() == bt.Timeout() && a.Expires() == bt.Expires() && a.Comment == bt.Comment && sameCounter &&
			equalExpr(a.Key, bt.Key), true
	case *ir.FlagList:
		bt, ok := b.(*ir.FlagList)
		if !ok || a == nil || bt == nil {
			return false, !ok
		}
		return sameNilness(a.Flags, bt.Flags) && slices.Equal(a.Flags, bt.Flags), true
	}
	return false, false
}

// equalExprs compares two lists of expressions as reflect.DeepEqual
// compares slices (a nil list is not an empty one).
func equalExprs(a, b []ir.Expr) bool {
	if !sameNilness(a, b) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalExpr(a[i], b[i]) {
			return false
		}
	}
	return true
}

// equalPlainExpr compares selectors and values made of comparable fields
// only (strings, numbers, netip addresses, whose == is value equality).
// known is false for other expressions, and for nil pointers (left to
// reflect). b not of a's type is unequal (reflect.DeepEqual compares
// dynamic types first).
func equalPlainExpr(a, b ir.Expr) (eq, known bool) {
	switch a := a.(type) {
	case *ir.Payload:
		return plainEq(a, b)
	case *ir.Meta:
		return plainEq(a, b)
	case *ir.Ct:
		return plainEq(a, b)
	case *ir.Integer:
		return plainEq(a, b)
	case *ir.String:
		return plainEq(a, b)
	case *ir.Symbol:
		return plainEq(a, b)
	case *ir.Addr:
		return plainEq(a, b)
	case *ir.Prefix:
		return plainEq(a, b)
	case *ir.EtherAddr:
		return plainEq(a, b)
	}
	return false, false
}

// plainEq compares a *T with an expression: unequal if that is not a *T
// (reflect.DeepEqual compares dynamic types first). T is the struct, not
// its pointer: instantiated for pointer types, the function was one shape
// for them all, and its assertion and comparison went through the runtime.
func plainEq[T comparable](a *T, b ir.Expr) (eq, known bool) {
	bt, ok := any(b).(*T)
	switch {
	case !ok:
		return false, true
	case a == nil || bt == nil:
		return false, false
	}
	// the same value, as the selectors shared by the rules that test
	// them are (ruleAlloc.payload), needs no comparison of its fields
	return a == bt || *a == *bt, true
}
