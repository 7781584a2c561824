package emit

import (
	"fmt"
	"io"
	"strings"

	"github.com/ipt2nft/ipt2nft/ir"
)

// RulesetOptions control how a whole ruleset is written.
type RulesetOptions struct {
	// Header lines, written as "# ..." comments at the top.
	Header []string
	// Replace makes the script idempotent and atomic: each table is
	// declared, deleted and defined again in the same file, so loading it
	// twice gives the same state and other tables are not touched.
	Replace bool
	// RuleLines and ChainLines, when not nil, receive the line (from 1)
	// each rule and chain is written on, for reports: a rule's own line
	// (after its note comments), the placeholder comment of an
	// untranslated or never-matching rule, a chain's "chain NAME {".
	RuleLines  map[*ir.Rule]int
	ChainLines map[*ir.Chain]int
}

// WriteRuleset writes rs in nft block syntax, loadable with "nft -f".
// The text goes to w as it is made, a few kilobytes at a time.
func (p *Printer) WriteRuleset(w io.Writer, rs *ir.Ruleset, opt RulesetOptions) error {
	b := &textBuf{w: w, buf: make([]byte, 0, flushSize+flushSize/4)}
	if opt.RuleLines != nil || opt.ChainLines != nil {
		p.lines, b.countLines = b, true
		p.ruleLines, p.chainLines = opt.RuleLines, opt.ChainLines
		defer func() { p.lines, p.ruleLines, p.chainLines = nil, nil, nil }()
	}
	for _, h := range opt.Header {
		b.WriteString("# " + SanitizeComment(h) + "\n")
	}
	for i, t := range rs.Tables {
		if i > 0 || len(opt.Header) > 0 {
			b.WriteByte('\n')
		}
		p.writeTable(b, t, opt)
	}
	b.flush()
	return b.err
}

var commentLineReplacer = strings.NewReplacer("\n", " ", "\r", " ")

// SanitizeComment makes text safe for a "# ..." line.
func SanitizeComment(s string) string {
	return commentLineReplacer.Replace(s)
}

func (p *Printer) writeTable(b *textBuf, t *ir.Table, opt RulesetOptions) {
	head := fmt.Sprintf("table %s %s", t.Family, Ident(t.Name))
	if opt.Replace {
		fmt.Fprintf(b, "%s\ndelete %s\n", head, head)
	}
	b.WriteString(head + " {\n")
	first := true
	sep := func() {
		if !first {
			b.WriteByte('\n')
		}
		first = false
	}
	if t.Comment != "" {
		fmt.Fprintf(b, "\tcomment %s\n", p.quote(t.Comment))
		first = false
	}
	for _, h := range t.CtHelpers {
		sep()
		fmt.Fprintf(b, "\tct helper %s {\n\t\ttype %s protocol %s\n", Ident(h.Name), p.quote(h.Helper), h.Protocol)
		if h.L3Proto != "" {
			fmt.Fprintf(b, "\t\tl3proto %s\n", h.L3Proto)
		}
		b.WriteString("\t}\n")
	}
	for _, o := range t.Counters {
		sep()
		fmt.Fprintf(b, "\tcounter %s {\n", Ident(o.Name))
		if o.Comment != "" {
			fmt.Fprintf(b, "\t\tcomment %s\n", p.quote(o.Comment))
		}
		b.WriteString("\t}\n")
	}
	for _, s := range t.Sets {
		sep()
		p.writeSet(b, s)
	}
	for _, c := range t.Chains {
		sep()
		p.writeChain(b, c)
	}
	b.WriteString("}\n")
}

func (p *Printer) writeSet(b *textBuf, s *ir.Set) {
	kind := "set"
	if s.Map != "" {
		kind = "map"
	}
	fmt.Fprintf(b, "\t%s %s {\n", kind, Ident(s.Name))
	if s.Type != "" {
		t := s.Type
		if s.Map != "" {
			t += " : " + s.Map
		}
		fmt.Fprintf(b, "\t\ttype %s\n", t)
	} else if s.Typeof != nil {
		fmt.Fprintf(b, "\t\ttypeof %s\n", p.Expr(s.Typeof))
	}
	if len(s.Flags) > 0 {
		fmt.Fprintf(b, "\t\tflags %s\n", strings.Join(s.Flags, ","))
	}
	if s.Timeout != "" {
		fmt.Fprintf(b, "\t\ttimeout %s\n", s.Timeout)
	}
	if s.GCInt != "" {
		fmt.Fprintf(b, "\t\tgc-interval %s\n", s.GCInt)
	}
	if s.Size != 0 {
		fmt.Fprintf(b, "\t\tsize %d\n", s.Size)
	}
	if s.Policy != "" {
		fmt.Fprintf(b, "\t\tpolicy %s\n", s.Policy)
	}
	if s.Counter {
		b.WriteString("\t\tcounter\n")
	}
	if s.Comment != "" {
		fmt.Fprintf(b, "\t\tcomment %s\n", p.quote(s.Comment))
	}
	if len(s.Elements) > 0 {
		b.WriteString("\t\telements = {")
		for i, e := range s.Elements {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("\n\t\t\t" + p.Expr(e))
		}
		b.WriteString("\n\t\t}\n")
	}
	b.WriteString("\t}\n")
}

func (p *Printer) writeChain(b *textBuf, c *ir.Chain) {
	if p.chainLines != nil {
		p.chainLines[c] = p.lines.nextLine()
	}
	b.WriteString("\tchain ")
	b.WriteString(Ident(c.Name))
	b.WriteString(" {\n")
	if c.Comment != "" {
		fmt.Fprintf(b, "\t\tcomment %s\n", p.quote(c.Comment))
	}
	if h := c.Hook; h != nil {
		fmt.Fprintf(b, "\t\ttype %s hook %s", h.Type, h.Hook)
		if h.Device != "" {
			fmt.Fprintf(b, " device %s", p.quote(h.Device))
		}
		fmt.Fprintf(b, " priority %s;", PriorityText(h.Priority))
		if h.Policy != "" {
			fmt.Fprintf(b, " policy %s;", h.Policy)
		}
		b.WriteByte('\n')
	}
	for _, r := range c.Rules {
		p.writeRule(b, r)
		b.maybeFlush()
	}
	b.WriteString("\t}\n")
}

func (p *Printer) writeRule(b *textBuf, r *ir.Rule) {
	if p.ruleLines != nil && r.Placeholder() {
		p.ruleLines[r] = p.lines.nextLine()
	}
	if u := r.Untranslated(); u != nil {
		fmt.Fprintf(b, "\t\t# untranslated (%s): %s\n", SanitizeComment(u.Reason), SanitizeComment(r.Source()))
		return
	}
	if r.Dead() != "" {
		fmt.Fprintf(b, "\t\t# never matches (%s): %s\n", SanitizeComment(r.Dead()), SanitizeComment(r.Source()))
		return
	}
	for _, n := range Notes(r) {
		fmt.Fprintf(b, "\t\t# %s\n", SanitizeComment(n))
	}
	if p.ruleLines != nil {
		p.ruleLines[r] = p.lines.nextLine()
	}
	b.WriteString("\t\t")
	p.rule(b, r)
	b.WriteByte('\n')
}
