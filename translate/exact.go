package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// exactCommand translates one command the way upstream iptables-translate
// does: into nft commands on upstream's own tables (ip filter, ip nat...).
func (t *Translator) exactCommand(cmd *iptparse.Command) {
	r := cmd.Rule
	if cmd.Op != iptparse.OpAppend && cmd.Op != iptparse.OpInsert || r.Src != nil && len(r.Src.Addrs) != 1 || r.Dst != nil && len(r.Dst.Addrs) != 1 {
		t.exactOther(cmd)
		return
	}
	// The command gives one rule (or, split, the bodies of one), as
	// nearly every command does: translateRule translates it without
	// translateRules' loops and lists, and this function's loop over
	// them (the blocklist 20,000-rule dump: 68.7 -> 67.0 M
	// instructions).
	x := t.newCtx(true)
	rule, err := t.translateRule(cmd, x, addrAt(r.Src, 0), addrAt(r.Dst, 0), "")
	if err != nil {
		t.exactFail(cmd, err)
		return
	}
	t.stats.Translated++
	chain := t.ruleChain(cmd.Chain)
	// Whether or not the rule's context was exactCtx (newCtx), exactCtx
	// is cleared.
	if rule == nil || x.sets != nil || x.helpers != nil || x.chains != nil {
		t.exactSplit(cmd, chain, rule, x)
		t.exactCtx.clearForRule()
	} else {
		t.exactRule(cmd, chain, rule)
		t.exactCtx.clearForPlainRule()
	}
}

// exactSplit is exactCommand for a rule that splits (rule nil: x.split)
// or declares something.
func (t *Translator) exactSplit(cmd *iptparse.Command, chain *ir.Chain, rule *ir.Rule, x *Ctx) {
	if rule != nil {
		t.exactDecls(cmd, x)
		t.exactRule(cmd, chain, rule)
		return
	}
	for i, stmts := range x.ruleBodies() {
		xi := x.forBody(i)
		t.exactDecls(cmd, xi)
		t.exactRule(cmd, chain, &ir.Rule{Stmts: stmts, Comment: x.comment, Origin: []iptparse.Pos{cmd.Pos}})
	}
}

// exactRules is exactCommand for a command with several source or
// destination addresses, each giving a rule.
func (t *Translator) exactRules(cmd *iptparse.Command) {
	rules, ctxs, err := t.translateRules(cmd)
	if err != nil {
		t.exactFail(cmd, err)
		return
	}
	t.stats.Translated++
	chain := t.ruleChain(cmd.Chain)
	for i, r := range rules {
		t.exactDecls(cmd, ctxs[i])
		t.exactRule(cmd, chain, r)
	}
	t.exactCtx.clearForRule()
}

// exactAdder returns the function that adds a command on cmd's table.
func (t *Translator) exactAdder(cmd *iptparse.Command) func(*ir.Command) {
	fam := nftFamily(cmd.Family)
	return func(c *ir.Command) {
		c.Family, c.Table = fam, cmd.Table
		t.addCmd(c)
	}
}

// exactFail reports the command that did not translate, and adds it as
// untranslated.
func (t *Translator) exactFail(cmd *iptparse.Command, err error) {
	t.exactCtx.clearForRule()
	t.fail(cmd, err)
	t.exactAdder(cmd)(&ir.Command{Op: ir.CmdUntranslated, Text: cmd.RuleText()})
}

// exactRule adds the command that adds r, a rule of cmd, to chain.
func (t *Translator) exactRule(cmd *iptparse.Command, chain *ir.Chain, r *ir.Rule) {
	// Set field by field: the command is zeroed, or filled here only.
	c := &t.exactCmd
	if !t.reuse || t.hold {
		c = t.alloc.cmds.new()
	}
	c.Op, c.Family, c.Table, c.Chain, c.Rule, c.Index = ir.CmdAddRule, nftFamily(cmd.Family), cmd.Table, chain, r, -1
	if cmd.Op == iptparse.OpInsert {
		c.Op = ir.CmdInsertRule
		// iptables counts rules from 1, nft's index from 0.
		if cmd.RuleNum > 1 {
			c.Index = cmd.RuleNum - 1
		}
	}
	t.addCmd(c)
}

// exactDecls adds the commands declaring what the rule of x, of cmd,
// uses: its sets, ct helpers and helper chains (few rules have any).
func (t *Translator) exactDecls(cmd *iptparse.Command, x *Ctx) {
	if len(x.sets)+len(x.helpers)+len(x.chains) == 0 {
		return
	}
	add := t.exactAdder(cmd)
	if len(x.sets) != 0 && t.unsettled != "" {
		t.settleStreaming()
	}
	for _, s := range x.sets {
		add(&ir.Command{Op: ir.CmdAddSet, Set: s})
	}
	for _, h := range x.helpers {
		add(&ir.Command{Op: ir.CmdAddCtHelper, CtHelper: h})
	}
	for _, ch := range x.chains {
		t.auxChainCommands(ch, add)
	}
}

// ruleChain returns the chain named name for an exact-mode rule command:
// the one made for the rule before when it is the same, as consecutive
// rules nearly always are. Only the name is read of it. While commands
// are handed on and dropped one by one (reuse), one chain value serves
// them all, renamed when the chain changes: a block of chains of their
// own took the dispatch dump's 7,400 chains 640 more page faults (1421
// -> 2059) for 0.8 % fewer instructions. Held commands get chains that
// are never changed or handed out again (from a block of their own,
// left to the collector, not from alloc's, which are cleared and
// reused).
func (t *Translator) ruleChain(name string) *ir.Chain {
	if ch := t.exactChain; ch != nil && ch.Name == name {
		return ch
	}
	if t.reuse && !t.hold {
		t.streamChain.Name = name // (nothing else is set)
		t.exactChain = &t.streamChain
		return t.exactChain
	}
	if t.exactChainsUsed == len(t.exactChains) {
		t.exactChains, t.exactChainsUsed = make([]ir.Chain, 64), 0
	}
	ch := &t.exactChains[t.exactChainsUsed]
	t.exactChainsUsed++
	ch.Name = name
	t.exactChain = ch
	return ch
}

// exactOther translates the commands that add no rule, or several.
func (t *Translator) exactOther(cmd *iptparse.Command) {
	if cmd.Op == iptparse.OpAppend || cmd.Op == iptparse.OpInsert {
		t.exactRules(cmd)
		return
	}
	add := t.exactAdder(cmd)
	untranslated := func(reason string) {
		t.fail(cmd, &UntranslatableError{Pos: cmd.OpPos, Ext: cmd.Op.String(), Reason: reason})
		add(&ir.Command{Op: ir.CmdUntranslated, Text: cmd.RuleText()})
	}
	chain := t.alloc.chains.new()
	chain.Name = cmd.Chain
	switch cmd.Op {
	case iptparse.OpFlush:
		if cmd.Chain != "" {
			add(&ir.Command{Op: ir.CmdFlushChain, Chain: chain})
		} else {
			add(&ir.Command{Op: ir.CmdFlushTable})
		}
	case iptparse.OpNewChain:
		add(&ir.Command{Op: ir.CmdAddChain, Chain: chain})
	case iptparse.OpDeleteChain:
		if cmd.Chain == "" {
			untranslated("deleting all user chains needs the live ruleset")
			return
		}
		add(&ir.Command{Op: ir.CmdDeleteChain, Chain: chain})
	case iptparse.OpList:
		add(&ir.Command{Op: ir.CmdListTable})
	case iptparse.OpPolicy:
		if !isBuiltinChain(cmd.Table, cmd.Chain) {
			untranslated("only built-in chains have a policy")
			return
		}
		chain.Hook = upstreamHook(cmd.Table, cmd.Chain, cmd.Policy)
		add(&ir.Command{Op: ir.CmdAddChain, Chain: chain})
	case iptparse.OpReplace:
		untranslated("replacing a rule by number needs its handle in the live ruleset")
	case iptparse.OpDelete, iptparse.OpDeleteNum:
		untranslated("deleting a rule needs its handle in the live ruleset")
	default:
		untranslated("not a ruleset change")
	}
}

// upstreamHook is the base chain upstream's restore translation declares
// for a built-in chain, with the correct priorities (upstream gives the
// security table priority 0 by mistake; iptables uses 50).
func upstreamHook(table, chain, policy string) *ir.Hook {
	h := &ir.Hook{Type: "filter", Hook: hookOf(chain), Priority: ir.Priority{Offset: TablePriority(table, chain)}}
	switch {
	case table == "nat":
		h.Type = "nat"
	case table == "mangle" && chain == "OUTPUT":
		h.Type = "route"
	}
	switch policy {
	case "ACCEPT":
		h.Policy = "accept"
	case "DROP":
		h.Policy = "drop"
	}
	return h
}
