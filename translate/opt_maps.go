package translate

import (
	"slices"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Verdict maps: rules that test the same selector for different values and
// end in different verdicts become one lookup,
//
//	iifname vmap { "eth0" : jump low_sec, "eth1" : jump high_sec }
//
// and DNAT/SNAT lists keyed by one selector become a NAT map,
//
//	dnat ip addr . port to tcp dport map { 80 : 10.0.0.1 . 8080, ... }
//
// Only adjacent rules with otherwise identical statements, values that can
// never match the same packet (so their order does not matter), no
// counters (the counter pass removes the ones without values) are
// combined. Comments go with the elements (nft keeps a comment per map
// element), or stay on the rule when every rule has the same one.

// keyedRule splits a rule into the index of a differing selector match and
// its terminal statement; it checks the common shape.
func keyedDiff(a, b *ir.Rule) (int, bool) {
	if a.Placeholder() || b.Placeholder() || len(a.Stmts) != len(b.Stmts) {
		return 0, false
	}
	last := len(a.Stmts) - 1
	if last < 1 {
		return 0, false
	}
	d := -1
	for i := 0; i < last; i++ {
		sa, sb := a.Stmts[i], b.Stmts[i]
		if _, ok := sa.(*ir.Counter); ok {
			return 0, false
		}
		ma, ok1 := sa.(*ir.Match)
		mb, ok2 := sb.(*ir.Match)
		if !ok1 || !ok2 {
			return 0, false
		}
		if equalStmt(sa, sb) {
			continue
		}
		if d >= 0 || ma.Op != ir.CmpEq || mb.Op != ir.CmpEq || !equalExpr(ma.Left, mb.Left) || !mergeableSelector(ma.Left) {
			return 0, false
		}
		d = i
	}
	// after the loop, which turns most pairs down (a stateful statement
	// is no match) for less than the two walks
	if hasStateful(a) || hasStateful(b) {
		return 0, false
	}
	if d < 0 {
		// Identical matches: the second rule only sees what the first
		// one did not take, a map cannot express that.
		return 0, false
	}
	return d, true
}

func mapVerdict(s ir.Stmt) (*ir.Verdict, bool) {
	v, ok := s.(*ir.Verdict)
	if !ok {
		return nil, false
	}
	switch v.Kind {
	case ir.VerdictAccept, ir.VerdictDrop, ir.VerdictJump, ir.VerdictGoto, ir.VerdictReturn, ir.VerdictContinue:
		return v, true
	}
	return nil, false
}

// collectKeyed groups adjacent rules around rules[i] that pass keyedDiff
// with the same index, whose last statements pass ok, and whose values
// are disjoint.
func collectKeyed(rules []*ir.Rule, i int, ok func(ir.Stmt) bool) ([]*ir.Rule, int) {
	first := rules[i]
	if len(first.Stmts) == 0 || !ok(first.Stmts[len(first.Stmts)-1]) {
		return nil, -1
	}
	var group []*ir.Rule // made when a second rule joins
	d := -1
	var seen *disjoint
	var one [1]interval
	for j := i + 1; j < len(rules); j++ {
		r := rules[j]
		dd, good := keyedDiff(first, r)
		if !good || (d >= 0 && dd != d) || !ok(r.Stmts[len(r.Stmts)-1]) {
			break
		}
		if d < 0 {
			d = dd
			seen = newDisjoint()
			v, okv := plainValues(first.Stmts[d].(*ir.Match).Right)
			if !okv {
				return nil, -1
			}
			for _, x := range v {
				if !seen.add1(x) {
					return nil, -1
				}
			}
		}
		v, okv := plainValuesIn(r.Stmts[d].(*ir.Match).Right, &one)
		if !okv || !seen.canAddAllOne(v) {
			break
		}
		for _, x := range v {
			seen.add1(x)
		}
		if group == nil {
			group = []*ir.Rule{first}
		}
		group = append(group, r)
	}
	if len(group) < 2 {
		return nil, -1
	}
	return group, d
}

func mergeVMaps(rules []*ir.Rule, rep *OptReport) []*ir.Rule {
	out := ruleOut{rules: rules}
	isVerdict := func(s ir.Stmt) bool { _, ok := mapVerdict(s); return ok }
	for i := 0; i < len(rules); {
		group, d := collectKeyed(rules, i, isVerdict)
		if group == nil {
			out.keep(i)
			i++
			continue
		}
		common := commonComment(group)
		// The elements and their verdicts are made in one block each
		// rather than two allocations an element: a kube-proxy
		// dispatch map has one a service.
		n := 0
		for _, r := range group {
			n += len(elements(r.Stmts[d].(*ir.Match).Right))
		}
		elems, mes, ves := make([]ir.Expr, 0, n), make([]ir.MapElem, n), make([]ir.VerdictExpr, n)
		for _, r := range group {
			v, _ := mapVerdict(r.Stmts[len(r.Stmts)-1])
			for _, val := range elements(r.Stmts[d].(*ir.Match).Right) {
				k := len(elems)
				ves[k] = ir.VerdictExpr{Kind: v.Kind, Chain: v.Chain}
				mes[k] = ir.MapElem{Key: mapKey(val, r, common), Value: &ves[k]}
				elems = append(elems, &mes[k])
			}
		}
		first := group[0]
		merged := (&ir.Rule{Origin: rep.mergedOrigins(group), Comment: common}).WithSource(rep.mergedSource(group))
		for k, s := range first.Stmts[:len(first.Stmts)-1] {
			if k == d {
				continue
			}
			merged.Stmts = append(merged.Stmts, s)
		}
		merged.Stmts = append(merged.Stmts, &ir.VMap{Key: first.Stmts[d].(*ir.Match).Left, Map: &ir.SetLit{Elems: elems}})
		rep.Merges = append(rep.Merges, Merge{Pass: "vmap", Into: merged, From: merged.Origin, Reason: describe(group) + " dispatching on " + exprLabel(first.Stmts[d].(*ir.Match).Left)})
		out.put(i, merged)
		i += len(group)
	}
	return out.result()
}

// natTarget recognises a NAT statement a map can carry: one address, and
// at most one port.
func natTarget(s ir.Stmt) (*ir.Nat, bool) {
	n, ok := s.(*ir.Nat)
	if !ok || n.Prefix || n.AddrPort || (n.Kind != ir.NatDNAT && n.Kind != ir.NatSNAT) {
		return nil, false
	}
	if _, ok := n.Addr.(*ir.Addr); !ok {
		return nil, false
	}
	if n.Port != nil {
		if _, ok := n.Port.(*ir.Integer); !ok {
			return nil, false
		}
	}
	return n, true
}

func mergeNatMaps(fam ir.Family, rules []*ir.Rule, rep *OptReport) []*ir.Rule {
	out := ruleOut{rules: rules}
	isNat := func(s ir.Stmt) bool { _, ok := natTarget(s); return ok }
	for i := 0; i < len(rules); {
		group, d := collectKeyed(rules, i, isNat)
		if group != nil {
			group = sameNatShape(group)
		}
		if len(group) < 2 {
			out.keep(i)
			i++
			continue
		}
		first := group[0]
		n0, _ := natTarget(first.Stmts[len(first.Stmts)-1])
		withPort := n0.Port != nil
		common := commonComment(group)
		var elems []ir.Expr
		for _, r := range group {
			n, _ := natTarget(r.Stmts[len(r.Stmts)-1])
			var val ir.Expr = n.Addr
			if withPort {
				val = &ir.Concat{Elems: []ir.Expr{n.Addr, n.Port}}
			}
			for _, k := range elements(r.Stmts[d].(*ir.Match).Right) {
				elems = append(elems, &ir.MapElem{Key: mapKey(k, r, common), Value: val})
			}
		}
		nat := &ir.Nat{Kind: n0.Kind, Family: n0.Family, Flags: n0.Flags,
			Addr: &ir.MapLookup{Key: first.Stmts[d].(*ir.Match).Left, Map: &ir.SetLit{Elems: elems}}}
		if withPort {
			nat.AddrPort = true
			if nat.Family == "" {
				nat.Family = map[ir.Family]string{ir.FamilyIP: "ip", ir.FamilyIP6: "ip6"}[fam]
			}
			if nat.Family == "" {
				out.keep(i)
				i++
				continue
			}
		}
		merged := (&ir.Rule{Origin: rep.mergedOrigins(group), Comment: common}).WithSource(rep.mergedSource(group))
		for k, s := range first.Stmts[:len(first.Stmts)-1] {
			if k != d {
				merged.Stmts = append(merged.Stmts, s)
			}
		}
		merged.Stmts = append(merged.Stmts, nat)
		rep.Merges = append(rep.Merges, Merge{Pass: "natmap", Into: merged, From: merged.Origin, Reason: describe(group) + " translating by " + exprLabel(first.Stmts[d].(*ir.Match).Left)})
		out.put(i, merged)
		i += len(group)
	}
	return out.result()
}

// sameNatShape keeps the leading rules whose NAT statements agree in kind,
// family, flags and whether they set a port.
func sameNatShape(group []*ir.Rule) []*ir.Rule {
	n0, _ := natTarget(group[0].Stmts[len(group[0].Stmts)-1])
	for i, r := range group[1:] {
		n, _ := natTarget(r.Stmts[len(r.Stmts)-1])
		if n.Kind != n0.Kind || n.Family != n0.Family || (n.Port == nil) != (n0.Port == nil) || !equalFlags(n.Flags, n0.Flags) {
			return group[:i+1]
		}
	}
	return group
}

func equalFlags(a, b []string) bool {
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

// commonComment is the comment every rule of the group has, if they all
// have the same one.
func commonComment(group []*ir.Rule) string {
	for _, r := range group[1:] {
		if r.Comment != group[0].Comment {
			return ""
		}
	}
	return group[0].Comment
}

// mapKey is a map element's key; it carries its rule's comment when the
// rules' comments differ.
func mapKey(v ir.Expr, r *ir.Rule, common string) ir.Expr {
	k := bareValue(v)
	if r.Comment == "" || r.Comment == common {
		return k
	}
	return &ir.Elem{Key: k, Comment: r.Comment}
}

// ruleOut is the result of a pass over rules that keeps most of them as
// they are, made only once the pass changes something: until then it is
// rules themselves (the map passes copied every chain's rules, 3.7 MB
// each for the mixed 1,000,000-rule dump's forward chain, which has no
// map to make).
type ruleOut struct {
	rules, out []*ir.Rule
}

// keep keeps rules[i]. The rules before it have been kept or replaced.
func (o *ruleOut) keep(i int) {
	if o.out != nil {
		o.out = append(o.out, o.rules[i])
	}
}

// put adds r, which replaces rules from i on. The rules before i have
// been kept or replaced.
func (o *ruleOut) put(i int, r *ir.Rule) {
	if o.out == nil {
		o.out = append(make([]*ir.Rule, 0, len(o.rules)), o.rules[:i]...)
	}
	o.out = append(o.out, r)
}

// result is the rules the pass leaves.
func (o *ruleOut) result() []*ir.Rule {
	if o.out == nil {
		if len(o.rules) == 0 {
			return nil
		}
		return o.rules
	}
	return trimRules(o.out)
}

// trimRules is out, copied if it has room for more than twice its rules
// (a pass's result made with room for every rule it was given): the
// room would be kept with the chain's rules.
func trimRules(out []*ir.Rule) []*ir.Rule {
	if cap(out) >= 2*len(out)+1024 {
		return slices.Clone(out)
	}
	return out
}
