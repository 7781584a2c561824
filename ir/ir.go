// Package ir is ipt2nft's typed model of an nftables ruleset: tables,
// chains, sets, rules, and the statements and expressions rules are made of.
//
// Translation builds it, the optimizer rewrites it, and package emit prints
// it as nft text, as libnftables JSON, or sends it over netlink. Nothing in
// here produces nft syntax; a few fields are spelling hints ("print this
// comparison as 'gt'") that only matter when reproducing upstream
// iptables-translate output byte for byte.
package ir

import "github.com/ipt2nft/ipt2nft/iptparse"

// Pos is a source position in the iptables input.
type Pos = iptparse.Pos

// Family is an nftables address family.
type Family uint8

const (
	FamilyIP Family = iota
	FamilyIP6
	FamilyInet
	FamilyARP
	FamilyBridge
	FamilyNetdev
)

var familyNames = [...]string{"ip", "ip6", "inet", "arp", "bridge", "netdev"}

func (f Family) String() string { return familyNames[f] }

// ParseFamily is the Family nft calls name ("ip", "inet"...).
func ParseFamily(name string) (Family, bool) {
	for i, n := range familyNames {
		if n == name {
			return Family(i), true
		}
	}
	return 0, false
}

// Ruleset is a whole nftables ruleset (the tables ipt2nft manages).
type Ruleset struct {
	Tables []*Table
}

// Table is an nftables table with its chains, sets and objects.
type Table struct {
	Family    Family
	Name      string
	Comment   string
	Sets      []*Set
	CtHelpers []*CtHelper
	Counters  []*CounterObj
	Chains    []*Chain
}

// Chain finds a chain by name.
func (t *Table) Chain(name string) *Chain {
	for _, c := range t.Chains {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Set finds a set by name.
func (t *Table) Set(name string) *Set {
	for _, s := range t.Sets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Chain is a base chain (Hook set) or a regular chain.
type Chain struct {
	Name    string
	Hook    *Hook // nil for a regular chain
	Comment string
	Rules   []*Rule
	Origin  []Pos // where it was declared (:CHAIN lines, -N commands)
	// Aux marks chains ipt2nft adds to do what one iptables rule does but
	// one nft rule cannot (masked CONNMARK, ct helpers after conntrack).
	Aux bool
	// Deferred, when set, holds the chain's rules (Rules is then empty)
	// in a compact form that the translator made for a long chain of
	// rules alike and that translate.Optimize takes as it is: nil for
	// every chain of a ruleset Optimize has seen.
	Deferred DeferredRules
}

// DeferredRules are a chain's rules kept compactly (Chain.Deferred).
type DeferredRules interface {
	// Len is the number of rules.
	Len() int
	// Rules makes the rules in full.
	Rules() []*Rule
}

// Hook makes a chain a base chain.
type Hook struct {
	Type     string // filter, nat, route
	Hook     string // prerouting, input, forward, output, postrouting
	Priority Priority
	Policy   string // accept, drop, or "" for the default
	Device   string
}

// Priority is a chain priority: a named priority plus an offset
// ("filter + 10"), or a plain number when Name is "".
type Priority struct {
	Name   string
	Offset int
}

// Set is a named set or map.
type Set struct {
	Name string
	// Type is the element type, like "ipv4_addr" or
	// "ipv4_addr . inet_service"; for maps also set Map.
	Type     string
	Typeof   Expr   // alternatively: "typeof" key expression
	Map      string // data type of a map ("verdict", "ipv4_addr"...)
	Flags    []string
	Timeout  string // default element timeout, "60s"
	GCInt    string
	Size     uint32
	Policy   string
	Counter  bool
	Comment  string
	Elements []Expr
	Origin   []Pos
}

// CtHelper is a "ct helper" object.
type CtHelper struct {
	Name     string
	Helper   string // kernel helper name, "ftp"
	Protocol string // "tcp" or "udp"
	L3Proto  string // "ip", "ip6", "inet"
}

// Rule is one nftables rule.
type Rule struct {
	Stmts   []Stmt
	Comment string
	Origin  []Pos // the iptables rule(s) it came from
	// note holds what most rules of the translate command leave empty
	// (it keeps no rule texts: translate.Options.NoProvenance): a Rule
	// is 72 bytes instead of 104, 12 MB of the mixed 1,000,000-rule
	// dump's. Set with SetSource, SetUntranslated and SetDead, which
	// copy it: a copy of a Rule may share it.
	note *RuleNote
}

// RuleNote is a Rule's text and why it is a placeholder (see Rule).
type RuleNote struct {
	source       string
	untranslated *Untranslated
	dead         string
}

// UntranslatedRule is a rule from origin, with the text source, that
// nftables cannot express (Untranslated).
func UntranslatedRule(origin []Pos, source string, u *Untranslated) *Rule {
	return &Rule{Origin: origin, note: &RuleNote{source: source, untranslated: u}}
}

// DeadRule is a rule from origin, with the text source, that never
// matches (Dead says why).
func DeadRule(origin []Pos, source, dead string) *Rule {
	return &Rule{Origin: origin, note: &RuleNote{source: source, dead: dead}}
}

// Source is the iptables rule text the rule came from, for reports and
// for untranslated rules ("" if not kept).
func (r *Rule) Source() string {
	if r.note == nil {
		return ""
	}
	return r.note.source
}

// Untranslated is set when nftables cannot express the rule: the rule is
// kept as a comment in the output, and reported.
func (r *Rule) Untranslated() *Untranslated {
	if r.note == nil {
		return nil
	}
	return r.note.untranslated
}

// Dead says why the rule can never match (the kernel never finds the
// pattern, say): it is translated as nothing, and kept as a comment.
func (r *Rule) Dead() string {
	if r.note == nil {
		return ""
	}
	return r.note.dead
}

// WithSource sets Source and returns r, for a rule made in one
// expression.
func (r *Rule) WithSource(s string) *Rule {
	r.SetSource(s)
	return r
}

// SetSourceIn sets Source in n, a zero RuleNote that r takes as its own:
// for a caller that makes rules and their notes in blocks, where one
// note each would be an allocation of 48 bytes.
func (r *Rule) SetSourceIn(n *RuleNote, s string) {
	if s == "" && r.note == nil {
		return
	}
	if r.note != nil {
		*n = *r.note
	}
	n.source = s
	r.note = n
}

// Note is r's note, nil if it has none: for a caller that takes back
// the memory of rules it made (see SetSourceIn).
func (r *Rule) Note() *RuleNote { return r.note }

// SetSource sets Source.
func (r *Rule) SetSource(s string) {
	if n := r.newNote(s != ""); n != nil {
		n.source = s
	}
}

// SetUntranslated sets Untranslated.
func (r *Rule) SetUntranslated(u *Untranslated) {
	if n := r.newNote(u != nil); n != nil {
		n.untranslated = u
	}
}

// SetDead sets Dead.
func (r *Rule) SetDead(d string) {
	if n := r.newNote(d != ""); n != nil {
		n.dead = d
	}
}

// newNote gives r a note of its own to change, a copy of the one it has
// (copies of r may share it), and returns it; nil when r has none and
// need is false (setting an empty value: nothing to do).
func (r *Rule) newNote(need bool) *RuleNote {
	if r.note == nil && !need {
		return nil
	}
	n := new(RuleNote)
	if r.note != nil {
		*n = *r.note
	}
	r.note = n
	return n
}

// Placeholder reports whether the rule stands for an iptables rule
// without nft statements of its own (untranslated or never matching).
func (r *Rule) Placeholder() bool {
	return r.note != nil && (r.note.untranslated != nil || r.note.dead != "")
}

// Untranslated explains why a rule has no nftables equivalent.
type Untranslated struct {
	Pos    Pos
	Reason string
	// Effect says what the ruleset loses ("fail-open: packets this rule
	// drops are no longer dropped").
	Effect string
}
