package translate

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"reflect"
	"slices"
	"sync"

	"github.com/ipt2nft/ipt2nft/internal/fresh"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Set merging: rules identical but for the values of some selectors become
// one rule with an anonymous set ("tcp dport { 22, 80, 443 }") or, when
// several selectors differ, a concatenation ("ip saddr . tcp dport { ... }").
// Only adjacent rules are merged, only equality tests of plain values on
// selectors where a set lookup means the same as the comparison, and only
// when the values of different rules cannot match the same packet (then
// the order of the rules does not matter). Rules with state (limit, quota,
// set updates) are never merged. Rule comments become element comments and
// counter values become element counters, so nothing is lost.

// ruleFacts are what comparing a rule with its neighbours needs to know
// of it, worked out once per rule rather than once per comparison.
type ruleFacts struct {
	placeholder, stateful, dead bool
	// countOnly: the rule only counts (matches and counters, no verdict
	// or other statement): it commutes with every other such rule.
	countOnly bool
	// countValues: the rule carries counter values that cannot be split
	// among several elements.
	countValues bool
	// elemAttrs: a set the rule tests has elements with attributes
	// (comment, counter, timeout).
	elemAttrs bool
	protos    l4Set
	// stores holds, for long value lists of plain, the values in a
	// disjoint store, made when first needed (see valuesOverlap); nil
	// entries for the others, a nil slice while none was made.
	stores []*disjoint
	// plain holds, for each statement that tests a mergeable selector
	// for equality with plain values, those values; nil for the others.
	plain [][]interval
}

// factsAlloc hands out the memory of many rules' facts from a few large
// blocks instead of several small allocations per rule. The slices it
// returns are never appended to.
type factsAlloc struct {
	plain [][]interval
	ivs   []interval
}

func (a *factsAlloc) plainSlots(n int) [][]interval {
	if n > cap(a.plain)-len(a.plain) {
		a.plain = make([][]interval, 0, max(n, 16))
	}
	p := a.plain[len(a.plain) : len(a.plain)+n : len(a.plain)+n]
	a.plain = a.plain[:len(a.plain)+n]
	return p
}

func (a *factsAlloc) one(iv interval) []interval {
	if len(a.ivs) == cap(a.ivs) {
		a.ivs = make([]interval, 0, 16)
	}
	a.ivs = append(a.ivs, iv)
	n := len(a.ivs)
	return a.ivs[n-1 : n : n]
}

// factsBlockShift sets how many rules' facts factsWindow works out at a
// time, 1<<factsBlockShift (1024): their blocks are some 350 KB, big
// enough for fresh.Make to pay. A rule the group scan passes by holds
// its block until its own turn comes: with blocks of 4096 rules, 11
// such rules of the mixed 1,000,000-rule dump's 180,000 services held
// 14 MB. A power of two: finding a rule's block is a shift. A variable
// for tests, which make blocks of a few rules.
var factsBlockShift uint = 10

// factsRoundEnd, if set (in tests), is given each round's window when
// the round ends.
var factsRoundEnd func(*factsWindow)

// factsWindow holds the facts of a round's rules (some 250 bytes a rule)
// only while the round may still look at them. It works them out a block
// of rules at a time, when the round first needs one of them, and once
// each rule of a block is done (merged into a group, or kept as a rule of
// its own) it reuses the block's memory for the next. A rule is looked at
// only from the time the group scan reaches it until it is done, so the
// facts held are those of the rules between the group being built and
// the rules it reaches, not of the whole chain: the facts of the mixed
// 1,000,000-rule dump (240 MB, most of them its 662,000-rule blocklist
// chain's) were all held at the optimizer's peak.
type factsWindow struct {
	rules   []*ir.Rule
	keys    []uint64 // the rules' join keys (see factsAlloc.fill)
	shift   uint     // a block has 1<<shift rules
	blocks  []*factsBlock
	pending []int32 // per block: its rules not done yet
	free    []*factsBlock
}

// factsBlock is the memory of a block of rules' facts.
type factsBlock struct {
	facts []ruleFacts
	plain [][]interval
	ivs   []interval
}

// start readies w, in the memory of the round before it if any, for a
// round of rules: a table of many small chains (kube-proxy's) had a
// round each make its window.
func (w *factsWindow) start(rules []*ir.Rule, keys []uint64) {
	shift := factsBlockShift
	size := 1 << shift
	nb := (len(rules) + size - 1) >> shift
	*w = factsWindow{rules: rules, keys: keys, shift: shift, blocks: reuse(w.blocks, nb), pending: reuse(w.pending, nb), free: w.free[:0]}
	for b := range w.pending {
		w.pending[b] = int32(min(size, len(rules)-b*size))
	}
}

// get returns the facts of rule k.
func (w *factsWindow) get(k int) *ruleFacts {
	b := w.blocks[k>>w.shift]
	if b == nil {
		b = w.fill(k >> w.shift)
	}
	return &b.facts[k&(1<<w.shift-1)]
}

// fill works out the facts of block b's rules, in the memory of a block
// let go if there is one. (A block let go is worked out again if asked
// for; the round never does.)
func (w *factsWindow) fill(b int) *factsBlock {
	rules := w.rules[b<<w.shift : min((b+1)<<w.shift, len(w.rules))]
	n, eqs := 0, 0
	for _, r := range rules {
		n += len(r.Stmts)
		for _, s := range r.Stmts {
			if m, ok := s.(*ir.Match); ok && m.Op == ir.CmpEq {
				eqs++
			}
		}
	}
	var blk *factsBlock
	if k := len(w.free); k > 0 {
		blk, w.free = w.free[k-1], w.free[:k-1]
	} else if blk, _ = factsBlocks.Get().(*factsBlock); blk == nil {
		blk = &factsBlock{}
	}
	blk.facts = reuse(blk.facts, len(rules))
	blk.plain = reuse(blk.plain, n)
	blk.ivs = reuse(blk.ivs, eqs)
	fa := factsAlloc{plain: blk.plain[:0], ivs: blk.ivs[:0]}
	for i, r := range rules {
		fa.fill(&blk.facts[i], r, w.keys[b<<w.shift+i])
	}
	w.blocks[b] = blk
	return blk
}

// reuse returns n zero values in s's memory if it has room, else in new
// memory. Only s's length is cleared: the memory past it is zero already,
// as reuse left it (a block of a 4,096-rule round, cleared in full for
// each of the small chains after it, was most of the time the dispatch
// dump's 12,000 chains took in the sets pass).
func reuse[T any](s []T, n int) []T {
	if cap(s) < n {
		return fresh.Make[T](n)
	}
	clear(s)
	return s[:n]
}

// factsBlocks holds the blocks of the rounds that have ended, for the
// next rounds (of this chain or of others, on any worker): the facts of
// every round were in memory of its own, fresh from the kernel, and
// the facts of a chain of some thousand rules are a megabyte.
var factsBlocks sync.Pool // of *factsBlock

// release hands the window's blocks on to the rounds after it. The round
// must have done every rule: its blocks are all free.
func (w *factsWindow) release() {
	for _, b := range w.free {
		factsBlocks.Put(b)
	}
	clear(w.free)
	w.free, w.rules = w.free[:0], nil
}

// done says the round will not look at rule k again.
func (w *factsWindow) done(k int) {
	b := k >> w.shift
	if w.pending[b]--; w.pending[b] == 0 && w.blocks[b] != nil {
		// (A block none of whose rules was looked at was never made.)
		w.free = append(w.free, w.blocks[b])
		w.blocks[b] = nil
	}
}

// fill works out the facts of r into f. key is r's joinKey, or 0: a rule
// with a key has no state, without a look at each statement again.
func (a *factsAlloc) fill(f *ruleFacts, r *ir.Rule, key uint64) {
	*f = ruleFacts{placeholder: r.Placeholder(), stateful: key == 0 && hasStateful(r), dead: r.Dead() != "", protos: l4Protos(r)}
	if !f.placeholder && !f.stateful {
		k, _ := effectOf(r)
		f.countOnly = k == effectCount
	}
	f.plain = a.plainSlots(len(r.Stmts))
	for i, s := range r.Stmts {
		if c, ok := s.(*ir.Counter); ok && countsSomething(c) {
			f.countValues = true
		}
		m, ok := s.(*ir.Match)
		if !ok || m.Op != ir.CmpEq || !setSelector(m.Left) {
			continue
		}
		if _, isSet := m.Right.(*ir.SetLit); !isSet {
			// A single value: the common case, without a slice of its own.
			if iv, ok := valueInterval(bareValue(m.Right)); ok {
				f.plain[i] = a.one(iv)
			}
			continue
		}
		if slices.ContainsFunc(elements(m.Right), isElem) {
			f.elemAttrs = true
		}
		if v, ok := plainValues(m.Right); ok {
			if v == nil {
				v = []interval{} // an empty set still has plain values
			}
			f.plain[i] = v
		}
	}
}

// shapeDiff compares two rules. It returns the indexes of the statements
// that differ, all of which must be mergeable equality matches on the same
// selector, and ok=false if the rules differ in anything else. Counters
// at the same place may differ in their values.
func shapeDiff(a, b *ir.Rule, fa, fb *ruleFacts, buf []int) (diff []int, ok bool) {
	diff = buf[:0]
	if fa.placeholder || fb.placeholder || len(a.Stmts) != len(b.Stmts) {
		return nil, false
	}
	if fa.stateful || fb.stateful {
		return nil, false
	}
	for i := range a.Stmts {
		sa, sb := a.Stmts[i], b.Stmts[i]
		if _, ok := sa.(*ir.Counter); ok {
			if _, ok := sb.(*ir.Counter); ok {
				continue
			}
			return nil, false
		}
		if equalStmt(sa, sb) {
			continue
		}
		if fa.plain[i] == nil || fb.plain[i] == nil || !equalExpr(sa.(*ir.Match).Left, sb.(*ir.Match).Left) {
			return nil, false
		}
		diff = append(diff, i)
	}
	if len(diff) > 1 {
		// Masked flags are no part of a concatenation.
		for _, i := range diff {
			if maskedFlags(a.Stmts[i].(*ir.Match).Left) {
				return nil, false
			}
		}
	}
	return diff, len(diff) > 0
}

// countsSomething reports whether a counter carries values other than
// zero: those cannot be split among several elements.
func countsSomething(c *ir.Counter) bool { return c.HasValues && (c.Packets != 0 || c.Bytes != 0) }

// maxProduct bounds the elements one rule may give a concatenation:
// the product of its value counts ("ip saddr 10.0.0.0/24 udp dport { 53,
// 123 }" gives two).
const maxProduct = 64

// usableValues reports whether the rule's values at diff can make set
// elements: one value or more for one selector, exactly one for each of
// several. With products, one of several selectors may have more values
// (at most maxProduct): each is an element with the others' values.
// A rule whose counter has values can give only one element: its count
// cannot be split among several.
func usableValues(f *ruleFacts, diff []int, products bool) bool {
	n, multi := 1, 0
	for _, d := range diff {
		k := len(f.plain[d])
		if k == 0 {
			return false
		}
		if k > 1 {
			multi++
		}
		n *= k
	}
	switch {
	case n == 1:
		return true
	case f.countValues:
		return false
	case len(diff) == 1:
		return true
	}
	return products && multi == 1 && n <= maxProduct && !f.elemAttrs
}

// ruleKeys returns, for the statements at diff, the intervals of each
// element of the rule (one interval per selector for concatenations:
// every combination of the selectors' values, as cartesian orders them).
func ruleKeys(f *ruleFacts, diff []int) [][]interval {
	if len(diff) == 1 {
		vals := slices.Clone(f.plain[diff[0]]) // one array for all
		out := make([][]interval, len(vals))
		for i := range vals {
			out[i] = vals[i : i+1 : i+1]
		}
		return out
	}
	var buf [4][]interval
	lists := buf[:0]
	for _, d := range diff {
		lists = append(lists, f.plain[d])
	}
	return cartesian(lists)
}

// product lists every combination of the values of a rule's matches at
// diff as concatenations, in the order of ruleKeys. Element attributes
// are dropped: usableValues keeps rules with several values and
// attributes out of concatenations.
func product(r *ir.Rule, diff []int) []ir.Expr {
	lists := make([][]ir.Expr, len(diff))
	for i, d := range diff {
		vals := elements(r.Stmts[d].(*ir.Match).Right)
		if len(vals) > 1 {
			bare := make([]ir.Expr, len(vals))
			for k, v := range vals {
				bare[k] = bareValue(v)
			}
			vals = bare
		}
		lists[i] = vals
	}
	tuples := cartesian(lists)
	concats := make([]ir.Concat, len(tuples))
	exprs := make([]ir.Expr, len(tuples))
	for i, t := range tuples {
		concats[i].Elems = t
		exprs[i] = &concats[i]
	}
	return exprs
}

// elementCount is len(elements(e)), without making the list.
func elementCount(e ir.Expr) int {
	if s, ok := e.(*ir.SetLit); ok {
		return len(s.Elems)
	}
	return 1
}

// elementsIn is elements(e), in one's memory when e is not a set.
func elementsIn(e ir.Expr, one *[1]ir.Expr) []ir.Expr {
	if s, ok := e.(*ir.SetLit); ok {
		return s.Elems
	}
	one[0] = e
	return one[:]
}

// singleValues reports whether r's matches at diff have one value each.
func singleValues(r *ir.Rule, diff []int) bool {
	for _, d := range diff {
		if elementCount(r.Stmts[d].(*ir.Match).Right) != 1 {
			return false
		}
	}
	return true
}

// onlyElement is elements(e)[0] for an e of one element.
func onlyElement(e ir.Expr) ir.Expr {
	if s, ok := e.(*ir.SetLit); ok {
		return s.Elems[0]
	}
	return e
}

// cartesian returns every combination of one value from each list, the
// first list varying slowest. The tuples share one array, each with no
// room to append: two allocations in all (building each from the one
// before, a list at a time, made one per tuple and list, 5 MB of the
// mixed 1,000,000-rule dump's garbage).
func cartesian[T any](lists [][]T) [][]T {
	n := 1
	for _, l := range lists {
		n *= len(l)
	}
	k := len(lists)
	vals := make([]T, n*k)
	out := make([][]T, n)
	for j := range out {
		t := vals[j*k : (j+1)*k : (j+1)*k]
		r := j
		for i := k - 1; i >= 0; i-- {
			l := lists[i]
			t[i] = l[r%len(l)]
			r /= len(l)
		}
		out[j] = t
	}
	return out
}

// lookahead bounds how many non-mergeable rules the set pass looks past
// for more rules to merge.
const lookahead = 32

// countLookahead is the bound instead when the group and every rule it
// looks past only count: accounting chains list a rule per address and
// direction ("-s A", "-d A", "-s B", "-d B"...), and such rules commute
// with each other without a comparison, so the pass can look past a
// /24's worth of them to gather each direction into one set.
const countLookahead = 512

// mergeSets merges runs of rules into set lookups. Without
// elementCounters (nft's JSON input cannot give a set element a counter)
// rules with counters stay as they are.
//
// It merges in two rounds. The first merges rules that differ in one
// selector (each with any number of values) or in several with one value
// each. The second also makes concatenations of rules with several values
// in one of the selectors they differ in ("ip saddr A udp dport { 53, 123
// }" then "ip saddr B udp dport 161" make "ip saddr . udp dport { A . 53,
// A . 123, B . 161 }"). Products wait for the second round so that rules
// sharing the same port list merge on their one differing selector first,
// which reads better than the product of both.
func mergeSets(rules []*ir.Rule, rep *OptReport, elementCounters bool) []*ir.Rule {
	return mergeSetsIn(rules, nil, rep, elementCounters)
}

// mergeSetsIn is mergeSets of rules that stand at positions at(0),
// at(1)... of their chain (nil: at 0, 1...), the others being gone in
// sets already made (mergeRun's): a merge of rules not next to each
// other there says so.
func mergeSetsIn(rules []*ir.Rule, at func(int) int, rep *OptReport, elementCounters bool) []*ir.Rule {
	if len(rules) <= smallRound && len(rules) > 1 && !sharedSignature(rules) {
		return rules // as both rounds would
	}
	var merged map[*ir.Rule]int
	rules = mergeSetsRound(rules, at, rep, elementCounters, false, &merged)
	if len(rules) < 2 || !slices.ContainsFunc(rules, multiValued) {
		return rules
	}
	// The second round reports a merge of merged rules as one merge of
	// all their rules, in place of the first round's.
	rules = mergeSetsRound(rules, nil, rep, elementCounters, true, &merged)
	rep.Merges = slices.DeleteFunc(rep.Merges, func(m Merge) bool {
		return m.Pass == "sets" && merged[m.Into] < 0
	})
	return rules
}

// smallRound is the most rules sharedSignature looks at.
const smallRound = 8

// sharedSignature reports whether two of a few rules have the same
// shapeSignature, without a round's memory: a round whose rules all
// differ in signature merges none, and a small chain's (kube-proxy's
// 4,000 chains of two rules in the dispatch dump) took some 1,600
// instructions to find it out (getRoundMem, markRepeats, putRoundMem).
func sharedSignature(rules []*ir.Rule) bool {
	var sigs [smallRound]uint64
	for i, r := range rules {
		sigs[i] = shapeSignature(r)
		if slices.Contains(sigs[:i], sigs[i]) {
			return true
		}
	}
	return false
}

// multiValued reports whether a rule could give a concatenation several
// elements: it tests a selector the sets pass merges against a set of
// plain values, and has no counter values to split among them.
func multiValued(r *ir.Rule) bool {
	multi := false
	for _, s := range r.Stmts {
		switch s := s.(type) {
		case *ir.Counter:
			if countsSomething(s) {
				return false
			}
		case *ir.Match:
			if set, ok := s.Right.(*ir.SetLit); ok && s.Op == ir.CmpEq && len(set.Elems) > 1 && setSelector(s.Left) &&
				!slices.ContainsFunc(set.Elems, isElem) {
				multi = true
			}
		}
	}
	return multi
}

func isElem(e ir.Expr) bool { _, ok := e.(*ir.Elem); return ok }

// mergeSetsRound is one round of mergeSetsIn; products allows
// concatenations of rules with several values in one selector. merged
// records each rule a merge makes with how many rules it was made of
// (made at the first merge); a merged rule merged again is marked -1.
func mergeSetsRound(rules []*ir.Rule, at func(int) int, rep *OptReport, elementCounters, products bool, merged *map[*ir.Rule]int) []*ir.Rule {
	switch len(rules) {
	case 0:
		return nil
	case 1:
		return rules
	}
	mem := getRoundMem(len(rules))
	defer putRoundMem(mem)
	sigs, keys, used := mem.sigs[:len(rules)], mem.sigs[len(rules):2*len(rules)], mem.used[:len(rules)]
	for i, r := range rules {
		sigs[i] = shapeSignature(r)
	}
	repeats := mem.markRepeats(len(rules))
	if !slices.ContainsFunc(repeats, func(m uint8) bool { return m != 0 }) {
		return rules // no two rules of one signature: none merges
	}
	for i, r := range rules {
		// Only rules of the same signature are ever asked whether they
		// join: the others need no key (0 says no more than that).
		keys[i] = 0
		if repeats[i] != 0 {
			keys[i] = joinKey(r)
		}
	}
	mem.markJoinable(len(rules))
	facts := &mem.facts
	facts.start(rules, keys)
	// out is made at the first merge: until then the round keeps the
	// rules as they are (most rounds of a table of many small chains,
	// kube-proxy's, merge none).
	var out []*ir.Rule
	skippedBuf, groupBuf := mem.skipped, mem.group
	scratch := &mem.scratch
	defer func() { mem.skipped, mem.group = skippedBuf, groupBuf }()
	for i := range rules {
		if used[i] {
			continue
		}
		if repeats[i]&repeatLater == 0 {
			// Only rules of its signature can join rule i's group, and
			// none comes after it: the rules after it are not looked at
			// (nor are the facts of a rule worked out for this alone).
			if out != nil {
				out = append(out, rules[i])
			}
			facts.done(i)
			continue
		}
		group := append(groupBuf[:0], i)
		var stream *setStream // the set of a long group, made as it grows
		var diff []int
		var seen *disjoint
		skipped := skippedBuf[:0] // rules left in place between group members
		// Every counter of a merged rule becomes an element counter, with
		// values or without: one counter for the merged rule would add up
		// what each rule counted on its own (the very thing accounting
		// rules exist for). Where elements cannot have counters (nft's
		// JSON input), a group with one is given up, as soon as it has.
		doomed := !elementCounters && hasCounter(rules[i])
		// counting: the group and every rule skipped so far only count.
		// refused: rules of the group's shape that could not join (the
		// same values again, as a script run twice writes them); past
		// lookahead of them the long look is not worth its cost.
		counting, refused := facts.get(i).countOnly, 0
		for j := i + 1; j < len(rules) && !doomed; j++ {
			if !counting {
				// The rules of other signatures are only skipped: a
				// tighter loop passes them (most of those looked at).
				for ; j < len(rules) && sigs[j] != sigs[i] && len(skipped) <= lookahead; j++ {
					if !used[j] {
						skipped = append(skipped, j)
					}
				}
				if j == len(rules) {
					break
				}
			}
			if len(skipped) > lookahead && (!counting || len(skipped) > countLookahead || refused > lookahead) {
				break
			}
			if used[j] {
				continue
			}
			if sigs[j] == sigs[i] {
				// Rules of the same signature but different join keys
				// cannot join: they count as refused all the same, as
				// the rules joins turns down.
				if keys[i] != 0 && keys[j] == keys[i] && joins(rules, facts, i, j, &diff, &seen, skipped, counting, scratch, products) {
					if len(group) == cap(group) {
						// Twice the room: append grows big slices by a
						// quarter (a 662,000-rule group copied 33 MB).
						group = slices.Grow(group, len(group))
					}
					group = append(group, j)
					doomed = !elementCounters && hasCounter(rules[j])
					if elementCounters {
						// The group is built: its members are done now,
						// and a long group's facts need not all be held.
						facts.done(j)
						switch {
						case stream != nil:
							stream.add(rules, j)
						case len(group) == streamFrom && rep.noProvenance && len(rules[i].Origin) > 0:
							stream = newSetStream(rules, group, diff, *merged)
						}
					}
					continue
				}
				refused++
			}
			skipped = append(skipped, j)
			counting = counting && facts.get(j).countOnly
		}
		skippedBuf, groupBuf = skipped, group
		if len(group) == 1 || doomed {
			if out != nil {
				out = append(out, rules[i])
			}
			facts.done(i)
			continue
		}
		// The group's values are not needed to build its rule: a big set
		// lets them go first.
		scratch.seen.reset()
		for k, idx := range group {
			used[idx] = true
			if k == 0 || !elementCounters {
				facts.done(idx) // the others were done as they joined
			}
		}
		var into *ir.Rule
		n := 0
		if stream != nil {
			into, n = stream.finish(), stream.rules
		} else {
			members := make([]*ir.Rule, len(group))
			for k, idx := range group {
				members[k] = rules[idx]
			}
			into = buildSetRule(members, diff, rep)
			for _, m := range members {
				n += mergedCount(*merged, m)
			}
		}
		if *merged == nil {
			*merged = map[*ir.Rule]int{}
		}
		(*merged)[into] = n
		reason := fmt.Sprintf("%d rules differing only in %s", n, selectorNames(rules[i], diff))
		first, last := group[0], group[len(group)-1]
		if at != nil {
			first, last = at(first), at(last)
		}
		if last-first >= len(group) {
			reason += " (the rules in between match other packets, or end the same way, or only count: the order does not matter)"
		}
		if len(rep.Merges) == cap(rep.Merges) {
			rep.Merges = slices.Grow(rep.Merges, len(rep.Merges)) // see fuseLogs
		}
		rep.Merges = append(rep.Merges, Merge{Pass: "sets", Into: into, From: into.Origin, Reason: reason})
		if out == nil {
			// every rule before i was kept on its own
			out = append(make([]*ir.Rule, 0, len(rules)), rules[:i]...)
		}
		out = append(out, into)
	}
	if factsRoundEnd != nil {
		factsRoundEnd(facts)
	}
	facts.release()
	// Not the room of every rule the round was given, kept with the
	// chain's rules: 1.6 MB for the mixed 1,000,000-rule dump's 198,000
	// services, which merge into two rules.
	if out == nil {
		return rules
	}
	return trimRules(out)
}

// mergedCount is the number of rules m was merged from (1 if m is no
// merged rule), which marks m merged again (-1).
func mergedCount(merged map[*ir.Rule]int, m *ir.Rule) int {
	if k := merged[m]; k > 0 {
		merged[m] = -1
		return k
	}
	return 1
}

// streamFrom is the size from which a group's set is made as the group
// grows, each rule joining let go once its elements are made, rather
// than from all its rules once the group is built: the mixed
// 1,000,000-rule dump's 180,000 services (some 400 bytes a rule) were
// all held next to the store of their values. Only where the merged
// rule keeps no more than its first rule's origin (OptOptions
// NoProvenance) and elements can have counters (no rule then makes a
// group give up). A variable for tests, which stream every group.
var streamFrom = 1024

// setStream is the set of a long group, made as the group grows. It
// takes the rules that join from the round's list (which then holds nil
// in their place: the scan never looks at a member again), but for the
// first, which the merged rule is made from.
type setStream struct {
	first *ir.Rule
	diff  []int
	elems *setElems
	// rules is the number of rules merged, those merged before
	// included; merged is the round's record of them.
	rules  int
	merged map[*ir.Rule]int
}

// newSetStream starts the set of group, whose rules are taken from rules.
func newSetStream(rules []*ir.Rule, group, diff []int, merged map[*ir.Rule]int) *setStream {
	first := rules[group[0]]
	s := &setStream{first: first, diff: slices.Clone(diff), merged: merged}
	s.elems = newSetElems(first, s.diff, 0)
	for _, k := range group {
		s.add(rules, k)
	}
	return s
}

// add adds rule k of rules, which it takes (but for the first).
func (s *setStream) add(rules []*ir.Rule, k int) {
	r := rules[k]
	if !s.elems.comments && r.Comment != s.first.Comment {
		s.elems.commentAll(s.first.Comment)
	}
	s.elems.add(r)
	s.rules += mergedCount(s.merged, r)
	if r != s.first {
		rules[k] = nil
	}
}

// finish makes the merged rule.
func (s *setStream) finish() *ir.Rule {
	return assembleSetRule(s.first, s.diff, s.elems.all(), s.first.Origin[:1:1], "", !s.elems.comments)
}

// roundMem is the scratch memory of a sets round, reused by the rounds
// after it (of this chain or of others, on any worker): tables of many
// small chains made it chain by chain.
type roundMem struct {
	sigs           []uint64 // a signature and a join key per rule
	used           []bool
	repeats        []uint8 // see markRepeats
	keyTable       []uint64
	skipped, group []int
	scratch        groupScratch
	facts          factsWindow
}

var roundMems sync.Pool // of *roundMem

// roundMemKeep is the most rules whose memory a round hands on: a long
// chain's (megabytes) is let go.
const roundMemKeep = 1 << 16

// getRoundMem returns scratch memory for a round of n rules: sigs of
// 2n (and room past them for markRepeats' table), used of n cleared.
func getRoundMem(n int) *roundMem {
	m, _ := roundMems.Get().(*roundMem)
	if m == nil {
		m = &roundMem{}
	}
	if words := n + max(n, repeatTableSize(n)/2); cap(m.sigs) < words {
		m.sigs = make([]uint64, 2*n, words)
		m.used, m.repeats = make([]bool, n), make([]uint8, n)
	} else {
		m.sigs = m.sigs[:2*n]
		m.used, m.repeats = m.used[:n], m.repeats[:n]
		clear(m.used)
	}
	return m
}

// The bits of markRepeats' marks.
const (
	repeatLater   = 1 << iota // a rule after this one has its signature
	repeatEarlier             // a rule before this one has
)

// repeatTableSize is the number of slots of markRepeats' table for n
// rules: a power of two, at most four fifths full; 0 for rounds short
// enough to compare every pair.
func repeatTableSize(n int) int {
	if n <= 16 {
		return 0
	}
	size := 32
	for size < n+n/4 {
		size *= 2
	}
	return size
}

// markRepeats marks each of the round's n rules (whose signatures are
// m.sigs[:n]) with whether a rule after it and a rule before it have its
// signature: a rule without one after it starts no group, and one of a
// signature of its own joins none. Most rules of the dispatch dump's
// service chain have signatures of their own (their jumps differ), and
// the round looked at the 33 rules after each, working out their facts
// and join keys.
//
// The table is made in the join keys' memory (and past it), not yet
// written: its slots are rule indexes plus one (0: empty), two to a
// word.
func (m *roundMem) markRepeats(n int) []uint8 {
	sigs, repeats := m.sigs[:n], m.repeats[:n]
	clear(repeats)
	size := repeatTableSize(n)
	if size == 0 {
		for i, s := range sigs {
			if k := slices.Index(sigs[i+1:], s); k >= 0 {
				repeats[i] |= repeatLater
				repeats[i+1+k] |= repeatEarlier
			}
		}
		return repeats
	}
	table := m.sigs[n : n+size/2]
	clear(table)
	hashShift, mask := uint(64-bits.TrailingZeros(uint(size))), uint64(size-1)
	// From the last rule back: a signature's slot holds the first rule
	// of it seen so far.
	for i := n - 1; i >= 0; i-- {
		s := sigs[i]
		for k := (s * 0x9e3779b97f4a7c15) >> hashShift; ; k = (k + 1) & mask {
			w, shift := &table[k>>1], k&1*32
			t := uint32(*w >> shift)
			if t != 0 && sigs[t-1] != s {
				continue
			}
			if t != 0 {
				repeats[i] |= repeatLater
				repeats[t-1] |= repeatEarlier
			}
			*w = *w&^(0xffffffff<<shift) | uint64(i+1)<<shift
			break
		}
	}
	return repeats
}

// markJoinable clears the repeatLater mark of each of the round's n
// rules that no rule after it can join: none after it has its signature
// and join key (nor any, when its key is 0). The group such a rule
// starts stays a rule of its own, as it did after the round looked at
// the rules after it: 33 of them for each DNAT rule of a chain of port
// forwards (its address differs from the others').
func (m *roundMem) markJoinable(n int) {
	sigs, keys, repeats := m.sigs[:n], m.sigs[n:2*n], m.repeats[:n]
	size := repeatTableSize(n)
	if size == 0 {
		for i := range n {
			if repeats[i]&repeatLater != 0 && (keys[i] == 0 || !laterKey(sigs[i+1:], keys[i+1:], sigs[i], keys[i])) {
				repeats[i] &^= repeatLater
			}
		}
		return
	}
	m.keyTable = reuse(m.keyTable, size/2)
	table := m.keyTable
	hashShift, mask := uint(64-bits.TrailingZeros(uint(size))), uint64(size-1)
	// From the last rule back, as markRepeats: a slot holds the first
	// rule of its signature and key seen so far.
	for i := n - 1; i >= 0; i-- {
		if repeats[i] == 0 {
			continue // no key: it joins none and none joins it
		}
		s, k := sigs[i], keys[i]
		if k == 0 {
			repeats[i] &^= repeatLater
			continue
		}
		for h := ((s ^ k*0xff51afd7ed558ccd) * 0x9e3779b97f4a7c15) >> hashShift; ; h = (h + 1) & mask {
			w, shift := &table[h>>1], h&1*32
			t := uint32(*w >> shift)
			if t != 0 && (sigs[t-1] != s || keys[t-1] != k) {
				continue
			}
			if t == 0 {
				repeats[i] &^= repeatLater
			}
			*w = *w&^(0xffffffff<<shift) | uint64(i+1)<<shift
			break
		}
	}
}

// laterKey reports whether one of sigs and keys is sig and key.
func laterKey(sigs, keys []uint64, sig, key uint64) bool {
	for j := range sigs {
		if sigs[j] == sig && keys[j] == key {
			return true
		}
	}
	return false
}

// putRoundMem hands m on to the rounds after it.
func putRoundMem(m *roundMem) {
	if cap(m.sigs) > 2*roundMemKeep {
		m.sigs, m.used, m.repeats = nil, nil, nil
	}
	if cap(m.group) > roundMemKeep {
		m.group = nil
	}
	if cap(m.keyTable) > roundMemKeep {
		m.keyTable = nil
	}
	m.scratch.seen.reset()
	roundMems.Put(m)
}

// groupScratch is the memory of the group being built, reused by the next.
type groupScratch struct {
	diff []int
	seen disjoint
}

// joins reports whether rule j can join the group started by rule i: it
// differs from i in the same selectors, its values match packets no
// member matches, and it commutes with every rule it would move past.
//
// The group's diff and seen set are made, at its first join, in scratch's
// memory: one group is built at a time, and most groups of a long chain
// of unmergeable rules end at once.
func joins(rules []*ir.Rule, facts *factsWindow, i, j int, diff *[]int, seen **disjoint, skipped []int, counting bool, scratch *groupScratch, products bool) bool {
	var buf [4]int
	fi, fj := facts.get(i), facts.get(j)
	d0, ok := shapeDiff(rules[i], rules[j], fi, fj, buf[:])
	if !ok || (*diff != nil && !slices.Equal(d0, *diff)) {
		return false
	}
	// Rules whose values cannot make elements fail here, before the
	// commutation checks, which cost a comparison per rule in between.
	if !usableValues(fj, d0, products) || (*diff == nil && !usableValues(fi, d0, products)) {
		return false
	}
	d := *diff
	if d == nil {
		d = append(scratch.diff[:0], d0...) // kept as *diff: not buf
		scratch.diff = d
	}
	// Latest first: the rule that keeps j in place is most often its
	// neighbour (a LOG before its DROP). Rules that only count commute
	// with each other (counting skipped ones only; j too, as the group's
	// rules share their statements).
	for k := len(skipped) - 1; k >= 0 && !counting; k-- {
		if s := skipped[k]; !commutes(rules[s], rules[j], facts.get(s), fj) {
			return false
		}
	}
	set := *seen
	if *diff == nil {
		// The group's first join: its values start the set. It is the
		// group's only if j joins; a rule that fails to join does not
		// decide the selectors of the group.
		set = &scratch.seen
		set.reset()
		if len(d) == 1 {
			// One selector: each value is a key of its own.
			for _, v := range fi.plain[d[0]] {
				if !set.add1(v) {
					return false
				}
			}
		} else if t := set.singleKey(fi, d); t != nil {
			if !set.add(t) {
				return false
			}
		} else {
			for _, k := range ruleKeys(fi, d) {
				if !set.add(k) {
					return false
				}
			}
		}
	}
	if !addValues(set, fj, d) {
		return false
	}
	*diff, *seen = d, set
	return true
}

// addValues adds rule f's values at diff to set if none overlaps a value
// there or another of them; it reports whether it did.
func addValues(set *disjoint, f *ruleFacts, diff []int) bool {
	if len(diff) == 1 {
		vals := f.plain[diff[0]]
		switch {
		case len(vals) == 1:
			return set.add1(vals[0]) // adds nothing when it overlaps
		case !set.canAddAllOne(vals):
			return false
		}
		for _, v := range vals {
			set.add1(v)
		}
		return true
	}
	if t := set.singleKey(f, diff); t != nil {
		return set.add(t) // adds nothing when it overlaps
	}
	keys := ruleKeys(f, diff)
	switch {
	case len(keys) == 1:
		return set.add(keys[0]) // adds nothing when it overlaps
	case !set.canAddAll(keys):
		return false
	}
	for _, k := range keys {
		set.add(k)
	}
	return true
}

// shapeSignature summarises a rule's structure (statement kinds,
// selectors, verdict) so that rules that cannot merge are told apart
// without a deep comparison. It is a hash: rules that can merge always
// have the same signature, and two rules with the same signature are
// still compared in full.
//
// The common statement kinds and selectors are hashed as a tag byte
// each ('M' a match, 'p' a payload...), not as their type names, which
// were most of the bytes hashed.
func shapeSignature(r *ir.Rule) uint64 {
	h := sigHash(fnvOffset)
	if r.Placeholder() {
		return uint64(h.byte('U'))
	}
	for _, s := range r.Stmts {
		switch s := s.(type) {
		case nil:
			h = h.byte('0')
		case *ir.Match:
			h = h.byte('M')
			if s == nil {
				break
			}
			switch e := s.Left.(type) {
			case *ir.Payload:
				h = h.byte('p').str(e.Proto).byte(' ').str(e.Field)
			case *ir.Meta:
				h = h.byte('m').str(e.Key)
			case *ir.Ct:
				h = h.byte('c').str(e.Dir).byte(' ').str(e.Key)
			default:
				h = h.byte('?')
			}
			h = h.byte(',').byte(byte(s.Op)) // a uint8
			if s.Op != ir.CmpEq || !setSelector(s.Left) {
				// Values that must be equal for a merge.
				h = h.byte('=').value(s.Right)
			}
		case *ir.Log:
			h = h.byte('L')
			if s == nil {
				break
			}
			for _, a := range s.Args {
				h = h.str(a.Key).byte('=').value(a.Value)
			}
		case *ir.Verdict:
			h = h.byte('V')
			if s == nil {
				break
			}
			h = h.byte(byte(s.Kind)).byte(',').str(s.Chain) // a uint8
		case *ir.Counter:
			h = h.byte('C')
		default:
			h = h.str(reflect.TypeOf(s).String())
		}
		h = h.byte(';')
	}
	return uint64(h)
}

// joinKey hashes what shapeDiff needs two rules to have in common to
// join: statement kinds, every selector, and every value and action but
// those of the equality matches of set selectors. Rules that can join
// always have the same key; rules with the same signature (most rules of
// a chain of DNAT, jump or LOG rules) but different keys are told apart
// without comparing them statement by statement, as the sets pass did
// with each of the rules it looks ahead at. 0 is the key of rules that
// join no other (placeholders, rules with state).
func joinKey(r *ir.Rule) uint64 {
	if r.Placeholder() {
		return 0
	}
	h := sigHash(fnvOffset)
	for _, s := range r.Stmts {
		switch s := s.(type) {
		case nil:
			h = h.byte('0')
		case *ir.Limit, *ir.Quota, *ir.SetUpdate, *ir.Meter, *ir.CtCount:
			return 0 // stateful (hasStateful, without a second look)
		case *ir.Match:
			h = h.byte('M')
			if s == nil {
				break
			}
			if randomExpr(s.Left) || randomExpr(s.Right) {
				return 0
			}
			h = h.expr(s.Left).byte(byte(s.Op))
			if s.Op != ir.CmpEq || !setSelector(s.Left) {
				h = h.byte(byte(s.Spell)).expr(s.Right)
			}
		case *ir.Counter:
			h = h.byte('C')
		case *ir.Verdict:
			h = h.byte('V')
			if s != nil {
				h = h.byte(byte(s.Kind)).str(s.Chain)
			}
		case *ir.Log:
			h = h.byte('L')
			if s != nil {
				for _, a := range s.Args {
					h = h.str(a.Key).byte('=').expr(a.Value)
				}
			}
		case *ir.Nat:
			h = h.byte('N')
			if s != nil {
				h = h.byte(byte(s.Kind)).str(s.Family).expr(s.Addr).byte(',').expr(s.Port)
				for _, f := range s.Flags {
					h = h.str(f).byte(',')
				}
				if s.Prefix {
					h = h.byte('p')
				}
				if s.AddrPort {
					h = h.byte('a')
				}
			}
		case *ir.Reject:
			h = h.byte('R')
			if s != nil {
				h = h.str(s.Type).byte(',').str(s.Code)
			}
		default:
			h = h.str(reflect.TypeOf(s).String())
		}
		h = h.byte(';')
	}
	if h == 0 {
		h = 1
	}
	return uint64(h)
}

// expr hashes an expression from its fields, as far as its kind is one
// of those rules are mostly made of; other expressions hash as '?'.
// Expressions reflect.DeepEqual finds equal hash the same. A set hashes
// as its size and first elements: merged sets of thousands of elements
// are hashed in each round of the sets pass.
func (h sigHash) expr(e ir.Expr) sigHash {
	switch e := e.(type) {
	case nil:
		return h.byte('n')
	case *ir.Payload:
		if e != nil {
			return h.byte('p').str(e.Proto).byte(' ').str(e.Field)
		}
	case *ir.Meta:
		if e != nil {
			h = h.byte('m').str(e.Key)
			if e.Bare {
				h = h.byte('b')
			}
			return h
		}
	case *ir.Ct:
		if e != nil {
			return h.byte('c').str(e.Dir).byte(' ').str(e.Key)
		}
	case *ir.Integer:
		if e != nil {
			return h.byte('i').u64(e.Value).u64(uint64(e.Base)).u64(uint64(e.Width))
		}
	case *ir.String:
		if e != nil {
			h = h.byte('s').str(e.Value)
			if e.Bare {
				h = h.byte('b')
			}
			return h
		}
	case *ir.Symbol:
		if e != nil {
			return h.byte('y').str(e.Name)
		}
	case *ir.Addr:
		if e != nil {
			return h.byte('a').addr(e.Addr)
		}
	case *ir.Prefix:
		if e != nil {
			return h.byte('/').addr(e.Prefix.Addr()).u64(uint64(e.Prefix.Bits()))
		}
	case *ir.Range:
		if e != nil {
			return h.byte('r').expr(e.Lo).byte('-').expr(e.Hi)
		}
	case *ir.Binary:
		if e != nil {
			return h.byte('b').byte(byte(e.Op)).expr(e.Left).byte(',').expr(e.Right)
		}
	case *ir.Concat:
		if e != nil {
			return h.byte('.').exprs(e.Elems)
		}
	case *ir.SetLit:
		if e != nil {
			return h.byte('{').exprs(e.Elems)
		}
	case *ir.Elem:
		if e != nil {
			return h.byte('e').expr(e.Key)
		}
	case *ir.FlagList:
		if e != nil {
			h = h.byte('f')
			for _, f := range e.Flags {
				h = h.str(f).byte(',')
			}
			return h
		}
	}
	return h.byte('?')
}

// exprs hashes a list of expressions as its length and first elements.
func (h sigHash) exprs(es []ir.Expr) sigHash {
	h = h.u64(uint64(len(es)))
	for _, e := range es[:min(len(es), 4)] {
		h = h.expr(e).byte(',')
	}
	return h
}

// addr hashes an address's bytes.
func (h sigHash) addr(a netip.Addr) sigHash {
	b := a.As16()
	return h.u64(uint64(a.BitLen())).u64(binary.BigEndian.Uint64(b[:8])).u64(binary.BigEndian.Uint64(b[8:]))
}

// sigHash is an FNV-1a hash.
type sigHash uint64

// value hashes the plain values that tell most rules apart (log
// prefixes, the values of matches that must be equal to merge); other
// expressions hash as their kind only.
func (h sigHash) value(e ir.Expr) sigHash {
	switch e := e.(type) {
	case *ir.String:
		return h.byte('s').str(e.Value)
	case *ir.Integer:
		return h.byte('i').u64(e.Value)
	case *ir.Symbol:
		return h.byte('y').str(e.Name)
	}
	return h.byte('?')
}

const fnvOffset, fnvPrime = 14695981039346656037, 1099511628211

func (h sigHash) byte(b byte) sigHash { return (h ^ sigHash(b)) * fnvPrime }

// str hashes s a byte at a time (the values the signatures' collisions
// decide on), four bytes a loop: chain names and log prefixes are long.
func (h sigHash) str(s string) sigHash {
	for ; len(s) >= 4; s = s[4:] {
		h = (h ^ sigHash(s[0])) * fnvPrime
		h = (h ^ sigHash(s[1])) * fnvPrime
		h = (h ^ sigHash(s[2])) * fnvPrime
		h = (h ^ sigHash(s[3])) * fnvPrime
	}
	for i := 0; i < len(s); i++ {
		h = (h ^ sigHash(s[i])) * fnvPrime
	}
	return h
}

// u64 hashes v in one step rather than a byte at a time: hashes are only
// compared for equality (and equal values still hash alike), so the
// weaker mixing of high bits costs at most a comparison in full.
func (h sigHash) u64(v uint64) sigHash { return (h ^ sigHash(v)) * fnvPrime }

// rulesDisjoint reports whether no packet can match both rules: they
// test the same selector for equality with values that do not overlap, or
// they need different transport protocols.
func rulesDisjoint(a, b *ir.Rule, fa, fb *ruleFacts) bool {
	if fa.dead || fb.dead {
		return true
	}
	if fa.placeholder || fb.placeholder {
		return false
	}
	if fa.protos&^fb.protos != 0 && fb.protos != 0 {
		return true // a needs a protocol b excludes
	}
	for i, va := range fa.plain {
		if va == nil {
			continue
		}
		left := a.Stmts[i].(*ir.Match).Left
		for j, vb := range fb.plain {
			if vb != nil && equalExpr(left, b.Stmts[j].(*ir.Match).Left) && !valuesOverlap(fa, i, fb, j) {
				return true
			}
		}
	}
	return false
}

// longValues is the length from which a rule's value list is looked up in
// a store of its own rather than compared value by value: the sets
// pass's second round compares merged rules of hundreds of values with
// each other (200,000 shuffled interface rules: 1.9 s pairwise).
const longValues = 16

// valuesOverlap reports whether a value of fa.plain[i] overlaps one of
// fb.plain[j] (anyOverlap), through the longer list's store when it is
// long.
func valuesOverlap(fa *ruleFacts, i int, fb *ruleFacts, j int) bool {
	va, vb := fa.plain[i], fb.plain[j]
	if len(va) < len(vb) {
		fa, i, fb, j = fb, j, fa, i
		va, vb = vb, va
	}
	if len(va) < longValues {
		return anyOverlap(va, vb)
	}
	st := fa.store(i)
	if st == nil {
		return anyOverlap(va, vb)
	}
	for _, y := range vb {
		if st.overlaps1(y) {
			return true
		}
	}
	return false
}

// store returns the values of plain[i] in a disjoint store, made once;
// nil if they overlap each other (a store holds disjoint values only).
func (f *ruleFacts) store(i int) *disjoint {
	if f.stores == nil {
		f.stores = make([]*disjoint, len(f.plain))
	}
	if st := f.stores[i]; st != nil {
		if st == noStore {
			return nil
		}
		return st
	}
	st := &disjoint{}
	for _, v := range f.plain[i] {
		if !st.add1(v) {
			f.stores[i] = noStore
			return nil
		}
	}
	f.stores[i] = st
	return st
}

// noStore marks value lists that overlap themselves.
var noStore = &disjoint{}

// l4Set is a set of transport protocols, one bit each (l4Names; l4Bit
// gives them).
type l4Set uint8

var l4Names = []string{"tcp", "udp", "sctp", "dccp", "icmp", "icmpv6", "udplite"}

// l4Protos lists the transport protocols a rule's header matches need.
func l4Protos(r *ir.Rule) l4Set {
	var out l4Set
	for _, s := range r.Stmts {
		m, ok := s.(*ir.Match)
		if !ok {
			continue
		}
		if p := payloadProto(m.Left); p != "" {
			out |= l4Bit(p)
		}
	}
	return out
}

// l4Bit is p's bit in an l4Set (0 if it has none): a switch rather than
// a comparison with each of l4Names, as l4Protos looked at every match.
func l4Bit(p string) l4Set {
	switch p {
	case "tcp":
		return 1 << 0
	case "udp":
		return 1 << 1
	case "sctp":
		return 1 << 2
	case "dccp":
		return 1 << 3
	case "icmp":
		return 1 << 4
	case "icmpv6":
		return 1 << 5
	case "udplite":
		return 1 << 6
	}
	return 0
}

// hasCounter reports whether r counts (with values or without).
func hasCounter(r *ir.Rule) bool {
	for _, s := range r.Stmts {
		if _, ok := s.(*ir.Counter); ok {
			return true
		}
	}
	return false
}

func selectorNames(r *ir.Rule, diff []int) string {
	s := ""
	for i, d := range diff {
		if i > 0 {
			s += " . "
		}
		s += exprLabel(r.Stmts[d].(*ir.Match).Left)
	}
	return s
}

// exprLabel is a short name of a selector for messages.
func exprLabel(e ir.Expr) string {
	switch e := e.(type) {
	case *ir.Payload:
		return e.Proto + " " + e.Field
	case *ir.Meta:
		return "meta " + e.Key
	case *ir.Ct:
		if e.Dir != "" {
			return "ct " + e.Dir + " " + e.Key
		}
		return "ct " + e.Key
	}
	return "selector"
}

// buildSetRule makes the merged rule from a group; rep says whether it
// keeps the group's origins and text (OptOptions.NoProvenance).
func buildSetRule(group []*ir.Rule, diff []int, rep *OptReport) *ir.Rule {
	first := group[0]
	sameComment := true
	for _, r := range group[1:] {
		if r.Comment != first.Comment {
			sameComment = false
		}
	}
	n, singles := 0, 0
	for _, r := range group {
		k := 1
		for _, d := range diff {
			k *= elementCount(r.Stmts[d].(*ir.Match).Right)
		}
		n += k
		if k == 1 {
			singles++
		}
	}
	s := newSetElems(first, diff, n)
	s.comments = !sameComment
	// The concatenations of rules with one value per selector (nearly
	// all), from blocks made for the whole set: what product gives such
	// a rule, without its five allocations.
	if len(diff) > 1 && singles > 0 {
		s.concatBlock = make([]ir.Concat, singles)
		s.keyBlock = make([]ir.Expr, singles*len(diff))
	}
	for _, r := range group {
		s.add(r)
	}
	return assembleSetRule(first, diff, s.elems, rep.mergedOrigins(group), rep.mergedSource(group), sameComment)
}

// setElems makes the elements of a merged rule's set, a rule at a time.
type setElems struct {
	diff       []int
	counterIdx int // the last counter's of the first rule, as assembleSetRule finds it
	// comments: each element has its rule's comment (the rules'
	// comments differ), unless it has one of its own.
	comments bool
	// elems is the elements, or while n is 0 the last of them, after
	// those in done: a list grown by append made twice the elements of
	// a set of 180,000.
	elems []ir.Expr
	done  [][]ir.Expr
	// n is the number of elements the set will have, if known (0 if
	// not): the blocks below are then made for the rest of the set, else
	// setChunk at a time.
	n int
	// Elements with attributes, from a block made when the first one
	// is needed.
	elemBlock []ir.Elem
	// The concatenations of rules with one value per selector and their
	// keys.
	concatBlock []ir.Concat
	keyBlock    []ir.Expr
}

// setChunk is how many elements setElems makes memory for at a time
// when it does not know the size of the set. A variable for tests, which
// make chunks of a few.
var setChunk = 1024

func newSetElems(first *ir.Rule, diff []int, n int) *setElems {
	s := &setElems{diff: diff, counterIdx: -1, n: n}
	if n > 0 {
		s.elems = make([]ir.Expr, 0, n)
	} else {
		s.elems = make([]ir.Expr, 0, setChunk)
	}
	for i, st := range first.Stmts {
		if _, ok := st.(*ir.Counter); ok {
			s.counterIdx = i
		}
	}
	return s
}

// newElem is memory for an element with attributes.
func (s *setElems) newElem() *ir.Elem {
	if len(s.elemBlock) == 0 {
		k := setChunk
		if s.n > 0 {
			k = max(s.n-len(s.elems), 1)
		}
		s.elemBlock = make([]ir.Elem, k)
	}
	p := &s.elemBlock[0]
	s.elemBlock = s.elemBlock[1:]
	return p
}

// add adds the elements of rule r.
func (s *setElems) add(r *ir.Rule) {
	diff := s.diff
	var one [1]ir.Expr
	var vals []ir.Expr
	switch {
	case len(diff) == 1:
		vals = elementsIn(r.Stmts[diff[0]].(*ir.Match).Right, &one)
	case (s.n == 0 || len(s.concatBlock) > 0) && singleValues(r, diff):
		if len(s.concatBlock) == 0 {
			s.concatBlock = make([]ir.Concat, setChunk)
			s.keyBlock = make([]ir.Expr, setChunk*len(diff))
		}
		c := &s.concatBlock[0]
		s.concatBlock = s.concatBlock[1:]
		c.Elems = s.keyBlock[:len(diff):len(diff)]
		s.keyBlock = s.keyBlock[len(diff):]
		for i, d := range diff {
			c.Elems[i] = onlyElement(r.Stmts[d].(*ir.Match).Right)
		}
		one[0] = c
		vals = one[:]
	default:
		vals = product(r, diff)
	}
	for _, v := range vals {
		var el ir.Elem // a copy: the rule's own element is left as it is
		if e, isElem := v.(*ir.Elem); isElem {
			el = *e
		} else {
			el = ir.Elem{Key: v}
		}
		if s.comments && el.Comment == "" {
			el.Comment = r.Comment
		}
		if s.counterIdx >= 0 && el.Counter == nil {
			// The rule's own counter, not a copy: nothing changes a
			// counter once made (the rule's values are the
			// element's), and the rule is let go.
			el.Counter = r.Stmts[s.counterIdx].(*ir.Counter)
		}
		if el.Comment == "" && el.Counter == nil && el.Times == nil {
			s.push(el.Key)
		} else {
			p := s.newElem()
			*p = el
			s.push(p)
		}
	}
}

// commentAll gives each element made so far, all of rules with the
// comment c, that comment unless it has one of its own, as add does
// from now on: a rule with another comment joined.
func (s *setElems) commentAll(c string) {
	s.comments = true
	if c == "" {
		return
	}
	for _, elems := range append(s.done, s.elems) {
		for k, v := range elems {
			if e, ok := v.(*ir.Elem); ok {
				if e.Comment == "" {
					e.Comment = c // made by add: no rule's
				}
				continue
			}
			p := s.newElem()
			*p = ir.Elem{Key: v, Comment: c}
			elems[k] = p
		}
	}
}

// push adds an element.
func (s *setElems) push(v ir.Expr) {
	if s.n == 0 && len(s.elems) == cap(s.elems) {
		s.done = append(s.done, s.elems)
		s.elems = make([]ir.Expr, 0, setChunk)
	}
	s.elems = append(s.elems, v)
}

// all is the elements, in a list of their own size.
func (s *setElems) all() []ir.Expr {
	if len(s.done) == 0 {
		return slices.Clip(s.elems)
	}
	return slices.Concat(append(s.done, s.elems)...)
}

// assembleSetRule makes the merged rule of a group whose first rule is
// first from the elements of its set, the group's origins and text;
// sameComment says whether the group's rules have first's comment.
func assembleSetRule(first *ir.Rule, diff []int, elems []ir.Expr, origin []ir.Pos, source string, sameComment bool) *ir.Rule {
	return assembleSetRuleOf(first, diff, &ir.SetLit{Elems: elems}, origin, source, sameComment)
}

// assembleSetRuleOf is assembleSetRule of a set of any form (a SetLit,
// an AddrSet).
func assembleSetRuleOf(first *ir.Rule, diff []int, set ir.Expr, origin []ir.Pos, source string, sameComment bool) *ir.Rule {
	counterIdx, lastMatch := -1, -1
	for i, s := range first.Stmts {
		switch s.(type) {
		case *ir.Counter:
			counterIdx = i
		case *ir.Match:
			lastMatch = i
		}
	}
	merged := (&ir.Rule{Origin: origin}).WithSource(source)
	if sameComment {
		merged.Comment = first.Comment
	}
	m := *first.Stmts[diff[0]].(*ir.Match)
	if len(diff) > 1 {
		var left ir.Concat
		for _, d := range diff {
			left.Elems = append(left.Elems, first.Stmts[d].(*ir.Match).Left)
		}
		m.Left = &left
	}
	m.Right = set
	m.Spell = ir.SpellDefault
	// The lookup stands where the first differing match stood, unless its
	// elements count: the kernel bumps an element's counter when the
	// lookup finds it, even if a later match of the rule then fails, so
	// the lookup goes after every other match (matches merged here have
	// no side effects, so their order is free).
	at := diff[0]
	if counterIdx >= 0 {
		at = lastMatch
	}
	for i, s := range first.Stmts {
		switch {
		case slices.Contains(diff, i):
			// folded into the lookup
		case i == counterIdx:
			// counters moved onto the elements
		default:
			merged.Stmts = append(merged.Stmts, s)
		}
		if i == at {
			merged.Stmts = append(merged.Stmts, &m)
		}
	}
	return merged
}
