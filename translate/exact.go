package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// exactCommand translates one command the way upstream iptables-translate
// does: into nft commands on upstream's own tables (ip filter, ip nat...).
func (t *Translator) exactCommand(cmd *iptparse.Command) {
	fam := nftFamily(cmd.Family)
	chain := t.alloc.chains.new()
	chain.Name = cmd.Chain
	add := func(c *ir.Command) {
		c.Family, c.Table = fam, cmd.Table
		t.addCmd(c)
	}
	untranslated := func(reason string) {
		t.fail(cmd, &UntranslatableError{Pos: cmd.OpPos, Ext: cmd.Op.String(), Reason: reason})
		add(&ir.Command{Op: ir.CmdUntranslated, Text: cmd.RuleText()})
	}
	switch cmd.Op {
	case iptparse.OpAppend, iptparse.OpInsert:
		rules, ctxs, err := t.translateRule(cmd)
		if err != nil {
			t.fail(cmd, err)
			add(&ir.Command{Op: ir.CmdUntranslated, Text: cmd.RuleText()})
			return
		}
		t.stats.Translated++
		for i, r := range rules {
			for _, s := range ctxs[i].sets {
				add(&ir.Command{Op: ir.CmdAddSet, Set: s})
			}
			for _, h := range ctxs[i].helpers {
				add(&ir.Command{Op: ir.CmdAddCtHelper, CtHelper: h})
			}
			for _, ch := range ctxs[i].chains {
				t.auxChainCommands(ch, add)
			}
			c := t.alloc.cmds.new()
			c.Op, c.Chain, c.Rule, c.Index = ir.CmdAddRule, chain, r, -1
			if cmd.Op == iptparse.OpInsert {
				c.Op = ir.CmdInsertRule
				// iptables counts rules from 1, nft's index from 0.
				if cmd.RuleNum > 1 {
					c.Index = cmd.RuleNum - 1
				}
			}
			add(c)
		}
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
