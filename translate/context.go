package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Ctx is what an extension's Translate function works with: the iptables
// rule being translated and the nft rule being built from it.
type Ctx struct {
	tr *Translator
	// Family is the iptables family (IPv4 for iptables, IPv6 for ip6tables).
	Family iptparse.Family
	// Table and Chain are the iptables table and chain of the rule.
	Table, Chain string
	// Exact is set in exact mode, where output must match upstream
	// iptables-translate text wherever upstream is correct.
	Exact bool
	// Cmd and Rule are the command and rule being translated.
	Cmd  *iptparse.Command
	Rule *iptparse.Rule

	stmts    []ir.Stmt
	comment  string
	sets     []*ir.Set
	helpers  []*ir.CtHelper
	chains   []*ir.Chain // helper chains the rule jumps to (DeclareChain)
	counters []*ir.CounterObj
	split    *ruleSplit // see Either
	unless   *unlessGuard
}

// clearForRule makes c, the context of the rule before, one for the
// next rule as newCtx returns it: zeroed but for the fields translateRule
// sets (tr, Family, Table, Chain, Exact, Cmd, Rule and stmts). Only the
// rules that declare something or split (few) set the others: zeroing
// the 224 bytes for every rule took some 28 instructions, testing them
// some 14.
func (c *Ctx) clearForRule() {
	if c.sets != nil || c.helpers != nil || c.chains != nil || c.counters != nil || c.split != nil || c.unless != nil {
		*c = Ctx{}
	}
	c.comment = ""
}

// clearForPlainRule is clearForRule for c when it is clear or the context
// of a rule that neither split nor declared anything (sets, helpers and
// chains nil: exactCommand tested them): the rest tested only (some 10
// instructions a rule less).
func (c *Ctx) clearForPlainRule() {
	if c.counters != nil || c.unless != nil {
		*c = Ctx{}
	}
	c.comment = ""
}

// Add appends statements to the rule being built. One statement, as
// nearly every call adds, is appended as a value: appending the list
// copies it through the runtime.
func (c *Ctx) Add(s ...ir.Stmt) {
	if len(s) == 1 {
		c.stmts = append(c.stmts, s[0])
		return
	}
	c.stmts = append(c.stmts, s...)
}

// SetComment sets the rule's comment (the last -m comment wins, as in
// iptables-translate).
func (c *Ctx) SetComment(s string) { c.comment = c.tr.keepText(s) }

// L3 is "ip" for IPv4 rules and "ip6" for IPv6 rules.
func (c *Ctx) L3() string {
	if c.Family == iptparse.FamilyIPv6 {
		return "ip6"
	}
	return "ip"
}

// IsIPv6 reports whether the rule is an ip6tables rule.
func (c *Ctx) IsIPv6() bool { return c.Family == iptparse.FamilyIPv6 }

// NftFamily is the nft family matching the rule's family.
func (c *Ctx) NftFamily() ir.Family {
	if c.IsIPv6() {
		return ir.FamilyIP6
	}
	return ir.FamilyIP
}

// HasMatch reports whether the rule uses a match of that name (like
// upstream's xlate_find_match).
func (c *Ctx) HasMatch(name string) bool { return c.Rule.FindMatch(name) != nil }

// Protocol returns the rule's -p protocol number and whether it was given
// (and not negated).
func (c *Ctx) Protocol() (uint8, bool) {
	p := c.Rule.Proto
	if p == nil || p.Neg || p.Num == 0 {
		return 0, false
	}
	return p.Num, true
}

// Seq returns 0, 1, 2... for successive calls with the same key during one
// translation run; used for generated names like upstream's "connlimit0".
func (c *Ctx) Seq(key string) int {
	n := c.tr.seq[key]
	c.tr.seq[key] = n + 1
	return n
}

// DeclareSet declares a named set that the rule uses, and returns the
// name to refer to it by. The set is only declared if the rule translates.
// In normal mode a name already taken by a different set gets a suffix.
func (c *Ctx) DeclareSet(s *ir.Set) string {
	if !c.Exact {
		s.Name = c.tr.uniqueSetName(c.NftFamily(), s, c.sets)
	}
	c.sets = append(c.sets, s)
	return s.Name
}

// DeclareCounter declares a named counter object (normal mode only) and
// returns its name.
func (c *Ctx) DeclareCounter(o *ir.CounterObj) string {
	c.counters = append(c.counters, o)
	return o.Name
}

// DeclareCtHelper declares a ct helper object and returns its name.
func (c *Ctx) DeclareCtHelper(h *ir.CtHelper) string {
	c.helpers = append(c.helpers, h)
	return h.Name
}

// Warn records a warning about the rule.
func (c *Ctx) Warn(pos iptparse.Pos, format string, args ...any) {
	c.tr.diag(Diag{Pos: pos, Kind: DiagWarning, Msg: fmt.Sprintf(format, args...), Rule: c.Cmd.RuleText()})
}

// Errorf reports invalid input: something iptables itself rejects.
func (c *Ctx) Errorf(x *iptparse.Ext, format string, args ...any) error {
	e := &iptparse.Error{Msg: fmt.Sprintf(format, args...)}
	if x != nil {
		e.Pos, e.Ext = x.Pos, x.Label()
	} else {
		e.Pos = c.Cmd.Pos
	}
	return e
}

// Untranslatable reports that valid iptables input has no nftables
// equivalent. The rule is kept as a comment and reported.
func (c *Ctx) Untranslatable(x *iptparse.Ext, format string, args ...any) error {
	u := &UntranslatableError{Reason: fmt.Sprintf(format, args...)}
	if x != nil {
		u.Pos, u.Ext = x.Pos, x.Label()
	} else {
		u.Pos = c.Cmd.Pos
	}
	return u
}

// UntranslatableError says why a rule cannot be expressed in nftables.
type UntranslatableError struct {
	Pos    iptparse.Pos
	Ext    string
	Reason string
	// NoEffect: leaving the rule out changes nothing (it never matches).
	NoEffect bool
}

func (e *UntranslatableError) Error() string {
	if e.Ext != "" {
		return fmt.Sprintf("%s: %s: %s", e.Pos, e.Ext, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.Pos, e.Reason)
}

// NeverMatches reports that the match can never be true, so the rule has
// no effect: normal mode keeps it as a comment and counts it as
// translated; exact mode reports it like an untranslatable rule.
func (c *Ctx) NeverMatches(x *iptparse.Ext, format string, args ...any) error {
	return &NeverMatchesError{Pos: x.Pos, Ext: x.Label(), Reason: fmt.Sprintf(format, args...)}
}

// NeverMatchesError says why a rule can never match.
type NeverMatchesError struct {
	Pos    iptparse.Pos
	Ext    string
	Reason string
}

func (e *NeverMatchesError) Error() string {
	return fmt.Sprintf("%s: %s: rule never matches: %s", e.Pos, e.Ext, e.Reason)
}
