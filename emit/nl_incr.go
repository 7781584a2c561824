package emit

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Incremental messages: single objects added to or removed from a table
// that already exists, for callers that change a ruleset a little at a
// time (the iptables shim) instead of replacing whole tables.

// NewTableMessage creates a table if it does not exist.
func NewTableMessage(fam ir.Family, name string) NLMsg {
	attrs := []attr{{Type: unix.NFTA_TABLE_NAME, Data: cstr(name)}, attrU32(unix.NFTA_TABLE_FLAGS, 0)}
	return NLMsg{Type: unix.NFT_MSG_NEWTABLE, Flags: unix.NLM_F_CREATE, Family: famBytes.Get()[fam], Data: marshal(attrs), What: fmt.Sprintf("table %s %s", fam, name)}
}

// NewChainMessage creates a chain (a base chain when c.Hook is set), or
// updates an existing base chain's policy.
func NewChainMessage(fam ir.Family, t *ir.Table, c *ir.Chain) (NLMsg, error) {
	return chainMessage(famBytes.Get()[fam], t, c)
}

// DelChainMessage deletes a chain by name.
func DelChainMessage(fam ir.Family, table, chain string) NLMsg {
	attrs := []attr{{Type: unix.NFTA_CHAIN_TABLE, Data: cstr(table)}, {Type: unix.NFTA_CHAIN_NAME, Data: cstr(chain)}}
	return NLMsg{Type: unix.NFT_MSG_DELCHAIN, Family: famBytes.Get()[fam], Data: marshal(attrs), What: "chain " + chain}
}

// RenameChainMessage gives the chain with the given handle a new name.
func RenameChainMessage(fam ir.Family, table string, handle uint64, name string) NLMsg {
	attrs := []attr{
		{Type: unix.NFTA_CHAIN_TABLE, Data: cstr(table)},
		{Type: unix.NFTA_CHAIN_HANDLE, Data: binary.BigEndian.AppendUint64(nil, handle)},
		{Type: unix.NFTA_CHAIN_NAME, Data: cstr(name)},
	}
	return NLMsg{Type: unix.NFT_MSG_NEWCHAIN, Family: famBytes.Get()[fam], Data: marshal(attrs), What: "chain " + name}
}

// FlushChainMessage deletes every rule of a chain ("" flushes the table).
func FlushChainMessage(fam ir.Family, table, chain string) NLMsg {
	attrs := []attr{{Type: unix.NFTA_RULE_TABLE, Data: cstr(table)}}
	if chain != "" {
		attrs = append(attrs, attr{Type: unix.NFTA_RULE_CHAIN, Data: cstr(chain)})
	}
	return NLMsg{Type: unix.NFT_MSG_DELRULE, Family: famBytes.Get()[fam], Data: marshal(attrs), What: "flush chain " + chain}
}

// DelRuleMessage deletes a rule by handle.
func DelRuleMessage(fam ir.Family, table, chain string, handle uint64) NLMsg {
	attrs := []attr{
		{Type: unix.NFTA_RULE_TABLE, Data: cstr(table)},
		{Type: unix.NFTA_RULE_CHAIN, Data: cstr(chain)},
		{Type: unix.NFTA_RULE_HANDLE, Data: binary.BigEndian.AppendUint64(nil, handle)},
	}
	return NLMsg{Type: unix.NFT_MSG_DELRULE, Family: famBytes.Get()[fam], Data: marshal(attrs), What: fmt.Sprintf("rule handle %d", handle)}
}

// AtHead, as RuleMessages' before, puts the rule at the start of the
// chain without naming the rule it goes in front of: the iptables shim
// inserts "-I CHAIN 1" so without reading the chain's rules.
const AtHead = ^uint64(0)

// RuleMessages adds a compiled rule (after the anonymous sets it uses).
// With before == 0 the rule is appended to the chain, with AtHead it
// becomes the chain's first rule; otherwise it is inserted in front of
// the rule with that handle.
func RuleMessages(fam ir.Family, table, chain string, r *NLRule, before uint64) ([]NLMsg, error) {
	f := famBytes.Get()[fam]
	var msgs []NLMsg
	for _, s := range r.Sets {
		for _, m := range setMessages(f, table, s, "anonymous set") {
			m.Rule = r
			msgs = append(msgs, m)
		}
	}
	m, err := ruleMessage(f, table, chain, r)
	if err != nil {
		return nil, err
	}
	if before != 0 {
		// ruleMessage appends; inserting is the same message without
		// NLM_F_APPEND, with the position (the kernel puts a rule
		// without one at the head of the chain).
		m.Flags = unix.NLM_F_CREATE
		if before != AtHead {
			m.Data = append(m.Data, marshal([]attr{{Type: unix.NFTA_RULE_POSITION, Data: binary.BigEndian.AppendUint64(nil, before)}})...)
		}
	}
	return append(msgs, m), nil
}

// SetMessages creates a named set of a compiled table (if it does not
// exist) and adds its elements.
func (t *NLTable) SetMessages(name string) []NLMsg {
	for _, s := range t.Sets {
		if s.Name == name {
			return setMessages(t.Family, t.Src.Name, s, fmt.Sprintf("set %s", name))
		}
	}
	return nil
}

// CtHelperMessage declares a ct helper object of a table.
func CtHelperMessage(fam ir.Family, t *ir.Table, h *ir.CtHelper) (NLMsg, error) {
	return ctHelperMessage(famBytes.Get()[fam], t, h)
}

// RuleCompiler compiles the rules of a table one at a time, for callers
// that make each rule's messages and let its IR and compiled form go
// before the next (the iptables shim's restores of 100,000 rules would
// otherwise hold every rule three times over: IR, expressions, bytes).
// Anonymous sets get ids unique among all its rules, as in one
// CompileNetlink.
type RuleCompiler struct {
	tc   *tableCompiler
	sets []*nlSet
	id   uint32
}

// NewRuleCompiler compiles the named sets of t; rules come one at a time.
func NewRuleCompiler(t *ir.Table) (*RuleCompiler, error) {
	c := &RuleCompiler{}
	c.tc = &tableCompiler{t: t, fam: t.Family, nextID: &c.id, sets: map[string]*nlSet{}}
	sets, err := c.tc.namedSets()
	if err != nil {
		return nil, err
	}
	c.sets = sets
	return c, nil
}

// SetIfIndex gives the compiler the interface indexes of the namespace
// the rules go to (CompileNetlinkWith).
func (c *RuleCompiler) SetIfIndex(f IfIndex) { c.tc.ifIndex = f }

// Rule compiles one rule; nil for a rule the text writes as a comment
// (untranslated, never matching), which CompileNetlink leaves out too.
func (c *RuleCompiler) Rule(r *ir.Rule) (*NLRule, error) { return c.tc.compile(r) }

// SetMessages creates one of the compiler's named sets (if it does not
// exist) and adds its elements.
func (c *RuleCompiler) SetMessages(name string) []NLMsg {
	for _, s := range c.sets {
		if s.Name == name {
			return setMessages(famBytes.Get()[c.tc.fam], c.tc.t.Name, s, fmt.Sprintf("set %s", name))
		}
	}
	return nil
}

// Slim returns what error messages need of a compiled rule (where it
// came from, its expression kinds), without its IR and expressions.
func (r *NLRule) Slim() *NLRule {
	return &NLRule{Src: &ir.Rule{Origin: r.Src.Origin}, Kinds: r.Kinds}
}
