package iptparse

import (
	"strings"
	"unicode/utf8"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
)

// Op is the command an iptables command line performs.
type Op uint8

const (
	OpNone        Op = iota
	OpAppend         // -A
	OpInsert         // -I
	OpDelete         // -D CHAIN rule-spec
	OpDeleteNum      // -D CHAIN N
	OpReplace        // -R
	OpCheck          // -C
	OpList           // -L
	OpListRules      // -S
	OpFlush          // -F
	OpZero           // -Z
	OpNewChain       // -N
	OpDeleteChain    // -X
	OpRenameChain    // -E
	OpPolicy         // -P
)

var opFlags = lazy.Of[map[Op]string]{New: func() map[Op]string {
	return map[Op]string{
		OpAppend: "-A", OpInsert: "-I", OpDelete: "-D", OpDeleteNum: "-D",
		OpReplace: "-R", OpCheck: "-C", OpList: "-L", OpListRules: "-S",
		OpFlush: "-F", OpZero: "-Z", OpNewChain: "-N", OpDeleteChain: "-X",
		OpRenameChain: "-E", OpPolicy: "-P",
	}
}}

func (o Op) String() string { return opFlags.Get()[o] }

// HasRule reports whether the command carries a rule specification.
func (o Op) HasRule() bool {
	switch o {
	case OpAppend, OpInsert, OpDelete, OpReplace, OpCheck:
		return true
	}
	return false
}

// AddsRule reports whether the command puts a rule into a chain.
func (o Op) AddsRule() bool {
	return o == OpAppend || o == OpInsert || o == OpReplace
}

// Counters are packet and byte counters ("-c P B" or "[P:B]").
type Counters struct {
	Packets, Bytes uint64
}

// Command is one iptables command line, from a shell command or a line of
// an iptables-restore file.
type Command struct {
	Pos      Pos    // position of the first word
	Words    []Word // the words as written, without the program name
	Table    string // "filter" unless -t was given or a *table header applies
	OpPos    Pos
	Chain    string
	RuleNum  int    // -I/-R/-D/-Z number; 0 if none was given
	NewName  string // -E
	Policy   string // -P
	Counters *Counters
	Rule     *Rule // for commands that carry a rule specification
	Warnings []Warning
	// Flags are the listing and locking options (-n -v -x -w...).
	Flags ListFlags
	// line is the save-file line the words were split from, if any: most
	// lines already read as RuleText would write them.
	line string
	// The one-byte fields last, together: no padding after each (a
	// command per rule is kept).
	Family Family
	Op     Op
	// Zero is -Z given with -L or -S: the counters are zeroed after
	// listing.
	Zero bool
	// bare is set when splitting the line found each word one bare part
	// of characters Quote leaves bare: lineText need not check them.
	bare bool
}

// RuleText renders the command the way iptables-save would print it (the
// words as written, from the command flag on), for reports and comments.
func (c *Command) RuleText() string {
	if s, ok := c.lineText(); ok {
		return s
	}
	return c.renderWords()
}

// renderWords writes the words, quoted where needed, one space apart.
func (c *Command) renderWords() string {
	var b strings.Builder
	n := 0
	for _, w := range c.Words {
		n += len(w.Text) + 1
	}
	b.Grow(n)
	for i, w := range c.Words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(Quote(w.Text))
	}
	return b.String()
}

// lineText is RuleText taken from the line the words were read from,
// without building a string, when the line writes them exactly as
// RuleText would: bare, one space apart. Every rule's text is kept in the
// IR for reports, so this saves a copy of the input.
func (c *Command) lineText() (string, bool) {
	if c.line == "" || len(c.Words) == 0 {
		return "", false
	}
	first := int(c.Words[0].Pos.Col) - 1
	if c.bare && len(c.line) <= maxPos { // columns past maxPos are clamped
		// The words are the line's, in order, a run of blanks apart:
		// one space each if they fill the text with one blank between
		// each two, and none of those a tab or carriage return.
		last := &c.Words[len(c.Words)-1]
		s := c.line[first : int(last.Pos.Col)-1+len(last.Text)]
		n := len(c.Words) - 1
		for i := range c.Words {
			n += len(c.Words[i].Text)
		}
		if n != len(s) || strings.IndexByte(s, '\t') >= 0 || strings.IndexByte(s, '\r') >= 0 {
			return "", false
		}
		return s, true
	}
	at := first
	for i, w := range c.Words {
		if i > 0 {
			if at >= len(c.line) || c.line[at] != ' ' {
				return "", false
			}
			at++
		}
		if int(w.Pos.Col)-1 != at {
			return "", false
		}
		end, ok := quotedAt(c.line, at, w.Text)
		if !ok {
			return "", false
		}
		at = end
	}
	return c.line[first:at], true
}

// Quote quotes a word for display the way iptables-save does: words made
// only of safe characters stay bare.
// quotedAt reports whether line has Quote(text) at position at, and
// where it ends: the bare word, or a word in double quotes without quotes
// or backslashes inside (a comment or log prefix with blanks), whose
// quoting is the line's too.
func quotedAt(line string, at int, text string) (end int, ok bool) {
	if text != "" && allSafe(text) {
		end = at + len(text)
		return end, end <= len(line) && line[at:end] == text
	}
	end = at + len(text) + 2
	if end > len(line) || line[at] != '"' || line[end-1] != '"' || line[at+1:end-1] != text ||
		strings.ContainsAny(text, "\\\"") || !utf8.ValidString(text) {
		return 0, false
	}
	return end, true
}

func Quote(s string) string {
	if s != "" && allSafe(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// safeBytes are the characters Quote leaves bare.
var safeBytes = func() (t [256]bool) {
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/,+!=@%") {
		t[c] = true
	}
	return t
}()

func allSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if !safeBytes[s[i]] {
			return false
		}
	}
	return true
}

// Rule is a rule specification: built-in selectors, matches and a target.
type Rule struct {
	Src, Dst *AddrSel
	In, Out  *IfaceSel
	Proto    *ProtoSel
	Frag     *FragSel
	Matches  []*Ext
	Target   *Target // nil: the rule only counts packets
}

// AddrSel is -s/-d: one or more addresses (a comma list makes iptables add
// one rule per address).
type AddrSel struct {
	Pos   Pos
	Neg   bool
	Addrs []AddrMask
}

// IfaceSel is -i/-o. A trailing '+' is a wildcard.
type IfaceSel struct {
	Pos  Pos
	Neg  bool
	Name string
}

// ProtoSel is -p. Num is 0 for "all".
type ProtoSel struct {
	Pos  Pos
	Name string // lower-cased, as written
	Neg  bool
	Num  uint8
}

// FragSel is -f.
type FragSel struct {
	Pos Pos
	Neg bool
}

// Ext is one use of a match (-m NAME) or target (-j NAME) extension with
// its options.
type Ext struct {
	Pos      Pos
	Name     string // as written after -m/-j, lower-cased for matches
	Spec     *ExtensionSpec
	Options  []*Option
	Kind     ExtKind
	Implicit bool // match loaded by -p PROTO rather than by -m
}

// Label names the extension the way errors do: "-m tcp", "-j DNAT".
func (x *Ext) Label() string {
	if x.Kind == KindTarget {
		return "-j " + x.Name
	}
	return "-m " + x.Name
}

// Opt returns the last occurrence of the named option, or nil.
func (x *Ext) Opt(name string) *Option {
	for i := len(x.Options) - 1; i >= 0; i-- {
		if x.Options[i].Name == name {
			return x.Options[i]
		}
	}
	return nil
}

// Has reports whether the named option was given.
func (x *Ext) Has(name string) bool { return x.Opt(name) != nil }

// All returns every occurrence of the named option, in order.
func (x *Ext) All(name string) []*Option {
	var r []*Option
	for _, o := range x.Options {
		if o.Name == name {
			r = append(r, o)
		}
	}
	return r
}

// Option is one option of an extension with its argument words and the
// value parsed according to its type.
type Option struct {
	Pos     Pos
	Spec    *OptionSpec
	Name    string // canonical long name
	Written string // as written, e.g. "--dport" or "--dest" (an abbreviation)
	Neg     bool
	Args    []Word
	// Value is the argument parsed according to the option's type (see
	// values.go). A TypeString option's value is its argument, Arg(),
	// and Value is nil: a string in an interface is an allocation, one
	// for each comment and log prefix.
	Value any
}

// Arg returns the first argument word's text ("" if none).
func (o *Option) Arg() string {
	if len(o.Args) == 0 {
		return ""
	}
	return o.Args[0].Text
}

// Target is -j/-g: a standard verdict, a chain, or a target extension.
type Target struct {
	Pos  Pos
	Name string
	Goto bool // -g
	// Ext is the target extension with its options, nil for standard
	// verdicts (ACCEPT, DROP, RETURN, QUEUE) and chain jumps.
	Ext *Ext
}

// IsStandard reports whether the target is one of iptables' built-in verdicts.
func (t *Target) IsStandard() bool {
	switch t.Name {
	case "ACCEPT", "DROP", "RETURN", "QUEUE":
		return t.Ext == nil
	}
	return false
}

// IsChain reports whether the target jumps to a user chain.
func (t *Target) IsChain() bool { return t.Ext == nil && !t.IsStandard() }

// FindMatch returns the first match with the given name, or nil.
func (r *Rule) FindMatch(name string) *Ext {
	for _, m := range r.Matches {
		if m.Name == name {
			return m
		}
	}
	return nil
}
