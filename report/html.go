package report

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"sort"
	"strings"
)

// htmlStyle is the page's only style sheet: the page loads nothing.
const htmlStyle = `
:root { --red:#b00020; --redbg:#fde7ea; --amber:#8a5a00; --amberbg:#fff4d6; --blue:#0b4f9c; --bluebg:#e8f0fb;
  --purple:#5b2a86; --purplebg:#f1e9f8; --grey:#666; --greybg:#f1f1f1; --line:#d8d8d8; --insbg:#c9f0cf; --delbg:#ffc9c9; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d1d1f; background: #fff; }
main { max-width: 1500px; margin: 0 auto; padding: 1.2em 2em 4em; }
h1 { font-size: 1.6em; margin: .2em 0 .4em; }
h2 { font-size: 1.25em; margin: 1.8em 0 .5em; padding-bottom: .2em; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
code, pre, .code { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.meta { color: var(--grey); margin: 0 0 1em; }
.cards { display: flex; flex-wrap: wrap; gap: .7em; margin: 1em 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .5em .9em; min-width: 7.5em; background: #fafafa; }
.card b { display: block; font-size: 1.5em; }
.card.bad { border-color: var(--red); background: var(--redbg); color: var(--red); }
.card.warn { border-color: #e0b000; background: var(--amberbg); }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; }
th, td { border: 1px solid var(--line); padding: .25em .5em; vertical-align: top; text-align: left; }
th { background: #f5f5f7; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
.box { border-left: 5px solid var(--line); padding: .4em .9em; margin: .6em 0; background: #fafafa; border-radius: 0 6px 6px 0; }
.box.failopen { border-color: var(--red); background: var(--redbg); }
.box.untr { border-color: #e0b000; background: var(--amberbg); }
.box.change { border-color: var(--purple); background: var(--purplebg); }
.box.dead { border-color: #999; background: var(--greybg); }
.failopen-title { color: var(--red); }
.label { display: inline-block; font-size: .75em; font-weight: 700; padding: .05em .45em; border-radius: 4px; margin-right: .4em; vertical-align: 1px; white-space: nowrap; }
.l-failopen { background: var(--red); color: #fff; }
.l-untr, .l-error { background: #e0b000; color: #000; }
.l-merged { background: var(--bluebg); color: var(--blue); border: 1px solid #9dbbe6; }
.l-dead, .l-missing { background: #ddd; color: #333; }
.l-change { background: var(--purplebg); color: var(--purple); border: 1px solid #c9a9e6; }
.why { margin: .15em 0; }
.effect { font-weight: 600; }
.failopen .effect { color: var(--red); }
table.sbs { table-layout: fixed; }
table.sbs col.ln { width: 4.2em; }
table.sbs td { padding: .2em .45em; }
table.sbs td.ln { color: var(--grey); text-align: right; font: 12px/1.5 ui-monospace, Menlo, Consolas, monospace; }
table.sbs tr.g-failopen td { background: var(--redbg); }
table.sbs tr.g-untr td, table.sbs tr.g-error td { background: var(--amberbg); }
table.sbs tr.g-dead td, table.sbs tr.g-missing td { background: var(--greybg); color: #555; }
table.sbs tr.g-change td { background: var(--purplebg); }
table.sbs tr.file td { background: #eef; font-weight: 600; }
.note { color: var(--blue); font-size: .85em; margin-top: .15em; }
.sbs .note.bad { color: var(--red); }
del { background: var(--delbg); text-decoration: none; border-radius: 2px; }
ins { background: var(--insbg); text-decoration: none; border-radius: 2px; }
a { color: var(--blue); text-decoration: none; }
a:hover { text-decoration: underline; }
details { margin: .5em 0; }
summary { cursor: pointer; font-weight: 600; }
.listing { border: 1px solid var(--line); border-radius: 6px; padding: .3em 0; background: #fcfcfc; }
.listing div { display: flex; }
.listing span.n { flex: 0 0 4.5em; text-align: right; padding-right: .8em; color: #999; user-select: none; }
.listing span.t { white-space: pre-wrap; overflow-wrap: anywhere; }
.listing div:target { background: #fff3b0; }
.blind li { margin: .3em 0; }
.legend span { margin-right: 1.2em; }
`

type htmlWriter struct {
	b    *bufio.Writer
	r    *Report
	outs outTexts
	hl   highlighter
}

func (h *htmlWriter) printf(format string, args ...any) { fmt.Fprintf(h.b, format, args...) }

func esc(s string) string { return html.EscapeString(s) }

// marked escapes s, wrapping the spans in tag.
func marked(s string, spans []span, tag string) string {
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var b strings.Builder
	at := 0
	for _, sp := range spans {
		if sp.start < at || sp.end > len(s) {
			continue
		}
		b.WriteString(esc(s[at:sp.start]))
		b.WriteString("<" + tag + ">" + esc(s[sp.start:sp.end]) + "</" + tag + ">")
		at = sp.end
	}
	b.WriteString(esc(s[at:]))
	return b.String()
}

// fileIDs numbers the input files for anchors.
func (r *Report) fileID(file string) int {
	for i, in := range r.Inputs {
		if in.Name == file {
			return i
		}
	}
	return -1
}

// inLink links a position to the input listing.
func (h *htmlWriter) inLink(text string, file string, line int32) string {
	id := h.r.fileID(file)
	if id < 0 || line <= 0 {
		return esc(text)
	}
	return fmt.Sprintf(`<a href="#i%d-%d">%s</a>`, id, line, esc(text))
}

func (h *htmlWriter) outLink(line int) string {
	if line <= 0 {
		return ""
	}
	return fmt.Sprintf(`<a href="#o%d">%d</a>`, line, line)
}

func (h *htmlWriter) where(p Problem) string {
	return h.inLink(h.r.where(p.Pos), p.Pos.File, p.Pos.Line)
}

// WriteHTML writes the report as one self-contained HTML page (no
// scripts, nothing loaded from the network).
func (r *Report) WriteHTML(w io.Writer) error {
	h := &htmlWriter{r: r, b: newOut(w)}
	var names []string
	for _, in := range r.Inputs {
		names = append(names, in.Name)
	}
	h.printf("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	h.printf("<title>ipt2nft migration report: %s</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", esc(strings.Join(names, ", ")), htmlStyle)
	h.printf("<h1>ipt2nft migration report</h1>\n<p class=\"meta\">")
	for i, in := range r.Inputs {
		if i > 0 {
			h.printf("<br>")
		}
		h.printf("Input: <code>%s</code> (%s)", esc(in.Name), plural(strings.Count(in.Text, "\n"), "line", "lines"))
	}
	if len(r.Options) > 0 {
		h.printf("<br>Options: <code>%s</code>", esc(strings.Join(r.Options, " ")))
	}
	h.printf("</p>\n")

	// Summary cards.
	st := r.Stats
	card := func(class string, n int, label, href string) {
		if href != "" {
			h.printf(`<a class="card %s" href="%s"><b>%d</b>%s</a>`, class, href, n, esc(label))
			return
		}
		h.printf(`<div class="card %s"><b>%d</b>%s</div>`, class, n, esc(label))
	}
	h.printf("<div class=\"cards\">")
	card("", st.Rules, "iptables rules", "#rules")
	card("", st.Translated, "translated", "")
	card(cls(st.Untranslated > 0, "warn"), st.Untranslated, "untranslated", "#untranslated")
	card(cls(len(r.FailOpen) > 0, "bad"), len(r.FailOpen), "fail-open", "#failopen")
	card(cls(st.Errors > 0, "warn"), st.Errors, "errors", "#errors")
	card("", r.NftRules, "nft rules", "#output")
	card("", len(r.Changes), "changes of meaning", "#changes")
	card("", len(r.Shadowed)+len(r.Never), "dead rules", "#dead")
	h.printf("</div>\n")

	// Fail-open first.
	h.printf("<h2 id=\"failopen\" class=\"failopen-title\">Fail-open: untranslated rules that stopped packets</h2>\n")
	if len(r.FailOpen) == 0 {
		h.printf("<p>None: every rule that dropped or rejected packets was translated.</p>\n")
	} else {
		h.printf("<p class=\"failopen-title\"><b>The firewall lets through what these rules dropped or rejected.</b></p>\n")
		for _, p := range r.FailOpen {
			h.problem(p, "failopen", "FAIL-OPEN", "l-failopen")
		}
	}
	h.printf("<h2 id=\"untranslated\">Other untranslated rules</h2>\n")
	if len(r.Untranslated) == 0 {
		h.printf("<p>None.</p>\n")
	}
	for _, p := range r.Untranslated {
		h.problem(p, "untr", "untranslated", "l-untr")
	}
	h.printf("<h2 id=\"errors\">Errors: input iptables itself rejects</h2>\n")
	if len(r.Errors) == 0 {
		h.printf("<p>None.</p>\n")
	}
	for _, p := range r.Errors {
		h.problem(p, "untr", "error", "l-error")
	}

	h.printf("<h2 id=\"changes\">Changes of meaning made on purpose</h2>\n")
	if len(r.Changes) == 0 {
		h.printf("<p>None.</p>\n")
	}
	for _, c := range r.Changes {
		h.printf("<div class=\"box change\"><span class=\"label l-change\">%s</span><code>%s</code> (output line %s)<div class=\"why\">%s</div>", esc(c.Kind), esc(c.Chain), h.outLink(c.Line), esc(c.Detail))
		if len(c.Notes) > 0 {
			h.printf("<ul>")
			for _, n := range c.Notes {
				h.printf("<li>%s: %s</li>", h.inLink(r.where(n.Pos), n.Pos.File, n.Pos.Line), esc(n.Msg))
			}
			h.printf("</ul>")
		}
		h.printf("<table><tr><th>rule</th><th>iptables</th><th>now in</th></tr>")
		for _, rule := range c.Rules {
			var outs []string
			for _, o := range rule.Out() {
				outs = append(outs, h.outLink(o.Line)+" <code>"+esc(o.Chain)+"</code>")
			}
			h.printf("<tr><td class=\"num\">%s</td><td><code>%s</code></td><td>%s</td></tr>", h.inLink(r.where(rule.Pos), rule.Pos.File, rule.Pos.Line), esc(rule.Text), strings.Join(outs, ", "))
		}
		h.printf("</table></div>\n")
	}

	h.printf("<h2 id=\"dead\">Dead rules</h2>\n")
	if len(r.Shadowed)+len(r.Never) == 0 {
		h.printf("<p>None.</p>\n")
	}
	dead := func(title string, l []Dead) {
		if len(l) == 0 {
			return
		}
		h.printf("<h3>%s</h3>\n<table><tr><th>rule</th><th>iptables</th><th>why</th><th class=\"num\">output</th></tr>", esc(title))
		for _, d := range l {
			h.printf("<tr><td class=\"num\">%s</td><td><code>%s</code></td><td>%s</td><td class=\"num\">%s</td></tr>\n", h.inLink(r.where(d.Rule.Pos), d.Rule.Pos.File, d.Rule.Pos.Line), esc(d.Rule.Text), esc(d.Reason), h.outLink(d.OutLine))
		}
		h.printf("</table>\n")
	}
	dead("Can never match: an earlier rule always matches first", r.Shadowed)
	dead("Never match at all (left out, kept as a comment)", r.Never)

	if len(r.Warnings) > 0 {
		h.printf("<h2 id=\"warnings\">Other warnings and notes</h2>\n<table><tr><th>where</th><th>kind</th><th>message</th></tr>")
		for _, d := range r.Warnings {
			h.printf("<tr><td class=\"num\">%s</td><td>%s</td><td>%s</td></tr>\n", h.inLink(r.where(d.Pos), d.Pos.File, d.Pos.Line), d.Kind, esc(strings.TrimPrefix(d.Ext+": "+d.Msg, ": ")))
		}
		h.printf("</table>\n")
	}

	h.printf("<h2 id=\"optimizer\">Optimizer</h2>\n")
	if len(r.Passes) == 0 {
		h.printf("<p>No rules merged.</p>\n")
	} else {
		h.printf("<table><tr><th>pass</th><th class=\"num\">merges</th><th class=\"num\">rules combined</th><th>for example</th></tr>")
		for _, p := range r.Passes {
			h.printf("<tr><td>%s</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td>%s</td></tr>\n", esc(p.Name), p.Merges, p.Rules, esc(strings.Join(p.Reasons, "; ")))
		}
		h.printf("</table>\n")
	}
	h.printf("<h2 id=\"chains\">Chains</h2>\n<table><tr><th>output chain</th><th class=\"num\">rules</th><th class=\"num\">line</th><th>from input chains (rules)</th></tr>")
	for _, c := range r.OutChains {
		n := fmt.Sprint(c.Rules)
		if c.Placeholders > 0 {
			n += fmt.Sprintf(" (+%d left out)", c.Placeholders)
		}
		h.printf("<tr><td><code>%s</code></td><td class=\"num\">%s</td><td class=\"num\">%s</td><td>%s</td></tr>\n", esc(c.Family+" "+c.Table+" "+c.Chain), n, h.outLink(c.Line), esc(strings.Join(c.From, ", ")))
	}
	h.printf("</table>\n<details><summary>Input chains</summary><table><tr><th>input chain</th><th class=\"num\">rules</th></tr>")
	for _, c := range r.InChains {
		h.printf("<tr><td><code>%s</code></td><td class=\"num\">%d</td></tr>", esc(c.Family+" "+c.Table+" "+c.Chain), c.Rules)
	}
	h.printf("</table></details>\n")

	h.sideBySide()

	h.printf("<h2 id=\"blind\">What <code>ipt2nft verify</code> cannot observe</h2>\n")
	h.printf("<p><code>ipt2nft verify</code> loads the original (iptables-legacy) and the translation (nft) into throwaway network namespaces and compares what becomes of the same packets: dropped, delivered, forwarded, rewritten, answered. It does not notice differences in:</p>\n<ul class=\"blind\">")
	for _, b := range r.Blind {
		h.printf("<li><b>%s</b>: %s", esc(b.Name), esc(b.What))
		if len(b.Rules) > 0 {
			h.printf("<br><i>in this input:</i> %s (%s)", plural(len(b.Rules), "rule", "rules"), esc(r.posList(b.Rules, 12)))
		}
		h.printf("</li>\n")
	}
	h.printf("</ul>\n")

	// The full texts, for the links.
	h.printf("<h2 id=\"listings\">Listings</h2>\n")
	for i, in := range r.Inputs {
		h.printf("<details><summary>Input: %s</summary><div class=\"listing code\">", esc(in.Name))
		for n, l := range strings.Split(strings.TrimSuffix(in.Text, "\n"), "\n") {
			h.printf("<div id=\"i%d-%d\"><span class=\"n\">%d</span><span class=\"t\">%s</span></div>\n", i, n+1, n+1, esc(l))
		}
		h.printf("</div></details>\n")
	}
	h.printf("<details id=\"output\" open><summary>Output: the nft ruleset</summary><div class=\"listing code\">")
	for n, l := range strings.Split(strings.TrimSuffix(r.Output, "\n"), "\n") {
		h.printf("<div id=\"o%d\"><span class=\"n\">%d</span><span class=\"t\">%s</span></div>\n", n+1, n+1, esc(l))
	}
	h.printf("</div></details>\n</main>\n</body>\n</html>\n")
	return h.b.Flush()
}

func cls(cond bool, c string) string {
	if cond {
		return c
	}
	return ""
}

func (h *htmlWriter) problem(p Problem, box, label, labelClass string) {
	h.printf("<div class=\"box %s\"><span class=\"label %s\">%s</span>%s", box, labelClass, esc(label), h.where(p))
	if p.Rule != "" {
		h.printf(" <code>%s</code>", esc(p.Rule))
	}
	h.printf("<div class=\"why\">Why: %s</div>", esc(strings.TrimPrefix(p.Ext+": "+p.Reason, ": ")))
	if p.Effect != "" {
		h.printf("<div class=\"why effect\">Effect: %s</div>", esc(p.Effect))
	}
	if p.OutLine > 0 {
		h.printf("<div class=\"why\">Output: line %s (a comment)</div>", h.outLink(p.OutLine))
	}
	h.printf("</div>\n")
}

// groupClass is the row class and label of a group in the side-by-side
// view.
func (h *htmlWriter) groupClass(g Group) (string, string, string) {
	rule := g.Rules[0]
	if rule.Change() != "" {
		return "g-change", rule.Change(), "l-change"
	}
	switch rule.Status {
	case FailOpen:
		return "g-failopen", "FAIL-OPEN", "l-failopen"
	case Untranslated:
		return "g-untr", "untranslated", "l-untr"
	case Error:
		return "g-error", "error", "l-error"
	case NeverMatches:
		return "g-dead", "never matches", "l-dead"
	case Missing:
		return "g-missing", "not in the output", "l-missing"
	}
	if rule.Shadowed() {
		return "g-dead", "can never match", "l-dead"
	}
	if len(g.Rules) > 1 || g.others > 0 {
		return "", "merged", "l-merged"
	}
	return "", "", ""
}

func (h *htmlWriter) sideBySide() {
	r := h.r
	h.printf("<h2 id=\"rules\">Side by side: every iptables rule and what it became</h2>\n")
	h.printf("<p class=\"legend\">Left: the original rules (file line). Right: the nft rules they became (output line). Values found on one side only are highlighted: <span><del>on the left</del> not in the nft rule</span><span><ins>on the right</ins> not in the iptables rule</span>(brought in by a merge, or spelled differently, like an ICMP type number and its name).</p>\n")
	h.printf("<table class=\"sbs\"><colgroup><col class=\"ln\"><col><col class=\"ln\"><col></colgroup>\n<tr><th class=\"num\">line</th><th>iptables</th><th class=\"num\">line</th><th>nft</th></tr>\n")
	file := "\x00"
	for _, g := range r.Groups {
		if f := g.Rules[0].Pos.File; f != file {
			file = f
			h.printf("<tr class=\"file\"><td colspan=\"4\">%s</td></tr>\n", esc(r.names[f]))
		}
		var left, right []string
		for _, rule := range g.Rules {
			left = append(left, rule.Text)
		}
		shortened := false
		for _, o := range g.Out {
			text, short := h.outs.text(o)
			right = append(right, text)
			shortened = shortened || short
		}
		lh, rh := make([][]span, len(left)), make([][]span, len(right))
		if len(g.Out) > 0 && !g.Out[0].Placeholder && !shortened {
			// (A shortened text lacks values: comparing it would mark
			// the iptables side's as missing.)
			lh, rh = h.hl.highlight(left, right)
		}
		class, label, labelClass := h.groupClass(g)
		h.printf("<tr class=\"%s\"><td class=\"ln\">", class)
		for i, rule := range g.Rules {
			if i > 0 {
				h.printf("<br>")
			}
			h.printf("%s", h.inLink(fmt.Sprint(rule.Pos.Line), rule.Pos.File, rule.Pos.Line))
		}
		h.printf("</td><td>")
		if label != "" {
			h.printf("<span class=\"label %s\">%s</span>", labelClass, esc(label))
		}
		for i := range g.Rules {
			h.printf("<pre>%s</pre>", marked(left[i], lh[i], "del"))
		}
		rule := g.Rules[0]
		var notes []string
		if len(g.Rules) > 1 || g.others > 0 {
			n := fmt.Sprintf("merged by %s", strings.Join(g.Passes, ", "))
			if g.others > 0 {
				n += " with " + r.othersList(&g, 8)
			}
			notes = append(notes, n)
		}
		if rule.Shadowed() {
			notes = append(notes, "can never match: "+r.where(rule.ShadowedBy())+" always matches first")
		}
		if rule.Change() != "" {
			notes = append(notes, "a change of meaning made on purpose (see \"Changes of meaning\")")
		}
		switch rule.Status {
		case FailOpen, Untranslated, Error, NeverMatches:
			notes = append(notes, rule.Reason())
			if rule.Effect() != "" && rule.Status != NeverMatches {
				notes = append(notes, "Effect: "+rule.Effect())
			}
		case Missing:
			notes = append(notes, "in no output rule: deleted or flushed by later input, or its chain was removed")
		}
		for _, n := range notes {
			h.printf("<div class=\"note%s\">%s</div>", cls(rule.Status == FailOpen, " bad"), esc(n))
		}
		h.printf("</td><td class=\"ln\">")
		for i, o := range g.Out {
			if i > 0 {
				h.printf("<br>")
			}
			h.printf("%s", h.outLink(o.Line))
		}
		h.printf("</td><td>")
		for i := range g.Out {
			h.printf("<pre>%s</pre>", marked(right[i], rh[i], "ins"))
		}
		h.printf("</td></tr>\n")
	}
	h.printf("</table>\n")
}
