package shim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/kernel"
	"github.com/ipt2nft/ipt2nft/translate"
)

// The model is our nft table as iptables sees it: chains of iptables
// tables holding iptables rules ("groups" of nft rules). Commands change
// the model; commit turns the difference to the kernel's state into one
// batch of netlink messages: rules that go are deleted by handle, new
// rules are inserted in front of the handle of the next rule that stays
// (or appended), chains are created, renamed and deleted. Nothing that
// does not change is sent again.

// group is one iptables rule.
type group struct {
	spec  string // canonical rule text, without "-A CHAIN"
	table string
	id    uint64
	// in the kernel
	handles        []uint64
	aux            []string // helper chains it jumps to
	packets, bytes uint64
	// made by this call
	unit   *translate.RuleUnit
	fresh  bool
	pos    iptparse.Pos
	before uint64 // handle the new rule is inserted in front of (0: appended)
}

// chain is one iptables chain.
type chain struct {
	table, name string
	builtin     bool
	policy      string  // "ACCEPT" or "DROP" (built-in chains)
	k           *kChain // in the kernel; nil if made by this call
	loaded      bool
	// groups are the chain's rules; until its kernel rules are read
	// (loaded), only the new ones: the first head of them go in front
	// of the kernel's rules (-I CHAIN 1), the others after them (-A).
	groups      []*group
	head        int
	oldGroups   []*group
	flushed     bool // every rule the kernel has goes
	newPolicy   bool
	renamedFrom string // kernel name before -E
	seq         int    // creation order
}

func (c *chain) nftName() string { return nftChainName(c.table, c.name) }

// kernelName is the chain's name in the kernel before this call.
func (c *chain) kernelName() string {
	if c.renamedFrom != "" {
		return c.renamedFrom
	}
	return c.nftName()
}

// model is the state of one family's table.
type model struct {
	fam     family
	chains  map[string]*chain // by current nft name
	deleted []*chain          // kernel chains that go
	aux     map[string]*kChain
	auxOf   map[uint64][]string
	seq     int
	tr      *translate.Translator
	// sets are the names of the named sets the table has (nil: not
	// read yet)
	sets map[string]bool
	// ipsets are the ipsets of both tables (nil: not read yet)
	ipsets map[string]*ipset
	// counters: -c / restore --counters values are kept for new rules
	dirty bool
	// eachRule reads the kernel's rules of a chain ("": of all chains),
	// calling fn for each; tests replace it.
	eachRule func(fam byte, table, chain string, reset bool, fn func(*kRule) error) error
	// single: the model serves one iptables command, sent right after
	// it, so a chain's rules may be read only as far as the command
	// needs (loadRulesUntil).
	single bool
}

func newModel(fam family) *model {
	m := &model{fam: fam, chains: map[string]*chain{}, aux: map[string]*kChain{}, auxOf: map[uint64][]string{}, eachRule: eachRule}
	m.tr = translate.New(translate.Options{Table: TableName, QuoteNames: true, ChainName: func(_ iptparse.Family, table, chain string) string {
		return nftChainName(table, chain)
	}})
	return m
}

// load reads the table's chains from the kernel.
func (m *model) load() error {
	kcs, err := readChains(emit.FamilyByte(m.fam.nft), TableName)
	if err != nil {
		return fmt.Errorf("reading table %s: %w", TableName, err)
	}
	for _, kc := range kcs {
		table, name, aux, ok := splitChainName(kc.Name)
		if !ok {
			continue
		}
		if aux {
			m.aux[kc.Name] = kc
			if i := strings.LastIndexByte(name, '.'); i >= 0 {
				var id uint64
				if _, err := fmt.Sscanf(name[i+1:], "%x", &id); err == nil {
					m.auxOf[id] = append(m.auxOf[id], kc.Name)
				}
			}
			continue
		}
		c := &chain{table: table, name: name, builtin: kc.Hook && isBuiltin(table, name), policy: kc.Policy, k: kc, seq: m.seq}
		m.seq++
		m.chains[kc.Name] = c
	}
	return nil
}

// tableChains returns the chains of an iptables table: built-in chains
// in hook order, then user chains sorted by name (iptables' order).
func (m *model) tableChains(table string) []*chain {
	var out []*chain
	for _, n := range builtinChains.Get()[table] {
		if c := m.chains[nftChainName(table, n)]; c != nil {
			out = append(out, c)
		}
	}
	var user []*chain
	for _, c := range m.chains {
		if c.table == table && !c.builtin {
			user = append(user, c)
		}
	}
	sort.Slice(user, func(i, j int) bool { return user[i].name < user[j].name })
	return append(out, user...)
}

// tableExists reports whether an iptables table has been set up.
func (m *model) tableExists(table string) bool {
	for _, c := range m.chains {
		if c.table == table {
			return true
		}
	}
	return false
}

// tables lists the iptables tables that exist, in the order they were
// made.
func (m *model) tables() []string {
	first := map[string]int{}
	for _, c := range m.chains {
		if s, ok := first[c.table]; !ok || c.seq < s {
			first[c.table] = c.seq
		}
	}
	var out []string
	for t := range first {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return first[out[i]] < first[out[j]] })
	return out
}

// ensureTable creates the built-in chains of an iptables table that are
// missing (policy ACCEPT), as loading the iptables table would.
func (m *model) ensureTable(table string) {
	for _, n := range builtinChains.Get()[table] {
		if m.chains[nftChainName(table, n)] == nil {
			m.addChain(&chain{table: table, name: n, builtin: true, policy: "ACCEPT", loaded: true})
		}
	}
}

func (m *model) addChain(c *chain) {
	c.seq = m.seq
	m.seq++
	m.chains[c.nftName()] = c
	m.dirty = true
}

func (m *model) chain(table, name string) *chain { return m.chains[nftChainName(table, name)] }

// loadRules reads the rules of the given chains (all of the family's
// chains if none are given) that are not read yet.
func (m *model) loadRules(cs ...*chain) error {
	var need []*chain
	if len(cs) == 0 {
		for _, c := range m.chains {
			cs = append(cs, c)
		}
	}
	for _, c := range cs {
		if !c.loaded && c.k != nil {
			need = append(need, c)
		} else {
			c.loaded = true
		}
	}
	if len(need) == 0 {
		return nil
	}
	name := ""
	if len(need) == 1 {
		name = need[0].kernelName()
	}
	byChain := map[string]*groupBuilder{}
	for _, c := range need {
		byChain[c.kernelName()] = &groupBuilder{m: m}
	}
	err := m.eachRule(emit.FamilyByte(m.fam.nft), TableName, name, false, func(r *kRule) error {
		if b := byChain[r.Chain]; b != nil {
			b.add(r)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading rules: %w", err)
	}
	for _, c := range need {
		c.setLoaded(byChain[c.kernelName()].out)
	}
	return nil
}

// setLoaded gives a chain the groups read from the kernel.
func (c *chain) setLoaded(old []*group) {
	c.oldGroups = old
	// The rules this call inserted at the head or appended before the
	// chain was read keep their places around the kernel's.
	groups := make([]*group, 0, len(c.groups)+len(c.oldGroups))
	groups = append(groups, c.groups[:c.head]...)
	groups = append(groups, c.oldGroups...)
	c.groups = append(groups, c.groups[c.head:]...)
	c.head = 0
	c.loaded = true
}

// loadRulesUntil reads c's rules as far as the command needs: up to the
// first group for which enough, called for each whole group in order,
// says so (a group is whole when the next one's first rule arrives; that
// rule is read and left out), or to the end. The kernel cannot resume a dump where it stopped: it walks
// the chain from its first rule for every 32 KB it sends, so reading a
// chain of 20,000 rules costs it time quadratic in the chain's length
// (60 of the 100 ms of a -D). Only for a model of one command (single),
// which sends right after it: the groups it did not read stay as they
// are (commit deletes what the command removed of those it read, and
// places new rules in front of a group it read).
func (m *model) loadRulesUntil(c *chain, enough func(*group) bool) error {
	if !m.single || c.loaded || c.k == nil || len(c.groups) > 0 {
		return m.loadRules(c)
	}
	b := &groupBuilder{m: m}
	found := false
	err := m.eachRule(emit.FamilyByte(m.fam.nft), TableName, c.kernelName(), false, func(r *kRule) error {
		if !b.add(r) || len(b.out) < 2 {
			return nil
		}
		// r starts a group: the one before it is whole.
		if found {
			b.out = b.out[:len(b.out)-1]
			return kernel.ErrStop
		}
		found = enough(b.out[len(b.out)-2])
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading rules: %w", err)
	}
	c.setLoaded(b.out)
	return nil
}

// groupBuilder turns a chain's nft rules, in order, into iptables rules.
type groupBuilder struct {
	m   *model
	out []*group
}

// add adds the next rule and reports whether it starts a group.
func (b *groupBuilder) add(r *kRule) bool {
	id, has, spec, comment := parseUdata(r.UserData)
	var cur *group
	if n := len(b.out); n > 0 {
		cur = b.out[n-1]
	}
	started := cur == nil || !has || id != cur.id
	if started {
		cur = &group{id: id}
		if !has {
			// A rule someone else added: shown by its comment.
			cur.spec = "-m comment --comment " + quoteComment(fmt.Sprintf("nft rule handle %d not made by ipt2nft %s", r.Handle, comment))
		}
		cur.aux = b.m.auxOf[id]
		b.out = append(b.out, cur)
	}
	cur.spec += spec
	cur.handles = append(cur.handles, r.Handle)
	cur.packets += r.Packets
	cur.bytes += r.Bytes
	return started
}

func quoteComment(s string) string { return "\"" + strings.ReplaceAll(s, "\"", "'") + "\"" }

// newGroupID picks an id for a new iptables rule.
func newGroupID() uint64 {
	for {
		if id := rand.Uint64(); id != 0 {
			return id
		}
	}
}

// removeGroup takes the rule at index i out of c.
func (m *model) removeGroup(c *chain, i int) {
	c.groups = slices.Delete(c.groups, i, i+1)
	m.dirty = true
}

// insertGroup puts g at index i of c. In place: copying the list at
// every insert made restoring 20,000 rules into a chain quadratic.
func (m *model) insertGroup(c *chain, i int, g *group) {
	c.groups = slices.Insert(c.groups, i, g)
	m.dirty = true
}

// flush empties a chain. Its rules need not be read unless helper
// chains may have to go with them.
func (m *model) flush(c *chain) error {
	if len(m.aux) > 0 {
		if err := m.loadRules(c); err != nil {
			return err
		}
	}
	if c.k != nil {
		c.flushed = true
	}
	c.groups = nil
	c.loaded = true
	m.dirty = true
	return nil
}

// deleteChain removes a user chain (already flushed or empty).
func (m *model) deleteChain(c *chain) {
	delete(m.chains, c.nftName())
	if c.k != nil {
		m.deleted = append(m.deleted, c)
	}
	m.dirty = true
}

// newUserChain creates a user chain; a chain of that name deleted earlier
// in the same call comes back empty.
func (m *model) newUserChain(table, name string) *chain {
	for i, d := range m.deleted {
		if d.table == table && d.nftName() == nftChainName(table, name) && d.renamedFrom == "" {
			m.deleted = append(m.deleted[:i], m.deleted[i+1:]...)
			d.groups = nil
			d.loaded = true
			d.flushed = true
			m.chains[d.nftName()] = d
			m.dirty = true
			return d
		}
	}
	c := &chain{table: table, name: name, loaded: true}
	m.addChain(c)
	return c
}

// commit returns the messages that make the kernel's table what the
// model is, in one transaction.
func (m *model) commit() ([]emit.NLMsg, error) {
	if !m.dirty {
		return nil, nil
	}
	fam := m.fam.nft
	var msgs []emit.NLMsg
	msgs = append(msgs, emit.NewTableMessage(fam, TableName))

	all := make([]*chain, 0, len(m.chains)+len(m.deleted))
	for _, c := range m.chains {
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	all = append(all, m.deleted...)

	// 1. Rules that go, and the helper chains of their rules.
	var auxGone []string
	for _, c := range all {
		if c.k == nil {
			continue
		}
		stay := map[*group]bool{}
		for _, g := range c.groups {
			stay[g] = true
		}
		if c.flushed {
			msgs = append(msgs, emit.FlushChainMessage(fam, TableName, c.kernelName()))
		}
		for _, g := range c.oldGroups {
			if stay[g] {
				continue
			}
			auxGone = append(auxGone, g.aux...)
			if c.flushed {
				continue
			}
			for _, h := range g.handles {
				msgs = append(msgs, emit.DelRuleMessage(fam, TableName, c.kernelName(), h))
			}
		}
	}
	for _, a := range auxGone {
		msgs = append(msgs, emit.FlushChainMessage(fam, TableName, a), emit.DelChainMessage(fam, TableName, a))
	}
	// 2. Chains that go.
	for _, c := range m.deleted {
		msgs = append(msgs, emit.DelChainMessage(fam, TableName, c.kernelName()))
	}
	// 3. Renames and policies.
	tbl := &ir.Table{Family: fam, Name: TableName}
	for _, c := range all[:len(m.chains)] {
		if c.k != nil && c.renamedFrom != "" {
			msgs = append(msgs, emit.RenameChainMessage(fam, TableName, c.k.Handle, c.nftName()))
		}
		if c.k == nil || c.newPolicy {
			var ic *ir.Chain
			if c.builtin {
				ic = baseChain(c.table, c.name, c.policy)
			} else {
				ic = &ir.Chain{Name: c.nftName()}
			}
			msg, err := emit.NewChainMessage(fam, tbl, ic)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, msg)
		}
	}
	// 4. New rules, compiled together (anonymous set ids are per batch).
	ins, err := m.compileNew(all[:len(m.chains)])
	if err != nil {
		return nil, err
	}
	return append(msgs, ins...), nil
}

// compileNew compiles the new rules and returns their messages: helper
// chains, named sets and objects they need, then the rules in place.
func (m *model) compileNew(chains []*chain) ([]emit.NLMsg, error) {
	fam := m.fam.nft
	tbl := &ir.Table{Family: fam, Name: TableName}
	setSeen := map[string]bool{}
	type placed struct {
		c *chain
		g *group
	}
	var news []placed
	for _, c := range chains {
		for _, g := range c.groups {
			if !g.fresh {
				continue
			}
			news = append(news, placed{c, g})
		}
	}
	if len(news) == 0 {
		return nil, nil
	}
	// The kernel renames a chain (-E) when the transaction commits:
	// within it the chain answers to its old name only. New rules go
	// into a renamed chain, and jump to one, by that name; a jump holds
	// the chain itself, so it follows the rename.
	kernelNames := map[string]string{}
	for _, c := range chains {
		if c.k != nil && c.renamedFrom != "" {
			kernelNames[c.nftName()] = c.renamedFrom
		}
	}
	if len(kernelNames) > 0 {
		for _, p := range news {
			renameJumps(p.g.unit.Rules, kernelNames)
			for _, a := range p.g.unit.Chains {
				renameJumps(a.Rules, kernelNames)
			}
		}
	}
	// The named sets and helper chains the new rules need.
	var auxChains []*ir.Chain
	for _, p := range news {
		u := p.g.unit
		for _, s := range u.Sets {
			if !setSeen[s.Name] {
				setSeen[s.Name] = true
				tbl.Sets = append(tbl.Sets, s)
			}
		}
		auxChains = append(auxChains, u.Chains...)
	}
	// Rules are compiled one group at a time, and each group's IR and
	// compiled form go once its messages are made: a restore of 100,000
	// rules held them all until the end.
	rc, err := emit.NewRuleCompiler(tbl)
	if err != nil {
		return nil, err
	}
	rc.SetIfIndex(kernel.IfIndexIn("")) // the shim runs where its rules go
	var msgs []emit.NLMsg
	// Named sets the kernel does not have yet.
	if len(tbl.Sets) > 0 {
		if err := m.loadSets(); err != nil {
			return nil, err
		}
		for _, s := range tbl.Sets {
			if !m.sets[s.Name] {
				msgs = append(msgs, rc.SetMessages(s.Name)...)
				m.sets[s.Name] = true
			}
		}
	}
	for _, p := range news {
		for _, h := range p.g.unit.Helpers {
			msg, err := emit.CtHelperMessage(fam, tbl, h)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, msg)
		}
	}
	// Helper chains and their rules.
	for _, a := range auxChains {
		msg, err := emit.NewChainMessage(fam, tbl, &ir.Chain{Name: a.Name})
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, msg)
		for _, r := range a.Rules {
			nr, err := rc.Rule(r)
			if err != nil {
				return nil, err
			}
			if nr == nil {
				continue
			}
			rm, err := emit.RuleMessages(fam, TableName, a.Name, nr, 0)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, slim(rm, nr)...)
		}
	}
	// The rules, chain by chain, in place; the chains whose new rules
	// bind the most anonymous sets first. Binding one makes the kernel
	// walk every message of the transaction before it
	// (__nft_set_trans_bind), so sets bound after 100,000 rules of other
	// chains made a restore quadratic (13 s where iptables-nft, which
	// keeps multiport as an xt match, takes 1.6 s). Only the order
	// within a chain matters to the ruleset.
	type chainMsgs struct {
		msgs []emit.NLMsg
		anon int
	}
	var perChain []chainMsgs
	for _, c := range chains {
		var cm chainMsgs
		add := func(g *group, before uint64, reverse bool) error {
			nrs, err := groupRules(rc, g)
			if err != nil {
				return err
			}
			for k := range nrs {
				nr := nrs[k]
				if reverse {
					nr = nrs[len(nrs)-1-k]
				}
				cm.anon += len(nr.Sets)
				rm, err := emit.RuleMessages(fam, TableName, c.kernelName(), nr, before)
				if err != nil {
					return err
				}
				cm.msgs = append(cm.msgs, slim(rm, nr)...)
			}
			g.unit = nil
			return nil
		}
		groups := c.groups
		if !c.loaded {
			// The kernel's rules were not read: the head groups go
			// to the start of the chain, each in front of the ones
			// after it, so the last is sent first; the others are
			// appended.
			for i := c.head - 1; i >= 0; i-- {
				if err := add(c.groups[i], emit.AtHead, true); err != nil {
					return nil, err
				}
			}
			groups = c.groups[c.head:]
		}
		var before uint64
		for i := len(groups) - 1; i >= 0; i-- {
			g := groups[i]
			if !g.fresh {
				before = g.handles[0]
				continue
			}
			g.before = before
		}
		for _, g := range groups {
			if !g.fresh {
				continue
			}
			if err := add(g, g.before, false); err != nil {
				return nil, err
			}
		}
		if len(cm.msgs) > 0 {
			perChain = append(perChain, cm)
		}
	}
	slices.SortStableFunc(perChain, func(a, b chainMsgs) int { return b.anon - a.anon })
	for _, cm := range perChain {
		msgs = append(msgs, cm.msgs...)
	}
	return msgs, nil
}

// slim keeps in the messages of a compiled rule only what error messages
// need of it, so that its IR and expressions can go.
func slim(msgs []emit.NLMsg, nr *emit.NLRule) []emit.NLMsg {
	s := nr.Slim()
	for i := range msgs {
		if msgs[i].Rule != nil {
			msgs[i].Rule = s
		}
	}
	return msgs
}

// groupRules compiles the nft rules of a new iptables rule, with its id
// and text spread over their user data.
func groupRules(rc *emit.RuleCompiler, g *group) ([]*emit.NLRule, error) {
	var nrs []*emit.NLRule
	var uds [][]byte
	for _, r := range g.unit.Rules {
		nr, err := rc.Rule(r)
		if err != nil {
			return nil, err
		}
		if nr == nil {
			return nil, fmt.Errorf("internal: rule %q was not compiled", g.spec)
		}
		nrs = append(nrs, nr)
		uds = append(uds, nr.UserData)
	}
	out, extra := spreadSpec(uds, g.id, g.spec)
	for i, nr := range nrs {
		nr.UserData = out[i]
	}
	for _, ud := range extra {
		nrs = append(nrs, &emit.NLRule{Src: &ir.Rule{Origin: []iptparse.Pos{g.pos}}, UserData: ud})
	}
	return nrs, nil
}
