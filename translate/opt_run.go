package translate

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Runs: a chain that is nothing but rules alike, differing only in the
// address one match tests and in their counter values ("-s A -j DROP",
// "-s B -j DROP"..., the blocklist chain of a million addresses), and
// perhaps a last rule that matches every packet ("-j RETURN"), is held
// from its first rule to its last as that first rule and, for each other
// rule, what it has of its own: the address and its counter values (in an
// ir.AddrSet, 20 bytes for an IPv4 address), its position (nothing
// when on the line after the rule before, see runStretch) and its text if
// it has one, where the rule in full is some 290.
// The sets pass would merge the whole chain into one rule with a set;
// Optimize makes that rule straight from the run (mergeRun) when the
// passes would make exactly it, and otherwise gives the chain its rules
// in full, made again from the run, for the passes as usual.
//
// A run may differ in a port too, and in its rules' comments ("-s A -p
// tcp --dport N -m comment --comment C -j ACCEPT", the services chain):
// the sets pass merges such rules into one concatenation ("ip saddr .
// tcp dport { A . N counter ... comment C, ... }"), and the 180,000 of
// the mixed 1,000,000-rule dump were 47 MB in full. Rules after the run
// that no rule of it can take or join (the "-p udp" rules after it) are
// held in full as its rest, and take the passes on their own.
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
	// diff2 is the index of a match on a port whose value differs too
	// (ports holds the values, head's first), -1 if none.
	diff2 int
	ports []uint64
	// full holds the rules while the run is short; set and stretches,
	// once it is not, what each rule has of its own: set the values at
	// diff and the counters' values (head's first), stretches the
	// positions of the n rules after head (its members).
	full      []*ir.Rule
	set       ir.AddrSet
	stretches []runStretch
	n         int
	// sources holds the members' texts, runChunk at a time, once one
	// has a text: none has when the translator keeps no provenance (the
	// translate command), and the 662,000 members of the mixed
	// 1,000,000-rule dump are then 10 MB less than with a text each.
	sources [][]string
	// commentText holds the members' comments one after the other, once
	// one's differs from head's (in a run with diff2 only), member k's
	// ending at commentEnd[k]: a comment of its own was 32 bytes, its
	// string and the string's header (5.8 MB of the mixed
	// 1,000,000-rule dump's 180,000 services).
	commentText []byte
	commentEnd  []uint32
	// tail is a last rule that matches every packet ("-j RETURN" at the
	// end of a blocklist), nil if none: no rule follows it in the run.
	tail *ir.Rule
	// rest is the rules after the run (canRest), in full.
	rest []*ir.Rule
	// base: the chain is a base chain, which has no rest (moveIPS looks
	// at the rules of the forward chain).
	base bool
}

// runStretch is the positions of members k... of a run, in its first
// rule's file, until the next stretch's: each on the line after the one
// before, at column col, the first on line. The members of a dump's
// chain are most often in one stretch; they were 8 bytes each, 6.7 MB
// for the mixed 1,000,000-rule dump.
type runStretch struct {
	k, line, col int32
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
	return &ruleRun{head: r, diff: -1, diff2: -1, count: count, full: []*ir.Rule{r}}
}

// addrMatch reports whether m tests an IPv4 or IPv6 source or destination
// address for equality with one plain value.
func addrMatch(m *ir.Match) bool {
	p, ok := m.Left.(*ir.Payload)
	if !ok || m.Op != ir.CmpEq || (p.Proto != "ip" && p.Proto != "ip6") || (p.Field != "saddr" && p.Field != "daddr") {
		return false
	}
	return plainAddrValue(m.Right)
}

// add adds r to the run if r is like its rules or can be its tail; it
// reports whether it did, and whether the run let r go, keeping only
// what r has of its own (member: see ruleAlloc.giveBackMember).
func (u *ruleRun) add(r *ir.Rule) (added, member bool) {
	if u.tail != nil {
		return false, false
	}
	if u.rest != nil {
		if u.canRest(r) {
			u.rest = append(u.rest, r)
			return true, false
		}
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
	if u.canRest(r) {
		u.rest = []*ir.Rule{r}
		return true, false
	}
	return false, false
}

// canRest reports whether r can follow the run as a rule of its rest:
// one that does not test a selector whose values the run's rules differ
// in (their port: the "-p udp" rules after "-p tcp" ones), so that no
// rule of the run covers it (findShadowed) and none joins the run's set
// (the sets pass); one that leaves the rules after it live (findDead,
// which does not look at a run).
func (u *ruleRun) canRest(r *ir.Rule) bool {
	if u.base || u.diff2 < 0 || unconditional(r) && terminal(r) {
		return false
	}
	for _, d := range [2]int{u.diff, u.diff2} {
		if !testsSelector(r, u.head.Stmts[d].(*ir.Match).Left) {
			return true
		}
	}
	return false
}

// testsSelector reports whether a match of r tests sel, alone or in a
// concatenation.
func testsSelector(r *ir.Rule, sel ir.Expr) bool {
	for _, s := range r.Stmts {
		m, ok := s.(*ir.Match)
		if !ok {
			continue
		}
		if equalExpr(m.Left, sel) {
			return true
		}
		if c, ok := m.Left.(*ir.Concat); ok && slices.ContainsFunc(c.Elems, func(e ir.Expr) bool { return equalExpr(e, sel) }) {
			return true
		}
	}
	return false
}

// addLike adds r to the run if r is like its rules, as add does.
func (u *ruleRun) addLike(r *ir.Rule) (added, member bool) {
	h := u.head
	if r.Placeholder() || len(r.Origin) != 1 || len(r.Stmts) != len(h.Stmts) {
		return false, false
	}
	if !sameString(r.Origin[0].File, h.Origin[0].File) {
		return false, false
	}
	diff, diff2 := u.diff, u.diff2
	for i, s := range r.Stmts {
		hs := h.Stmts[i]
		switch {
		case i == u.count:
			c, ok := s.(*ir.Counter)
			if !ok || c.HasValues != hs.(*ir.Counter).HasValues {
				return false, false
			}
		case i == diff:
			if !likeMember(hs.(*ir.Match), s) {
				return false, false
			}
		case i == diff2:
			if !likePort(hs.(*ir.Match), s) {
				return false, false
			}
		case !sameStmt(s, hs):
			if u.diff >= 0 {
				return false, false
			}
			// The run's second rule: these are the matches that differ,
			// an address first, then perhaps a port.
			hm, ok := hs.(*ir.Match)
			switch {
			case !ok || otherMatchOn(h, i):
				return false, false
			case diff < 0 && addrMatch(hm) && likeMatch(hm, s):
				diff = i
			case diff >= 0 && diff2 < 0 && portMatch(hm) && likePort(hm, s):
				diff2 = i
			default:
				return false, false
			}
		}
	}
	if diff < 0 {
		return false, false // the same rule again
	}
	if diff2 < 0 && !sameString(r.Comment, h.Comment) {
		return false, false // an AddrSet has no comments
	}
	if u.diff < 0 && !u.startSet(diff) {
		return false, false
	}
	if !u.set.CanAdd(r.Stmts[diff].(*ir.Match).Right, u.counter(r)) {
		return false, false
	}
	u.diff, u.diff2 = diff, diff2
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

// likeMember is likeMatch for hm, the run's differing match, known to
// be an addrMatch: s's selector and operator are hm's, and only its
// value is left to look at.
func likeMember(hm *ir.Match, s ir.Stmt) bool {
	m, ok := s.(*ir.Match)
	if !ok {
		return false
	}
	// m.Left == hm.Left, hm's a *ir.Payload: compared as pointers, without
	// the call of runtime.ifaceeq an interface comparison makes (some 20
	// instructions a rule of a run)
	p, ok := m.Left.(*ir.Payload)
	return ok && p == hm.Left.(*ir.Payload) && m.Op == hm.Op && m.Spell == hm.Spell && plainAddrValue(m.Right)
}

// sameStmt is a == b: ir's statements are all pointers (their methods
// have pointer receivers), so two are equal when both words are, the
// type's and the pointer. == on the interfaces calls runtime.ifaceeq
// once the types match (some 20 instructions, each shared statement of
// each rule a run takes).
func sameStmt(a, b ir.Stmt) bool {
	return *(*[2]uintptr)(unsafe.Pointer(&a)) == *(*[2]uintptr)(unsafe.Pointer(&b))
}

// plainAddrValue is addrMatch's test of a match's value.
func plainAddrValue(v ir.Expr) bool {
	switch v.(type) {
	case *ir.SetLit, *ir.Elem:
		return false
	}
	return v != nil
}

// portMatch reports whether m tests a transport port for equality with
// one integer.
func portMatch(m *ir.Match) bool {
	p, ok := m.Left.(*ir.Payload)
	if !ok || m.Op != ir.CmpEq || p.Field != "sport" && p.Field != "dport" {
		return false
	}
	switch p.Proto {
	case "tcp", "udp", "sctp", "dccp", "udplite":
	default:
		return false
	}
	_, ok = m.Right.(*ir.Integer)
	return ok
}

// likePort reports whether s is a match like the run's port match hm,
// with an integer of the same form.
func likePort(hm *ir.Match, s ir.Stmt) bool {
	m, ok := s.(*ir.Match)
	if !ok {
		return false
	}
	p, ok := m.Left.(*ir.Payload) // m.Left == hm.Left, as in likeMember
	if !ok || p != hm.Left.(*ir.Payload) || m.Op != hm.Op || m.Spell != hm.Spell || !portMatch(m) {
		return false
	}
	a, b := hm.Right.(*ir.Integer), m.Right.(*ir.Integer)
	return a.Base == b.Base && a.Width == b.Width
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
	k := u.n / runChunk // the chunk of r's text
	if u.sources != nil && u.n%runChunk == 0 {
		u.sources = append(u.sources, make([]string, 0, runChunk))
	}
	p := r.Origin[0]
	u.set.Add(r.Stmts[u.diff].(*ir.Match).Right, u.counter(r))
	if u.diff2 >= 0 {
		u.pushPort(r)
	}
	if r.Source() != "" && u.sources == nil {
		u.sources = u.chunks()
	}
	if u.sources != nil {
		u.sources[k] = append(u.sources[k], r.Source())
	}
	if last := len(u.stretches) - 1; last < 0 || p.Col != u.stretches[last].col || int(p.Line-u.stretches[last].line) != u.n-int(u.stretches[last].k) {
		u.stretches = append(u.stretches, runStretch{k: int32(u.n), line: p.Line, col: p.Col})
	}
	u.n++
}

// chunks is the chunks of texts of the members before member n, each
// empty.
func (u *ruleRun) chunks() [][]string {
	out := make([][]string, u.n/runChunk+1)
	for i := range out {
		out[i] = make([]string, min(runChunk, u.n-i*runChunk), runChunk)
	}
	return out
}

// addPort adds r's port, at diff2.
func (u *ruleRun) addPort(r *ir.Rule) {
	u.ports = append(u.ports, r.Stmts[u.diff2].(*ir.Match).Right.(*ir.Integer).Value)
}

// pushPort adds r's port and comment: the comments are kept once a
// member's differs from head's (the members before it have head's).
func (u *ruleRun) pushPort(r *ir.Rule) {
	u.addPort(r)
	if u.commentEnd == nil && r.Comment == u.head.Comment {
		return
	}
	if u.commentEnd == nil {
		u.commentEnd = make([]uint32, 0, u.n+1)
		for range u.n {
			u.pushComment(u.head.Comment)
		}
	}
	u.pushComment(r.Comment)
}

// pushComment adds the comment of the next member.
func (u *ruleRun) pushComment(c string) {
	u.commentText = append(u.commentText, c...)
	u.commentEnd = append(u.commentEnd, uint32(len(u.commentText)))
}

// compact lets the run's rules in full go, keeping their members.
func (u *ruleRun) compact() {
	full := u.full
	u.full = nil
	u.set.Add(u.head.Stmts[u.diff].(*ir.Match).Right, u.counter(u.head))
	if u.diff2 >= 0 {
		u.addPort(u.head)
	}
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
	return n + len(u.rest)
}

// Rules makes the run's rules in full: the rules the translator made.
func (u *ruleRun) Rules() []*ir.Rule {
	rules := u.full
	if u.full == nil {
		rules = u.memberRules()
	}
	if u.tail != nil {
		rules = append(rules, u.tail)
	}
	return append(rules, u.rest...)
}

// memberRules makes the rules of a compact run in full.
func (u *ruleRun) memberRules() []*ir.Rule {
	rules := make([]*ir.Rule, 0, u.Len())
	rules = append(rules, u.head)
	for k := range u.n {
		rules = append(rules, u.memberRule(k))
	}
	return rules
}

// memberRule makes member k in full.
func (u *ruleRun) memberRule(k int) *ir.Rule {
	h := u.head
	stmts := make([]ir.Stmt, len(h.Stmts))
	copy(stmts, h.Stmts)
	match := *h.Stmts[u.diff].(*ir.Match)
	match.Right = u.set.Key(k + 1) // the set's first element is head's
	stmts[u.diff] = &match
	if u.diff2 >= 0 {
		port := *h.Stmts[u.diff2].(*ir.Match)
		port.Right = u.port(k + 1)
		stmts[u.diff2] = &port
	}
	if u.count >= 0 {
		stmts[u.count] = u.set.Counter(k + 1)
	}
	return (&ir.Rule{Stmts: stmts, Comment: u.comment(k + 1), Origin: []ir.Pos{u.pos(k)}}).WithSource(u.source(k))
}

// port is the port of rule i of a run with diff2 (0: head), made anew.
func (u *ruleRun) port(i int) *ir.Integer {
	p := *u.head.Stmts[u.diff2].(*ir.Match).Right.(*ir.Integer)
	p.Value = u.ports[i]
	return &p
}

// comment is the comment of rule i of the run (0: head).
func (u *ruleRun) comment(i int) string {
	if i == 0 || u.commentEnd == nil {
		return u.head.Comment
	}
	return string(u.commentBytes(i - 1))
}

// commentBytes is the comment of member k.
func (u *ruleRun) commentBytes(k int) []byte {
	start := uint32(0)
	if k > 0 {
		start = u.commentEnd[k-1]
	}
	return u.commentText[start:u.commentEnd[k]]
}

// comments is comment, of strings sharing the memory of one copy of the
// comments.
func (u *ruleRun) comments() func(i int) string {
	all := string(u.commentText)
	return func(i int) string {
		if i == 0 || u.commentEnd == nil {
			return u.head.Comment
		}
		start := uint32(0)
		if i > 1 {
			start = u.commentEnd[i-2]
		}
		return all[start:u.commentEnd[i-1]]
	}
}

// pos is the position of member k.
func (u *ruleRun) pos(k int) ir.Pos {
	i, found := slices.BinarySearchFunc(u.stretches, int32(k), func(s runStretch, k int32) int { return cmp.Compare(s.k, k) })
	if !found {
		i--
	}
	s := u.stretches[i]
	p := u.head.Origin[0]
	p.Line, p.Col = s.line+int32(k)-s.k, s.col
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
	return noneOverlaps(spans,
		func(a, b span) int { return cmpKey(a.lo, b.lo) },
		func(prev, next span) bool { return keyLE(next.lo, prev.hi) })
}

// noneOverlaps sorts ts by order and reports whether no element overlaps
// the one before it: sorted by where they start, two overlap only if two
// neighbours do.
func noneOverlaps[T any](ts []T, order func(a, b T) int, overlaps func(prev, next T) bool) bool {
	slices.SortFunc(ts, order)
	for i := 1; i < len(ts); i++ {
		if overlaps(ts[i-1], ts[i]) {
			return false
		}
	}
	return true
}

// disjointTuples is disjointValues of a run with diff2: no two rules'
// addresses overlap where their ports are the same. Sorted by port, then
// by first address, two rules overlap only if two neighbours do.
func (u *ruleRun) disjointTuples() bool {
	s := &u.set
	n := s.Len()
	if !s.Is6 {
		if disjoint, ok := disjointTuples4(s, u.ports); ok {
			return disjoint
		}
		type tuple struct {
			port   uint64
			lo, hi uint32
		}
		ts := make([]tuple, n)
		for i := range ts {
			lo, hi := span4(s, i)
			ts[i] = tuple{u.ports[i], lo, hi}
		}
		return noneOverlaps(ts,
			func(a, b tuple) int { return cmp.Or(cmp.Compare(a.port, b.port), cmp.Compare(a.lo, b.lo)) },
			func(prev, next tuple) bool { return next.port == prev.port && next.lo <= prev.hi })
	}
	type tuple struct {
		port uint64
		x    span
	}
	ts := make([]tuple, n)
	for i := range ts {
		ts[i] = tuple{u.ports[i], addrSetSpan(s, i)}
	}
	return noneOverlaps(ts,
		func(a, b tuple) int { return cmp.Or(cmp.Compare(a.port, b.port), cmpKey(a.x.lo, b.x.lo)) },
		func(prev, next tuple) bool { return next.port == prev.port && keyLE(next.x.lo, prev.x.hi) })
}

// disjointTuples4 is disjointTuples of IPv4 addresses whose ports are
// below 2^32 (ok): each tuple is then the interval from port<<32|first
// address to port<<32|last, and none overlaps another if, the firsts
// and the lasts sorted apart, each last is below the next first. Two
// sorts of integers cost less than one of tuples by a function: 124 M
// instructions, not 240 M, for the 200,000 services of the mixed
// 1,000,000-rule dump, whose ports cycle (the 100,000-rule dump's are
// nearly in order).
func disjointTuples4(s *ir.AddrSet, ports []uint64) (disjoint, ok bool) {
	if disjoint, ok := disjointRuns4(s, ports); ok {
		return disjoint, true
	}
	n := s.Len()
	firsts, lasts := make([]uint64, n), make([]uint64, n)
	for i := range n {
		p := ports[i]
		if p > math.MaxUint32 {
			return false, false
		}
		lo, hi := span4(s, i)
		firsts[i], lasts[i] = p<<32|uint64(lo), p<<32|uint64(hi)
	}
	slices.Sort(firsts)
	slices.Sort(lasts)
	for i := 1; i < n; i++ {
		if firsts[i] <= lasts[i-1] {
			return false, true
		}
	}
	return true, true
}

// maxRuns is the most runs disjointRuns4 merges.
const maxRuns = 64

// disjointRuns4 is disjointTuples4 of tuples that come in a few runs,
// each in ascending order (of port<<32|first address), as services
// listed by port do when their ports cycle: the 180,000 of the mixed
// 1,000,000-rule dump come in ten runs through 19,000 ports. The merge takes n·log2(runs) steps, where the sorts
// took n·log2(n): 105 M instructions for that dump, which grew faster
// than the rules (the 100,000-rule dump's come in one run, sorted
// already); and it needs no memory. ok is false if there are more runs
// (or a port of more than 32 bits): they are sorted.
func disjointRuns4(s *ir.AddrSet, ports []uint64) (disjoint, ok bool) {
	// a run: its next tuple, i, and where it ends
	type run struct {
		first, last uint64
		i, end      int
	}
	tuple := func(i int) (first, last uint64) {
		lo, hi := span4(s, i)
		return ports[i]<<32 | uint64(lo), ports[i]<<32 | uint64(hi)
	}
	var buf [maxRuns]run
	h := buf[:0]
	n := s.Len()
	// prev is the tuple before i; apart: none so far starts before the
	// one before it ends, which is the answer if they are one run
	var prev run
	apart := true
	for i := range n {
		if ports[i] > math.MaxUint32 {
			return false, false
		}
		first, last := tuple(i)
		if i > 0 && first <= prev.last {
			apart = false
		}
		if i == 0 || first < prev.first {
			if len(h) == maxRuns {
				return false, false
			}
			if len(h) > 0 {
				h[len(h)-1].end = i
			}
			h = append(h, run{first, last, i, n})
		}
		prev.first, prev.last = first, last
	}
	if len(h) <= 1 {
		return apart, true
	}
	// h is a min-heap of the runs by their next tuple's first
	down := func(k int) {
		for {
			c := 2*k + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && h[c+1].first < h[c].first {
				c++
			}
			if h[k].first <= h[c].first {
				return
			}
			h[k], h[c] = h[c], h[k]
			k = c
		}
	}
	for k := len(h)/2 - 1; k >= 0; k-- {
		down(k)
	}
	// in order, each tuple must start after the one before it ends (and
	// so after all before that)
	var end uint64
	for i := 0; len(h) > 0; i++ {
		r := &h[0]
		if i > 0 && r.first <= end {
			return false, true
		}
		end = r.last
		if r.i++; r.i < r.end {
			r.first, r.last = tuple(r.i)
		} else {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	return true, true
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

// mergeRun is what the passes optimizeChain runs make of chain c held as
// the compact run u (sets merging it into one rule), made from the run,
// and of its rest, which takes the passes on its own; ok is false when
// the passes could do otherwise (values that overlap, a pass turned off,
// a counter where elements cannot have one), and then nothing was
// changed.
//
// The passes before the sets pass do nothing to the run that the
// following does not: its rules are not shadowed (each rule's values are
// its own: no earlier rule takes all its packets), none is unconditional
// (findDead), none logs (fuseLogs); dropDependencies and dropPlainCounter
// do to each rule what they do to the first, whose statements the others
// share but for their values and counter. No rule of the rest tests the
// selectors of the run's set (canRest): none is shadowed by the run's
// rules nor joins their set, so the passes do to the rest what they do
// to it after the run.
//
// In a run with diff2 the sets pass leaves out of the first rule's set
// the rules with its address or its port (they differ from it in one
// selector only: see exclusions); those take the passes with the rest,
// as the rules they are.
func mergeRun(c *ir.Chain, u *ruleRun, o OptOptions, rep *OptReport, w *chainWorker) (_ []*ir.Rule, ok bool) {
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
	var excl []int
	if u.diff2 >= 0 {
		var ok bool
		if excl, ok = u.exclusions(); !ok || !u.disjointTuples() {
			return nil, false
		}
	} else if !u.disjointValues() {
		return nil, false
	}
	// Which rules the set has (set indexes; 0 is head's).
	n := 1 + u.n - len(excl)
	at := func(i int) int { return i }
	if len(excl) > 0 {
		in := make([]int32, 0, n)
		for i, e := 0, 0; i <= u.n; i++ {
			if e < len(excl) && excl[e] == i {
				e++
				continue
			}
			in = append(in, int32(i))
		}
		at = func(i int) int { return int(in[i]) }
	}
	sameComment := true
	if u.commentEnd != nil {
		for i := 1; i < n; i++ {
			if string(u.commentBytes(at(i)-1)) != h.Comment {
				sameComment = false
				break
			}
		}
	}
	// A set of plain elements could merge again in the sets pass's
	// second round, which the rest would then take too.
	if (len(u.rest) > 0 || len(excl) > 0) && !counted && sameComment {
		return nil, false
	}
	var rest []*ir.Rule
	if len(u.rest) > 0 || len(excl) > 0 {
		// Its passes before the sets pass first: their reports come
		// before the run's merge.
		rest = make([]*ir.Rule, 0, len(excl)+len(u.rest))
		for _, i := range excl {
			rest = append(rest, u.memberRule(i-1))
		}
		c.Rules = append(rest, u.rest...)
		findShadowed(c, &w.shadow, rep)
		prepareChain(c, o, rep)
		rest = c.Rules
		c.Rules = nil
	}
	diffStmts := []ir.Stmt{h.Stmts[u.diff]}
	if u.diff2 >= 0 {
		diffStmts = append(diffStmts, h.Stmts[u.diff2])
	}
	if o.Deps {
		dropDependencies(h)
	}
	if o.Counters {
		dropPlainCounter(h)
	}
	// The origins and text of every rule, unless the caller reads no
	// more than the first origin (OptOptions.NoProvenance).
	origin := h.Origin[:1:1]
	source := ""
	if !o.NoProvenance {
		origin = make([]ir.Pos, 0, n)
		origin = append(origin, h.Origin[0])
		for i := 1; i < n; i++ {
			origin = append(origin, u.pos(at(i)-1))
		}
		source = joinSources(n, func(i int) (string, bool) {
			if i == 0 {
				return h.Source(), false
			}
			pos, src := u.member(at(i) - 1)
			if i == 1 {
				return src, pos == h.Origin[0] && src == h.Source()
			}
			prevPos, prevSrc := u.member(at(i-1) - 1)
			return src, pos == prevPos && src == prevSrc
		})
	}
	var set ir.Expr
	switch {
	case u.diff2 >= 0 && counted:
		set = u.concatAddrSet(n, excl, at, !sameComment)
	case u.diff2 >= 0:
		// A SetLit: the passes after the sets pass compare such sets
		// (mergeTransports), not sets whose elements count.
		set = u.concatSet(n, at, counted, !sameComment)
	default:
		s := new(ir.AddrSet)
		*s = u.set
		if !counted {
			s.Counted, s.HasValues, s.Small, s.Counters = false, false, nil, nil
		}
		set = s
	}
	runLen := 1 + u.n
	u.set, u.ports, u.stretches, u.sources, u.commentText, u.commentEnd, u.n = ir.AddrSet{}, nil, nil, nil, nil, nil, 0
	diff := make([]int, len(diffStmts))
	for i, s := range diffStmts {
		diff[i] = slices.Index(h.Stmts, s)
	}
	merged := assembleSetRuleOf(h, diff, set, origin, source, sameComment)
	reason := fmt.Sprintf("%d rules differing only in %s", n, selectorNames(h, diff))
	if at(n-1) >= n {
		reason += " (the rules in between match other packets, or end the same way, or only count: the order does not matter)"
	}
	rep.Merges = append(rep.Merges, Merge{Pass: "sets", Into: merged, From: merged.Origin, Reason: reason})
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
		if len(rest) == 0 {
			return []*ir.Rule{merged, t}, true
		}
		rest = append(rest, t)
	}
	if len(rest) > 0 {
		// Where the rules stand in the chain: the excluded among the
		// run's, the rest (or the tail) after it.
		rest = mergeSetsIn(rest, func(i int) int {
			if i < len(excl) {
				return excl[i]
			}
			return runLen + i - len(excl)
		}, rep, !o.NoElementCounters)
		return append([]*ir.Rule{merged}, rest...), true
	}
	return []*ir.Rule{merged}, true
}

// exclusions is the set indexes of the rules of a run with diff2 that
// the sets pass leaves out of the first rule's set: those with its
// address or its port, which differ from it in the other selector only.
// ok is false if the pass would do otherwise: the second rule is one
// (the pass then merges on one selector), or there are more than it
// looks past (lookahead).
func (u *ruleRun) exclusions() (excl []int, ok bool) {
	s := &u.set
	w := len(s.Addrs) / s.Len()
	for i := 1; i <= u.n; i++ {
		same := u.ports[i] == u.ports[0] || bytes.Equal(s.Addrs[i*w:(i+1)*w], s.Addrs[:w]) && (s.Bits == nil || s.Bits[i] == s.Bits[0])
		if !same {
			continue
		}
		if i == 1 || len(excl) == lookahead {
			return nil, false
		}
		excl = append(excl, i)
	}
	return excl, true
}

// concatAddrSet is concatSet of counted elements as an AddrSet with
// Ports: the run's set itself, less the elements at the set indexes
// excl (ascending) if any. The run's set is dropped after the merge
// (mergeRun), so its arrays are taken, the excluded elements deleted in
// place: the 180,000-element set of the mixed 1,000,000-rule dump, which
// has excluded ones, was copied an element at a time (33 M
// instructions) into 3.6 MB of new memory.
func (u *ruleRun) concatAddrSet(n int, excl []int, at func(int) int, comments bool) *ir.AddrSet {
	s := &u.set
	out := &ir.AddrSet{Is6: s.Is6, Counted: true, HasValues: s.HasValues,
		Port: *u.head.Stmts[u.diff2].(*ir.Match).Right.(*ir.Integer)}
	out.Addrs, out.Bits, out.Small, out.Counters, out.Ports = s.Addrs, s.Bits, s.Small, s.Counters, u.ports
	if len(excl) > 0 {
		out.Addrs = without(out.Addrs, s.Width(), excl)
		out.Bits = without(out.Bits, 1, excl)
		out.Small = without(out.Small, 2, excl)
		out.Counters = without(out.Counters, 1, excl)
		out.Ports = without(out.Ports, 1, excl)
	}
	if comments {
		comment := u.comments()
		out.Comments = make([]string, n)
		for k := range out.Comments {
			out.Comments[k] = comment(at(k))
		}
	}
	return out
}

// without returns xs less the elements at the indexes excl (ascending),
// each per items long, the others moved down in place; nil if xs is.
func without[T any](xs []T, per int, excl []int) []T {
	if xs == nil {
		return nil
	}
	w := excl[0] * per
	for j, e := range excl {
		end := len(xs)
		if j+1 < len(excl) {
			end = excl[j+1] * per
		}
		w += copy(xs[w:], xs[(e+1)*per:end])
	}
	return xs[:w]
}

// concatSet is the set the sets pass makes of the n rules at(0)...
// at(n-1) of a run with diff2: an element "address . port" per rule,
// with its counter (if counted) and its rule's comment (if comments),
// made in a few blocks.
func (u *ruleRun) concatSet(n int, at func(int) int, counted, comments bool) *ir.SetLit {
	s := &u.set
	port := u.head.Stmts[u.diff2].(*ir.Match).Right.(*ir.Integer)
	ports := make([]ir.Integer, n)
	concats := make([]ir.Concat, n)
	keys := make([]ir.Expr, 2*n)
	var elems []ir.Elem
	var counters []ir.Counter
	if counted || comments {
		elems = make([]ir.Elem, n)
	}
	if counted {
		counters = make([]ir.Counter, n)
	}
	out := make([]ir.Expr, n)
	comment := u.comments()
	for k := range n {
		i := at(k)
		ports[k] = ir.Integer{Value: u.ports[i], Base: port.Base, Width: port.Width}
		keys[2*k], keys[2*k+1] = s.Key(i), &ports[k]
		concats[k].Elems = keys[2*k : 2*k+2 : 2*k+2]
		out[k] = &concats[k]
		if elems == nil {
			continue
		}
		e := &elems[k]
		*e = ir.Elem{Key: &concats[k]}
		if comments {
			e.Comment = comment(i)
		}
		if counted {
			counters[k] = ir.Counter{HasValues: s.HasValues}
			if s.HasValues {
				v := s.Values(i)
				counters[k].Packets, counters[k].Bytes = v.Packets, v.Bytes
			}
			e.Counter = &counters[k]
		}
		if e.Comment != "" || e.Counter != nil {
			out[k] = e
		}
	}
	return &ir.SetLit{Elems: out}
}
