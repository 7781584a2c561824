package translate

import (
	"fmt"
	"slices"

	"github.com/ipt2nft/ipt2nft/ir"
)

// ct helpers after conntrack. iptables assigns a helper from the raw table
// (-j CT --helper), before conntrack: the CT target attaches a template
// that conntrack uses when it creates the connection. nft can only assign
// a helper to a connection that exists, so "ct helper set" in a chain at
// the raw priority (-300) does nothing. The layout therefore runs the raw
// chains' helper assignments again in copies hooked right after conntrack
// (priority -199): the copies keep every match and verdict of the raw
// chains, so the same packets reach the same assignments, and drop every
// other action, which the raw chains still perform.

// helperPriority is just after conntrack (-200).
const helperPriority = -199

func isRawBase(c *ir.Chain) bool { return c.Hook != nil && c.Hook.Priority.Name == "raw" }

func hasHelperSet(r *ir.Rule) bool {
	for _, s := range r.Stmts {
		if o, ok := s.(*ir.ObjRef); ok && o.Type == "ct helper" {
			return true
		}
	}
	return false
}

// splitCtHelpers adds the helper chains to a table and removes the helper
// assignments from the raw chains.
func (l *nativeLayout) splitCtHelpers(t *ir.Table) {
	// Only raw base chains have helper chains made: without one there
	// is nothing to do, and no index of every chain's name to build
	// (12,000 chains: 2 % of the translation's instructions).
	if !slices.ContainsFunc(t.Chains, isRawBase) {
		return
	}
	byName := map[string]*ir.Chain{}
	for _, c := range t.Chains {
		byName[c.Name] = c
	}
	// Which chains (reachable from raw base chains) assign helpers or can
	// end evaluation, directly or through the chains they jump to.
	memo := map[string]bool{}
	var relevant func(c *ir.Chain, seen map[string]bool) bool
	relevant = func(c *ir.Chain, seen map[string]bool) bool {
		if v, ok := memo[c.Name]; ok {
			return v
		}
		if seen[c.Name] {
			return false
		}
		seen[c.Name] = true
		rel := false
		for _, r := range c.Rules {
			if hasHelperSet(r) {
				rel = true
			}
			for _, s := range r.Stmts {
				if v, ok := s.(*ir.Verdict); ok {
					switch v.Kind {
					case ir.VerdictAccept, ir.VerdictDrop:
						rel = rel || c.Hook == nil
					case ir.VerdictJump, ir.VerdictGoto:
						if tgt := byName[v.Chain]; tgt != nil && relevant(tgt, seen) {
							rel = true
						}
					}
				}
			}
		}
		memo[c.Name] = rel
		return rel
	}
	helpersIn := map[string]bool{}
	var anyHelper func(c *ir.Chain, seen map[string]bool) bool
	anyHelper = func(c *ir.Chain, seen map[string]bool) bool {
		if v, ok := helpersIn[c.Name]; ok {
			return v
		}
		if seen[c.Name] {
			return false
		}
		seen[c.Name] = true
		found := false
		for _, r := range c.Rules {
			if hasHelperSet(r) {
				found = true
			}
			for _, s := range r.Stmts {
				if v, ok := s.(*ir.Verdict); ok && (v.Kind == ir.VerdictJump || v.Kind == ir.VerdictGoto) {
					if tgt := byName[v.Chain]; tgt != nil && anyHelper(tgt, seen) {
						found = true
					}
				}
			}
		}
		helpersIn[c.Name] = found
		return found
	}
	copies := map[string]string{}
	var newChains []*ir.Chain
	var copyChain func(c *ir.Chain) string
	copyChain = func(c *ir.Chain) string {
		if n, ok := copies[c.Name]; ok {
			return n
		}
		name := c.Name + "_helpers"
		for i := 2; byName[name] != nil; i++ {
			name = fmt.Sprintf("%s_helpers_%d", c.Name, i)
		}
		copies[c.Name] = name
		cp := &ir.Chain{Name: name, Origin: c.Origin, Aux: true}
		byName[name] = cp
		newChains = append(newChains, cp)
		for _, r := range c.Rules {
			if r.Placeholder() {
				continue
			}
			nr := (&ir.Rule{Origin: r.Origin, Comment: r.Comment}).WithSource(r.Source())
			effect := false
			for _, s := range r.Stmts {
				switch s := s.(type) {
				case *ir.Match:
					nr.Stmts = append(nr.Stmts, s)
					if ct, ok := s.Left.(*ir.Ct); ok && (ct.Key == "state" || ct.Key == "status") {
						l.t.diag(Diag{Pos: pos0(r), Kind: DiagWarning, Rule: r.Source(),
							Msg: "this raw-table rule tests the connection state, which differs after conntrack, where its ct helper assignment now runs"})
					}
				case *ir.ObjRef:
					if s.Type == "ct helper" {
						nr.Stmts = append(nr.Stmts, s)
						effect = true
					}
				case *ir.Verdict:
					switch s.Kind {
					case ir.VerdictJump, ir.VerdictGoto:
						if tgt := byName[s.Chain]; tgt != nil && relevant(tgt, map[string]bool{}) {
							nr.Stmts = append(nr.Stmts, &ir.Verdict{Kind: s.Kind, Chain: copyChain(tgt)})
							effect = true
						}
					default:
						nr.Stmts = append(nr.Stmts, s)
						effect = true
					}
				}
			}
			if effect {
				cp.Rules = append(cp.Rules, nr)
			}
		}
		return name
	}
	for _, c := range append([]*ir.Chain(nil), t.Chains...) {
		if !isRawBase(c) || !anyHelper(c, map[string]bool{}) {
			continue
		}
		name := copyChain(c)
		cp := byName[name]
		h := *c.Hook
		h.Priority = ir.Priority{Offset: helperPriority}
		h.Policy = ""
		cp.Hook = &h
		cp.Comment = fmt.Sprintf("ct helper assignments of %s, run right after conntrack: nft can only give a helper to a connection that exists", c.Name)
	}
	if len(newChains) == 0 {
		return
	}
	// The raw chains keep everything but the helper assignments.
	for name := range copies {
		c := byName[name]
		var keep []*ir.Rule
		for _, r := range c.Rules {
			if !hasHelperSet(r) {
				keep = append(keep, r)
				continue
			}
			var stmts []ir.Stmt
			action := false
			for _, s := range r.Stmts {
				switch s := s.(type) {
				case *ir.ObjRef:
					if s.Type == "ct helper" {
						continue
					}
					action = true
				case *ir.Match:
				case *ir.Counter:
					action = action || s.HasValues
				default:
					action = true
				}
				stmts = append(stmts, s)
			}
			if action {
				cp := *r
				cp.Stmts = stmts
				keep = append(keep, &cp)
			}
		}
		c.Rules = keep
	}
	t.Chains = append(t.Chains, newChains...)
}
