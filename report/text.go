package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ANSI styles for the terminal.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiPurple = "\x1b[35m"
	ansiCyan   = "\x1b[1;36m"
	ansiGreen  = "\x1b[32m"
)

// textWriter writes the text format, with or without color.
type textWriter struct {
	b     *bufio.Writer
	color bool
	outs  outTexts
}

func (t *textWriter) style(code, s string) string {
	if !t.color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) printf(format string, args ...any) { fmt.Fprintf(t.b, format, args...) }

// num5 writes n as fmt's %5d does, in the writer's buffer: a buffer of
// its own escaped to the heap, 24 bytes for every line of the report.
func (t *textWriter) num5(n int) {
	d := t.b.AvailableBuffer()
	for i := digits(n); i < 5; i++ {
		d = append(d, ' ')
	}
	t.b.Write(strconv.AppendInt(d, int64(n), 10))
}

// digits counts the characters of n in decimal, its sign included.
func digits(n int) int {
	c := 1
	if n < 0 {
		c++
	}
	for n <= -10 || n >= 10 {
		n /= 10
		c++
	}
	return c
}

func (t *textWriter) heading(s string) {
	t.printf("\n%s\n", t.style(ansiCyan, s))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// WriteText writes the report as text; color adds ANSI colors (for a
// terminal).
func (r *Report) WriteText(w io.Writer, color bool) error {
	t := &textWriter{color: color, b: newOut(w)}
	t.printf("%s\n", t.style(ansiBold, "ipt2nft migration report"))
	for _, in := range r.Inputs {
		t.printf("Input:   %s (%s)\n", in.Name, plural(strings.Count(in.Text, "\n"), "line", "lines"))
	}
	if len(r.Options) > 0 {
		t.printf("Options: %s\n", strings.Join(r.Options, " "))
	}

	t.heading("Summary")
	st := r.Stats
	t.printf("  iptables rules: %d: translated %d, untranslated %d (%s), errors %d\n",
		st.Rules, st.Translated, st.Untranslated, t.style(failStyle(len(r.FailOpen)), fmt.Sprintf("%d fail-open", len(r.FailOpen))), st.Errors)
	t.printf("  nft rules:      %d", r.NftRules)
	if r.Placeholders > 0 {
		t.printf(", and %s standing for rules left out", plural(r.Placeholders, "comment", "comments"))
	}
	t.printf("\n  changes of meaning made on purpose: %d; dead rules: %d can never match, %d never match\n", len(r.Changes), len(r.Shadowed), len(r.Never))
	if len(r.Passes) > 0 {
		var ps []string
		for _, p := range r.Passes {
			ps = append(ps, fmt.Sprintf("%s %d", p.Name, p.Merges))
		}
		t.printf("  optimizer merges: %s (see Chains and optimizer)\n", strings.Join(ps, ", "))
	}
	t.heading("Fail-open: untranslated rules that stopped packets")
	if len(r.FailOpen) == 0 {
		t.printf("  none\n")
	} else {
		t.printf("  %s\n", t.style(ansiRed, "The firewall lets through what these rules dropped or rejected."))
		for _, p := range r.FailOpen {
			t.problem(r, p, ansiRed)
		}
	}
	t.heading("Other untranslated rules")
	if len(r.Untranslated) == 0 {
		t.printf("  none\n")
	}
	for _, p := range r.Untranslated {
		t.problem(r, p, ansiYellow)
	}
	if len(r.Errors) > 0 {
		t.heading("Errors: input iptables itself rejects (not translated)")
		for _, p := range r.Errors {
			t.problem(r, p, ansiYellow)
		}
	}

	t.heading("Changes of meaning made on purpose")
	if len(r.Changes) == 0 {
		t.printf("  none\n")
	}
	for _, c := range r.Changes {
		t.printf("  %s %s (output line %d)\n", t.style(ansiPurple, c.Kind), c.Chain, c.Line)
		t.printf("    %s\n", c.Detail)
		for _, n := range c.Notes {
			t.printf("    %s: %s\n", r.where(n.Pos), n.Msg)
		}
		for _, rule := range c.Rules {
			t.printf("    %s  %s\n", r.where(rule.Pos), rule.Text)
		}
	}

	t.heading("Dead rules")
	if len(r.Shadowed)+len(r.Never) == 0 {
		t.printf("  none\n")
	}
	if len(r.Shadowed) > 0 {
		t.printf("  Can never match: an earlier rule always matches first\n")
		for _, d := range r.Shadowed {
			t.printf("    %s  %s\n      %s; output line %d\n", t.style(ansiDim, r.where(d.Rule.Pos)), t.style(ansiDim, d.Rule.Text), d.Reason, d.OutLine)
		}
	}
	if len(r.Never) > 0 {
		t.printf("  Never match at all (left out, kept as a comment)\n")
		for _, d := range r.Never {
			t.printf("    %s  %s\n      %s; output line %d\n", t.style(ansiDim, r.where(d.Rule.Pos)), t.style(ansiDim, d.Rule.Text), d.Reason, d.OutLine)
		}
	}

	if len(r.Warnings) > 0 {
		t.heading("Other warnings and notes")
		for _, d := range r.Warnings {
			t.printf("  %s\n", d)
		}
	}

	t.heading("Chains and optimizer")
	if len(r.InChains) > 0 {
		t.printf("  %-44s %6s\n", "Input chain", "rules")
		for _, c := range r.InChains {
			t.printf("  %-44s %6d\n", c.Family+" "+c.Table+" "+c.Chain, c.Rules)
		}
	}
	if len(r.OutChains) > 0 {
		t.printf("\n  %-44s %6s %6s  %s\n", "Output chain", "rules", "line", "from")
		for _, c := range r.OutChains {
			n := fmt.Sprint(c.Rules)
			if c.Placeholders > 0 {
				n += fmt.Sprintf("+%d#", c.Placeholders)
			}
			t.printf("  %-44s %6s %6d  %s\n", c.Family+" "+c.Table+" "+c.Chain, n, c.Line, strings.Join(c.From, ", "))
		}
		if r.Placeholders > 0 {
			t.printf("  (+N#: N comments for rules left out)\n")
		}
	}
	if len(r.Passes) > 0 {
		t.printf("\n  Optimizer:\n")
		for _, p := range r.Passes {
			t.printf("  %-8s %s of %s, e.g. %s\n", p.Name, plural(p.Merges, "merge", "merges"), plural(p.Rules, "rule", "rules"), strings.Join(p.Reasons, "; "))
		}
	} else {
		t.printf("\n  Optimizer: no rules merged\n")
	}

	t.heading("Rule by rule: each iptables rule and the nft rules it became")
	file := "\x00"
	for _, g := range r.Groups {
		if f := g.Rules[0].Pos.File; f != file {
			file = f
			t.printf("  %s\n", t.style(ansiBold, r.names[f]))
		}
		t.group(r, g)
	}

	t.heading("What `ipt2nft verify` cannot observe")
	t.printf("  verify compares packet fates (dropped, delivered, forwarded, rewritten, answered) in\n  network namespaces. It does not notice differences in:\n")
	for _, b := range r.Blind {
		t.printf("  - %s: %s\n", t.style(ansiBold, b.Name), b.What)
		if len(b.Rules) > 0 {
			t.printf("      in this input: %s (%s)\n", plural(len(b.Rules), "rule", "rules"), r.posList(b.Rules, 8))
		}
	}
	return t.b.Flush()
}

// newOut buffers a format's writes to w: a report is written as it is
// made, not held whole (a 100,000-rule dump's text report is 14 MB).
func newOut(w io.Writer) *bufio.Writer { return bufio.NewWriterSize(w, 64<<10) }

func failStyle(n int) string {
	if n > 0 {
		return ansiRed
	}
	return ""
}

func (t *textWriter) problem(r *Report, p Problem, code string) {
	label := r.where(p.Pos)
	t.printf("  %s", t.style(code, label))
	if p.Rule != "" {
		t.printf("  %s", p.Rule)
	}
	t.printf("\n    why:    %s\n", strings.TrimPrefix(p.Ext+": "+p.Reason, ": "))
	if p.Effect != "" {
		t.printf("    effect: %s\n", t.style(code, p.Effect))
	}
	if p.OutLine > 0 {
		t.printf("    output: line %d (a comment)\n", p.OutLine)
	}
}

func statusStyle(s Status) string {
	switch s {
	case FailOpen:
		return ansiRed
	case Untranslated, Error:
		return ansiYellow
	case NeverMatches, Missing:
		return ansiDim
	case Merged:
		return ansiBlue
	}
	return ""
}

func (t *textWriter) group(r *Report, g Group) {
	for _, rule := range g.Rules {
		tag := ""
		if rule.Status != Translated && rule.Status != Merged {
			tag = "  " + t.style(statusStyle(rule.Status), "["+rule.Status.String()+"]")
		}
		if rule.Shadowed() {
			tag += "  " + t.style(ansiDim, "[can never match: "+r.where(rule.ShadowedBy())+" matches first]")
		}
		if rule.Change() != "" {
			tag += "  " + t.style(ansiPurple, "["+rule.Change()+": a change of meaning]")
		}
		// t.printf("  %5d  %s%s\n", ...), without fmt: a line for
		// every rule of the input.
		t.b.WriteString("  ")
		t.num5(int(rule.Pos.Line))
		t.b.WriteString("  ")
		t.b.WriteString(rule.Text)
		t.b.WriteString(tag)
		t.b.WriteByte('\n')
	}
	for _, o := range g.Out {
		text, _ := t.outs.text(o)
		// t.printf("      %s %5d  %s\n", ...)
		t.b.WriteString("      ")
		t.b.WriteString(t.style(ansiGreen, "→"))
		t.b.WriteByte(' ')
		t.num5(o.Line)
		t.b.WriteString("  ")
		t.b.WriteString(text)
		t.b.WriteByte('\n')
	}
	var merged []string
	if len(g.Rules) > 1 {
		merged = append(merged, fmt.Sprintf("%d rules merged", len(g.Rules)))
	}
	if g.others > 0 {
		merged = append(merged, "shared with "+r.othersList(&g, 6))
	}
	if len(merged) > 0 {
		t.printf("         %s\n", t.style(ansiBlue, strings.Join(merged, ", ")+" ("+strings.Join(g.Passes, ", ")+")"))
	}
	rule := g.Rules[0]
	switch {
	case rule.Status == Missing:
		t.printf("         in no output rule: deleted or flushed by later input, or its chain was removed\n")
	case rule.Reason() != "" && rule.Status != Translated && rule.Status != Merged:
		t.printf("         %s\n", rule.Reason())
	}
}

// longOut is the length above which an output rule's text, printed in
// full once, is shortened where it appears again: a verdict map of
// thousands of elements is shared by rules spread over the input, and
// printing it with each of them made the report grow with their product.
const longOut = 240

// outTexts hands out output rules' texts, each long one in full once.
type outTexts struct{ shown map[int]bool }

// text is o's text for the report; short says it was shortened.
func (p *outTexts) text(o OutRule) (text string, short bool) {
	t := outText(o)
	if len(t) <= longOut || o.Line == 0 {
		return t, false
	}
	if p.shown == nil {
		p.shown = map[int]bool{}
	}
	if !p.shown[o.Line] {
		p.shown[o.Line] = true
		return t, false
	}
	cut := strings.LastIndexByte(t[:longOut/2], ' ')
	if cut < 0 {
		cut = longOut / 2
		for cut > 0 && !utf8.RuneStart(t[cut]) {
			cut--
		}
	}
	return fmt.Sprintf("%s … (%d more characters: output line %d, in full above)", t[:cut], len(t)-cut, o.Line), true
}

// outText is an output rule's text; a placeholder comment is shortened
// (its reason is printed with the rule).
func outText(o OutRule) string {
	if o.Placeholder {
		if i := strings.Index(o.Text, " ("); i > 0 {
			return o.Text[:i] + " (a comment)"
		}
	}
	return o.Text
}
