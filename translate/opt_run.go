package translate

import (
	"fmt"
	"slices"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Runs: a chain that is nothing but rules alike, differing only in the
// address one match tests and in their counter values ("-s A -j DROP",
// "-s B -j DROP"..., the blocklist chain of a million addresses), and
// perhaps a last rule that matches every packet ("-j RETURN"), is held
// from its first rule to its last as that first rule and, for each other
// rule, what it has of its own: the address, its counter, its position
// and text (a runMember, 32 bytes, and its text if it has one, where the
// rule in full is some 290).
// The sets pass would merge the whole chain into one rule with a set;
// Optimize makes that rule straight from the run (mergeRun) when the
// passes would make exactly it, and otherwise gives the chain its rules
// in full, made again from the run, for the passes as usual.
//
// A run holds rules whose other statements are the very statements of
// its first rule (the translator shares verdicts and selectors), so the
// rules made again are the rules the translator made.

// runCompactFrom is the number of rules from which a run holds its rules
// compactly; shorter runs keep them in full and take the passes as
// usual. A variable for tests, which set it to 1 so that every run of the
// real-world dumps takes the compact path.
var runCompactFrom = 4096

// runMerged, if set (in tests), is called for each run mergeRun merges.
var runMerged func()

// runChunk is how many members a chunk of a run holds: a run grows a
// chunk at a time, never copying what it has.
const runChunk = 4096

// ruleRun is a chain's rules alike (Chain.Deferred).
type ruleRun struct {
	head *ir.Rule
	// diff is the index in head.Stmts of the match whose value differs,
	// -1 while the run has one rule; count is the counter's, -1 if none.
	diff, count int
	// full holds the rules while the run is short; members, once it is
	// not, what each rule after head has of its own.
	full    []*ir.Rule
	members [][]runMember
	n       int // rules after head in members
	// sources holds the members' texts, chunk by chunk as members, once
	// one has a text: none has when the translator keeps no provenance
	// (the translate command), and the 662,000 members of the mixed
	// 1,000,000-rule dump are then 10 MB less than with a text each.
	sources [][]string
	// tail is a last rule that matches every packet ("-j RETURN" at the
	// end of a blocklist), nil if none: no rule follows it in the run.
	tail *ir.Rule
}

// runMember is one rule of a run after its first: its position is in
// the first rule's file.
type runMember struct {
	value     ir.Expr
	counter   *ir.Counter
	line, col int32
}

// newRun starts a run with r, or returns nil if r cannot start one.
func newRun(r *ir.Rule) *ruleRun {
	if r.Placeholder() || len(r.Origin) != 1 {
		return nil
	}
	count, addr := -1, false
	for i, s := range r.Stmts {
		switch s := s.(type) {
		case *ir.Counter:
			if count >= 0 {
				return nil
			}
			count = i
		case *ir.Match:
			addr = addr || addrMatch(s)
		}
	}
	if !addr {
		return nil
	}
	return &ruleRun{head: r, diff: -1, count: count, full: []*ir.Rule{r}}
}

// addrMatch reports whether m tests an IPv4 or IPv6 source or destination
// address for equality with one plain value.
func addrMatch(m *ir.Match) bool {
	p, ok := m.Left.(*ir.Payload)
	if !ok || m.Op != ir.CmpEq || (p.Proto != "ip" && p.Proto != "ip6") || (p.Field != "saddr" && p.Field != "daddr") {
		return false
	}
	switch m.Right.(type) {
	case *ir.SetLit, *ir.Elem:
		return false
	}
	return m.Right != nil
}

// add adds r to the run if r is like its rules or can be its tail; it
// reports whether it did, and whether the run let r go, keeping only
// what r has of its own (member: see ruleAlloc.giveBackMember).
func (u *ruleRun) add(r *ir.Rule) (added, member bool) {
	if u.tail != nil {
		return false, false
	}
	if added, member = u.addLike(r); added {
		return added, member
	}
	// A tail: no pass looks past it at the run, nor at it from the run.
	// findShadowed stops at it, findDead has no rule after it, and the
	// sets pass cannot merge a rule without matches with the run's.
	if !r.Placeholder() && unconditional(r) && terminal(r) && !hasLog(r) && !hasStateful(r) {
		u.tail = r
		return true, false
	}
	return false, false
}

// addLike adds r to the run if r is like its rules, as add does.
func (u *ruleRun) addLike(r *ir.Rule) (added, member bool) {
	h := u.head
	if r.Placeholder() || len(r.Origin) != 1 || r.Comment != h.Comment || len(r.Stmts) != len(h.Stmts) {
		return false, false
	}
	if r.Origin[0].File != h.Origin[0].File {
		return false, false
	}
	diff := u.diff
	for i, s := range r.Stmts {
		hs := h.Stmts[i]
		switch {
		case i == u.count:
			c, ok := s.(*ir.Counter)
			if !ok || c.HasValues != hs.(*ir.Counter).HasValues {
				return false, false
			}
		case i == diff:
			if !likeMatch(hs.(*ir.Match), s) {
				return false, false
			}
		case s != hs:
			if diff >= 0 {
				return false, false
			}
			// The run's second rule: this is the match that differs.
			hm, ok := hs.(*ir.Match)
			if !ok || !addrMatch(hm) || !likeMatch(hm, s) || otherMatchOn(h, i) {
				return false, false
			}
			diff = i
		}
	}
	if diff < 0 {
		return false, false // the same rule again
	}
	u.diff = diff
	if u.full != nil {
		u.full = append(u.full, r)
		if len(u.full) >= runCompactFrom {
			u.compact()
		}
		return true, false
	}
	u.push(r)
	return true, true
}

// likeMatch reports whether s is a match like the run's differing match
// hm: the same selector, operator and spelling, a value of its own.
func likeMatch(hm *ir.Match, s ir.Stmt) bool {
	m, ok := s.(*ir.Match)
	return ok && m.Left == hm.Left && m.Op == hm.Op && m.Spell == hm.Spell && addrMatch(m)
}

// otherMatchOn reports whether r tests the selector of its match at i in
// another match too.
func otherMatchOn(r *ir.Rule, i int) bool {
	left := r.Stmts[i].(*ir.Match).Left
	for k, s := range r.Stmts {
		if m, ok := s.(*ir.Match); ok && k != i && equalExpr(m.Left, left) {
			return true
		}
	}
	return false
}

// push adds r's own parts as a member.
func (u *ruleRun) push(r *ir.Rule) {
	k := len(u.members) - 1
	if k < 0 || len(u.members[k]) == runChunk {
		u.members = append(u.members, make([]runMember, 0, runChunk))
		if u.sources != nil {
			u.sources = append(u.sources, make([]string, 0, runChunk))
		}
		k++
	}
	p := r.Origin[0]
	m := runMember{value: r.Stmts[u.diff].(*ir.Match).Right, line: p.Line, col: p.Col}
	if u.count >= 0 {
		m.counter = r.Stmts[u.count].(*ir.Counter)
	}
	if r.Source() != "" && u.sources == nil {
		u.sources = make([][]string, len(u.members))
		for i, c := range u.members {
			u.sources[i] = make([]string, len(c), runChunk)
		}
	}
	if u.sources != nil {
		u.sources[k] = append(u.sources[k], r.Source())
	}
	u.members[k] = append(u.members[k], m)
	u.n++
}

// compact lets the run's rules in full go, keeping their members.
func (u *ruleRun) compact() {
	full := u.full
	u.full = nil
	for _, r := range full[1:] {
		u.push(r)
	}
}

// Len is the number of rules of the run.
func (u *ruleRun) Len() int {
	n := 1 + u.n
	if u.full != nil {
		n = len(u.full)
	}
	if u.tail != nil {
		n++
	}
	return n
}

// Rules makes the run's rules in full: the rules the translator made.
func (u *ruleRun) Rules() []*ir.Rule {
	if u.full != nil {
		if u.tail != nil {
			return append(u.full, u.tail)
		}
		return u.full
	}
	h := u.head
	hm := h.Stmts[u.diff].(*ir.Match)
	rules := make([]*ir.Rule, 0, u.Len())
	rules = append(rules, h)
	k := 0
	u.each(func(m *runMember) {
		stmts := make([]ir.Stmt, len(h.Stmts))
		copy(stmts, h.Stmts)
		match := *hm
		match.Right = m.value
		stmts[u.diff] = &match
		if u.count >= 0 {
			stmts[u.count] = m.counter
		}
		rules = append(rules, (&ir.Rule{Stmts: stmts, Comment: h.Comment, Origin: []ir.Pos{u.pos(m)}}).WithSource(u.source(k)))
		k++
	})
	if u.tail != nil {
		rules = append(rules, u.tail)
	}
	return rules
}

// pos is the position of member m.
func (u *ruleRun) pos(m *runMember) ir.Pos {
	return ir.Pos{File: u.head.Origin[0].File, Line: m.line, Col: m.col}
}

// member returns the position and text of member k.
func (u *ruleRun) member(k int) (ir.Pos, string) {
	return u.pos(&u.members[k/runChunk][k%runChunk]), u.source(k)
}

// source is the text of member k.
func (u *ruleRun) source(k int) string {
	if u.sources == nil {
		return ""
	}
	return u.sources[k/runChunk][k%runChunk]
}

// each calls fn for each member, in order.
func (u *ruleRun) each(fn func(m *runMember)) {
	for _, c := range u.members {
		for i := range c {
			fn(&c[i])
		}
	}
}

// drain is each, letting each chunk go once fn has seen its members: the
// members (32 bytes a rule) need not be held while the set made from them
// grows (its elements, 64 bytes a rule with a counter). The run is empty
// afterwards.
func (u *ruleRun) drain(fn func(m *runMember)) {
	u.sources = nil
	for k, c := range u.members {
		for i := range c {
			fn(&c[i])
		}
		u.members[k] = nil
	}
	u.members, u.n = nil, 0
}

// disjointValues reports whether the run's values are plain values none
// of which overlaps another, as the sets pass asks of a group's. Values in
// ascending order (as blocklists list them) are, when each starts after
// the one before ends: no store of them is needed then.
func (u *ruleRun) disjointValues() bool {
	var last interval
	valid, ordered := true, true
	check := func(v ir.Expr) {
		iv, ok := valueInterval(bareValue(v))
		switch {
		case !ok:
			valid = false
		case !iv.numeric() || (last.numeric() && cmpKey(last.hi, iv.lo) >= 0):
			ordered = false
		}
		last = iv
	}
	check(u.head.Stmts[u.diff].(*ir.Match).Right)
	u.each(func(m *runMember) {
		if valid && ordered {
			check(m.value)
		}
	})
	if !valid || ordered {
		return valid
	}
	var seen disjoint
	iv, _ := valueInterval(bareValue(u.head.Stmts[u.diff].(*ir.Match).Right))
	seen.add1(iv)
	u.each(func(m *runMember) {
		if iv, ok := valueInterval(bareValue(m.value)); valid && (!ok || !seen.add1(iv)) {
			valid = false
		}
	})
	return valid
}

// settleDeferred gives every chain of t held as a run its rules in full.
func settleDeferred(t *ir.Table) {
	for _, c := range t.Chains {
		if c.Deferred != nil {
			c.Rules = c.Deferred.Rules()
			c.Deferred = nil
		}
	}
}

// mergeRun is what the passes optimizeChain runs make of a chain held as
// a compact run (sets merging it into one rule), made from the run; ok is
// false when the passes could do otherwise (values that overlap, a pass
// turned off, a counter where elements cannot have one), and then nothing
// was changed.
//
// The passes before the sets pass do nothing to the run that the
// following does not: its rules are not shadowed (each rule's address is
// its own: no earlier rule takes all its packets), none is unconditional
// (findDead), none logs (fuseLogs); dropDependencies and dropPlainCounter
// do to each rule what they do to the first, whose statements the others
// share but for an address and a counter.
func mergeRun(u *ruleRun, o OptOptions, rep *OptReport) (_ []*ir.Rule, ok bool) {
	h := u.head
	if u.full != nil || !o.Sets || hasLog(h) || hasStateful(h) {
		return nil, false
	}
	// Whether the counters stay (dropPlainCounter): each rule's counter
	// has values or has not, as the first's.
	counted := u.count >= 0
	if counted && o.Counters && !h.Stmts[u.count].(*ir.Counter).HasValues {
		for _, s := range h.Stmts {
			switch s.(type) {
			case *ir.Counter, *ir.Match, *ir.Comment:
			default:
				counted = false // an action: the counter goes
			}
		}
	}
	if counted && o.NoElementCounters {
		return nil, false
	}
	match := h.Stmts[u.diff].(*ir.Match)
	if !u.disjointValues() {
		return nil, false
	}
	var headCounter *ir.Counter // found before the passes drop statements
	if counted {
		headCounter = h.Stmts[u.count].(*ir.Counter)
	}
	if o.Deps {
		dropDependencies(h)
	}
	if o.Counters {
		dropPlainCounter(h)
	}
	n := 1 + u.n
	elems := make([]ir.Expr, 0, n)
	// The elements with counters, a chunk of the run at a time: a block
	// for them all (32 MB for the mixed 1,000,000-rule dump's 662,000
	// addresses) was all there while the members it replaces (drain)
	// were still held.
	var elemBlock []ir.Elem
	// The origins and text of every rule, unless the caller reads no
	// more than the first origin (OptOptions.NoProvenance).
	provenance := !o.NoProvenance
	origin := h.Origin[:1:1]
	if provenance {
		origin = make([]ir.Pos, 0, n)
	}
	add := func(v ir.Expr, c *ir.Counter, pos ir.Pos) {
		if counted {
			k := len(elems) % runChunk
			if k == 0 {
				elemBlock = make([]ir.Elem, min(runChunk, n-len(elems)))
			}
			p := &elemBlock[k]
			*p = ir.Elem{Key: v, Counter: c}
			v = p
		}
		elems = append(elems, v)
		if provenance {
			origin = append(origin, pos)
		}
	}
	source := ""
	if provenance {
		source = joinSources(n, func(i int) (string, bool) {
			if i == 0 {
				return h.Source(), false
			}
			pos, src := u.member(i - 1)
			if i == 1 {
				return src, pos == h.Origin[0] && src == h.Source()
			}
			prevPos, prevSrc := u.member(i - 2)
			return src, pos == prevPos && src == prevSrc
		})
	}
	add(match.Right, headCounter, h.Origin[0])
	u.drain(func(m *runMember) { add(m.value, m.counter, u.pos(m)) })
	diff := []int{slices.Index(h.Stmts, ir.Stmt(match))}
	merged := assembleSetRule(h, diff, elems, origin, source, true)
	rep.Merges = append(rep.Merges, Merge{Pass: "sets", Into: merged, From: merged.Origin,
		Reason: fmt.Sprintf("%d rules differing only in %s", n, selectorNames(h, diff))})
	if runMerged != nil {
		runMerged()
	}
	if t := u.tail; t != nil {
		if o.Deps {
			dropDependencies(t)
		}
		if o.Counters {
			dropPlainCounter(t)
		}
		return []*ir.Rule{merged, t}, true
	}
	return []*ir.Rule{merged}, true
}
