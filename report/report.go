// Package report explains a migration: what every iptables rule became in
// the nftables output, what was merged, what could not be translated (and
// whether that makes the firewall more permissive), the changes of meaning
// ipt2nft makes on purpose, dead rules, and what the kernel differential
// check (ipt2nft verify) cannot observe.
//
// Build makes a Report from a translation run (Migration); the Report is
// written as text (colored or plain), Markdown or one self-contained HTML
// page.
package report

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
	"github.com/ipt2nft/ipt2nft/verify"
)

// Input is one original file as read.
type Input struct {
	Name, Text string
}

// Migration is a normal-mode translation run, as the translate command
// makes it.
type Migration struct {
	Inputs []Input
	// Files are the parsed inputs (scripts give several per input).
	// Originals, if set, stands for them: what the report needs of the
	// original rules, taken as they were translated (Originals.Add).
	// Build fills in its rules: such a Migration is built once.
	Files     []*iptparse.File
	Originals *Originals
	// Diags and Stats come from the translator, after the optimizer's
	// notes were added (translate.Translator.Diags, Stats).
	Diags []translate.Diag
	Stats translate.Stats
	// Ruleset is the optimized ruleset, Opt what the optimizer did.
	Ruleset *ir.Ruleset
	Opt     *translate.OptReport
	// Output is the ruleset as printed, RuleLines and ChainLines the line
	// of each rule and chain in it (emit.RulesetOptions).
	Output     string
	RuleLines  map[*ir.Rule]int
	ChainLines map[*ir.Chain]int
	// Options describes the options the run used ("--no-merge"), for the
	// header; may be empty.
	Options []string
	// IPSets are the sets given with --ipset: verify, run with the same
	// files, probes their elements, so they are no blind spot.
	IPSets []string
}

// Status is what became of one original rule.
type Status uint8

const (
	Translated   Status = iota // one or more nft rules of its own
	Merged                     // in nft rules shared with other original rules
	Untranslated               // nftables cannot express it: left out (a comment in the output)
	FailOpen                   // untranslated, and what it stopped now gets through
	Error                      // iptables itself rejects it: left out
	NeverMatches               // it can never match anything: left out (a comment)
	Missing                    // in no output rule: deleted, flushed or its chain removed by later input
)

var statusNames = [...]string{"translated", "merged", "untranslated", "fail-open", "error", "never matches", "not in the output"}

func (s Status) String() string { return statusNames[s] }

// OutRule is one rule of the nft output.
type OutRule struct {
	Line         int
	Family       string // of the table
	Table, Chain string
	Text         string // as printed (trimmed)
	Placeholder  bool   // a comment standing for an untranslated or never-matching rule
}

// Rule is one original rule (-A, -I or -R, or a line that failed to parse
// as one) and what it became.
//
// A 1,000,000-rule report holds a million of them: what few rules have
// (why one is left out, what shadows it...) is kept apart (ruleNotes),
// its chain is shared with the other rules of the chain, and so are
// its lists of one (see list), for a Rule of 96 bytes, not 288.
type Rule struct {
	Pos    iptparse.Pos
	Text   string // the rule as iptables-save prints it
	Family iptparse.Family
	Status Status
	// jumps tells whether the rule's -j or -g target is a chain; target
	// is the target (Originals.targets), for fail-open through chains.
	jumps  bool
	target uint32
	// chain is the rule's input chain (Originals.Add), nil for a line
	// that failed to parse.
	chain *chainOf
	// listed and counted mark the rule as seen for the nft rule and the
	// output chain of that number (Build), instead of a set of rules
	// made for each.
	listed, counted uint32
	// out are the nft rules it became (Out), passes the optimizer
	// passes that combined it with other rules (Passes).
	out    *[]OutRule
	passes *[]string
	// shared are the nft rules it became that other original rules
	// became too. Their origins are not copied into every rule: a set
	// merged from 20,000 rules would make that 400 million positions.
	shared *[]*sharedRule
	// notes are nil for most rules.
	notes *ruleNotes
}

// ruleNotes are what few rules have (see the methods of the same names).
type ruleNotes struct {
	reason, effect string
	shadowed       bool
	shadowedBy     iptparse.Pos
	blind          []string
	change         string
}

// noNotes stands for the notes of a rule without any.
var noNotes ruleNotes

// note returns the rule's notes, to read.
func (r *Rule) note() *ruleNotes {
	if r.notes == nil {
		return &noNotes
	}
	return r.notes
}

// setNotes returns the rule's notes, to write.
func (r *Rule) setNotes() *ruleNotes {
	if r.notes == nil {
		r.notes = &ruleNotes{}
	}
	return r.notes
}

// Out are the nft rules the rule became, in output order.
func (r *Rule) Out() []OutRule { return deref(r.out) }

// Passes are the optimizer passes that combined the rule with other
// rules (MergedWith lists them).
func (r *Rule) Passes() []string { return deref(r.passes) }

func (r *Rule) sharedRules() []*sharedRule { return deref(r.shared) }

// A rule's lists (out, passes, shared) are pointers to slices, shared
// by the rules that became one nft rule or that one pass merged while
// they hold one element: a million rules merged into 100,000 nft rules
// made a million lists of one of each.
func deref[T any](l *[]T) []T {
	if l == nil {
		return nil
	}
	return *l
}

// add appends v to a rule's list as a new list, leaving the one it
// shared as it was.
func add[T any](l **[]T, v T) {
	n := append(deref(*l), v)
	*l = &n
}

// Table and Chain are the rule's input chain; empty for a line that
// failed to parse.
func (r *Rule) Table() string {
	if r.chain == nil {
		return ""
	}
	return r.chain.table
}

func (r *Rule) Chain() string {
	if r.chain == nil {
		return ""
	}
	return r.chain.chain
}

// Reason says why the rule is untranslated, an error or never matches;
// Effect what leaving it out does.
func (r *Rule) Reason() string { return r.note().reason }

func (r *Rule) Effect() string { return r.note().effect }

// Shadowed tells whether an earlier rule of its chain always matches
// first, so it can never match (the rule that does is ShadowedBy).
func (r *Rule) Shadowed() bool { return r.note().shadowed }

func (r *Rule) ShadowedBy() iptparse.Pos { return r.note().shadowedBy }

// Blind lists what verify cannot observe about the rule
// (verify.BlindSpots).
func (r *Rule) Blind() []string { return r.note().blind }

// Change is the kind of deliberate change of meaning the rule is part
// of (Change.Kind), if any.
func (r *Rule) Change() string { return r.note().change }

// Problem is an untranslated rule or an error.
type Problem struct {
	Pos      iptparse.Pos
	Rule     string // the rule's text; empty for errors outside rules
	Ext      string
	Reason   string
	Effect   string
	FailOpen bool
	// OutLine is the line of the comment that stands for it in the
	// output, 0 if none.
	OutLine int
}

// Change is a change of meaning ipt2nft makes on purpose.
type Change struct {
	Kind   string // "IPS chain", "ct helper chain"
	Chain  string
	Line   int // of the chain in the output
	Detail string
	Rules  []*Rule // the original rules it concerns
	Notes  []translate.Diag
}

// Dead is a rule that can never match.
type Dead struct {
	Rule   *Rule
	Reason string
	// After is the rule that always ends the chain before it (shadowed
	// rules); zero for rules that never match at all.
	After   iptparse.Pos
	OutLine int
}

// ChainCount counts the rules of one chain.
type ChainCount struct {
	Family string // ipv4/ipv6 for input chains, the table family for output chains
	Table  string
	Chain  string
	Rules  int
	// Placeholders are output comments standing for rules left out.
	Placeholders int
	// From are the input chains the output chain's rules came from
	// ("filter INPUT (ipv4): 12").
	From []string
	Line int
}

// Pass sums up what one optimizer pass did.
type Pass struct {
	Name   string
	Merges int // merges made
	Rules  int // original rules they combined
	// Examples of the pass's reasons, for the reader.
	Reasons []string
}

// BlindSpot is a verify blind spot with the rules of this input it
// concerns.
type BlindSpot struct {
	verify.BlindSpot
	Rules []iptparse.Pos
}

// Report is everything the formats write.
type Report struct {
	Inputs  []Input
	Options []string
	Output  string
	Stats   translate.Stats
	// NftRules counts output rules (placeholders not included);
	// Placeholders the comments standing for rules left out.
	NftRules, Placeholders int
	InChains, OutChains    []ChainCount
	Passes                 []Pass
	// FailOpen lists untranslated rules whose absence lets through what
	// they stopped; Untranslated the other untranslated rules; Errors
	// what iptables itself rejects.
	FailOpen, Untranslated, Errors []Problem
	Changes                        []Change
	// Shadowed rules can never match because an earlier rule always
	// matches first; Never rules never match at all.
	Shadowed, Never []Dead
	// Warnings are the remaining warnings and notes.
	Warnings []translate.Diag
	Rules    []*Rule
	// Groups are the rules in input order, consecutive rules that became
	// the same nft rules together.
	Groups []Group
	Blind  []BlindSpot

	names map[string]string // file → short name
}

// sharedRule is an nft rule that original rules share, as the report
// keeps it: its origins, not the rule, so that the translated ruleset
// (a million rules' merged sets and source texts) is not kept alive
// while the report is written.
type sharedRule struct {
	origin []iptparse.Pos
	// index caches its origins sorted, with their runs of lines
	// (origins).
	index *originIndex
}

// Group is a run of consecutive original rules that became the same nft
// rules (a merge), or one rule.
type Group struct {
	Rules []*Rule
	Out   []OutRule
	// Passes are the optimizer passes that merged them; Others lists the
	// rules outside the group they share nft rules with.
	Passes []string
	// shared are the nft rules the group shares with other rules, and
	// others how many other rules those are (their positions are not
	// copied into every group: see Rule.shared).
	shared []*sharedRule
	others int
}

// Others lists the original rules outside the group that share its nft
// rules.
func (g *Group) Others() []iptparse.Pos {
	own := map[iptparse.Pos]bool{}
	for _, rule := range g.Rules {
		own[rule.Pos] = true
	}
	return otherOrigins(g.shared, own)
}

// otherOrigins lists the origins of the nft rules not in seen, once each,
// in order; it adds them to seen.
func otherOrigins(shared []*sharedRule, seen map[iptparse.Pos]bool) []iptparse.Pos {
	var out []iptparse.Pos
	for _, nr := range shared {
		for _, o := range nr.origin {
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	return out
}

type posKey struct {
	file string
	line int32
}

func keyOf(p iptparse.Pos) posKey { return posKey{p.File, p.Line} }

// Build makes the report of a migration.
func Build(m *Migration) *Report {
	r := &Report{Inputs: m.Inputs, Options: m.Options, Output: m.Output, Stats: m.Stats}
	outLines := strings.Split(m.Output, "\n")
	lineText := func(n int) string {
		if n < 1 || n > len(outLines) {
			return ""
		}
		return strings.TrimSpace(outLines[n-1])
	}

	// Every original rule, in input order.
	orig := m.Originals
	if orig == nil {
		orig = &Originals{}
		for _, f := range m.Files {
			for _, it := range f.Items {
				orig.Add(f, it)
			}
		}
	}
	r.Rules = orig.rules
	idx := newRuleIndex(r.Rules)

	// Short names for the files.
	r.names = map[string]string{}
	bases := map[string][]string{}
	for _, rule := range r.Rules {
		if _, ok := r.names[rule.Pos.File]; !ok {
			b := path.Base(rule.Pos.File)
			r.names[rule.Pos.File] = b
			bases[b] = append(bases[b], rule.Pos.File)
		}
	}
	for _, files := range bases {
		if len(files) > 1 {
			for _, f := range files {
				r.names[f] = f
			}
		}
	}

	// What each became: walk the output.
	// sameText narrows the rules at an origin's position to those of
	// its text (src), if any.
	sameText := func(cands []*Rule, src string) []*Rule {
		if src != "" {
			var same []*Rule
			for _, c := range cands {
				if c.Text == src {
					same = append(same, c)
				}
			}
			if len(same) > 0 {
				return same
			}
		}
		return cands
	}
	var ruleNo, chainNo uint32 // the nft rule and output chain being walked
	var rules []*Rule          // the nft rule's original rules, reused
	if m.Ruleset != nil {
		for _, t := range m.Ruleset.Tables {
			for _, c := range t.Chains {
				count := ChainCount{Family: t.Family.String(), Table: t.Name, Chain: c.Name, Line: m.ChainLines[c]}
				from := map[chainOf]int{}
				var fromOrder []chainOf
				chainNo++
				for _, nr := range c.Rules {
					if nr.Placeholder() {
						count.Placeholders++
						r.Placeholders++
					} else {
						count.Rules++
						r.NftRules++
					}
					out := OutRule{Line: m.RuleLines[nr], Family: t.Family.String(), Table: t.Name, Chain: c.Name, Placeholder: nr.Placeholder()}
					out.Text = lineText(out.Line)
					// Each original rule once, in the order of first
					// appearance: the rules an -s list of N addresses
					// made are N origins at one position. The
					// sources, split per origin, are needed only
					// where several rules share a position.
					var srcs []string
					split := false
					rules = rules[:0]
					ruleNo++
					for i, o := range nr.Origin {
						cands := idx.at(o)
						if len(cands) > 1 {
							if !split {
								srcs, split = translate.SourceLines(nr), true
							}
							if srcs != nil {
								cands = sameText(cands, srcs[i])
							}
						}
						for _, or := range cands {
							if or.listed != ruleNo {
								or.listed = ruleNo
								rules = append(rules, or)
							}
						}
					}
					sole, one := soleOrigin(nr)
					// The rules that became this nft rule alone share
					// their lists of it (see deref).
					var outs *[]OutRule
					var shares *[]*sharedRule
					for _, or := range rules {
						if !hasOut(or.Out(), out) {
							if or.out == nil {
								if outs == nil {
									outs = &[]OutRule{out}
								}
								or.out = outs
							} else {
								add(&or.out, out)
							}
						}
						// Shared: the nft rule also came from another rule.
						if !one || or.Pos != sole {
							if shares == nil {
								shares = &[]*sharedRule{{origin: nr.Origin}}
							}
							switch sr := (*shares)[0]; {
							case or.shared == nil:
								or.shared = shares
							case !slices.Contains(*or.shared, sr):
								add(&or.shared, sr)
							}
						}
						if nr.Dead() != "" {
							n := or.setNotes()
							or.Status, n.reason, n.effect = NeverMatches, nr.Dead(), "none: the rule never matches"
						}
						if !nr.Placeholder() && or.counted != chainNo {
							or.counted = chainNo
							k := chainOf{or.Family, or.Table(), or.Chain()}
							if from[k] == 0 {
								fromOrder = append(fromOrder, k)
							}
							from[k]++
						}
					}
					if nr.Dead() != "" {
						for _, or := range uniqueRules(rules) {
							r.Never = append(r.Never, Dead{Rule: or, Reason: nr.Dead(), OutLine: out.Line})
						}
					}
				}
				for _, k := range fromOrder {
					count.From = append(count.From, fmt.Sprintf("%s %s (%s): %d", k.table, k.chain, k.fam, from[k]))
				}
				r.OutChains = append(r.OutChains, count)
			}
		}
	}

	// Optimizer passes.
	if m.Opt != nil {
		passes := map[string]*Pass{}
		// ones are the passes' names as slices of one, shared by the
		// rules one pass merged (see outs above).
		ones := map[string]*[]string{}
		var order []string
		for _, mg := range m.Opt.Merges {
			p := passes[mg.Pass]
			if p == nil {
				p = &Pass{Name: mg.Pass}
				passes[mg.Pass] = p
				ones[mg.Pass] = &[]string{mg.Pass}
				order = append(order, mg.Pass)
			}
			p.Merges++
			p.Rules += len(mg.From)
			if len(p.Reasons) < 3 && !contains(p.Reasons, mg.Reason) {
				p.Reasons = append(p.Reasons, mg.Reason)
			}
			for _, o := range mg.From {
				for _, or := range idx.at(o) {
					switch {
					case or.passes == nil:
						or.passes = ones[mg.Pass]
					case !contains(*or.passes, mg.Pass):
						add(&or.passes, mg.Pass)
					}
				}
			}
		}
		for _, n := range order {
			r.Passes = append(r.Passes, *passes[n])
		}
		for _, d := range m.Opt.Dead {
			for _, o := range d.Rule.Origin {
				for _, or := range idx.at(o) {
					n := or.setNotes()
					n.shadowed = true
					if len(d.After.Origin) > 0 {
						n.shadowedBy = d.After.Origin[0]
					}
					r.Shadowed = append(r.Shadowed, Dead{Rule: or, After: n.shadowedBy, OutLine: m.RuleLines[d.Rule],
						Reason: fmt.Sprintf("the rule at %s always ends chain %s before it", r.where(n.shadowedBy), d.Chain)})
				}
			}
		}
	}

	// Untranslated rules and errors, from the diagnostics: each one the
	// translator reports is listed, whether or not a rule is found for it.
	optNotes := map[translate.Diag]bool{}
	if m.Opt != nil {
		for _, d := range m.Opt.Notes {
			optNotes[d] = true
		}
	}
	var ipsNotes []translate.Diag
	for _, d := range m.Diags {
		switch d.Kind {
		case translate.DiagUntranslated, translate.DiagError:
			p := Problem{Pos: d.Pos, Rule: d.Rule, Ext: d.Ext, Reason: d.Msg, Effect: d.Effect}
			rule := findRule(idx, d)
			if d.Kind == translate.DiagUntranslated {
				p.FailOpen = strings.HasPrefix(d.Effect, "fail-open")
				if !p.FailOpen && rule != nil {
					if why := dropsThroughChain(rule, orig, r.where); why != "" {
						p.FailOpen, p.Effect = true, "fail-open: "+why+" ("+d.Effect+")"
					}
				}
			}
			if rule != nil {
				for _, o := range rule.Out() {
					if o.Placeholder {
						p.OutLine = o.Line
					}
				}
				n := rule.setNotes()
				n.reason, n.effect = strings.TrimPrefix(d.Ext+": "+d.Msg, ": "), p.Effect
				switch {
				case d.Kind == translate.DiagError:
					rule.Status = Error
				case p.FailOpen:
					rule.Status = FailOpen
				default:
					rule.Status = Untranslated
				}
			}
			switch {
			case d.Kind == translate.DiagError:
				r.Errors = append(r.Errors, p)
			case p.FailOpen:
				r.FailOpen = append(r.FailOpen, p)
			default:
				r.Untranslated = append(r.Untranslated, p)
			}
		default:
			switch {
			case optNotes[d] && d.Kind == translate.DiagWarning:
				ipsNotes = append(ipsNotes, d) // the IPS moves, shown with their chain
			case optNotes[d], d.Kind == translate.DiagNote && strings.HasPrefix(d.Msg, "the rule never matches"):
				// dead rules, shown in their own section
			default:
				r.Warnings = append(r.Warnings, d)
			}
		}
	}

	// Statuses of the rest.
	for _, rule := range r.Rules {
		switch {
		case rule.Status != Translated:
		case rule.out == nil:
			rule.Status = Missing
		case rule.shared != nil:
			rule.Status = Merged
		}
		if b := verify.RuleBlindSpots(rule.Text, m.IPSets...); b != nil {
			rule.setNotes().blind = b
		}
	}

	// Deliberate changes of meaning.
	if m.Ruleset != nil {
		for _, t := range m.Ruleset.Tables {
			for _, c := range t.Chains {
				var ch *Change
				switch {
				case translate.IPSChain(c):
					ch = &Change{Kind: "IPS chain", Notes: ipsNotes}
				case translate.CtHelperChain(c):
					ch = &Change{Kind: "ct helper chain"}
				default:
					continue
				}
				ch.Chain, ch.Line, ch.Detail = c.Name, m.ChainLines[c], c.Comment
				var rules []*Rule
				for _, nr := range c.Rules {
					for _, o := range nr.Origin {
						rules = append(rules, idx.at(o)...)
					}
				}
				ch.Rules = uniqueRules(rules)
				for _, or := range ch.Rules {
					or.setNotes().change = ch.Kind
				}
				if ch.Kind == "ct helper chain" {
					for _, d := range r.Warnings {
						for _, or := range ch.Rules {
							if keyOf(d.Pos) == keyOf(or.Pos) && strings.Contains(d.Msg, "ct helper") {
								ch.Notes = append(ch.Notes, d)
							}
						}
					}
				}
				r.Changes = append(r.Changes, *ch)
			}
		}
	}

	// Input chain counts.
	in := map[string]*ChainCount{}
	var inOrder []string
	var count *ChainCount // of the rule before, as rules come in runs
	var last *Rule
	for _, rule := range r.Rules {
		if rule.Chain() == "" {
			continue
		}
		if last == nil || !sameChain(rule, last) {
			k := chainKey(rule.Family, rule.Table(), rule.Chain())
			if in[k] == nil {
				in[k] = &ChainCount{Family: rule.Family.String(), Table: rule.Table(), Chain: rule.Chain()}
				inOrder = append(inOrder, k)
			}
			count = in[k]
		}
		count.Rules++
		last = rule
	}
	for _, k := range inOrder {
		r.InChains = append(r.InChains, *in[k])
	}

	// Groups of rules that became the same nft rules: runs of r.Rules,
	// found first so that the groups are made at their number and their
	// rules are those of r.Rules, not copies.
	var ends []int
	for i := 1; i <= len(r.Rules); i++ {
		if i == len(r.Rules) {
			ends = append(ends, i)
			break
		}
		rule, last := r.Rules[i], r.Rules[i-1]
		if rule.out == nil || rule.out != last.out && !slices.Equal(*rule.out, last.Out()) || rule.Pos.File != last.Pos.File || rule.Status != last.Status {
			ends = append(ends, i)
		}
	}
	if len(ends) > 0 {
		r.Groups = make([]Group, len(ends))
	}
	start := 0
	for k, end := range ends {
		r.Groups[k] = Group{Rules: r.Rules[start:end:end], Out: r.Rules[start].Out()}
		start = end
	}
	for i := range r.Groups {
		g := &r.Groups[i]
		seen := map[*sharedRule]bool{}
		for _, rule := range g.Rules {
			for _, p := range rule.Passes() {
				if !contains(g.Passes, p) {
					g.Passes = append(g.Passes, p)
				}
			}
			for _, nr := range rule.sharedRules() {
				if !seen[nr] {
					seen[nr] = true
					g.shared = append(g.shared, nr)
				}
			}
		}
		g.others = r.countOthers(g)
	}

	// Blind spots of verify, with the rules they concern: few rules
	// have any.
	blind := map[string][]int{} // name → index in r.Blind
	for _, b := range verify.BlindSpots {
		blind[b.Name] = append(blind[b.Name], len(r.Blind))
		r.Blind = append(r.Blind, BlindSpot{BlindSpot: b})
	}
	for _, rule := range r.Rules {
		for i, name := range rule.Blind() {
			if contains(rule.Blind()[:i], name) {
				continue
			}
			for _, j := range blind[name] {
				r.Blind[j].Rules = append(r.Blind[j].Rules, rule.Pos)
			}
		}
	}
	return r
}

// Originals is what the report keeps of the original rules: each rule's
// position, text, chain and target, not its parse tree.
type Originals struct {
	rules []*Rule
	// chains are the rules of each chain ("fam table chain"), for
	// fail-open through chains: made when first needed (rulesOf), as
	// few reports need them.
	chains map[string][]*Rule
	// cur is the last rule's chain, the one all its rules point to
	// (chainOfs: each chain once).
	cur      *chainOf
	chainOfs map[string]*chainOf
	// targets are the rules' targets, each once (Rule.target indexes
	// them; 0 is none).
	targets   []string
	targetNos map[string]uint32
}

// Add takes what the report needs of an item of f: a rule (-A, -I or
// -R), or a line that failed to parse as one. It keeps no pointer into
// the item (translate.Options.SeeItem).
func (o *Originals) Add(f *iptparse.File, it iptparse.Item) {
	switch it := it.(type) {
	case *iptparse.CommandLine:
		if !it.Op.AddsRule() {
			return
		}
		c := it.Command
		rule := &Rule{Pos: c.Pos, Text: c.RuleText(), Family: c.Family}
		if o.chainOfs == nil {
			o.chainOfs, o.targets, o.targetNos = map[string]*chainOf{}, []string{""}, map[string]uint32{"": 0}
		}
		if c.Rule != nil && c.Rule.Target != nil {
			name := c.Rule.Target.Name
			n, ok := o.targetNos[name]
			if !ok {
				n = uint32(len(o.targets))
				o.targets = append(o.targets, name)
				o.targetNos[name] = n
			}
			rule.target, rule.jumps = n, c.Rule.Target.IsChain()
		}
		if o.cur == nil || *o.cur != (chainOf{c.Family, c.Table, c.Chain}) {
			k := chainKey(c.Family, c.Table, c.Chain)
			o.cur = o.chainOfs[k]
			if o.cur == nil {
				o.cur = &chainOf{c.Family, c.Table, c.Chain}
				o.chainOfs[k] = o.cur
			}
		}
		rule.chain = o.cur
		o.rules = append(o.rules, rule)
	case *iptparse.BadLine:
		if it.IsRule {
			o.rules = append(o.rules, &Rule{Pos: it.Pos, Text: strings.TrimSpace(it.Text), Family: f.Family, Status: Error})
		}
	}
}

// rulesOf returns the rules of a chain (chainKey), in input order.
func (o *Originals) rulesOf(key string) []*Rule {
	if o.chains == nil {
		o.chains = map[string][]*Rule{}
		var last *chainOf
		var k string
		for _, rule := range o.rules {
			if rule.chain == nil {
				continue
			}
			if rule.chain != last {
				last, k = rule.chain, chainKey(rule.chain.fam, rule.chain.table, rule.chain.chain)
			}
			o.chains[k] = append(o.chains[k], rule)
		}
	}
	return o.chains[key]
}

// chainOf is an input chain.
type chainOf struct {
	fam          iptparse.Family
	table, chain string
}

// ruleIndex finds the original rules by position. Positions were map
// keys once: hashing a million of them, twice, and looking each up
// took a third of a 1,000,000-rule report. Here the rules are sorted by
// file and line (stably: in input order on a line; a save file's are
// sorted already) and each file has where each line's rules start.
type ruleIndex struct {
	sorted []*Rule
	// starts: file → start, line l's rules being sorted[start[l]:start[l+1]]
	starts map[string][]int32
	// the last file looked up, as lookups come in runs
	lastFile  string
	lastStart []int32
}

func cmpLine(a, b *Rule) int {
	if c := strings.Compare(a.Pos.File, b.Pos.File); c != 0 {
		return c
	}
	return cmp.Compare(a.Pos.Line, b.Pos.Line)
}

func newRuleIndex(rules []*Rule) *ruleIndex {
	sorted := rules
	if !slices.IsSortedFunc(sorted, cmpLine) {
		sorted = slices.Clone(rules)
		slices.SortStableFunc(sorted, cmpLine)
	}
	x := &ruleIndex{sorted: sorted, starts: map[string][]int32{}}
	for i := 0; i < len(sorted); {
		file := sorted[i].Pos.File
		j := i
		for j < len(sorted) && sorted[j].Pos.File == file {
			j++
		}
		last := max(int(sorted[j-1].Pos.Line), 0)
		start := make([]int32, last+2)
		k := i
		for l := range start {
			for k < j && int(sorted[k].Pos.Line) < l {
				k++
			}
			start[l] = int32(k)
		}
		x.starts[file] = start
		i = j
	}
	return x
}

// line returns the rules on a line of a file, in input order.
func (x *ruleIndex) line(file string, line int) []*Rule {
	if file != x.lastFile || x.lastStart == nil {
		x.lastFile, x.lastStart = file, x.starts[file]
	}
	s := x.lastStart
	if line < 0 || line+1 >= len(s) {
		return nil
	}
	return x.sorted[s[line]:s[line+1]:s[line+1]]
}

// at returns the rules at a position, in input order.
func (x *ruleIndex) at(p iptparse.Pos) []*Rule {
	rs := x.line(p.File, int(p.Line))
	for _, r := range rs {
		if r.Pos.Col != p.Col {
			var at []*Rule
			for _, r := range rs {
				if r.Pos == p {
					at = append(at, r)
				}
			}
			return at
		}
	}
	return rs
}

// sameChain tells whether two rules are in one chain.
func sameChain(a, b *Rule) bool {
	return a.Family == b.Family && (a.chain == b.chain || a.Table() == b.Table() && a.Chain() == b.Chain())
}

func chainKey(f iptparse.Family, table, chain string) string {
	return f.String() + " " + table + " " + chain
}

// findRule finds the original rule a diagnostic is about: same file and
// rule text, the last one starting at or before the diagnostic's line
// (a command may continue over several lines); else the rule on that line.
func findRule(idx *ruleIndex, d translate.Diag) *Rule {
	if rs := idx.line(d.Pos.File, int(d.Pos.Line)); len(rs) > 0 {
		for _, r := range rs {
			if r.Text == d.Rule {
				return r
			}
		}
		if d.Rule == "" {
			return rs[0]
		}
	}
	if d.Rule == "" {
		return nil
	}
	for line := d.Pos.Line - 1; line > 0 && line > d.Pos.Line-50; line-- {
		for _, r := range idx.line(d.Pos.File, int(line)) {
			if r.Text == d.Rule {
				return r
			}
		}
	}
	return nil
}

// dropsThroughChain tells whether leaving out an untranslated jump lets
// packets through: the chain it jumps to (or one that chain jumps to)
// drops or rejects packets.
func dropsThroughChain(rule *Rule, orig *Originals, where func(iptparse.Pos) string) string {
	if !rule.jumps {
		return ""
	}
	seen := map[string]bool{}
	var walk func(chain string) string
	walk = func(chain string) string {
		k := chainKey(rule.Family, rule.Table(), chain)
		if seen[k] {
			return ""
		}
		seen[k] = true
		for _, c := range orig.rulesOf(k) {
			switch tg := orig.targets[c.target]; {
			case tg == "DROP" || tg == "REJECT" || tg == "TARPIT":
				return fmt.Sprintf("chain %s, which this rule sends packets to, %s packets (%s)", chain, map[bool]string{true: "drops", false: "rejects"}[tg == "DROP"], where(c.Pos))
			case c.jumps:
				if why := walk(tg); why != "" {
					return why
				}
			}
		}
		return ""
	}
	return walk(orig.targets[rule.target])
}

func hasOut(l []OutRule, o OutRule) bool {
	for _, x := range l {
		if x.Line == o.Line && x.Chain == o.Chain && x.Table == o.Table && x.Family == o.Family {
			return true
		}
	}
	return false
}

// MergedWith lists the other original rules sharing the nft rules this
// one became, in the order of those rules' origins.
func (r *Rule) MergedWith() []iptparse.Pos {
	return otherOrigins(r.sharedRules(), map[iptparse.Pos]bool{r.Pos: true})
}

// soleOrigin returns the position all of an nft rule's origins share,
// and false if they come from two positions or more (then every one of
// them shares the rule with another). Worked out once per nft rule: a
// rule made from a long address list has thousands of origins.
func soleOrigin(nr *ir.Rule) (iptparse.Pos, bool) {
	if len(nr.Origin) == 0 {
		return iptparse.Pos{}, true // no original rule to share it
	}
	for _, o := range nr.Origin[1:] {
		if o != nr.Origin[0] {
			return iptparse.Pos{}, false
		}
	}
	return nr.Origin[0], true
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func uniqueRules(l []*Rule) []*Rule {
	seen := map[*Rule]bool{}
	var out []*Rule
	for _, r := range l {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return lessPos(out[i].Pos, out[j].Pos) })
	return out
}

// comparePos orders positions as lessPos does.
func comparePos(a, b iptparse.Pos) int {
	if c := strings.Compare(a.File, b.File); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Line, b.Line); c != 0 {
		return c
	}
	return cmp.Compare(a.Col, b.Col)
}

func lessPos(a, b iptparse.Pos) bool { return comparePos(a, b) < 0 }

// where prints a position as NAME:LINE, NAME the file's short name.
func (r *Report) where(p iptparse.Pos) string {
	name := p.File
	if n, ok := r.names[p.File]; ok {
		name = n
	}
	if p.Line == 0 {
		return name
	}
	return fmt.Sprintf("%s:%d", name, p.Line)
}

// countOthers counts g.Others. The usual group, sharing one nft rule,
// is counted without copying: that rule's origins less the group's own.
func (r *Report) countOthers(g *Group) int {
	switch len(g.shared) {
	case 0:
		return 0
	case 1:
		o := g.shared[0].origins()
		n := len(o.sorted)
		for _, rule := range g.Rules {
			if _, ok := o.index(rule.Pos); ok {
				n--
			}
		}
		return n
	}
	return len(g.Others())
}

// othersList prints g.Others like posList. For the usual group sharing
// one nft rule it walks that rule's sorted origins, indexed once (see
// sharedRule.origins), and visits only the items it prints and the group's
// own rules, so that the groups of a rule merging thousands of others
// (a verdict map) do not each walk all of its origins.
func (r *Report) othersList(g *Group, max int) string {
	if len(g.shared) != 1 {
		return r.posList(g.Others(), max)
	}
	o := g.shared[0].origins().withRuns()
	// The group's own rules among the origins, by index: each leaves a
	// gap that ends the run it was in.
	var skip []int
	for _, rule := range g.Rules {
		if i, ok := o.index(rule.Pos); ok {
			skip = append(skip, i)
		}
	}
	slices.Sort(skip)
	skip = slices.Compact(skip)
	// Runs left: the runs of all origins, less those a skipped origin
	// started, plus those starting right after a skipped origin that
	// was in the middle of a run.
	runs := o.runs
	for k, s := range skip {
		if o.starts(s) {
			runs--
		}
		if next := s + 1; next < len(o.sorted) && (k+1 == len(skip) || skip[k+1] != next) && !o.starts(next) {
			runs++
		}
	}
	var items []string
	file := "\x00"
	k := 0
	for i := 0; i < len(o.sorted) && (max <= 0 || len(items) < max); {
		if k < len(skip) && skip[k] == i {
			k++
			i++
			continue
		}
		j := o.runEnd[i]
		if k < len(skip) && skip[k] <= j {
			j = skip[k] - 1
		}
		items = append(items, r.runItem(o.sorted, i, j, &file))
		i = j + 1
	}
	if more := runs - len(items); more > 0 {
		items = append(items, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(items, ", ")
}

// originIndex is a shared nft rule's origins, sorted and each once, with
// what othersList needs to print them less a few without walking them
// all. Positions are found by binary search: as sets, with an index
// of their own, the origins of a 1,000,000-rule dump's merges took
// 87 MB.
type originIndex struct {
	sorted []iptparse.Pos
	// runEnd[i] is the last index of the run (positions in one file
	// whose lines follow each other) that goes on from i; runs counts
	// the runs. Made by withRuns.
	runEnd []int
	runs   int
}

// index returns the index of p in sorted, and whether it is there.
func (o *originIndex) index(p iptparse.Pos) (int, bool) {
	return slices.BinarySearchFunc(o.sorted, p, comparePos)
}

// follows tells whether sorted[i] goes on the run of sorted[i-1].
func (o *originIndex) follows(i int) bool {
	return o.sorted[i].File == o.sorted[i-1].File && o.sorted[i].Line <= o.sorted[i-1].Line+1
}

// starts tells whether a run starts at sorted[i].
func (o *originIndex) starts(i int) bool {
	return i == 0 || !o.follows(i)
}

// withRuns finds the runs, once.
func (o *originIndex) withRuns() *originIndex {
	if o.runEnd != nil || len(o.sorted) == 0 {
		return o
	}
	o.runEnd = make([]int, len(o.sorted))
	for i := len(o.sorted) - 1; i >= 0; i-- {
		o.runEnd[i] = i
		if i+1 < len(o.sorted) && o.follows(i+1) {
			o.runEnd[i] = o.runEnd[i+1]
		}
		if o.starts(i) {
			o.runs++
		}
	}
	return o
}

// origins sorts the nft rule's origins, once. Origins in input order,
// each once (most), are used as they are.
func (nr *sharedRule) origins() *originIndex {
	if nr.index != nil {
		return nr.index
	}
	sorted := nr.origin
	for i := 1; i < len(sorted); i++ {
		if comparePos(sorted[i-1], sorted[i]) >= 0 {
			sorted = slices.Clone(nr.origin)
			slices.SortFunc(sorted, comparePos)
			sorted = slices.Clip(slices.Compact(sorted))
			break
		}
	}
	nr.index = &originIndex{sorted: sorted}
	return nr.index
}

// posList prints positions by file, runs of lines as ranges
// ("a.rules:3-7, 9"), with at most max items.
func (r *Report) posList(ps []iptparse.Pos, max int) string {
	sorted := append([]iptparse.Pos(nil), ps...)
	sort.SliceStable(sorted, func(i, j int) bool { return lessPos(sorted[i], sorted[j]) })
	var items []string
	more := 0
	file := "\x00"
	for i := 0; i < len(sorted); {
		j := i
		for j+1 < len(sorted) && sorted[j+1].File == sorted[i].File && sorted[j+1].Line <= sorted[j].Line+1 {
			j++
		}
		if max > 0 && len(items) == max {
			more++
			i = j + 1
			continue
		}
		items = append(items, r.runItem(sorted, i, j, &file))
		i = j + 1
	}
	if more > 0 {
		items = append(items, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(items, ", ")
}

// runItem prints the run sorted[i..j] ("3" or "3-7"), after the file's
// name where the file is not *file, the previous item's.
func (r *Report) runItem(sorted []iptparse.Pos, i, j int, file *string) string {
	item := fmt.Sprint(sorted[i].Line)
	if sorted[j].Line != sorted[i].Line {
		item += fmt.Sprintf("-%d", sorted[j].Line)
	}
	if sorted[i].File != *file {
		*file = sorted[i].File
		item = r.where(iptparse.Pos{File: *file}) + ":" + item
	}
	return item
}
