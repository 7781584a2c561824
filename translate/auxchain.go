package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Helper chains: where one nft rule cannot do what one iptables target
// does, the rule jumps to a chain of helper rules (CONNMARK's masked
// --save-mark/--restore-mark combine two marks bit by bit).

// DeclareChain declares a helper chain that the rule being translated
// jumps to, and returns the name to jump to. ch.Name is a name derived
// from what the chain does; normal mode keeps one chain per table for
// identical contents and avoids names other chains have. The chain is only
// declared if the rule translates.
func (c *Ctx) DeclareChain(ch *ir.Chain) string {
	ch.Aux = true
	if !c.Exact {
		ch.Name = c.tr.native.auxChainName(c.Family, c.Table, ch, c.chains)
	}
	for _, p := range c.chains {
		if p.Name == ch.Name {
			return ch.Name
		}
	}
	c.chains = append(c.chains, ch)
	return ch.Name
}

// auxPrefix marks the chain keys of helper chains in the native layout; no
// iptables chain name can contain it.
const auxPrefix = "\x00aux:"

func sameRules(a, b *ir.Chain) bool {
	if len(a.Rules) != len(b.Rules) {
		return false
	}
	for i := range a.Rules {
		if !sameRule(a.Rules[i], b.Rules[i]) {
			return false
		}
	}
	return true
}

// auxChainName picks the nft name of a helper chain: like user chains,
// prefixed with the iptables table outside filter; an existing helper
// chain of the same table with the same rules is reused, other names get
// a number.
func (l *nativeLayout) auxChainName(fam iptparse.Family, table string, ch *ir.Chain, pending []*ir.Chain) string {
	l.table(fam)
	base := ch.Name
	if table != "filter" {
		base = table + "_" + base
	}
	name := base
	for i := 2; ; i++ {
		found := false
		for _, p := range pending {
			if p.Name == name {
				if sameRules(p, ch) {
					return name
				}
				found = true
			}
		}
		if !found {
			e := l.famOf(fam).names.get(name)
			if e == nil {
				return name
			}
			// A helper chain left empty by a flush of its table has
			// nobody jumping to it any more: it is filled again.
			if c := e.chain; e.key.table == table && isAuxKey(e.key) && c != nil && (len(c.Rules) == 0 || sameRules(c, ch)) {
				return name
			}
		}
		name = fmt.Sprintf("%s_%d", base, i)
	}
}

// isAuxKey reports whether a chain key is a helper chain's. Helper chains
// are not user chains: "-X" leaves them alone.
func isAuxKey(k chainKey) bool { return strings.HasPrefix(k.chain, auxPrefix) }

// declareAux adds a helper chain to the layout, unless the same chain is
// there already (an emptied one is filled again).
func (l *nativeLayout) declareAux(fam iptparse.Family, table string, ch *ir.Chain) {
	l.table(fam)
	if e := l.famOf(fam).names.get(ch.Name); e != nil {
		if c := e.chain; c != nil && isAuxKey(e.key) && len(c.Rules) == 0 {
			c.Rules = ch.Rules
			delete(l.byKey, c)
		}
		return
	}
	e := l.entry(chainKey{fam, table, auxPrefix + ch.Name})
	e.name, e.named = ch.Name, true
	f := l.famOf(fam)
	at, h, _ := f.names.find(ch.Name)
	f.names.put(at, h, int(e.at))
	l.setChain(e, ch)
	f.order = append(f.order, e)
}

// auxChainCommands writes a helper chain in exact mode: the chain is
// flushed before its rules are added, so that running the output of
// several translations (or the same one twice) leaves it as it should be.
func (t *Translator) auxChainCommands(ch *ir.Chain, add func(*ir.Command)) {
	c := &ir.Chain{Name: ch.Name}
	add(&ir.Command{Op: ir.CmdAddChain, Chain: c})
	add(&ir.Command{Op: ir.CmdFlushChain, Chain: c})
	for _, r := range ch.Rules {
		add(&ir.Command{Op: ir.CmdAddRule, Chain: c, Rule: r, Index: -1})
	}
}
