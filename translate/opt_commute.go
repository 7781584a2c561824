package translate

import "github.com/ipt2nft/ipt2nft/ir"

// When may a rule move past another? Rule order matters only for packets
// both rules can see: two rules commute when no packet matches both
// (rulesDisjoint), or when for a packet matching both the order makes no
// difference. That second case is checked here, for the two shapes that
// make up long lists in real rulesets:
//
//   - both rules end the packet's way through the chain the same way
//     (accept, drop, return, goto the same chain, the same reject) and do
//     nothing else: whichever comes first, the packet meets the same fate
//     and nothing else happens;
//   - both rules only count (accounting rules: matches and a counter, no
//     verdict): each counts every packet it matches whatever the order.
//
// Matches themselves must be free of side effects and of chance (no
// limits, quotas, set updates, random numbers: stateful), so that
// evaluating them in another order, or not at all, changes nothing.

// commutes reports whether rules a and b may swap places.
func commutes(a, b *ir.Rule, fa, fb *ruleFacts) bool {
	if rulesDisjoint(a, b, fa, fb) {
		return true
	}
	if fa.placeholder || fb.placeholder || fa.stateful || fb.stateful {
		return false
	}
	ka, ta := effectOf(a)
	kb, tb := effectOf(b)
	switch {
	case ka == effectOther || ka != kb:
		return false
	case ka == effectCount:
		return true
	}
	return equalStmt(ta, tb)
}

type effectKind uint8

const (
	effectOther effectKind = iota
	effectEnd              // matches, then one terminal statement
	effectCount            // matches and counters only
)

// effectOf classifies a rule for commutes; for effectEnd it returns the
// terminal statement.
func effectOf(r *ir.Rule) (effectKind, ir.Stmt) {
	var end ir.Stmt
	counters := 0
	for _, s := range r.Stmts {
		switch s := s.(type) {
		case *ir.Match, *ir.Comment:
			if end != nil {
				return effectOther, nil
			}
		case *ir.Counter:
			counters++
		case *ir.Verdict:
			switch s.Kind {
			case ir.VerdictAccept, ir.VerdictDrop, ir.VerdictReturn, ir.VerdictGoto:
			default:
				return effectOther, nil
			}
			if end != nil {
				return effectOther, nil
			}
			end = s
		case *ir.Reject:
			if end != nil {
				return effectOther, nil
			}
			end = s
		default:
			return effectOther, nil
		}
	}
	switch {
	case end != nil && counters == 0:
		return effectEnd, end
	case end == nil && counters > 0:
		return effectCount, nil
	}
	return effectOther, nil
}
