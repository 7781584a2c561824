package translate

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ipt2nft/ipt2nft/internal/textio"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// OptOptions selects the optimizer passes. Each pass keeps rule order and
// meaning; each can be turned off on its own.
type OptOptions struct {
	Deps     bool // drop protocol matches implied by a later match; 1-element sets become values
	Counters bool // drop counters that carry no values (nft rules count only when asked)
	LogFuse  bool // LOG followed by a verdict with the same matches → one rule
	Sets     bool // rules differing in one or more selectors → anonymous set / concatenation
	VMaps    bool // same selector, different verdicts → verdict map
	NatMaps  bool // DNAT/SNAT lists → NAT map
	Inline   bool // a one-rule chain only one jump uses → its rule where the jump is
	// IPS moves NFQUEUE out of the mangle table (and an unconditional one
	// from the head of FORWARD) into a chain hooked after filtering.
	IPS bool
	// IPSPriority is the IPS chain's offset from the filter priority.
	IPSPriority int
	// NoElementCounters keeps rules with counters out of merged sets,
	// whose elements would carry them: for JSON output (nft 1.0.6's
	// JSON parser drops element counters).
	NoElementCounters bool
	// NoProvenance: the caller reads of a merged rule its first origin
	// only, and never its Source (the translate command, which prints the
	// ruleset: the text of an untranslated or dead rule is printed, and
	// such rules are never merged). A rule the sets, map, transport or
	// LOG passes merge then has the first origin of the rules merged and
	// no Source, instead of the position and text of each: some 70 bytes
	// a rule merged, 80 MB of the 135 MB of the mixed 1,000,000-rule
	// dump's merged rules. Reports need them. (Inlining, moving NFQUEUE
	// rules and MergeInet, which merge few rules, keep them.)
	NoProvenance bool
}

// AllOpt turns every pass on.
func AllOpt() OptOptions {
	return OptOptions{Deps: true, Counters: true, LogFuse: true, Sets: true, VMaps: true, NatMaps: true, Inline: true, IPS: true, IPSPriority: IPSPriorityOffset}
}

// Merge records rules the optimizer combined, for reports.
type Merge struct {
	Pass   string
	Into   *ir.Rule
	From   []iptparse.Pos // origins of the rules combined
	Reason string
}

// OptReport says what the optimizer did.
type OptReport struct {
	Before, After int // rules (untranslated placeholders included)
	Merges        []Merge
	Notes         []Diag
	Dead          []DeadRule
	// noProvenance is OptOptions.NoProvenance, for the passes.
	noProvenance bool
}

// Optimize rewrites rs in place.
func Optimize(rs *ir.Ruleset, o OptOptions) *OptReport {
	rep := &OptReport{Before: countRules(rs), noProvenance: o.NoProvenance}
	for _, t := range rs.Tables {
		if !o.Sets {
			settleDeferred(t)
		}
		if o.IPS {
			moveIPS(t, o.IPSPriority, rep)
		}
		// Each chain's passes touch only that chain's rules, so chains are
		// optimized at the same time; their reports are joined in chain
		// order, as if one after the other. A chain's report is made in
		// its worker's, and kept only if it says something: most of a
		// table of many small chains' say nothing (a report per chain
		// was 1.1 MB for the dispatch dump's 12,000).
		reps := make([]*OptReport, len(t.Chains))
		var cj *chainJumps // the jumps inlining looks at, counted chain by chain
		if o.Inline {
			cj = newChainJumps(t)
		}
		// The rules after an unconditional end, found as each chain is
		// optimized (on one core, a look at every rule of the table)
		// but reported before, as if the first pass.
		var dead []deadTail
		var deadMu sync.Mutex
		forEachChain(t.Chains, func(i int, c *ir.Chain, w *chainWorker) {
			if d, ok := findDead(i, c); ok {
				deadMu.Lock()
				dead = append(dead, d)
				deadMu.Unlock()
			}
			w.rep = OptReport{noProvenance: o.NoProvenance}
			optimizeChainOf(t.Family, c, o, &w.rep, w)
			if len(w.rep.Dead) > 0 || len(w.rep.Notes) > 0 || len(w.rep.Merges) > 0 {
				r := w.rep
				reps[i] = &r
			}
			if cj != nil {
				cj.count(i, c)
			}
		})
		reportDead(t, dead, rep)
		reps = slices.DeleteFunc(reps, func(r *OptReport) bool { return r == nil })
		for i := range reps {
			rep.Dead = append(rep.Dead, reps[i].Dead...)
			rep.Notes = append(rep.Notes, reps[i].Notes...)
		}
		for i := range reps {
			if len(rep.Merges) == 0 {
				// Taken as they are: one chain may have merged
				// 45,000 pairs of rules, 3 MB to copy.
				rep.Merges = reps[i].Merges
				continue
			}
			rep.Merges = append(rep.Merges, reps[i].Merges...)
		}
		if o.Inline {
			inlineChains(t, rep, cj)
		}
	}
	if o.Deps {
		for _, t := range rs.Tables {
			dropEmptyBaseChains(t)
		}
	}
	rep.After = countRules(rs)
	return rep
}

// optimizeChainOf optimizes c, whether it holds its rules or a run.
func optimizeChainOf(family ir.Family, c *ir.Chain, o OptOptions, rep *OptReport, w *chainWorker) {
	if u, _ := c.Deferred.(*ruleRun); u != nil {
		c.Deferred = nil
		if rules, ok := mergeRun(c, u, o, rep, w); ok {
			c.Rules = finishChain(family, rules, o, rep)
			return
		}
		c.Rules = u.Rules()
	}
	findShadowed(c, &w.shadow, rep)
	optimizeChain(family, c, o, rep)
}

// optimizeChain runs the passes o selects on one chain.
func optimizeChain(family ir.Family, c *ir.Chain, o OptOptions, rep *OptReport) {
	prepareChain(c, o, rep)
	if o.Sets {
		c.Rules = mergeSets(c.Rules, rep, !o.NoElementCounters)
	}
	c.Rules = finishChain(family, c.Rules, o, rep)
}

// prepareChain runs the passes before the sets pass on a chain.
func prepareChain(c *ir.Chain, o OptOptions, rep *OptReport) {
	if o.Deps {
		for _, r := range c.Rules {
			dropDependencies(r)
		}
	}
	if o.Counters {
		for _, r := range c.Rules {
			dropPlainCounter(r)
		}
	}
	if o.LogFuse {
		c.Rules = fuseLogs(c.Rules, rep)
	}
}

// finishChain runs the passes after the sets pass on a chain's rules.
func finishChain(family ir.Family, rules []*ir.Rule, o OptOptions, rep *OptReport) []*ir.Rule {
	if o.Sets {
		// after the sets: before them, it took ports from sets that
		// then had fewer (12-diyrouter, 23-openwrt, 32-synology)
		rules = mergeTransports(rules, rep)
	}
	// A map needs two rules: 8,000 of the dispatch dump's 12,000 chains
	// have one (some 220 instructions a chain for the two passes).
	if o.VMaps && len(rules) != 1 {
		rules = mergeVMaps(rules, rep)
	}
	if o.NatMaps && len(rules) != 1 {
		rules = mergeNatMaps(family, rules, rep)
	}
	if o.Deps {
		for _, r := range rules {
			flattenSingletons(r)
		}
	}
	return rules
}

// chainWorker is the scratch memory of one goroutine of forEachChain,
// reused from chain to chain (tables of many small chains, as kube-proxy
// writes, would otherwise allocate it per chain).
type chainWorker struct {
	shadow shadowMem
	rep    OptReport // the report of the chain being optimized
}

// forEachChain calls fn for every chain, on up to GOMAXPROCS goroutines,
// biggest chains first so that one long chain does not start last.
func forEachChain(chains []*ir.Chain, fn func(i int, c *ir.Chain, w *chainWorker)) {
	workers := min(runtime.GOMAXPROCS(0), len(chains))
	if workers <= 1 {
		var w chainWorker
		for i, c := range chains {
			fn(i, c, &w)
		}
		return
	}
	order := chainOrder(chains)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			// The rules' strings may be a mapped file's (textio.MapFile).
			debug.SetPanicOnFault(true)
			defer textio.Guard()
			var w chainWorker
			for {
				k := int(next.Add(1)) - 1
				if k >= len(order) {
					return
				}
				i := int(uint32(order[k]))
				fn(i, chains[i], &w)
			}
		})
	}
	wg.Wait()
}

// chainOrder is the order forEachChain hands chains out in: longest
// first, chains of one length in their order. Each entry holds a
// chain's index in its low 32 bits, and above them what sorts it. The
// chains shorter than orderShort rules, most of a table of many chains,
// are put in place by a counting sort, the others sorted after: a
// stable sort of the indexes, whose calls of a comparison function were
// 2 % of the dispatch dump's instructions (12,000 chains), did it before.
func chainOrder(chains []*ir.Chain) []uint64 {
	const orderShort = 256
	// Bucket 0 holds the long chains, bucket orderShort-n those of n
	// rules; start[b+1] counts bucket b's, then start[b] is where it
	// starts.
	var start [orderShort + 2]int
	for _, c := range chains {
		start[orderShort-min(chainLen(c), orderShort)+1]++
	}
	for b := 1; b < len(start); b++ {
		start[b] += start[b-1]
	}
	order := make([]uint64, len(chains))
	for i, c := range chains {
		n := chainLen(c)
		b := orderShort - min(n, orderShort)
		order[start[b]] = uint64(math.MaxUint32-uint32(n))<<32 | uint64(i)
		start[b]++
	}
	slices.Sort(order[:start[0]])
	return order
}

// dropEmptyBaseChains removes base chains without rules whose policy is
// accept: they have no effect on any packet.
func dropEmptyBaseChains(t *ir.Table) {
	var keep []*ir.Chain
	for _, c := range t.Chains {
		if c.Hook != nil && len(c.Rules) == 0 && (c.Hook.Policy == "" || c.Hook.Policy == "accept") {
			continue
		}
		keep = append(keep, c)
	}
	t.Chains = keep
}

func countRules(rs *ir.Ruleset) int {
	n := 0
	for _, t := range rs.Tables {
		for _, c := range t.Chains {
			n += chainLen(c)
		}
	}
	return n
}

// chainLen is the number of rules of c, those it holds as a run too.
func chainLen(c *ir.Chain) int {
	if c.Deferred != nil {
		return c.Deferred.Len()
	}
	return len(c.Rules)
}

func origins(rules []*ir.Rule) []iptparse.Pos {
	n := 0
	for _, r := range rules {
		n += len(r.Origin)
	}
	var o []iptparse.Pos
	if n > 0 {
		o = make([]iptparse.Pos, 0, n)
	}
	for _, r := range rules {
		o = append(o, r.Origin...)
	}
	return o
}

// mergedOrigins is the origins of a rule merged from rules: only the
// first's if the caller reads no more (OptOptions.NoProvenance).
func (rep *OptReport) mergedOrigins(rules []*ir.Rule) []iptparse.Pos {
	if rep.noProvenance && len(rules) > 0 && len(rules[0].Origin) > 0 {
		return rules[0].Origin[:1:1]
	}
	return origins(rules)
}

// mergedSource is the Source of a rule merged from rules: none if the
// caller reads none (OptOptions.NoProvenance).
func (rep *OptReport) mergedSource(rules []*ir.Rule) string {
	if rep.noProvenance {
		return ""
	}
	return sources(rules)
}

// sources joins the iptables text of merged rules, a line per origin.
// A rule that the same command made as the rule before it gets an empty
// line, meaning "the same text" (an -s list of N addresses gives N rules
// with its text: writing it N times was quadratic, 24 GB for 50,000
// addresses). SourceLines reads them back.
func sources(rules []*ir.Rule) string {
	switch len(rules) {
	case 0:
		return ""
	case 1:
		return rules[0].Source()
	}
	return joinSources(len(rules), func(i int) (string, bool) {
		return rules[i].Source(), i > 0 && sameCommand(rules[i-1], rules[i])
	})
}

// joinSources is sources of n rules, at giving the text of rule i and
// whether it is the same command as the rule before it.
func joinSources(n int, at func(i int) (src string, same bool)) string {
	size := n - 1
	for i := range n {
		if src, same := at(i); !same {
			size += len(src)
		}
	}
	var b strings.Builder
	b.Grow(size)
	for i := range n {
		src, same := at(i)
		if i > 0 {
			b.WriteByte('\n')
		}
		if !same {
			b.WriteString(src)
		}
	}
	return b.String()
}

// SourceLines is the iptables text of each origin of a rule: the lines
// of its Source, an empty line standing for the line before when both
// origins are the same command (see sources). Nil if the lines do not
// match the origins (a rule the optimizer made without a text per
// origin).
func SourceLines(r *ir.Rule) []string {
	lines := strings.Split(r.Source(), "\n")
	if len(lines) != len(r.Origin) {
		return nil
	}
	for i := 1; i < len(lines); i++ {
		if lines[i] == "" && r.Origin[i] == r.Origin[i-1] {
			lines[i] = lines[i-1]
		}
	}
	return lines
}

// sameCommand reports whether two rules come from the same iptables
// command: the same text, and one position (the later rule's first
// origin is the earlier rule's last).
func sameCommand(a, b *ir.Rule) bool {
	return len(a.Origin) > 0 && len(b.Origin) > 0 && a.Origin[len(a.Origin)-1] == b.Origin[0] && a.Source() == b.Source()
}

func describe(rules []*ir.Rule) string {
	return fmt.Sprintf("%d rules", len(rules))
}

// stateful reports whether evaluating the statement has an effect or a
// result that depends on state or chance, so that a rule must not be
// evaluated more or fewer times, or merged with another.
func stateful(s ir.Stmt) bool {
	switch s := s.(type) {
	case *ir.Limit, *ir.Quota, *ir.SetUpdate, *ir.Meter, *ir.CtCount:
		return true
	case *ir.Match:
		return randomExpr(s.Left) || randomExpr(s.Right)
	}
	return false
}

// randomExpr reports whether e's value is left to chance. It is small
// enough to be inlined where stateful looks at every match; binary
// expressions, seldom met, are looked into by randomBinary.
func randomExpr(e ir.Expr) bool {
	switch e := e.(type) {
	case *ir.Numgen:
		return true
	case *ir.Meta:
		return e.Key == "random"
	case *ir.Binary:
		return randomBinary(e)
	}
	return false
}

func randomBinary(e *ir.Binary) bool { return randomExpr(e.Left) || randomExpr(e.Right) }

// hasStateful reports whether any statement of r is stateful. Matches,
// most statements, are looked at here (one type comparison and the
// inlined randomExpr), the others by stateKind: a call of stateful for
// each statement was 1 % of the optimizing mode's instructions.
func hasStateful(r *ir.Rule) bool {
	for _, s := range r.Stmts {
		if m, ok := s.(*ir.Match); ok {
			if randomExpr(m.Left) || randomExpr(m.Right) {
				return true
			}
		} else if stateKind(s) {
			return true
		}
	}
	return false
}

// stateKind reports whether s is of a kind that always has state (all
// of stateful but matches), small enough to be inlined.
func stateKind(s ir.Stmt) bool {
	switch s.(type) {
	case *ir.Limit, *ir.Quota, *ir.SetUpdate, *ir.Meter, *ir.CtCount:
		return true
	}
	return false
}
