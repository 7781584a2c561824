package translate

import "github.com/ipt2nft/ipt2nft/ir"

// ruleSplit records the alternatives of Ctx.Either.
type ruleSplit struct {
	pos  int // where in the rule's statements the alternatives go
	alts [][]ir.Stmt
}

// Either adds a test that passes when one of the alternatives passes;
// each alternative is a list of statements that must all pass. No packet
// may pass two alternatives. nft has no "or" between different
// expressions, so the rule becomes one nft rule per alternative, each
// with all of the rule's other statements: a packet matches at most one
// of them, so the rule's action runs at most once, as in iptables.
//
// Either reports false (and adds nothing) when the rule cannot be split
// exactly: when it was already split, or when a statement with state
// (limit, quota, set updates, numgen...) comes before this point, which
// every one of the nft rules would run.
func (c *Ctx) Either(alts ...[]ir.Stmt) bool {
	if c.split != nil {
		return false
	}
	for _, s := range c.stmts {
		switch s := s.(type) {
		case *ir.Comment, *ir.Counter: // ruleBodies gives each rule its own counter
		case *ir.Match:
			if hasState(s.Left) || hasState(s.Right) {
				return false
			}
		default:
			return false
		}
	}
	c.split = &ruleSplit{pos: len(c.stmts), alts: alts}
	return true
}

// hasState reports whether an expression changes state when evaluated
// ("numgen inc").
func hasState(e ir.Expr) bool {
	switch e := e.(type) {
	case *ir.Numgen:
		return e.Mode == "inc"
	case *ir.Binary:
		return hasState(e.Left) || hasState(e.Right)
	case *ir.Concat:
		for _, x := range e.Elems {
			if hasState(x) {
				return true
			}
		}
	case *ir.Range:
		return hasState(e.Lo) || hasState(e.Hi)
	case *ir.MapLookup:
		return hasState(e.Key) || hasState(e.Map)
	case *ir.Hash:
		return hasState(e.Expr)
	}
	return false
}

// ruleBodies returns the statements of each nft rule the iptables rule
// becomes: one, or one per alternative of Either. Notes and counter
// values (iptables-save -c) stay with the first rule.
func (c *Ctx) ruleBodies() [][]ir.Stmt {
	sp := c.split
	if sp == nil {
		return [][]ir.Stmt{c.stmts}
	}
	var bodies [][]ir.Stmt
	for i, alt := range sp.alts {
		var body []ir.Stmt
		for j, s := range c.stmts {
			if j == sp.pos {
				body = append(body, alt...)
			}
			switch s.(type) {
			case *ir.Comment:
				if i > 0 {
					continue
				}
			case *ir.Counter:
				if i > 0 {
					body = append(body, &ir.Counter{})
					continue
				}
			}
			body = append(body, s)
		}
		if sp.pos == len(c.stmts) {
			body = append(body, alt...)
		}
		bodies = append(bodies, body)
	}
	return bodies
}

// forBody is the context of the i-th nft rule of ruleBodies: the sets
// and helpers are declared with the first one.
func (c *Ctx) forBody(i int) *Ctx {
	if i == 0 {
		return c
	}
	cc := *c
	cc.sets, cc.helpers = nil, nil
	return &cc
}
