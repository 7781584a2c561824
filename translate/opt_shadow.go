package translate

import (
	"fmt"
	"strings"

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
	if len(c.Rules) < 2 {
		// No rule has one before it: most chains of kube-proxy's
		// tables, whose one rule findShadowed worked out the values of.
		return
	}
	enders := mem.enders() // earlier rules that end the chain, last ones only
	for _, r := range c.Rules {
		if r.Placeholder() || r.Dead() != "" || len(r.Stmts) == 0 {
			continue
		}
		term := terminal(r)
		if term && unconditional(r) {
			break // the rules after it are findDead's
		}
		ends := term && !statefulOrTProxy(r)
		if enders.n == 0 && !ends {
			continue
		}
		sr := mem.rule(r)
		if by := coveringRule(enders, sr); by != nil {
			rep.Dead = append(rep.Dead, DeadRule{Chain: c.Name, Rule: r, After: by})
			rep.Notes = append(rep.Notes, Diag{Pos: pos0(r), Kind: DiagNote, Rule: r.Source(),
				Msg: fmt.Sprintf("rule can never match: the rule at %s takes every packet it would match first (chain %s)", pos0(by), c.Name)})
			mem.release(sr.slot)
			continue
		}
		if !ends {
			mem.release(sr.slot)
			continue
		}
		if dropped := enders.push(sr); dropped != nil {
			mem.release(dropped)
		}
	}
	for k := range enders.n {
		mem.release(enders.latest(k).slot)
	}
}

// shadowRule is a rule with its matches, in order, each with the plain
// values of an equality match of a mergeable selector (nil for the other
// matches), worked out once: covers compares each rule with up to
// shadowLookback others without looking through their other statements.
type shadowRule struct {
	r  *ir.Rule
	ms []shadowMatch
	// sels has bit sel%64 set for the sel of each of ms: a rule covers
	// another only if each of its selectors is one of the other's, and
	// most pairs covers is asked about fail that test.
	sels uint64
	// distinct is set when no two of ms have the same bit in sels (nor,
	// then, the same sel).
	distinct bool
	// points has a bit (pointBit) for each match whose values are all
	// one number: such a match of a rule is implied only by a match of
	// the same selector and number, so a rule covers another only if
	// each of its bits is the other's. Most pairs of a chain's rules
	// differ in such a value (a port, an address), told apart here
	// without covers' call.
	points uint64
	slot   *shadowSlot // the memory of ms
}

// shadowMatch is a match of a shadowRule and its plain values, if any.
type shadowMatch struct {
	m    *ir.Match
	vals []interval
	// sel hashes m.Left: matches of different hashes test different
	// selectors, told apart without comparing them (most of the
	// comparisons covers made).
	sel uint64
}

// shadowMem holds the value lists of findShadowed's shadowRules: those of
// the rule it works on and of the chain-ending rules it looks back at, at
// most shadowLookback. Each rule's lists are in a slot of their own,
// reused once the rule is no longer looked back at: a few slots for a
// chain of any length (lists for every rule were 4 MB of the 46 MB the
// mixed 20,000-rule dump allocated).
type shadowMem struct {
	free []*shadowSlot
	// sels remembers, for the match at each place of a rule, the
	// selector it tested (a payload or meta expression), with its sel
	// and whether it is a mergeable selector: the rules of a chain
	// mostly test the same fields in the same order, and comparing a
	// field's names (mostly the same constant strings) is cheaper than
	// hashing them and finding them among the mergeable ones again.
	sels [8]selMemo
	// ring is findShadowed's enderRing, reused from chain to chain:
	// clearing one for each chain (640 bytes) was 0.7 M instructions of
	// the dispatch dump's 12,000 chains.
	ring enderRing
}

// enders is an empty enderRing. Only the rules pushed into a ring are
// read from it: the others are left as they are.
func (sm *shadowMem) enders() *enderRing {
	sm.ring.next, sm.ring.n, sm.ring.failed = 0, 0, 0
	return &sm.ring
}

// selMemo is a selector of a payload (proto and field) or meta (key,
// bare) expression with its sel and mergeableSelector.
type selMemo struct {
	kind      uint8 // 0: none, selPayload, selMeta
	bare      bool
	mergeable bool
	a, b      string
	sel       uint64
}

const (
	selPayload = 1 + iota
	selMeta
)

// selector is the sel of e, the selector of a rule's match at place i,
// and whether it is a mergeable selector.
func (sm *shadowMem) selector(i int, e ir.Expr) (uint64, bool) {
	if i >= len(sm.sels) {
		return uint64(sigHash(fnvOffset).expr(e)), mergeableSelector(e)
	}
	m := &sm.sels[i]
	var key selMemo
	switch e := e.(type) {
	case *ir.Payload:
		if m.kind == selPayload && sameString(m.b, e.Field) && sameString(m.a, e.Proto) {
			return m.sel, m.mergeable
		}
		key = selMemo{kind: selPayload, a: e.Proto, b: e.Field}
	case *ir.Meta:
		if m.kind == selMeta && m.bare == e.Bare && sameString(m.a, e.Key) {
			return m.sel, m.mergeable
		}
		key = selMemo{kind: selMeta, a: e.Key, bare: e.Bare}
	default:
		return uint64(sigHash(fnvOffset).expr(e)), mergeableSelector(e)
	}
	key.sel, key.mergeable = uint64(sigHash(fnvOffset).expr(e)), mergeableSelector(e)
	*m = key
	return key.sel, key.mergeable
}

// A shadowSlot is the memory of a shadowRule's value lists.
type shadowSlot struct {
	ms  []shadowMatch
	ivs []interval
}

// release hands a slot back once its rule is done with.
func (sm *shadowMem) release(s *shadowSlot) { sm.free = append(sm.free, s) }

func (sm *shadowMem) rule(r *ir.Rule) shadowRule {
	var s *shadowSlot
	if n := len(sm.free); n > 0 {
		s, sm.free = sm.free[n-1], sm.free[:n-1]
	} else {
		s = new(shadowSlot)
	}
	clear(s.ms)
	s.ms = s.ms[:0]
	s.ivs = s.ivs[:0]
	var sels, points uint64
	distinct := true
	for _, st := range r.Stmts {
		if m, ok := st.(*ir.Match); ok {
			sel, mergeable := sm.selector(len(s.ms), m.Left)
			x := shadowMatch{m: m, sel: sel}
			if m.Op == ir.CmpEq && mergeable {
				x.vals = s.intervals(m.Right)
			}
			s.ms = append(s.ms, x)
			bit := uint64(1) << (x.sel % 64)
			distinct = distinct && sels&bit == 0
			sels |= bit
			points |= pointBit(&x)
		}
	}
	return shadowRule{r: r, ms: s.ms, sels: sels, distinct: distinct, points: points, slot: s}
}

// pointBit is the bit of shadowRule.points for m: one picked by its
// selector and number when its values are all one number, else none.
func pointBit(m *shadowMatch) uint64 {
	if len(m.vals) == 0 {
		return 0
	}
	p := &m.vals[0]
	if p.lo.tag == 0 || p.lo != p.hi {
		return 0
	}
	for i := 1; i < len(m.vals); i++ {
		if v := &m.vals[i]; v.lo != p.lo || v.hi != p.lo {
			return 0
		}
	}
	h := (m.sel ^ uint64(p.lo.tag)) * fnvPrime
	h = (h ^ p.lo.hi) * fnvPrime
	h = (h ^ p.lo.lo) * 0x9e3779b97f4a7c15
	return 1 << (h >> 58)
}

// intervals is plainValues appended to the slot's; nil when e is not
// plain. The lists handed out before stay as they are when the slot's
// grows (they keep the memory they were in).
func (s *shadowSlot) intervals(e ir.Expr) []interval {
	var one [1]ir.Expr
	els := elementsIn(e, &one) // not elements: a value of its own is no new list
	if len(els) == 0 {
		return nil
	}
	start := len(s.ivs)
	for _, el := range els {
		iv, ok := valueInterval(bareValue(el))
		if !ok {
			s.ivs = s.ivs[:start]
			return nil
		}
		s.ivs = append(s.ivs, iv)
	}
	return s.ivs[start:len(s.ivs):len(s.ivs)]
}

// statefulOrTProxy is hasStateful(r) || hasTProxy(r) in one walk of
// r's statements.
func statefulOrTProxy(r *ir.Rule) bool {
	for _, s := range r.Stmts {
		switch s := s.(type) {
		case *ir.Match:
			if randomExpr(s.Left) || randomExpr(s.Right) {
				return true
			}
		case *ir.TProxy, *ir.Limit, *ir.Quota, *ir.SetUpdate, *ir.Meter, *ir.CtCount:
			return true
		}
	}
	return false
}

// enderRing holds the last shadowLookback rules that end the chain, in
// a ring: moving a slice of them down a place for each new one (copying
// their slices, with write barriers while the collector runs) was a
// tenth of findShadowed's time.
type enderRing struct {
	rules   [shadowLookback]shadowRule
	next, n int // where the next rule goes; how many there are
	failed  int // covers' first match to look at
}

// push adds r, and returns the slot of the rule it drops, if it drops one.
func (e *enderRing) push(r shadowRule) *shadowSlot {
	var dropped *shadowSlot
	if e.n == len(e.rules) {
		dropped = e.rules[e.next].slot
	} else {
		e.n++
	}
	e.rules[e.next] = r
	e.next = (e.next + 1) % len(e.rules)
	return dropped
}

// latest returns the rule pushed k rules before the last one, k < e.n.
func (e *enderRing) latest(k int) *shadowRule {
	// unsigned, the remainder by a power of two is a mask
	return &e.rules[uint(e.next-1-k+len(e.rules))%uint(len(e.rules))]
}

// coveringRule returns the latest of enders that covers r, or nil.
func coveringRule(enders *enderRing, r shadowRule) *ir.Rule {
	ordered := false // matchesFirst(r.r), asked once a rule may cover r
	for k := range enders.n {
		e := enders.latest(k)
		if e.points&^r.points != 0 || e.sels&^r.sels != 0 {
			continue // most pairs: see points
		}
		if !ordered {
			if !matchesFirst(r.r) {
				return nil
			}
			ordered = true
		}
		if covers(e, &r, &enders.failed) {
			return e.r
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

// covers reports whether every packet b matches, a matches. The match
// of a at *first is looked at first, and *first set to the one that
// fails: the rules of a chain mostly differ from the ones before in the
// same match (a port, an address), the one that failed last time.
func covers(a, b *shadowRule, first *int) bool {
	if a.sels&^b.sels != 0 {
		return false // a tests a selector b does not
	}
	f := *first
	if f < len(a.ms) {
		// what implies and matchImplied would do for a value of one
		// selector each, done here without their calls: most pairs of
		// rules end here
		x := &a.ms[f]
		if b.distinct && f < len(b.ms) {
			if y := &b.ms[f]; y.sel == x.sel && len(x.vals) == 1 && len(y.vals) == 1 && !within(&y.vals[0], &x.vals[0]) {
				return false
			}
		}
		if !b.implies(x, f) {
			return false
		}
	}
	for i := range a.ms {
		if i != f && !b.implies(&a.ms[i], i) {
			*first = i
			return false
		}
	}
	return true
}

// implies reports whether one of r's matches implies x. The rules
// compared mostly test the same selectors in the same order: r's match
// at i is looked at first, and when r tests each selector once (its
// bits in sels tell it) that match alone can imply x if it tests x's.
func (r *shadowRule) implies(x *shadowMatch, i int) bool {
	if r.distinct && i < len(r.ms) && r.ms[i].sel == x.sel {
		return matchImplied(x, &r.ms[i])
	}
	for j := range r.ms {
		if y := &r.ms[j]; x.sel == y.sel {
			if matchImplied(x, y) {
				return true
			}
			if r.distinct {
				return false // no other match of r tests x's selector
			}
		}
	}
	return false
}

// matchImplied reports whether every packet y matches, x matches.
// The values are compared before the selectors: most pairs of rules
// differ in a value.
func matchImplied(x, y *shadowMatch) bool {
	if x.vals != nil && y.vals != nil {
		// (equal values are within)
		return allWithin(y.vals, x.vals) && equalExpr(x.m.Left, y.m.Left)
	}
	return equalExpr(x.m.Left, y.m.Left) && equalStmt(x.m, y.m)
}

// allWithin reports whether every value of bv lies within a value of av.
func allWithin(bv, av []interval) bool {
	for i := range bv {
		inside := false
		for j := range av {
			if within(&bv[i], &av[j]) {
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
func within(x, y *interval) bool {
	// the tags, not numeric(): its receiver, a copy of the interval,
	// was most of the cost
	switch xn, yn := x.lo.tag != 0, y.lo.tag != 0; {
	case xn && yn:
		return keyLE(y.lo, x.lo) && keyLE(x.hi, y.hi)
	case xn || yn:
		return false
	}
	xp, yp := x.prefix(), y.prefix()
	switch {
	case yp == "":
		return xp == "" && x.text == y.text
	case xp == "":
		return strings.HasPrefix(x.text, yp)
	}
	return strings.HasPrefix(xp, yp)
}
