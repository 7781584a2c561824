package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// RuleUnit is one iptables rule translated on its own (normal mode, no
// optimizer), with the named objects it needs: what the iptables shim
// stores for one rule.
type RuleUnit struct {
	// Rules are the nft rules, in order; together they do what the
	// iptables rule does. A rule that never matches has none.
	Rules []*ir.Rule
	// Chains are helper chains the rules jump to.
	Chains   []*ir.Chain
	Sets     []*ir.Set
	Helpers  []*ir.CtHelper
	Counters []*ir.CounterObj
	// Dead says why the rule never matches ("" if it can).
	Dead string
}

// TranslateUnit translates the rule of cmd (an -A/-I/-R/-D/-C command
// whose -s and -d name at most one address each) alone. Extensions whose
// translation depends on the other rules of the ruleset (-m recent) are
// untranslatable here.
func (t *Translator) TranslateUnit(cmd *iptparse.Command) (*RuleUnit, error) {
	if cmd.Rule != nil {
		for _, m := range cmd.Rule.Matches {
			if m.Name == "recent" {
				return nil, &UntranslatableError{Pos: m.Pos, Ext: m.Label(), Reason: "its nft sets are laid out from every rule using the same list, so it is only translated with the whole ruleset (ipt2nft translate/apply), not rule by rule"}
			}
		}
	}
	if err := legacyKernelCheck(cmd); err != nil {
		return nil, err
	}
	rules, ctxs, err := t.translateRules(cmd)
	if err != nil {
		return nil, err
	}
	u := &RuleUnit{}
	for _, r := range rules {
		if r.Dead() != "" {
			u.Dead = r.Dead()
			continue
		}
		u.Rules = append(u.Rules, r)
	}
	for _, c := range ctxs {
		u.Chains = append(u.Chains, c.chains...)
		u.Sets = append(u.Sets, c.sets...)
		u.Helpers = append(u.Helpers, c.helpers...)
		u.Counters = append(u.Counters, c.counters...)
	}
	return u, nil
}
