package translate

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Runs: a chain that is nothing but rules alike, differing only in the
// address one match tests and in their counter values ("-s A -j DROP",
// "-s B -j DROP"..., the blocklist chain of a million addresses), and
// perhaps a last rule that matches every packet ("-j RETURN"), is held
// from its first rule to its last as that first rule and, for each other
// rule, what it has of its own: the address and its counter values (in an
// ir.AddrSet, 20 bytes for an IPv4 address), its position (a runMember, 8
// bytes) and its text if it has one, where the rule in full is some 290.
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
	// full holds the rules while the run is short; set and members, once
	// it is not, what each rule has of its own: set the values at diff
	// and the counters' values (head's first), members the positions of
	// the rules after head.
	full    []*ir.Rule
	set     ir.AddrSet
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

// runMember is the position of a rule of a run after its first, in the
// first rule's file.
type runMember struct {
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
	if u.diff < 0 && !u.startSet(diff) {
		return false, false
	}
	if !u.set.CanAdd(r.Stmts[diff].(*ir.Match).Right, u.counter(r)) {
		return false, false
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

// startSet readies the set for the values at diff, with the first rule's
// family and counter, and reports whether it can hold the first rule's.
func (u *ruleRun) startSet(diff int) bool {
	h := u.head
	v := h.Stmts[diff].(*ir.Match).Right
	var is6 bool
	switch v := v.(type) {
	case *ir.Addr:
		is6 = v.Addr.Is6()
	case *ir.Prefix:
		is6 = v.Prefix.Addr().Is6()
	}
	u.set = ir.AddrSet{Is6: is6, Counted: u.count >= 0}
	c := u.counter(h)
	u.set.HasValues = c != nil && c.HasValues
	return u.set.CanAdd(v, c)
}

// counter is r's counter, nil if the run's rules have none.
func (u *ruleRun) counter(r *ir.Rule) *ir.Counter {
	if u.count < 0 {
		return nil
	}
	return r.Stmts[u.count].(*ir.Counter)
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
	u.set.Add(r.Stmts[u.diff].(*ir.Match).Right, u.counter(r))
	if r.Source() != "" && u.sources == nil {
		u.sources = make([][]string, len(u.members))
		for i, c := range u.members {
			u.sources[i] = make([]string, len(c), runChunk)
		}
	}
	if u.sources != nil {
		u.sources[k] = append(u.sources[k], r.Source())
	}
	u.members[k] = append(u.members[k], runMember{line: p.Line, col: p.Col})
	u.n++
}

// compact lets the run's rules in full go, keeping their members.
func (u *ruleRun) compact() {
	full := u.full
	u.full = nil
	u.set.Add(u.head.Stmts[u.diff].(*ir.Match).Right, u.counter(u.head))
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
	for k := range u.n {
		stmts := make([]ir.Stmt, len(h.Stmts))
		copy(stmts, h.Stmts)
		match := *hm
		match.Right = u.set.Key(k + 1) // the set's first element is head's
		stmts[u.diff] = &match
		if u.count >= 0 {
			stmts[u.count] = u.set.Counter(k + 1)
		}
		rules = append(rules, (&ir.Rule{Stmts: stmts, Comment: h.Comment, Origin: []ir.Pos{u.pos(k)}}).WithSource(u.source(k)))
	}
	if u.tail != nil {
		rules = append(rules, u.tail)
	}
	return rules
}

// pos is the position of member k.
func (u *ruleRun) pos(k int) ir.Pos {
	p := u.head.Origin[0]
	m := &u.members[k/runChunk][k%runChunk]
	p.Line, p.Col = m.line, m.col
	return p
}

// member returns the position and text of member k.
func (u *ruleRun) member(k int) (ir.Pos, string) {
	return u.pos(k), u.source(k)
}

// source is the text of member k.
func (u *ruleRun) source(k int) string {
	if u.sources == nil {
		return ""
	}
	return u.sources[k/runChunk][k%runChunk]
}

// disjointValues reports whether none of the run's values overlaps
// another, as the sets pass asks of a group's. Values in ascending order
// (as blocklists list them) are, when each starts after the one before
// ends: no store of them is needed then; others are sorted.
func (u *ruleRun) disjointValues() bool {
	s := &u.set
	n := s.Len()
	if !s.Is6 {
		return disjoint4(s)
	}
	ordered := true
	var last span
	for i := range n {
		x := addrSetSpan(s, i)
		if i > 0 && keyLE(x.lo, last.hi) {
			ordered = false
			break
		}
		last = x
	}
	if ordered {
		return true
	}
	spans := make([]span, n)
	for i := range spans {
		spans[i] = addrSetSpan(s, i)
	}
	slices.SortFunc(spans, func(a, b span) int { return cmpKey(a.lo, b.lo) })
	for i := 1; i < n; i++ {
		if keyLE(spans[i].lo, spans[i-1].hi) {
			return false
		}
	}
	return true
}

// disjoint4 is disjointValues of a set of IPv4 addresses, each span
// sorted as 8 bytes (first address, last) where addrSetSpan's are 48: a
// shuffled blocklist of 1,000,000 addresses sorted 48 MB.
func disjoint4(s *ir.AddrSet) bool {
	n := s.Len()
	ordered := true
	var last uint32
	for i := range n {
		lo, hi := span4(s, i)
		if i > 0 && lo <= last {
			ordered = false
			break
		}
		last = hi
	}
	if ordered {
		return true
	}
	spans := make([]uint64, n)
	for i := range spans {
		lo, hi := span4(s, i)
		spans[i] = uint64(lo)<<32 | uint64(hi)
	}
	slices.Sort(spans)
	for i := 1; i < n; i++ {
		if uint32(spans[i]>>32) <= uint32(spans[i-1]) {
			return false
		}
	}
	return true
}

// span4 is the first and last address of element i of s, of IPv4
// addresses.
func span4(s *ir.AddrSet, i int) (lo, hi uint32) {
	a := binary.BigEndian.Uint32(s.Addrs[4*i:])
	if s.Bits == nil || s.Bits[i] == ir.PlainAddr {
		return a, a
	}
	host := uint32(math.MaxUint32) >> s.Bits[i]
	return a &^ host, a | host
}

// addrSetSpan is valueInterval of element i of s.
func addrSetSpan(s *ir.AddrSet, i int) span {
	p, plain := s.Prefix(i)
	if plain {
		k := addrKey(p.Addr())
		return span{k, k}
	}
	p = p.Masked()
	return span{addrKey(p.Addr()), addrKey(lastAddr(p))}
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
	if o.Deps {
		dropDependencies(h)
	}
	if o.Counters {
		dropPlainCounter(h)
	}
	n := 1 + u.n
	// The origins and text of every rule, unless the caller reads no
	// more than the first origin (OptOptions.NoProvenance).
	origin := h.Origin[:1:1]
	source := ""
	if !o.NoProvenance {
		origin = make([]ir.Pos, 0, n)
		origin = append(origin, h.Origin[0])
		for k := range u.n {
			origin = append(origin, u.pos(k))
		}
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
	set := new(ir.AddrSet)
	*set = u.set
	if !counted {
		set.Counted, set.HasValues, set.Counters = false, false, nil
	}
	u.set, u.members, u.sources, u.n = ir.AddrSet{}, nil, nil, 0
	diff := []int{slices.Index(h.Stmts, ir.Stmt(match))}
	merged := assembleSetRuleOf(h, diff, set, origin, source, true)
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
