package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Some iptables tests match the packets they cannot judge, where the nft
// expression for the test fails for them: negated owner tests match
// packets without a local socket, while "meta skuid != 1000" never
// matches such a packet. "Unless the packet has a socket owned by 1000"
// is exact: the rule jumps to a helper chain whose first rules return
// when a guard matches ("meta skuid 1000 return"; it fails for packets
// without a socket, as it should), and whose last rule is the rest of the
// rule with its action.

// unlessGuard is the pending guard of a rule (see Unless).
type unlessGuard struct {
	at     int       // where among the rule's statements the test stood
	guards []ir.Stmt // the rule does not apply when one of them matches
	name   string    // base name of the helper chain
	x      *iptparse.Ext
}

// Unless makes the rule apply only to packets that match none of the
// guards, evaluated where the test of x stands among the rule's matches.
// name is the base name of the helper chain. Only normal mode; one per
// rule.
func (c *Ctx) Unless(x *iptparse.Ext, name string, guards ...ir.Stmt) bool {
	if c.Exact || c.unless != nil || c.split != nil {
		return false
	}
	c.unless = &unlessGuard{at: len(c.stmts), guards: guards, name: name, x: x}
	return true
}

// applyUnless moves the rule's statements from the guard on into a helper
// chain after the guards' returns; the rule keeps what comes before and
// jumps there. Called after the target.
func (c *Ctx) applyUnless() error {
	u := c.unless
	if u == nil {
		return nil
	}
	if c.split != nil {
		return c.Untranslatable(u.x, "the exact form needs a helper chain, and another match splits the rule")
	}
	rest := c.stmts[u.at:]
	for _, s := range rest {
		if v, ok := s.(*ir.Verdict); ok && (v.Kind == ir.VerdictReturn || v.Kind == ir.VerdictGoto) {
			return c.Untranslatable(u.x, "the exact form runs the action in a helper chain, where -j RETURN and -g would act on the helper chain instead of this one")
		}
	}
	rule := func(s ...ir.Stmt) *ir.Rule {
		return (&ir.Rule{Stmts: s, Origin: c.Origin()}).WithSource(c.tr.keepText(c.Cmd.RuleText()))
	}
	ch := &ir.Chain{Name: u.name}
	for _, g := range u.guards {
		ch.Rules = append(ch.Rules, rule(g, &ir.Verdict{Kind: ir.VerdictReturn}))
	}
	// nft wants the transport protocol in the rule of a statement with
	// ports (redirect, dnat, tproxy): the protocol tests go along
	var body []ir.Stmt
	for _, s := range c.stmts[:u.at] {
		if isL4ProtoMatch(s) {
			body = append(body, s)
		}
	}
	ch.Rules = append(ch.Rules, rule(append(body, rest...)...))
	name := c.DeclareChain(ch)
	c.stmts = append(c.stmts[:u.at:u.at], &ir.Verdict{Kind: ir.VerdictJump, Chain: name})
	return nil
}

// Origin is where the rule being translated comes from.
func (c *Ctx) Origin() []iptparse.Pos { return []iptparse.Pos{c.Cmd.Pos} }

// isL4ProtoMatch reports whether s is "ip protocol P" or "meta l4proto P"
// (-p).
func isL4ProtoMatch(s ir.Stmt) bool {
	m, ok := s.(*ir.Match)
	if !ok {
		return false
	}
	switch l := m.Left.(type) {
	case *ir.Payload:
		return l.Proto == "ip" && l.Field == "protocol" || l.Proto == "ip6" && l.Field == "nexthdr"
	case *ir.Meta:
		return l.Key == "l4proto"
	}
	return false
}
