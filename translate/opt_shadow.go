package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/fresh"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Shadowed rules: a rule can never match when an earlier rule of its chain
// always ends the chain and matches every packet it would match (a
// duplicate of an earlier ACCEPT, a host inside a network dropped before).
// They are reported, like the rules after an unconditional verdict
// (findDead), and kept: leaving them in changes nothing, and the report
// tells the reader which rule takes their packets.
//
// A covers B when each match of A is also a match of B, or tests the same
// selector for equality with values that include all of B's values for
// it: every packet B matches, A matches. A must end the chain whenever it
// matches (terminal, no statement with state or chance that could let a
// packet through); B's matches must all come before its other statements,
// so that B has no effect on packets it does not match as a whole.

// shadowLookback bounds how many earlier chain-ending rules each rule is
// compared with.
const shadowLookback = 8

// findShadowed reports the rules of c that an earlier rule always takes.
func findShadowed(c *ir.Chain, mem *shadowMem, rep *OptReport) {
	var enders []shadowRule // earlier rules that end the chain, last ones only
	for _, r := range c.Rules {
		if r.Placeholder() || r.Dead != "" || len(r.Stmts) == 0 {
			continue
		}
		if unconditional(r) && terminal(r) {
			break // the rules after it are findDead's
		}
		ends := terminal(r) && !hasStateful(r) && !hasTProxy(r)
		if len(enders) == 0 && !ends {
			continue
		}
		sr := mem.rule(r)
		if by := coveringRule(enders, sr); by != nil {
			rep.Dead = append(rep.Dead, DeadRule{Chain: c.Name, Rule: r, After: by})
			rep.Notes = append(rep.Notes, Diag{Pos: pos0(r), Kind: DiagNote, Rule: r.Source,
				Msg: fmt.Sprintf("rule can never match: the rule at %s takes every packet it would match first (chain %s)", pos0(by), c.Name)})
			continue
		}
		if ends {
			enders = append(enders, sr)
			if len(enders) > shadowLookback {
				enders = enders[1:]
			}
		}
	}
}

// shadowRule is a rule with the plain values of its equality matches of
// mergeable selectors (nil for its other statements), worked out once.
type shadowRule struct {
	r    *ir.Rule
	vals [][]interval
}

// shadowMem hands out the value lists of a chain's shadowRules from
// shared blocks (one allocation per many rules, not two per rule).
type shadowMem struct {
	vals  [][]interval
	ivs   []interval
	block int // size of the next blocks: doubling up to shadowBlock
}

const shadowBlock = 1024

// grow sizes the next block for at least n values.
func (sm *shadowMem) grow(n int) int {
	sm.block = min(max(2*sm.block, 16), shadowBlock)
	return max(n, sm.block)
}

func (sm *shadowMem) rule(r *ir.Rule) shadowRule {
	n := len(r.Stmts)
	if len(sm.vals) < n {
		sm.vals = fresh.Make[[]interval](sm.grow(n))
	}
	sr := shadowRule{r: r, vals: sm.vals[:n:n]}
	sm.vals = sm.vals[n:]
	for i, s := range r.Stmts {
		if m, ok := s.(*ir.Match); ok && m.Op == ir.CmpEq && mergeableSelector(m.Left) {
			sr.vals[i] = sm.intervals(m.Right)
		}
	}
	return sr
}

// intervals is plainValues from the blocks; nil when e is not plain.
func (sm *shadowMem) intervals(e ir.Expr) []interval {
	els := elements(e)
	if len(els) == 0 {
		return nil
	}
	if len(sm.ivs) < len(els) {
		sm.ivs = fresh.Make[interval](sm.grow(len(els)))
	}
	out := sm.ivs[:0:len(els)]
	for _, el := range els {
		iv, ok := valueInterval(bareValue(el))
		if !ok {
			return nil
		}
		out = append(out, iv)
	}
	sm.ivs = sm.ivs[len(els):]
	return out
}

func hasTProxy(r *ir.Rule) bool {
	for _, s := range r.Stmts {
		if _, ok := s.(*ir.TProxy); ok {
			return true
		}
	}
	return false
}

// coveringRule returns the latest of enders that covers r, or nil.
func coveringRule(enders []shadowRule, r shadowRule) *ir.Rule {
	if len(enders) == 0 || !matchesFirst(r.r) {
		return nil
	}
	for i := len(enders) - 1; i >= 0; i-- {
		if covers(enders[i], r) {
			return enders[i].r
		}
	}
	return nil
}

// matchesFirst reports whether all of r's matches come before its other
// statements (comments aside).
func matchesFirst(r *ir.Rule) bool {
	acting := false
	for _, s := range r.Stmts {
		switch s.(type) {
		case *ir.Match:
			if acting {
				return false
			}
		case *ir.Comment:
		default:
			acting = true
		}
	}
	return true
}

// covers reports whether every packet b matches, a matches.
func covers(a, b shadowRule) bool {
	for i, s := range a.r.Stmts {
		ma, ok := s.(*ir.Match)
		if !ok {
			continue
		}
		implied := false
		for j, t := range b.r.Stmts {
			mb, ok := t.(*ir.Match)
			if !ok || !equalExpr(ma.Left, mb.Left) {
				continue
			}
			if a.vals[i] != nil && b.vals[j] != nil {
				implied = allWithin(b.vals[j], a.vals[i]) // (equal values are within)
			} else {
				implied = equalStmt(ma, mb)
			}
			if implied {
				break
			}
		}
		if !implied {
			return false
		}
	}
	return true
}

// allWithin reports whether every value of bv lies within a value of av.
func allWithin(bv, av []interval) bool {
	for _, x := range bv {
		inside := false
		for _, y := range av {
			if within(x, y) {
				inside = true
				break
			}
		}
		if !inside {
			return false
		}
	}
	return true
}

// within reports whether every value of x is a value of y.
func within(x, y interval) bool {
	switch {
	case x.numeric() && y.numeric():
		return cmpKey(y.lo, x.lo) <= 0 && cmpKey(x.hi, y.hi) <= 0
	case x.numeric() || y.numeric():
		return false
	case y.prefix == "":
		return x.prefix == "" && x.exact == y.exact
	case x.prefix == "":
		return strings.HasPrefix(x.exact, y.prefix)
	}
	return strings.HasPrefix(x.prefix, y.prefix)
}
