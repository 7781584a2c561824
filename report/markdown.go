package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
)

// mdCode writes s as a Markdown code span, with a fence longer than any
// run of backticks in it.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || len(fence) > 1 {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// The replacers are made once, on first use: building one costs more
// than most uses, and made by the package's init they cost every run of
// the program, a translation without a report too.
var (
	mdCellReplacer = lazy.Of[*strings.Replacer]{New: func() *strings.Replacer {
		return strings.NewReplacer("|", `\|`, "\n", " ")
	}}
	mdTextReplacer = lazy.Of[*strings.Replacer]{New: func() *strings.Replacer {
		return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", "[", `\[`, "]", `\]`, "#", `\#`, "|", `\|`)
	}}
)

// mdCell makes text safe inside a table cell.
func mdCell(s string) string { return mdCellReplacer.Get().Replace(s) }

// mdText escapes Markdown in running text.
func mdText(s string) string { return mdTextReplacer.Get().Replace(s) }

// WriteMarkdown writes the report as Markdown (GitHub flavoured).
func (r *Report) WriteMarkdown(w io.Writer) error {
	b := newOut(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("# ipt2nft migration report\n\n")
	for _, in := range r.Inputs {
		p("- Input: %s (%s)\n", mdCode(in.Name), plural(strings.Count(in.Text, "\n"), "line", "lines"))
	}
	if len(r.Options) > 0 {
		p("- Options: %s\n", mdCode(strings.Join(r.Options, " ")))
	}

	p("\n## Summary\n\n")
	st := r.Stats
	p("| | |\n|---|---|\n")
	p("| iptables rules | %d |\n| translated | %d |\n| untranslated | %d |\n", st.Rules, st.Translated, st.Untranslated)
	fo := fmt.Sprint(len(r.FailOpen))
	if len(r.FailOpen) > 0 {
		fo = "**" + fo + " ⚠ fail-open**"
	}
	p("| of which fail-open | %s |\n| errors | %d |\n| nft rules | %d |\n", fo, st.Errors, r.NftRules)
	p("| comments for rules left out | %d |\n| changes of meaning made on purpose | %d |\n", r.Placeholders, len(r.Changes))
	p("| dead rules | %d can never match, %d never match |\n", len(r.Shadowed), len(r.Never))

	problems := func(title, intro string, l []Problem, mark string) {
		p("\n## %s\n\n", title)
		if len(l) == 0 {
			p("None.\n")
			return
		}
		if intro != "" {
			p("%s\n\n", intro)
		}
		for _, pr := range l {
			p("- %s%s", mark, mdCode(r.where(pr.Pos)))
			if pr.Rule != "" {
				p(" %s", mdCode(pr.Rule))
			}
			p("  \n  why: %s", mdText(strings.TrimPrefix(pr.Ext+": "+pr.Reason, ": ")))
			if pr.Effect != "" {
				p("  \n  effect: %s", mdText(pr.Effect))
			}
			if pr.OutLine > 0 {
				p("  \n  output: line %d (a comment)", pr.OutLine)
			}
			p("\n")
		}
	}
	problems("⚠ Fail-open: untranslated rules that stopped packets", "**The firewall lets through what these rules dropped or rejected.**", r.FailOpen, "**FAIL-OPEN** ")
	problems("Other untranslated rules", "", r.Untranslated, "")
	if len(r.Errors) > 0 {
		problems("Errors: input iptables itself rejects (not translated)", "", r.Errors, "")
	}

	p("\n## Changes of meaning made on purpose\n\n")
	if len(r.Changes) == 0 {
		p("None.\n")
	}
	for _, c := range r.Changes {
		p("### %s %s (output line %d)\n\n%s\n\n", c.Kind, mdCode(c.Chain), c.Line, mdText(c.Detail))
		for _, n := range c.Notes {
			p("- %s %s\n", mdCode(r.where(n.Pos)), mdText(n.Msg))
		}
		for _, rule := range c.Rules {
			p("- %s %s\n", mdCode(r.where(rule.Pos)), mdCode(rule.Text))
		}
		p("\n")
	}

	p("\n## Dead rules\n\n")
	if len(r.Shadowed)+len(r.Never) == 0 {
		p("None.\n")
	}
	if len(r.Shadowed) > 0 {
		p("Can never match: an earlier rule always matches first.\n\n")
		for _, d := range r.Shadowed {
			p("- %s %s  \n  %s; output line %d\n", mdCode(r.where(d.Rule.Pos)), mdCode(d.Rule.Text), mdText(d.Reason), d.OutLine)
		}
	}
	if len(r.Never) > 0 {
		p("\nNever match at all (left out, kept as a comment).\n\n")
		for _, d := range r.Never {
			p("- %s %s  \n  %s; output line %d\n", mdCode(r.where(d.Rule.Pos)), mdCode(d.Rule.Text), mdText(d.Reason), d.OutLine)
		}
	}

	if len(r.Warnings) > 0 {
		p("\n## Other warnings and notes\n\n")
		for _, d := range r.Warnings {
			p("- %s %s: %s\n", mdCode(r.where(d.Pos)), d.Kind, mdText(strings.TrimPrefix(d.Ext+": "+d.Msg, ": ")))
		}
	}

	p("\n## Chains and optimizer\n")
	if len(r.OutChains) > 0 {
		p("\n### Chains\n\n| output chain | rules | line | from input chains (rules) |\n|---|---:|---:|---|\n")
		for _, c := range r.OutChains {
			n := fmt.Sprint(c.Rules)
			if c.Placeholders > 0 {
				n += fmt.Sprintf(" (+%d left out)", c.Placeholders)
			}
			p("| %s | %s | %d | %s |\n", mdCell(mdCode(c.Family+" "+c.Table+" "+c.Chain)), n, c.Line, mdCell(mdText(strings.Join(c.From, ", "))))
		}
	}
	if len(r.InChains) > 0 {
		p("\n<details><summary>Input chains</summary>\n\n| input chain | rules |\n|---|---:|\n")
		for _, c := range r.InChains {
			p("| %s | %d |\n", mdCell(mdCode(c.Family+" "+c.Table+" "+c.Chain)), c.Rules)
		}
		p("\n</details>\n")
	}
	p("\n### Optimizer\n\n")
	if len(r.Passes) == 0 {
		p("No rules merged.\n")
	} else {
		p("| pass | merges | rules combined | for example |\n|---|---:|---:|---|\n")
		for _, ps := range r.Passes {
			p("| %s | %d | %d | %s |\n", ps.Name, ps.Merges, ps.Rules, mdCell(mdText(strings.Join(ps.Reasons, "; "))))
		}
	}

	p("\n## Rule by rule\n\nEach iptables rule (file and line) and the nft rules it became (output line).\n\n")
	var outs outTexts
	file := "\x00"
	for _, g := range r.Groups {
		if f := g.Rules[0].Pos.File; f != file {
			file = f
			p("\n### %s\n\n| line | iptables | | output line | nft |\n|---:|---|---|---:|---|\n", mdCode(r.names[f]))
		}
		n := len(g.Rules)
		if len(g.Out) > n {
			n = len(g.Out)
		}
		note := ""
		if len(g.Rules) > 1 || g.others > 0 {
			note = "merged (" + strings.Join(g.Passes, ", ") + ")"
			if g.others > 0 {
				note += " with " + r.othersList(&g, 6)
			}
		}
		for i := 0; i < n; i++ {
			line, left, status, outLine, right := "", "", "", "", ""
			if i < len(g.Rules) {
				rule := g.Rules[i]
				line, left = fmt.Sprint(rule.Pos.Line), mdCode(rule.Text)
				switch rule.Status {
				case FailOpen:
					status = "**FAIL-OPEN**"
				case Translated, Merged:
				default:
					status = "*" + rule.Status.String() + "*"
				}
				if rule.Shadowed() {
					status += " *can never match*"
				}
				if rule.Change() != "" {
					status += " *" + rule.Change() + "*"
				}
			}
			if i < len(g.Out) {
				text, _ := outs.text(g.Out[i])
				outLine, right = fmt.Sprint(g.Out[i].Line), mdCode(text)
			}
			if i == 0 && note != "" {
				status = strings.TrimSpace(status + " " + mdText(note))
			}
			if i == 0 && len(g.Out) == 0 {
				right = "*none*"
			}
			p("| %s | %s | %s | %s | %s |\n", line, mdCell(left), mdCell(status), outLine, mdCell(right))
		}
	}

	p("\n## What `ipt2nft verify` cannot observe\n\n")
	p("`ipt2nft verify` compares packet fates (dropped, delivered, forwarded, rewritten, answered) in network namespaces. It does not notice differences in:\n\n")
	for _, bs := range r.Blind {
		p("- **%s**: %s", bs.Name, mdText(bs.What))
		if len(bs.Rules) > 0 {
			p("  \n  in this input: %s (%s)", plural(len(bs.Rules), "rule", "rules"), mdText(r.posList(bs.Rules, 8)))
		}
		p("\n")
	}
	return b.Flush()
}
