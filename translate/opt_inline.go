package translate

import (
	"hash/maphash"
	"reflect"
	"slices"
	"sync/atomic"

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

// inlineReason is the same for every inlined chain: the report lists a
// few distinct reasons per pass, and the rule's origins name the chain.
const inlineReason = "a chain that holds one rule, jumped to from this rule only: its rule stands where the jump was"

// inlineChains inlines t's single-rule chains that one jump uses. cj
// has counted the jumps of t's chains as they are now, or is nil.
func inlineChains(t *ir.Table, rep *OptReport, cj *chainJumps) {
	if cj == nil || cj.stale.Load() {
		cj = newChainJumps(t)
		for i, c := range t.Chains {
			cj.count(i, c)
		}
	}
	index := cj.index
	cj.countSets(t)
	refs, jumps := cj.refs, cj.jumps
	// Rules reported as never matching stay as they are: the report
	// finds them in the output.
	dead := map[*ir.Rule]bool{}
	for _, d := range rep.Dead {
		dead[d.Rule] = true
	}
	// Room for a merge per chain that may be inlined, made once: the
	// report grown by append as the dispatch dump's 8,000 chains were
	// inlined made 2 MB.
	most := 0
	for i, c := range t.Chains {
		if refs[i].Load() == 1 && len(c.Rules) == 1 && c.Hook == nil && !c.Aux {
			most++
		}
	}
	rep.Merges = slices.Grow(rep.Merges, most)
	removed := make([]bool, len(t.Chains))
	n := 0
	var a inlineAlloc
	for pi, p := range t.Chains {
		first := int(cj.start[pi])
		if removed[pi] {
			continue
		}
		for i, r := range p.Rules {
			// Repeat: the inlined rule may jump to another such chain.
			for to := int(jumps[first+i]); ; to = jumpIndex(r, &index) {
				ci := inlineTarget(t, pi, r, to, refs, dead)
				if ci < 0 {
					break
				}
				merged := a.inlined(r, t.Chains[ci].Rules[0], rep.noProvenance)
				p.Rules[i] = merged
				removed[ci] = true
				n++
				rep.Merges = append(rep.Merges, Merge{Pass: "inline", Into: merged, From: merged.Origin, Reason: inlineReason})
				r = merged
			}
		}
	}
	if n == 0 {
		return
	}
	keep := t.Chains[:0]
	for i, c := range t.Chains {
		if !removed[i] {
			keep = append(keep, c)
		}
	}
	clear(t.Chains[len(keep):])
	t.Chains = keep
}

// jumpIndex is the index of the chain r's final statement jumps to, or
// -1 (no jump last, or to no chain of the index).
func jumpIndex(r *ir.Rule, index *chainNumbers) int {
	if len(r.Stmts) == 0 {
		return -1
	}
	if last, ok := r.Stmts[len(r.Stmts)-1].(*ir.Verdict); ok && last.Kind == ir.VerdictJump {
		if ci, ok := index.get(last.Chain); ok {
			return ci
		}
	}
	return -1
}

// inlineTarget returns the index of the chain r's jump can be replaced
// by, or -1. ci is jumpIndex(r).
func inlineTarget(t *ir.Table, pi int, r *ir.Rule, ci int, refs []atomic.Int32, dead map[*ir.Rule]bool) int {
	if ci < 0 || r.Placeholder() || r.Dead() != "" || dead[r] {
		return -1
	}
	if ci == pi || refs[ci].Load() != 1 {
		return -1
	}
	c := t.Chains[ci]
	if c.Hook != nil || c.Aux || len(c.Rules) != 1 {
		return -1
	}
	rc := c.Rules[0]
	if rc.Placeholder() || rc.Dead() != "" || dead[rc] || len(rc.Stmts) == 0 {
		return -1
	}
	if r.Comment != "" && rc.Comment != "" && r.Comment != rc.Comment {
		return -1 // a rule has one comment
	}
	for _, s := range r.Stmts[:len(r.Stmts)-1] {
		switch s.(type) {
		case *ir.Verdict, *ir.Comment:
			return -1
		}
	}
	for _, s := range rc.Stmts {
		if _, ok := s.(*ir.Comment); ok {
			return -1
		}
	}
	leaves := false
	walkVerdicts(rc.Stmts, func(kind ir.VerdictKind, _ string) {
		if kind == ir.VerdictReturn || kind == ir.VerdictGoto {
			leaves = true
		}
	})
	if leaves {
		return -1
	}
	return ci
}

// inlineAlloc makes inlined rules and their statements in blocks: a
// kube-proxy ruleset has a chain to inline for each service endpoint,
// and three allocations each (rule, statements, origins) were most of
// the pass's time.
type inlineAlloc struct {
	rules []ir.Rule
	stmts []ir.Stmt
}

// inlineBlock is how many rules, and statements, a block of inlineAlloc
// holds.
const inlineBlock = 256

// inlined is r with its final jump replaced by rc's statements. Without
// provenance (OptOptions.NoProvenance) it has r's first origin and no
// text, as the rules the other passes merge: the caller reads no more.
func (a *inlineAlloc) inlined(r, rc *ir.Rule, noProvenance bool) *ir.Rule {
	n := len(r.Stmts) - 1 + len(rc.Stmts)
	if cap(a.stmts)-len(a.stmts) < n {
		a.stmts = make([]ir.Stmt, 0, max(n, 4*inlineBlock))
	}
	// full slices: a statement appended later is never written into
	// the next rule's
	stmts := append(a.stmts[len(a.stmts):len(a.stmts):len(a.stmts)+n], r.Stmts[:len(r.Stmts)-1]...)
	stmts = append(stmts, rc.Stmts...)
	a.stmts = a.stmts[:len(a.stmts)+n]
	if len(a.rules) == cap(a.rules) {
		a.rules = make([]ir.Rule, 0, inlineBlock)
	}
	a.rules = a.rules[:len(a.rules)+1]
	m := &a.rules[len(a.rules)-1]
	comment := r.Comment
	if comment == "" {
		comment = rc.Comment
	}
	if noProvenance && len(r.Origin) > 0 {
		*m = ir.Rule{Stmts: stmts, Comment: comment, Origin: r.Origin[:1:1]}
		return m
	}
	origin := make([]iptparse.Pos, 0, len(r.Origin)+len(rc.Origin))
	origin = append(append(origin, r.Origin...), rc.Origin...)
	*m = ir.Rule{Stmts: stmts, Comment: comment, Origin: origin}
	return m.WithSource(r.Source() + "\n" + rc.Source())
}

// chainJumps counts the jumps and gotos to each chain of a table (by
// index), wherever they are: rule statements, verdict maps, named maps.
// It keeps the chain each rule's final statement jumps to as well (see
// jumpIndex), not looked up again for inlineTarget (kube-proxy's
// rulesets jump from rule after rule). Chains are counted on the
// goroutines that optimize them, as each is done: counted one after the
// other, with the chains' rules no longer in the cache of the core that
// made them, they were a third of the inlining of the dispatch dump
// (12,000 chains), which runs on one core.
type chainJumps struct {
	index chainNumbers
	refs  []atomic.Int32
	// jumps holds chain i's rules' jump targets from start[i], where
	// room is kept for its rules before the optimizer.
	start []int32
	jumps []int32
	// stale says a chain had more rules than room kept for them: the
	// counts are made again.
	stale atomic.Bool
}

// newChainJumps readies the counts of t's chains; none is counted yet.
func newChainJumps(t *ir.Table) *chainJumps {
	cj := &chainJumps{
		index: newChainNumbers(t.Chains),
		refs:  make([]atomic.Int32, len(t.Chains)),
		start: make([]int32, len(t.Chains)+1),
	}
	for i, c := range t.Chains {
		cj.start[i+1] = cj.start[i] + int32(chainLen(c))
	}
	cj.jumps = make([]int32, cj.start[len(t.Chains)])
	return cj
}

// count counts the jumps of c, the table's chain i. Different chains
// may be counted at the same time.
func (cj *chainJumps) count(i int, c *ir.Chain) {
	if len(c.Rules) > int(cj.start[i+1]-cj.start[i]) {
		cj.stale.Store(true)
		return
	}
	refs, index := cj.refs, &cj.index
	count := func(kind ir.VerdictKind, chain string) {
		if kind == ir.VerdictJump || kind == ir.VerdictGoto {
			if i, ok := index.get(chain); ok {
				refs[i].Add(1)
			}
		}
	}
	jumps := cj.jumps[cj.start[i]:]
	for k, r := range c.Rules {
		to := -1
		stmts := r.Stmts
		if len(stmts) > 0 {
			if last, ok := stmts[len(stmts)-1].(*ir.Verdict); ok && last.Kind == ir.VerdictJump {
				stmts = stmts[:len(stmts)-1]
				if ci, ok := index.get(last.Chain); ok {
					refs[ci].Add(1)
					to = ci
				}
			}
		}
		jumps[k] = int32(to)
		walkVerdicts(stmts, count)
	}
}

// countSets counts the jumps of t's named maps.
func (cj *chainJumps) countSets(t *ir.Table) {
	for _, s := range t.Sets {
		walkValue(reflect.ValueOf(s), func(kind ir.VerdictKind, chain string) {
			if kind == ir.VerdictJump || kind == ir.VerdictGoto {
				if i, ok := cj.index.get(chain); ok {
					cj.refs[i].Add(1)
				}
			}
		})
	}
}

// walkVerdicts calls fn for every verdict in stmts, nested ones (verdict
// maps) included.
func walkVerdicts(stmts []ir.Stmt, fn func(ir.VerdictKind, string)) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *ir.Verdict:
			fn(s.Kind, s.Chain)
		case *ir.Match, *ir.Counter, *ir.Log, *ir.Comment, *ir.Nat:
			// No verdicts inside.
		case *ir.VMap:
			walkExpr(s.Map, fn)
		default:
			walkValue(reflect.ValueOf(s), fn)
		}
	}
}

// walkExpr is walkValue without reflection for what verdict maps are
// made of (a kube-proxy dispatch map has an element per service).
func walkExpr(e ir.Expr, fn func(ir.VerdictKind, string)) {
	switch e := e.(type) {
	case *ir.VerdictExpr:
		fn(e.Kind, e.Chain)
	case *ir.SetLit:
		for _, el := range e.Elems {
			walkExpr(el, fn)
		}
	case *ir.MapElem:
		walkExpr(e.Value, fn)
	case *ir.Elem, *ir.Addr, *ir.Prefix, *ir.Integer, *ir.String, *ir.Symbol, *ir.Concat:
		// Keys: no verdicts.
	default:
		walkValue(reflect.ValueOf(e), fn)
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

// chainNumbers finds a table's chains by nft name, as a map[string]int
// of each name to its chain's index would (the last chain of a name),
// in an open-addressing table like the layout's chainIndex: slots of the
// name hash's high half and 1 + the index, at most half full. The map's
// look-ups cost some 135 instructions and its stores more: the dispatch
// dump's 12,000 chains, each jump counted once and inlining's again.
type chainNumbers struct {
	slots  []indexSlot // len a power of two
	chains []*ir.Chain
	seed   maphash.Seed
}

func newChainNumbers(chains []*ir.Chain) chainNumbers {
	size := 8
	for size < 2*len(chains) {
		size *= 2
	}
	x := chainNumbers{slots: make([]indexSlot, size), chains: chains, seed: maphash.MakeSeed()}
	for i, c := range chains {
		at, tag, _ := x.find(c.Name)
		x.slots[at] = indexSlot{tag, int32(i + 1)}
	}
	return x
}

// find is the slot of name: the one holding its chain (found), or the
// empty one where it would go; tag is the name's hash's high half.
func (x *chainNumbers) find(name string) (slot uint64, tag uint32, found bool) {
	h := maphash.String(x.seed, name)
	mask := uint64(len(x.slots) - 1)
	tag = uint32(h >> 32)
	for i := h & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s.at == 0 {
			return i, tag, false
		}
		if s.tag == tag && x.chains[s.at-1].Name == name {
			return i, tag, true
		}
	}
}

// get is the index of the chain named name, if there is one.
func (x *chainNumbers) get(name string) (int, bool) {
	i, _, ok := x.find(name)
	if !ok {
		return 0, false
	}
	return int(x.slots[i].at - 1), true
}
