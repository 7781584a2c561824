package translate

import (
	"github.com/ipt2nft/ipt2nft/ir"
)

// Set merging: rules identical but for the values of some selectors become
// one rule with an anonymous set ("tcp dport { 22, 80, 443 }") or, when
// several selectors differ, a concatenation ("ip saddr . tcp dport { ... }").
// Only adjacent rules are merged, only equality tests of plain values on
// selectors where a set lookup means the same as the comparison, and only
// when the values of different rules cannot match the same packet (then
// the order of the rules does not matter). Rules with state (limit, quota,
// set updates) are never merged. Rule comments become element comments and
// counter values become element counters, so nothing is lost.

// shapeDiff compares two rules. It returns the indexes of the statements
// that differ, all of which must be mergeable equality matches on the same
// selector, and ok=false if the rules differ in anything else. Counters
// at the same place may differ in their values.
func shapeDiff(a, b *ir.Rule) (diff []int, ok bool) {
	if a.Untranslated != nil || b.Untranslated != nil || len(a.Stmts) != len(b.Stmts) {
		return nil, false
	}
	if hasStateful(a) || hasStateful(b) {
		return nil, false
	}
	for i := range a.Stmts {
		sa, sb := a.Stmts[i], b.Stmts[i]
		if ca, ok := sa.(*ir.Counter); ok {
			if _, ok := sb.(*ir.Counter); ok {
				_ = ca
				continue
			}
			return nil, false
		}
		if equalStmt(sa, sb) {
			continue
		}
		ma, ok1 := sa.(*ir.Match)
		mb, ok2 := sb.(*ir.Match)
		if !ok1 || !ok2 || ma.Op != ir.CmpEq || mb.Op != ir.CmpEq || !equalExpr(ma.Left, mb.Left) || !mergeableSelector(ma.Left) {
			return nil, false
		}
		if _, ok := plainValues(ma.Right); !ok {
			return nil, false
		}
		if _, ok := plainValues(mb.Right); !ok {
			return nil, false
		}
		diff = append(diff, i)
	}
	return diff, len(diff) > 0
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ruleKeys returns, for the statements at diff, the intervals of each
// element of the rule (one interval per selector for concatenations).
func ruleKeys(r *ir.Rule, diff []int) [][]interval {
	if len(diff) == 1 {
		vals, _ := plainValues(r.Stmts[diff[0]].(*ir.Match).Right)
		var out [][]interval
		for _, v := range vals {
			out = append(out, []interval{v})
		}
		return out
	}
	var tuple []interval
	for _, d := range diff {
		vals, _ := plainValues(r.Stmts[d].(*ir.Match).Right)
		if len(vals) != 1 {
			return nil
		}
		tuple = append(tuple, vals[0])
	}
	return [][]interval{tuple}
}

func mergeSets(rules []*ir.Rule, rep *OptReport) []*ir.Rule {
	var out []*ir.Rule
	for i := 0; i < len(rules); {
		group := []*ir.Rule{rules[i]}
		var diff []int
		var seen *disjoint
	extend:
		for j := i + 1; j < len(rules); j++ {
			d, ok := shapeDiff(rules[i], rules[j])
			if !ok || (diff != nil && !sameInts(d, diff)) {
				break
			}
			if diff == nil {
				diff = d
				seen = newDisjoint()
				keys := ruleKeys(rules[i], diff)
				if keys == nil {
					break
				}
				for _, k := range keys {
					if !seen.add(k) {
						break extend
					}
				}
			}
			keys := ruleKeys(rules[j], diff)
			if keys == nil {
				break
			}
			for _, k := range keys {
				if !seen.add(k) {
					break extend
				}
			}
			group = append(group, rules[j])
		}
		if len(group) == 1 || commentsAndCounters(group) {
			out = append(out, rules[i])
			i++
			continue
		}
		merged := buildSetRule(group, diff)
		rep.Merges = append(rep.Merges, Merge{Pass: "sets", Into: merged, From: merged.Origin, Reason: describe(group) + " differing only in " + selectorNames(rules[i], diff)})
		out = append(out, merged)
		i += len(group)
	}
	return out
}

// commentsAndCounters reports whether merging would need elements with
// both a comment and counter values, which nft cannot read back.
func commentsAndCounters(group []*ir.Rule) bool {
	comments, values := false, false
	for _, r := range group {
		if r.Comment != group[0].Comment {
			comments = true
		}
		for _, s := range r.Stmts {
			if c, ok := s.(*ir.Counter); ok && c.HasValues {
				values = true
			}
		}
	}
	return comments && values
}

func selectorNames(r *ir.Rule, diff []int) string {
	s := ""
	for i, d := range diff {
		if i > 0 {
			s += " . "
		}
		s += exprLabel(r.Stmts[d].(*ir.Match).Left)
	}
	return s
}

// exprLabel is a short name of a selector for messages.
func exprLabel(e ir.Expr) string {
	switch e := e.(type) {
	case *ir.Payload:
		return e.Proto + " " + e.Field
	case *ir.Meta:
		return "meta " + e.Key
	case *ir.Ct:
		if e.Dir != "" {
			return "ct " + e.Dir + " " + e.Key
		}
		return "ct " + e.Key
	}
	return "selector"
}

// buildSetRule makes the merged rule from a group.
func buildSetRule(group []*ir.Rule, diff []int) *ir.Rule {
	first := group[0]
	sameComment := true
	for _, r := range group[1:] {
		if r.Comment != first.Comment {
			sameComment = false
		}
	}
	counterIdx := -1
	withValues := false
	for i, s := range first.Stmts {
		if _, ok := s.(*ir.Counter); ok {
			counterIdx = i
			for _, r := range group {
				if r.Stmts[i].(*ir.Counter).HasValues {
					withValues = true
				}
			}
		}
	}
	var elems []ir.Expr
	for _, r := range group {
		var vals []ir.Expr
		if len(diff) == 1 {
			vals = elements(r.Stmts[diff[0]].(*ir.Match).Right)
		} else {
			var c ir.Concat
			for _, d := range diff {
				c.Elems = append(c.Elems, r.Stmts[d].(*ir.Match).Right)
			}
			vals = []ir.Expr{&c}
		}
		for _, v := range vals {
			el, isElem := v.(*ir.Elem)
			if !isElem {
				el = &ir.Elem{Key: v}
			} else {
				cp := *el
				el = &cp
			}
			if !sameComment && el.Comment == "" {
				el.Comment = r.Comment
			}
			if withValues && counterIdx >= 0 && el.Counter == nil {
				c := *r.Stmts[counterIdx].(*ir.Counter)
				el.Counter = &c
			}
			if el.Comment == "" && el.Counter == nil && el.Timeout == "" && el.Expires == "" {
				elems = append(elems, el.Key)
			} else {
				elems = append(elems, el)
			}
		}
	}
	merged := &ir.Rule{Origin: origins(group), Source: sources(group)}
	if sameComment {
		merged.Comment = first.Comment
	}
	for i, s := range first.Stmts {
		switch {
		case i == diff[0]:
			m := *s.(*ir.Match)
			if len(diff) > 1 {
				var left ir.Concat
				for _, d := range diff {
					left.Elems = append(left.Elems, first.Stmts[d].(*ir.Match).Left)
				}
				m.Left = &left
			}
			m.Right = &ir.SetLit{Elems: elems}
			m.Spell = ir.SpellDefault
			merged.Stmts = append(merged.Stmts, &m)
		case containsInt(diff, i):
			// folded into the concatenation
		case i == counterIdx && withValues:
			// counters moved onto the elements
		default:
			merged.Stmts = append(merged.Stmts, s)
		}
	}
	return merged
}

func containsInt(l []int, x int) bool {
	for _, v := range l {
		if v == x {
			return true
		}
	}
	return false
}
