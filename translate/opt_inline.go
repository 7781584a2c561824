package translate

import (
	"reflect"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Chain inlining: a regular chain that holds one rule and is jumped to
// from one place only is a detour, and its rule can stand where the jump
// is. kube-proxy writes such a chain for every service endpoint
// (KUBE-SEP-…: one DNAT), so a cluster's ruleset has thousands of chains
// the kernel must create and every packet must enter.
//
// "M jump C" with C = { N S } becomes "M N S": the packet meets the same
// statements in the same order. If N does not match, the original returns
// from C and goes on after the jump, as the inlined rule goes on to the
// next rule. What C's rule must not hold is what behaves differently one
// chain up: return (it would leave the caller's chain) and goto (its
// chain would return to the caller's caller). The jump must be the
// rule's only verdict and its last statement.

// inlineChains inlines t's single-rule chains that one jump uses.
func inlineChains(t *ir.Table, rep *OptReport) {
	refs := chainRefs(t)
	byName := make(map[string]*ir.Chain, len(t.Chains))
	for _, c := range t.Chains {
		byName[c.Name] = c
	}
	dead := map[*ir.Rule]bool{}
	for _, d := range rep.Dead {
		dead[d.Rule], dead[d.After] = true, true
	}
	removed := map[*ir.Chain]bool{}
	for _, p := range t.Chains {
		if removed[p] {
			continue
		}
		for i, r := range p.Rules {
			// Repeat: the inlined rule may jump to another such chain.
			for {
				c := inlineTarget(p, r, byName, refs, dead)
				if c == nil {
					break
				}
				merged := inlined(r, c.Rules[0])
				p.Rules[i] = merged
				removed[c] = true
				rep.Merges = append(rep.Merges, Merge{Pass: "inline", Into: merged, From: merged.Origin,
					Reason: "chain " + c.Name + " holds one rule and only this rule jumps to it: the rule stands where the jump was"})
				r = merged
			}
		}
	}
	if len(removed) == 0 {
		return
	}
	keep := t.Chains[:0]
	for _, c := range t.Chains {
		if !removed[c] {
			keep = append(keep, c)
		}
	}
	t.Chains = keep
}

// inlineTarget returns the chain r's jump can be replaced by, or nil.
func inlineTarget(p *ir.Chain, r *ir.Rule, byName map[string]*ir.Chain, refs map[string]int, dead map[*ir.Rule]bool) *ir.Chain {
	if r.Placeholder() || r.Dead != "" || dead[r] || len(r.Stmts) == 0 {
		return nil
	}
	last, ok := r.Stmts[len(r.Stmts)-1].(*ir.Verdict)
	if !ok || last.Kind != ir.VerdictJump || refs[last.Chain] != 1 {
		return nil
	}
	c := byName[last.Chain]
	if c == nil || c == p || c.Hook != nil || c.Aux || len(c.Rules) != 1 {
		return nil
	}
	rc := c.Rules[0]
	if rc.Placeholder() || rc.Dead != "" || dead[rc] || len(rc.Stmts) == 0 {
		return nil
	}
	if r.Comment != "" && rc.Comment != "" && r.Comment != rc.Comment {
		return nil // a rule has one comment
	}
	for _, s := range r.Stmts[:len(r.Stmts)-1] {
		switch s.(type) {
		case *ir.Verdict, *ir.Comment:
			return nil
		}
	}
	for _, s := range rc.Stmts {
		if _, ok := s.(*ir.Comment); ok {
			return nil
		}
	}
	leaves := false
	walkVerdicts(rc.Stmts, func(kind ir.VerdictKind, _ string) {
		if kind == ir.VerdictReturn || kind == ir.VerdictGoto {
			leaves = true
		}
	})
	if leaves {
		return nil
	}
	return c
}

// inlined is r with its final jump replaced by rc's statements.
func inlined(r, rc *ir.Rule) *ir.Rule {
	stmts := make([]ir.Stmt, 0, len(r.Stmts)-1+len(rc.Stmts))
	stmts = append(stmts, r.Stmts[:len(r.Stmts)-1]...)
	stmts = append(stmts, rc.Stmts...)
	comment := r.Comment
	if comment == "" {
		comment = rc.Comment
	}
	origin := make([]iptparse.Pos, 0, len(r.Origin)+len(rc.Origin))
	origin = append(append(origin, r.Origin...), rc.Origin...)
	return &ir.Rule{Stmts: stmts, Comment: comment, Origin: origin, Source: sources([]*ir.Rule{r, rc})}
}

// chainRefs counts the jumps and gotos to each chain of t, wherever they
// are: rule statements, verdict maps, named maps.
func chainRefs(t *ir.Table) map[string]int {
	refs := map[string]int{}
	count := func(kind ir.VerdictKind, chain string) {
		if kind == ir.VerdictJump || kind == ir.VerdictGoto {
			refs[chain]++
		}
	}
	for _, c := range t.Chains {
		for _, r := range c.Rules {
			walkVerdicts(r.Stmts, count)
		}
	}
	for _, s := range t.Sets {
		walkValue(reflect.ValueOf(s), count)
	}
	return refs
}

// walkVerdicts calls fn for every verdict in stmts, nested ones (verdict
// maps) included.
func walkVerdicts(stmts []ir.Stmt, fn func(ir.VerdictKind, string)) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *ir.Verdict:
			fn(s.Kind, s.Chain)
		case *ir.Match, *ir.Counter, *ir.Log, *ir.Comment:
			// No verdicts inside.
		default:
			walkValue(reflect.ValueOf(s), fn)
		}
	}
}

// walkValue finds the verdicts in any IR value, so that a statement or
// expression added later is never overlooked.
func walkValue(v reflect.Value, fn func(ir.VerdictKind, string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		switch vd := v.Interface().(type) {
		case *ir.Verdict:
			fn(vd.Kind, vd.Chain)
			return
		case *ir.VerdictExpr:
			fn(vd.Kind, vd.Chain)
			return
		}
		walkValue(v.Elem(), fn)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkValue(v.Field(i), fn)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkValue(v.Index(i), fn)
		}
	}
}
