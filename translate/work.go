package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Exact-mode rules translated and printed on the parse workers (see
// Options.AppendCommand): the caller, who takes the items in order, is
// otherwise left the translation and printing of every rule, on one
// core, while the workers parse on all of them.
//
// A rule's exact translation is its command's alone, but for the
// Translator's state across rules, which a worker's own Translator has
// none of: the diagnostics and counts, the extensions' state (State,
// Seq), the ipsets, and the table and family of a bad line (which the
// workers never see: only rules parse into a command). A worker
// translates a rule that adds a rule with no warnings in a known table,
// and keeps its text only if the translation touched none of that state
// (made no diagnostic, no State or Seq key, read no ipset): otherwise
// the caller translates the rule again, in order, as without workers.
// Whatever the worker's Translator got is dropped. Of the counts, such a
// rule adds one rule, translated (addItem).

// worksRules tells whether AddText and AddPieces, handing exact-mode
// commands on as they are translated, may leave rules to ruleWork.
func (t *Translator) worksRules() bool {
	return t.opt.Exact && t.opt.EmitCommand != nil && t.opt.AppendCommand != nil && t.opt.EmitText != nil && t.opt.SeeItem == nil && !t.hold
}

// ruleWork returns a parse worker's RuleWork: exact translation of a
// rule into text, by a Translator of the worker's own.
func (t *Translator) ruleWork() iptparse.RuleWork {
	w := &Translator{opt: t.opt, seq: map[string]int{}, worker: true, reuse: true}
	w.opt.BeforeReuse = nil
	appendCmd := t.opt.AppendCommand()
	var text []byte
	w.opt.EmitCommand = func(c *ir.Command) { text = appendCmd(text, c) }
	return func(cl *iptparse.CommandLine, dst []byte) ([]byte, bool) {
		cmd := cl.Command
		if cmd.Op != iptparse.OpAppend && cmd.Op != iptparse.OpInsert || len(cmd.Warnings) > 0 || !knownTable(cmd.Table) {
			return dst, false
		}
		text = dst
		w.exactCommand(cmd)
		w.alloc.commandDone()
		if w.spoilt || len(w.diags) > 0 || len(w.ext) > 0 || len(w.seq) > 0 {
			w.spoilt, w.diags = false, nil
			clear(w.ext)
			clear(w.seq)
			return dst, false
		}
		return text, true
	}
}
