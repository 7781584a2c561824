package translate

import (
	"cmp"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unsafe"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// chainKey identifies an iptables chain.
type chainKey struct {
	fam   iptparse.Family
	table string
	chain string
}

// chainEntry is what the layout knows of one iptables chain: its nft
// chain, its nft name, and where it is first jumped to. One entry, found
// by one look-up, holds what three maps of chainKey held: each look-up
// hashes two strings, and kube-proxy's dispatch dump of 20,000 rules made
// about 100,000 of them.
type chainEntry struct {
	key   chainKey
	chain *ir.Chain // nil: no chain (not declared yet, or deleted)
	name  string    // the nft name, if named
	// jump is where the chain is first jumped to, if jumped, to declare
	// chains that dump fragments jump to but never declare.
	jump   iptparse.Pos
	named  bool
	jumped bool
	at     int32 // the entry's index in nativeLayout.all (chainIndex)
}

// nativeLayout builds the normal-mode ruleset: one table of our own per
// family, iptables' tables becoming base chains at their priorities.
type nativeLayout struct {
	t        *Translator
	tables   map[iptparse.Family]*ir.Table
	famOrder []iptparse.Family
	// entries holds the chains' entries by table, then by chain name: a
	// map keyed by chainKey hashed its two strings and compared them
	// through chainKey's equality function, over 300 instructions a
	// look-up, and the dispatch dump of 20,000 rules made 56,000. tabKey
	// and tabLast are the table last asked for (chainsOf).
	entries map[tableKey]*chainIndex
	tabKey  tableKey
	tabLast *chainIndex
	// all is every entry, in the order they were made.
	all []*chainEntry
	// slab is where new entries are taken from, a block at a time.
	slab []chainEntry
	// fams holds what the layout keeps per family; famKey and famLast are
	// the family last asked for (famOf): each chain made asked for its
	// family's several times, a look-up each.
	fams    map[iptparse.Family]*famState
	famKey  iptparse.Family
	famLast *famState
	// loose holds lines that failed to parse and name no chain.
	loose []*ir.Rule
	// front holds, per chain, the rules inserted at its head (-I CHAIN
	// or -I CHAIN 1) since its rules were last needed, in the order they
	// came: the chain starts with them, the last first (settle). Scripts
	// that put each rule first (fail2ban's bans) made every insert copy
	// the whole chain: 100,000 took 20 s.
	front map[*ir.Chain][]*ir.Rule
	// byKey indexes the rules of the chains that -D by specification
	// searched (deleteRule); changes other than appends and those
	// deletions drop a chain's index.
	byKey map[*ir.Chain]*ruleIndex
	// runs are the chains that hold their rules as a run (appendRule).
	runs map[*ir.Chain]bool
	// ruleEntry and ruleEntry2 are the entries of the last two chains
	// chainOf found, the last first, for it to look at before the maps
	// (entries stay for good: they are never stale).
	ruleEntry, ruleEntry2 *chainEntry
	// nameBuf is where joinName writes the names it makes.
	nameBuf []byte
	// jumpEntry is the entry of the last chain noteJumps saw jumped to,
	// for userChainName to find without a look-up (entries stay for
	// good: it is never stale).
	jumpEntry *chainEntry
}

// tableKey identifies an iptables table of a family.
type tableKey struct {
	fam   iptparse.Family
	table string
}

// famState is what the layout keeps of one family.
type famState struct {
	table *ir.Table // nil until table makes it
	// hint is how many chains reserve was told of, for the next table's
	// map of entries to make room for.
	hint int
	// order is the entries of the chains in the order they were made;
	// entries whose chain is gone stay until orderOf.
	order []*chainEntry
	// names maps chosen nft chain names to their iptables chain, to keep
	// names unique.
	names *chainIndex
	// gone counts entries left in order by chains deleted one at a time
	// (-X NAME): order is rebuilt without them when it is next needed
	// (orderOf), not at every deletion (10,000 -X took 2.7 s).
	gone int
}

// famOf is the state of family fam, made if there is none.
func (l *nativeLayout) famOf(fam iptparse.Family) *famState {
	if f := l.famLast; f != nil && l.famKey == fam {
		return f
	}
	return l.famMiss(fam)
}

// famMiss is famOf for a family other than the last (apart, for famOf
// to be inlined).
func (l *nativeLayout) famMiss(fam iptparse.Family) *famState {
	f := l.fams[fam]
	if f == nil {
		f = &famState{names: newChainIndex(&l.all, 0, true)}
		l.fams[fam] = f
	}
	l.famKey, l.famLast = fam, f
	return f
}

// chainsOf is the entries of the chains of table of family fam, by
// chain name, made if there are none.
func (l *nativeLayout) chainsOf(fam iptparse.Family, table string) *chainIndex {
	if m := l.tabLast; m != nil && l.tabKey.fam == fam && sameString(l.tabKey.table, table) {
		return m
	}
	tk := tableKey{fam, table}
	m := l.entries[tk]
	if m == nil {
		f := l.famOf(fam)
		m = newChainIndex(&l.all, f.hint, false)
		f.hint = 0
		l.entries[tk] = m
	}
	l.tabKey, l.tabLast = tk, m
	return m
}

// entry is the entry of k, made if there is none.
func (l *nativeLayout) entry(k chainKey) *chainEntry {
	m := l.chainsOf(k.fam, k.table)
	i, h, e := m.find(k.chain)
	if e != nil {
		return e
	}
	if len(l.slab) == 0 {
		l.slab = make([]chainEntry, 64)
	}
	e = &l.slab[0]
	l.slab = l.slab[1:]
	e.key, e.at = k, int32(len(l.all))
	l.all = append(l.all, e) // before put, which may look at e
	m.put(i, h, int(e.at))
	return e
}

// entryAt is the entry of k, or nil.
func (l *nativeLayout) entryAt(k chainKey) *chainEntry {
	return l.chainsOf(k.fam, k.table).get(k.chain)
}

// chainAt is the chain of k, or nil.
func (l *nativeLayout) chainAt(k chainKey) *ir.Chain {
	if e := l.entryAt(k); e != nil {
		return e.chain
	}
	return nil
}

// forget drops the nft name of e, for another chain to take.
func (l *nativeLayout) forget(e *chainEntry) {
	if e.named {
		l.famOf(e.key.fam).names.remove(e.name)
	}
	e.name, e.named = "", false
}

// orderOf is the order of the family's chains, without deleted ones.
func (l *nativeLayout) orderOf(fam iptparse.Family) []*chainEntry {
	f := l.famOf(fam)
	if f.gone > 0 {
		o := f.order[:0]
		for _, e := range f.order {
			if e.chain != nil {
				o = append(o, e)
			}
		}
		f.order = o
		f.gone = 0
	}
	return f.order
}

// settle puts the rules inserted at the head of c, and those it holds
// as a run, into c.Rules.
func (l *nativeLayout) settle(c *ir.Chain) {
	l.expandRun(c)
	f := l.front[c]
	if len(f) == 0 {
		return
	}
	rules := make([]*ir.Rule, 0, len(f)+len(c.Rules))
	for i := len(f) - 1; i >= 0; i-- {
		rules = append(rules, f[i])
	}
	c.Rules = append(rules, c.Rules...)
	delete(l.front, c)
	delete(l.byKey, c)
}

// settleAll settles every chain.
func (l *nativeLayout) settleAll() {
	for c := range l.front {
		l.settle(c)
	}
	for c := range l.runs {
		l.settle(c)
	}
}

// expandRun gives c the rules it holds as a run in full.
func (l *nativeLayout) expandRun(c *ir.Chain) {
	if c.Deferred != nil {
		c.Rules = c.Deferred.Rules() // c.Rules is empty while c holds a run
		c.Deferred = nil
		delete(l.runs, c)
	}
}

// appendRule appends a rule to chain c of key k. A chain of the filter
// table that is nothing but rules alike holds them as a run (ruleRun)
// when the translator's caller optimizes (Options.Runs).
func (l *nativeLayout) appendRule(c *ir.Chain, k chainKey, r *ir.Rule) {
	if !l.t.opt.Runs || k.table != "filter" || isAuxKey(k) {
		l.appendRules(c, r)
		return
	}
	if u, _ := c.Deferred.(*ruleRun); u != nil {
		if added, member := u.add(r); added {
			if member {
				l.t.alloc.giveBackMember(r, u.diff, u.diff2, u.count)
			}
			return
		}
	} else if len(c.Rules) == 0 && len(l.front[c]) == 0 && l.byKey[c] == nil {
		if u := newRun(r); u != nil {
			u.base = c.Hook != nil
			c.Deferred = u
			if l.runs == nil {
				l.runs = map[*ir.Chain]bool{}
			}
			l.runs[c] = true
			return
		}
	}
	l.appendRules(c, r)
}

// mayShare reports whether the rules a command appends to c may share
// matches with the rules made before (ruleAlloc.share): when none of
// them can become a run's member, whose matches go back to their blocks
// (giveBackMember). A run starts at an empty chain's first rule, and
// takes the command's other rules as members. (In command, the line that
// calls it makes up for a line of comment less before it: the
// profile-guided build finds the hot calls after it by their lines.)
func (l *nativeLayout) mayShare(c *ir.Chain, k chainKey) bool {
	switch {
	case c.Deferred != nil:
		return false
	case len(c.Rules) > 0:
		return true
	}
	return !l.t.opt.Runs || k.table != "filter" || isAuxKey(k) || len(l.front[c]) > 0 || l.byKey[c] != nil
}

func newNativeLayout(t *Translator) *nativeLayout {
	return &nativeLayout{
		t:       t,
		tables:  map[iptparse.Family]*ir.Table{},
		entries: map[tableKey]*chainIndex{},
		fams:    map[iptparse.Family]*famState{},
	}
}

func (l *nativeLayout) table(fam iptparse.Family) *ir.Table {
	f := l.famOf(fam)
	if t := f.table; t != nil {
		return t
	}
	t := &ir.Table{Family: nftFamily(fam), Name: l.t.opt.Table}
	f.table = t
	l.tables[fam] = t
	l.famOrder = append(l.famOrder, fam)
	return t
}

// reserve makes room for about n more chains of family fam, so that big
// inputs do not grow the maps step by step. Only a hint: it changes no
// result.
func (l *nativeLayout) reserve(fam iptparse.Family, n int) {
	if n < 64 || (fam != iptparse.FamilyIPv4 && fam != iptparse.FamilyIPv6) {
		return
	}
	if len(l.all) == 0 {
		l.slab = make([]chainEntry, n)
		l.all = make([]*chainEntry, 0, n)
	}
	f := l.famOf(fam)
	f.hint = n
	if f.names.n == 0 {
		f.names = newChainIndex(&l.all, n, true)
	}
	if o := f.order; cap(o)-len(o) < n {
		f.order = append(make([]*chainEntry, 0, len(o)+n), o...)
	}
}

// nftName is the nft name of an iptables chain. Built-in chains become
// "input", "forward", "output" for the filter table and TABLE_HOOK for the
// others; user chains keep their name in the filter table and get a
// "TABLE_" prefix in the others. Names nft cannot read are changed.
func (l *nativeLayout) nftName(e *chainEntry, pos iptparse.Pos) string {
	if e.named {
		return e.name
	}
	k := e.key
	l.table(k.fam)
	var name string
	switch {
	case isBuiltinChain(k.table, k.chain) && k.table == "filter":
		name = hookOf(k.chain)
	case isBuiltinChain(k.table, k.chain):
		name = l.joinName(k.table, hookOf(k.chain))
	case k.table == "filter":
		name = k.chain
		if reservedName(name) {
			name = "filter_" + name
		}
	default:
		name = l.joinName(k.table, k.chain)
	}
	if !l.t.opt.QuoteNames && !ir.IsBareIdent(name) {
		fixed := bareName(name)
		l.t.diag(Diag{Pos: pos, Kind: DiagNote, Msg: fmt.Sprintf("chain %q is written as %q: nft cannot read it unquoted, and nft 1.0.6 cannot read quoted chain names (--quote-names keeps the name, for an nft that reads quoted names)", k.chain, fixed)})
		name = fixed
	}
	used := l.famOf(k.fam).names
	base := name
	at, h, taken := used.find(name)
	for i := 2; taken != nil; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
		at, h, taken = used.find(name)
	}
	e.name, e.named = name, true
	used.put(at, h, int(e.at))
	return name
}

// joinName is table + "_" + name, written in blocks of nameBuf: an
// allocation a name was a third of nftName's instructions on kube-proxy's
// dump, which has a chain of the nat table every 2.7 lines. The bytes
// written are never changed: only appended to.
func (l *nativeLayout) joinName(table, name string) string {
	n := len(table) + 1 + len(name)
	if cap(l.nameBuf)-len(l.nameBuf) < n {
		l.nameBuf = make([]byte, 0, max(n, 4096))
	}
	start := len(l.nameBuf)
	l.nameBuf = append(append(append(l.nameBuf, table...), '_'), name...)
	return unsafe.String(&l.nameBuf[start], n)
}

var reservedRe = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp {
	return regexp.MustCompile(`^(input|forward|output|(nat|mangle|raw|security)_.*)$`)
}}

// reservedName reports whether a filter user chain name would clash with
// a name the layout gives to other chains.
func reservedName(name string) bool { return reservedRe.Get().MatchString(name) }

// bareName turns a name into one nft reads without quotes.
func bareName(name string) string {
	var b strings.Builder
	for i, r := range name {
		ok := r == '_' || r == '.' || r == '/' || r == '-' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if i == 0 && (r == '-' || r == '/' || (r >= '0' && r <= '9')) {
			b.WriteString("c_")
		}
		if ok {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || ir.IsKeyword(s) {
		s += "_"
	}
	return s
}

// chainOf is the chain of k, for a rule to be added to it. Rules come
// chain by chain, and a chain's rules most often follow the rule that
// jumps to it: the chains of the last two rules, and the last chain
// jumped to, are looked at before the maps. kube-proxy's dispatch dump
// (a chain every 2.7 lines: a service's chain jumps to an endpoint's, and
// goes on after it) finds four rules' chains in five so.
func (l *nativeLayout) chainOf(k chainKey) *ir.Chain {
	e := l.ruleEntry
	if e.is(k) {
		return e.chain
	}
	switch {
	case l.jumpEntry.is(k):
		e = l.jumpEntry
	case l.ruleEntry2.is(k):
		e = l.ruleEntry2
	default:
		if e = l.chainsOf(k.fam, k.table).get(k.chain); e == nil {
			return nil
		}
	}
	l.ruleEntry, l.ruleEntry2 = e, l.ruleEntry
	return e.chain
}

// is reports whether e is the entry of k (false for no entry). The
// chain first: the field most often different, and compared inline
// (comparing chainKeys calls their equality function). The table's name
// is most often the same string (sameString), the chain's not.
func (e *chainEntry) is(k chainKey) bool {
	return e != nil && e.key.chain == k.chain && sameString(e.key.table, k.table) && e.key.fam == k.fam
}

// tableOrder is the order of the tables' chains in the output.
var tableOrder = [...]string{"raw", "mangle", "nat", "filter", "security"}

// tableChains is the chains of the keys of order (a family's), table by
// table in tableOrder, the base chains of each first, each kind in
// order; keys of no chain, or of another table, are left out. Each key
// is looked up once, and the chains put in place by a counting sort:
// looking them up for each table and kind took three look-ups a chain
// (kube-proxy's dispatch dump of 20,000 rules: 36,000, 2.4 % of its
// instructions).
func (l *nativeLayout) tableChains(order []*chainEntry) []*ir.Chain {
	// class is 2*table+1 for a base chain, 2*table+2 for another, 0 for
	// no chain to list
	class := make([]uint8, len(order))
	chains := make([]*ir.Chain, len(order))
	var start [2*len(tableOrder) + 2]int
	// the table of the last chain, and its place in tableOrder: a
	// table's chains most often share its name's string
	table, t := "", -1
	for i, e := range order {
		c := e.chain
		if c == nil {
			continue
		}
		if t < 0 || !sameString(e.key.table, table) {
			table, t = e.key.table, slices.Index(tableOrder[:], e.key.table)
		}
		if t < 0 {
			continue
		}
		class[i] = uint8(2*t + 2)
		if c.Hook != nil {
			class[i]--
		}
		chains[i] = c
		start[class[i]+1]++
	}
	// start[c] becomes the number of chains of the classes before c
	for i := 2; i < len(start); i++ {
		start[i] += start[i-1]
	}
	if start[len(start)-1] == 0 {
		return nil
	}
	out := make([]*ir.Chain, start[len(start)-1])
	for i, c := range class {
		if c != 0 {
			out[start[c]] = chains[i]
			start[c]++
		}
	}
	return out
}

// setChain makes c the chain of e.
func (l *nativeLayout) setChain(e *chainEntry, c *ir.Chain) {
	e.chain = c
}

// dropChain deletes the chain of e.
func (l *nativeLayout) dropChain(e *chainEntry) {
	e.chain = nil
}

// chain returns the nft chain for an iptables chain, creating it (as a
// base chain for built-in chains) if needed.
func (l *nativeLayout) chain(k chainKey, pos iptparse.Pos) *ir.Chain {
	return l.chainIn(l.entry(k), pos)
}

// chainIn is chain for the entry of the chain.
func (l *nativeLayout) chainIn(e *chainEntry, pos iptparse.Pos) *ir.Chain {
	if c := e.chain; c != nil {
		return c
	}
	k := e.key
	c := l.t.alloc.chains.new()
	c.Name = l.nftName(e, pos)
	if pos.IsValid() {
		c.Origin = l.t.alloc.origin(pos)
	}
	if isBuiltinChain(k.table, k.chain) {
		h := &ir.Hook{Type: "filter", Hook: hookOf(k.chain), Policy: "accept"}
		switch {
		case k.table == "nat":
			h.Type = "nat"
		case k.table == "mangle" && k.chain == "OUTPUT":
			h.Type = "route"
		}
		if name, ok := namedPriority(k.table, k.chain); ok {
			h.Priority = ir.Priority{Name: name}
		} else {
			h.Priority = ir.Priority{Offset: TablePriority(k.table, k.chain)}
		}
		c.Hook = h
	}
	order := l.orderOf(k.fam) // before k is a chain again: its old entry goes
	e.chain = c               // a new key: chainOf's is still right
	l.famOf(k.fam).order = append(order, e)
	return c
}

func (l *nativeLayout) declareChain(fam iptparse.Family, table, name string, pos iptparse.Pos, policy string, _ *iptparse.Counters) {
	k := chainKey{fam, table, name}
	c := l.chain(k, pos)
	if c.Hook != nil && policy != "" && policy != "-" {
		c.Hook.Policy = strings.ToLower(policy)
	}
}

// userChainName is the nft name of a chain a rule jumps to.
func (l *nativeLayout) userChainName(fam iptparse.Family, table, name string, pos iptparse.Pos) string {
	// The rule's jump, most often: noteJumps found its entry.
	if k := (chainKey{fam, table, name}); l.jumpEntry.is(k) {
		return l.nftName(l.jumpEntry, pos)
	}
	return l.nftName(l.entry(chainKey{fam, table, name}), pos)
}

func (l *nativeLayout) noteJumps(fam iptparse.Family, table string, cmd *iptparse.Command) {
	if cmd.Rule == nil || cmd.Rule.Target == nil || !cmd.Rule.Target.IsChain() || cmd.Rule.Target.Name == "CONTINUE" {
		return
	}
	k := chainKey{fam, table, cmd.Rule.Target.Name}
	// The chain declared after the last one jumped to, most often:
	// kube-proxy declares a service's chain, then its endpoints' ones,
	// and jumps to them in that order.
	e := l.jumpEntry
	if e != nil && int(e.at)+1 < len(l.all) && l.all[e.at+1].is(k) {
		e = l.all[e.at+1]
	} else {
		e = l.entry(k)
	}
	l.jumpEntry = e
	if !e.jumped {
		e.jump, e.jumped = cmd.Rule.Target.Pos, true
	}
}

var chainOfBadLine = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp {
	return regexp.MustCompile(`(?:^|\s)(?:-[AIR]|--append|--insert|--replace)\s+(\S+)`)
}}
var tableOfBadLine = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`(?:^|\s)(?:-t|--table)\s+(\S+)`) }}

// badLine keeps a line that failed to parse in the output, as a comment
// where its rule would have been.
func (l *nativeLayout) badLine(b *iptparse.BadLine) {
	r := ir.UntranslatedRule([]iptparse.Pos{b.Pos}, l.t.keepText(strings.TrimSpace(b.Text)),
		&ir.Untranslated{Pos: b.Err.Pos, Reason: "error: " + b.Err.Msg})
	m := chainOfBadLine.Get().FindStringSubmatch(b.Text)
	if m == nil {
		l.loose = append(l.loose, r)
		return
	}
	table := "filter"
	if t := tableOfBadLine.Get().FindStringSubmatch(b.Text); t != nil && knownTable(t[1]) {
		table = t[1]
	}
	if l.t.curTable != "" {
		table = l.t.curTable
	}
	fam := l.t.curFamily
	c := l.chain(chainKey{fam, table, m[1]}, iptparse.Pos{})
	l.appendRules(c, r)
}

// command applies one command to the ruleset being built.
func (l *nativeLayout) command(cmd *iptparse.Command) {
	fam := cmd.Family
	k := chainKey{fam, cmd.Table, cmd.Chain}
	// Rules inserted at a chain's head wait in front until a command needs the
	// chain's rules as they are: appends go after them, and so do more inserts.
	switch cmd.Op {
	case iptparse.OpAppend, iptparse.OpInsert:
	case iptparse.OpReplace, iptparse.OpDelete, iptparse.OpDeleteNum:
		if c := l.chainAt(k); c != nil {
			l.settle(c)
		}
	default:
		l.settleAll()
	}
	switch cmd.Op {
	case iptparse.OpAppend, iptparse.OpInsert, iptparse.OpReplace:
		c := l.chainOf(k)
		if c == nil {
			if !isBuiltinChain(cmd.Table, cmd.Chain) {
				l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagWarning, Msg: fmt.Sprintf("chain %s was not declared before this rule; it is created (iptables would report \"No chain/target/match by that name\")", cmd.Chain), Rule: cmd.RuleText()})
			}
			c = l.chain(k, cmd.OpPos)
		}
		l.t.alloc.share = l.mayShare(c, k) // until the rules are added
		l.noteJumps(fam, cmd.Table, cmd)
		rules, ctxs, err := l.t.translateRules(cmd)
		if err != nil {
			l.t.fail(cmd, err)
			rules = []*ir.Rule{l.untranslatedRule(cmd, err)}
			ctxs = nil
		} else {
			l.t.stats.Translated++
			for _, cx := range ctxs {
				l.declare(fam, cx)
			}
		}
		switch cmd.Op {
		case iptparse.OpAppend:
			for _, r := range rules {
				l.appendRule(c, k, r)
			}
		case iptparse.OpInsert:
			delete(l.byKey, c)
			at := cmd.RuleNum - 1
			if at == 0 {
				// iptables inserts each address combination at the
				// head, so they end up in reverse order: as front
				// gives them.
				if l.front == nil {
					l.front = map[*ir.Chain][]*ir.Rule{}
				}
				l.front[c] = append(l.front[c], rules...)
				break
			}
			l.settle(c)
			if at > len(c.Rules) {
				l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: fmt.Sprintf("Index of insertion too big (chain %s has %d rules)", cmd.Chain, len(c.Rules)), Rule: cmd.RuleText()})
				at = len(c.Rules)
			}
			// iptables inserts each address combination at the same
			// position, so they end up in reverse order.
			rev := make([]*ir.Rule, len(rules))
			for i, r := range rules {
				rev[len(rules)-1-i] = r
			}
			c.Rules = append(c.Rules[:at], append(rev, c.Rules[at:]...)...)
		case iptparse.OpReplace:
			at := cmd.RuleNum - 1
			switch {
			case len(rules) != 1:
				l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: "-R cannot take several source or destination addresses", Rule: cmd.RuleText()})
			case at >= len(c.Rules):
				l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: fmt.Sprintf("Index of replacement too big (chain %s has %d rules)", cmd.Chain, len(c.Rules)), Rule: cmd.RuleText()})
			default:
				c.Rules[at] = rules[0]
				delete(l.byKey, c)
			}
		}
		l.t.alloc.share = false
	case iptparse.OpDelete:
		c := l.chainAt(k)
		rules, _, err := l.t.translateRules(cmd)
		if err != nil || c == nil {
			l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: "Bad rule (does a matching rule exist in that chain?)", Rule: cmd.RuleText()})
			return
		}
		for _, want := range rules {
			if !l.deleteRule(c, want) {
				l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: "Bad rule (does a matching rule exist in that chain?)", Rule: cmd.RuleText()})
			}
		}
	case iptparse.OpDeleteNum:
		c := l.chainAt(k)
		if c == nil || cmd.RuleNum > len(c.Rules) {
			l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: "Index of deletion too big", Rule: cmd.RuleText()})
			return
		}
		c.Rules = append(c.Rules[:cmd.RuleNum-1], c.Rules[cmd.RuleNum:]...)
		delete(l.byKey, c)
	case iptparse.OpNewChain:
		if l.chainAt(k) != nil && !l.isPlaceholder(k) {
			l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagWarning, Msg: fmt.Sprintf("chain %s already exists", cmd.Chain), Rule: cmd.RuleText()})
		}
		l.chain(k, cmd.OpPos)
	case iptparse.OpFlush:
		for _, e := range l.orderOf(fam) {
			if e.key.table == cmd.Table && (cmd.Chain == "" || e.key.chain == cmd.Chain) {
				e.chain.Rules = nil
				delete(l.byKey, e.chain)
			}
		}
	case iptparse.OpDeleteChain:
		l.deleteChains(cmd)
	case iptparse.OpPolicy:
		if !isBuiltinChain(cmd.Table, cmd.Chain) {
			l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: fmt.Sprintf("-P: %s is not a built-in chain of table %s", cmd.Chain, cmd.Table), Rule: cmd.RuleText()})
			return
		}
		if cmd.Policy != "ACCEPT" && cmd.Policy != "DROP" {
			l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: fmt.Sprintf("Bad policy name `%s'", cmd.Policy), Rule: cmd.RuleText()})
			return
		}
		l.chain(k, cmd.OpPos).Hook.Policy = strings.ToLower(cmd.Policy)
	case iptparse.OpRenameChain:
		l.renameChain(cmd)
	default:
		// -L, -S, -C, -Z: they do not change the ruleset.
		l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagNote, Msg: fmt.Sprintf("%s does not change the ruleset; ignored", cmd.Op), Rule: cmd.RuleText()})
	}
}

func (l *nativeLayout) isPlaceholder(k chainKey) bool {
	c := l.chainAt(k)
	return c != nil && len(c.Origin) == 0
}

// sameRule reports whether two rules do the same thing, as iptables -D
// compares rules: same statements and comment, counter values aside.
// Statements are compared as equalStmt does (reflect.DeepEqual's result
// without its cost: a script deleting 5,000 rules one by one compared
// 12 million pairs).
// ruleIndex lists a chain's rules by ruleKey, each list in chain order.
// n is the chain's length it was made for: a change that went past the
// index shows as another length, and the index is made again.
type ruleIndex struct {
	rules map[string][]*ir.Rule
	n     int
}

// appendRules appends rules to a chain, and to its index if it has one.
func (l *nativeLayout) appendRules(c *ir.Chain, rules ...*ir.Rule) {
	l.expandRun(c)
	if cap(c.Rules) == 0 && len(rules) <= firstRules {
		c.Rules = l.t.alloc.ruleLists.slice(firstRules)
	}
	if len(rules) == 1 {
		c.Rules = append(c.Rules, rules[0]) // a store, not typedslicecopy's call
	} else {
		c.Rules = append(c.Rules, rules...)
	}
	if len(l.byKey) == 0 {
		return // no chain indexed yet (only scripts that delete rules make one)
	}
	if x := l.byKey[c]; x != nil && x.n+len(rules) == len(c.Rules) {
		for _, r := range rules {
			k := ruleKey(r)
			x.rules[k] = append(x.rules[k], r)
		}
		x.n = len(c.Rules)
	}
}

// firstRules is the room a chain's first rules get from the blocks
// (ruleAlloc.ruleLists), appends past it reallocating as usual:
// kube-proxy's dispatch dump has a chain every 2.7 lines, each of one or
// two rules, whose lists, grown by append from nothing, took 16,000
// allocations (some 270 instructions each) for its 20,000 rules.
const firstRules = 2

// deleteRule deletes the first rule of c that is the same as want, and
// reports whether there was one. Scripts that delete each rule before
// adding it again ("iptables -D ... 2>/dev/null; iptables -A ...")
// compared every rule of the chain at each delete: 10,000 such pairs
// took 1.5 s, 50,000 over half a minute. The rules are found through
// an index by ruleKey; only those with the same key are compared.
func (l *nativeLayout) deleteRule(c *ir.Chain, want *ir.Rule) bool {
	x := l.byKey[c]
	if x == nil || x.n != len(c.Rules) {
		x = &ruleIndex{rules: map[string][]*ir.Rule{}, n: len(c.Rules)}
		for _, r := range c.Rules {
			k := ruleKey(r)
			x.rules[k] = append(x.rules[k], r)
		}
		if l.byKey == nil {
			l.byKey = map[*ir.Chain]*ruleIndex{}
		}
		l.byKey[c] = x
	}
	k := ruleKey(want)
	for j, have := range x.rules[k] {
		if have.Placeholder() || !sameRule(have, want) {
			continue
		}
		i := slices.Index(c.Rules, have)
		if i < 0 { // changed behind the index
			delete(l.byKey, c)
			return l.deleteRule(c, want)
		}
		c.Rules = slices.Delete(c.Rules, i, i+1)
		x.rules[k] = slices.Delete(x.rules[k], j, j+1)
		x.n--
		return true
	}
	return false
}

// ruleKey is a text that rules sameRule finds the same always share:
// the comment, each statement's kind, a verdict, and the plain value a
// match compares with (an address, a number, a string). Other rules may
// share it too; sameRule decides.
func ruleKey(r *ir.Rule) string {
	var b strings.Builder
	b.WriteString(r.Comment)
	for _, s := range r.Stmts {
		b.WriteByte(0)
		switch s := s.(type) {
		case *ir.Counter:
			b.WriteByte('C')
		case *ir.Verdict:
			if s != nil {
				fmt.Fprintf(&b, "V%d %s", s.Kind, s.Chain)
			}
		case *ir.Match:
			b.WriteByte('M')
			if s == nil {
				break
			}
			switch v := s.Right.(type) {
			case *ir.Addr:
				writeValue(&b, v)
			case *ir.Prefix:
				writeValue(&b, v)
			case *ir.Integer:
				writeValue(&b, v)
			case *ir.String:
				writeValue(&b, v)
			}
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// writeValue writes a plain value's fields (nothing for a nil one).
func writeValue[T any](b *strings.Builder, v *T) {
	if v != nil {
		fmt.Fprint(b, *v)
	}
}

func sameRule(a, b *ir.Rule) bool {
	if a.Comment != b.Comment || len(a.Stmts) != len(b.Stmts) {
		return false
	}
	for i, sa := range a.Stmts {
		sb := b.Stmts[i]
		_, aCounter := sa.(*ir.Counter)
		_, bCounter := sb.(*ir.Counter)
		if aCounter || bCounter {
			if !aCounter || !bCounter { // counter values aside
				return false
			}
			continue
		}
		if !equalStmt(sa, sb) {
			return false
		}
	}
	return true
}

// untranslatedRule keeps a rule nft cannot express as a placeholder, so
// rule numbers stay right and the output shows it as a comment.
func (l *nativeLayout) untranslatedRule(cmd *iptparse.Command, err error) *ir.Rule {
	u := &ir.Untranslated{Pos: cmd.Pos, Reason: err.Error(), Effect: Effect(cmd)}
	switch e := err.(type) {
	case *UntranslatableError:
		u.Pos, u.Reason = e.Pos, strings.TrimPrefix(e.Ext+": "+e.Reason, ": ")
	case *iptparse.Error:
		u.Pos, u.Reason = e.Pos, "error: "+strings.TrimPrefix(e.Ext+": "+e.Msg, ": ")
	}
	return ir.UntranslatedRule([]iptparse.Pos{cmd.Pos}, l.t.keepText(cmd.RuleText()), u)
}

func (l *nativeLayout) deleteChains(cmd *iptparse.Command) {
	fam := cmd.Family
	if ck := (chainKey{fam, cmd.Table, cmd.Chain}); cmd.Chain != "" && !isBuiltinChain(ck.table, ck.chain) && !isAuxKey(ck) && l.chainAt(ck) != nil {
		// One user chain: its entry stays in order until orderOf.
		e := l.entryAt(ck)
		if len(e.chain.Rules) > 0 {
			l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: fmt.Sprintf("chain %s is not empty (flush it first)", ck.chain), Rule: cmd.RuleText()})
			return
		}
		l.dropChain(e)
		l.forget(e)
		l.famOf(fam).gone++
		return
	}
	if cmd.Chain == "" {
		// -X of every user chain: iptables deletes none if one still
		// has rules ("Directory not empty"), and neither do we.
		for _, e := range l.orderOf(fam) {
			if ck := e.key; ck.table == cmd.Table && !isBuiltinChain(ck.table, ck.chain) && !isAuxKey(ck) && len(e.chain.Rules) > 0 {
				l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: fmt.Sprintf("chain %s is not empty (flush it first): iptables then deletes no chain", ck.chain), Rule: cmd.RuleText()})
				return
			}
		}
	}
	var keep []*chainEntry
	for _, e := range l.orderOf(fam) {
		ck := e.key
		del := ck.table == cmd.Table && !isBuiltinChain(ck.table, ck.chain) && !isAuxKey(ck) &&
			(cmd.Chain == "" || ck.chain == cmd.Chain)
		if del && len(e.chain.Rules) > 0 && cmd.Chain != "" {
			l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: fmt.Sprintf("chain %s is not empty (flush it first)", ck.chain), Rule: cmd.RuleText()})
			del = false
		}
		if del {
			l.dropChain(e)
			l.forget(e)
			continue
		}
		keep = append(keep, e)
	}
	f := l.famOf(fam)
	if cmd.Chain != "" && len(keep) == len(f.order) && isBuiltinChain(cmd.Table, cmd.Chain) {
		l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: "cannot delete a built-in chain", Rule: cmd.RuleText()})
	}
	f.order = keep
}

func (l *nativeLayout) renameChain(cmd *iptparse.Command) {
	fam := cmd.Family
	// Drop deleted chains' keys first: one may be the new name's, which
	// would stand twice once the chain takes it (and old must still be a
	// chain then, to stay).
	l.orderOf(fam)
	old := l.entryAt(chainKey{fam, cmd.Table, cmd.Chain})
	var c *ir.Chain
	if old != nil {
		c = old.chain
	}
	if c == nil || isBuiltinChain(cmd.Table, cmd.Chain) {
		l.t.diag(Diag{Pos: cmd.OpPos, Kind: DiagError, Msg: fmt.Sprintf("cannot rename chain %s: no such user chain", cmd.Chain), Rule: cmd.RuleText()})
		return
	}
	oldName := old.name
	l.forget(old)
	l.dropChain(old)
	nk := l.entry(chainKey{fam, cmd.Table, cmd.NewName})
	newName := l.nftName(nk, cmd.OpPos)
	c.Name = newName
	l.setChain(nk, c)
	for i, e := range l.famOf(fam).order {
		if e == old {
			l.famOf(fam).order[i] = nk
		}
	}
	for _, e := range l.all {
		other := e.chain
		if other == nil {
			continue
		}
		for _, r := range other.Rules {
			for _, s := range r.Stmts {
				if v, ok := s.(*ir.Verdict); ok && v.Chain == oldName {
					v.Chain = newName
				}
			}
		}
	}
}

// declare adds the sets and helpers a translated rule uses to its table.
func (l *nativeLayout) declare(fam iptparse.Family, c *Ctx) {
	if len(c.chains)|len(c.sets)|len(c.counters)|len(c.helpers) == 0 {
		return // most rules (their table was made with their chain)
	}
	t := l.table(fam)
	for _, ch := range c.chains {
		l.declareAux(fam, c.Table, ch)
	}
	for _, s := range c.sets {
		if t.Set(s.Name) == nil {
			t.Sets = append(t.Sets, s)
		}
	}
	for _, o := range c.counters {
		found := false
		for _, x := range t.Counters {
			found = found || x.Name == o.Name
		}
		if !found {
			t.Counters = append(t.Counters, o)
		}
	}
	for _, h := range c.helpers {
		found := false
		for _, x := range t.CtHelpers {
			if x.Name == h.Name {
				found = true
			}
		}
		if !found {
			t.CtHelpers = append(t.CtHelpers, h)
		}
	}
}

// uniqueSetName keeps the proposed name unless a different set already
// has it, then adds a number.
func (l *nativeLayout) uniqueSetName(fam ir.Family, s *ir.Set, pending []*ir.Set) string {
	var t *ir.Table
	for _, tb := range l.tables {
		if tb.Family == fam {
			t = tb
		}
	}
	same := func(a, b *ir.Set) bool {
		a2, b2 := *a, *b
		a2.Name, b2.Name = "", ""
		a2.Origin, b2.Origin = nil, nil
		return reflect.DeepEqual(a2, b2)
	}
	taken := func(name string) *ir.Set {
		for _, x := range pending {
			if x.Name == name {
				return x
			}
		}
		if t != nil {
			return t.Set(name)
		}
		return nil
	}
	base := s.Name
	name := base
	for i := 1; ; i++ {
		other := taken(name)
		if other == nil || same(other, s) {
			return name
		}
		name = fmt.Sprintf("%s_%d", base, i)
	}
}

// Ruleset finishes normal-mode translation and returns the ruleset.
// It may be called more than once; diagnostics about the finished ruleset
// (chains jumped to but never declared) are added on the first call.
func (t *Translator) Ruleset() *ir.Ruleset {
	if t.finished != nil {
		return t.finished
	}
	defer func() { t.finished = t.rs }()
	if _, recent := t.ext["recent"]; recent {
		t.native.settleAll() // finishRecent looks at every rule
	} else {
		for c := range t.native.front {
			t.native.settle(c)
		}
	}
	t.runFinishers()
	l := t.native
	// Chains that rules jump to but that were never declared: iptables
	// would refuse the jump; we declare them empty so the rest loads.
	// In the order of the first jump to each, so that output and
	// warnings are the same on every run.
	var undeclared []*chainEntry
	for _, e := range l.all {
		if e.jumped && e.chain == nil {
			undeclared = append(undeclared, e)
		}
	}
	slices.SortFunc(undeclared, func(ea, eb *chainEntry) int {
		pa, pb, a, b := ea.jump, eb.jump, ea.key, eb.key
		return cmp.Or(strings.Compare(pa.File, pb.File), cmp.Compare(pa.Line, pb.Line), cmp.Compare(pa.Col, pb.Col),
			cmp.Compare(a.fam, b.fam), strings.Compare(a.table, b.table), strings.Compare(a.chain, b.chain))
	})
	for _, e := range undeclared {
		t.diag(Diag{Pos: e.jump, Kind: DiagWarning, Msg: fmt.Sprintf("chain %s is jumped to but never declared; it is declared empty", e.key.chain)})
		l.chainIn(e, iptparse.Pos{})
	}
	l.declareIPSets()
	rs := &ir.Ruleset{}
	for _, fam := range l.famOrder {
		tbl := l.tables[fam]
		tbl.Chains = l.tableChains(l.famOf(fam).order)
		l.splitCtHelpers(tbl)
		rs.Tables = append(rs.Tables, tbl)
	}
	if len(l.loose) > 0 {
		if len(rs.Tables) == 0 {
			rs.Tables = append(rs.Tables, l.table(iptparse.FamilyIPv4))
		}
		c := &ir.Chain{Name: "ipt2nft_unparsed", Rules: l.loose, Comment: "lines that could not be parsed"}
		rs.Tables[0].Chains = append(rs.Tables[0].Chains, c)
	}
	t.rs = rs
	// The layout's indexes of chains and names are for adding rules: the
	// finished ruleset gets none. 60,000 chains (a kube-proxy dump of
	// 100,000 rules) kept 35 MB of them through the optimizer.
	t.native = nil
	return rs
}
