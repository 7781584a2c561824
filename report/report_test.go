package report

import (
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

func readInput(t *testing.T, name string) Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return Input{Name: name, Text: string(b)}
}

func lines(ps []Problem) []int {
	var l []int
	for _, p := range ps {
		l = append(l, int(p.Pos.Line))
	}
	return l
}

func ruleAt(t *testing.T, r *Report, line int) *Rule {
	t.Helper()
	for _, rule := range r.Rules {
		if int(rule.Pos.Line) == line {
			return rule
		}
	}
	t.Fatalf("no rule at line %d", line)
	return nil
}

// checkOutLines checks that every output line the report names holds the
// text it says.
func checkOutLines(t *testing.T, r *Report) {
	t.Helper()
	out := strings.Split(r.Output, "\n")
	for _, rule := range r.Rules {
		for _, o := range rule.Out() {
			if o.Line < 1 || o.Line > len(out) || strings.TrimSpace(out[o.Line-1]) != o.Text || o.Text == "" {
				t.Errorf("%s: output line %d is not %q", rule.Pos, o.Line, o.Text)
			}
			if o.Placeholder != strings.HasPrefix(o.Text, "#") {
				t.Errorf("%s: line %d %q: placeholder %v", rule.Pos, o.Line, o.Text, o.Placeholder)
			}
		}
	}
	for _, c := range r.OutChains {
		if c.Line < 1 || !strings.HasPrefix(strings.TrimSpace(out[c.Line-1]), "chain "+c.Chain+" {") {
			t.Errorf("chain %s: line %d is %q", c.Chain, c.Line, out[c.Line-1])
		}
	}
}

func TestBuild(t *testing.T) {
	r := migrate(t, readInput(t, "report.rules"))
	checkOutLines(t, r)
	if want := (translate.Stats{Rules: 14, Translated: 10, Untranslated: 2, Errors: 2}); r.Stats != want {
		t.Errorf("stats %+v, want %+v", r.Stats, want)
	}
	if got := lines(r.FailOpen); !reflect.DeepEqual(got, []int{17, 18}) {
		t.Errorf("fail-open rules at %v, want 17 (DROP) and 18 (a jump to a chain that drops)", got)
	}
	if len(r.FailOpen) == 2 && !strings.Contains(r.FailOpen[1].Effect, "chain BLOCK") {
		t.Errorf("effect of the jump: %q", r.FailOpen[1].Effect)
	}
	if len(r.Untranslated) != 0 {
		t.Errorf("other untranslated: %v", lines(r.Untranslated))
	}
	if got := lines(r.Errors); !reflect.DeepEqual(got, []int{20, 21}) {
		t.Errorf("errors at %v", got)
	}
	for _, p := range append(r.FailOpen, r.Errors...) {
		if p.OutLine == 0 {
			t.Errorf("%s: no comment line in the output", p.Pos)
		}
	}

	// Merges.
	a, b := ruleAt(t, r, 15), ruleAt(t, r, 16)
	if len(a.Out()) != 1 || len(b.Out()) != 1 || a.Out()[0] != b.Out()[0] || a.Out()[0].Text != "tcp dport { 22, 80 } accept" {
		t.Errorf("rules 15 and 16 became %v and %v", a.Out(), b.Out())
	}
	if a.Status != Merged || !reflect.DeepEqual(a.MergedWith(), []iptparse.Pos{b.Pos}) || !reflect.DeepEqual(a.Passes(), []string{"sets"}) {
		t.Errorf("rule 15: %v, merged with %v by %v", a.Status, a.MergedWith(), a.Passes())
	}
	if g := groupOf(r, a); len(g.Rules) != 2 || g.Rules[1] != b {
		t.Errorf("rules 15 and 16 are not one group")
	}
	var passes []string
	for _, p := range r.Passes {
		passes = append(passes, p.Name)
	}
	if !reflect.DeepEqual(passes, []string{"ips", "sets", "logfuse"}) {
		t.Errorf("passes %v", passes)
	}

	// Deliberate changes.
	var kinds []string
	for _, c := range r.Changes {
		kinds = append(kinds, c.Kind)
		if len(c.Rules) != 1 {
			t.Errorf("%s: rules %v", c.Kind, c.Rules)
		}
	}
	if !reflect.DeepEqual(kinds, []string{"ct helper chain", "IPS chain"}) {
		t.Errorf("changes %v", kinds)
	}
	if ruleAt(t, r, 3).Change() != "ct helper chain" || ruleAt(t, r, 7).Change() != "IPS chain" {
		t.Errorf("rules 3 and 7 not marked as changes")
	}
	if len(r.Changes) == 2 && len(r.Changes[1].Notes) != 1 {
		t.Errorf("IPS notes %v", r.Changes[1].Notes)
	}

	// Dead rules.
	if len(r.Shadowed) != 1 || r.Shadowed[0].Rule.Pos.Line != 23 || r.Shadowed[0].After.Line != 22 {
		t.Errorf("shadowed %+v", r.Shadowed)
	}
	if len(r.Never) != 1 || r.Never[0].Rule.Pos.Line != 19 || ruleAt(t, r, 19).Status != NeverMatches {
		t.Errorf("never %+v", r.Never)
	}
	for _, w := range r.Warnings {
		if strings.Contains(w.Msg, "never") || strings.Contains(w.Msg, "NFQUEUE") {
			t.Errorf("warning listed twice: %s", w)
		}
	}

	// Blind spots.
	for _, b := range r.Blind {
		want := map[string][]int{"logging": {24}, "queues": {7}, "time and rate": {17, 18}, "unprobed packets": {3, 19}}[b.Name]
		var got []int
		for _, p := range b.Rules {
			got = append(got, int(p.Line))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("blind spot %s: lines %v, want %v", b.Name, got, want)
		}
	}
}

func groupOf(r *Report, rule *Rule) Group {
	for _, g := range r.Groups {
		for _, x := range g.Rules {
			if x == rule {
				return g
			}
		}
	}
	return Group{}
}

func TestBuildCommands(t *testing.T) {
	r := migrate(t, readInput(t, "commands.txt"))
	checkOutLines(t, r)
	if s := ruleAt(t, r, 1).Status; s != Missing {
		t.Errorf("deleted rule: %v", s)
	}
	a, b := ruleAt(t, r, 2), ruleAt(t, r, 4)
	if a.Family != iptparse.FamilyIPv4 || b.Family != iptparse.FamilyIPv6 || len(a.Out()) != 1 || !reflect.DeepEqual(a.Out(), b.Out()) || !reflect.DeepEqual(a.Passes(), []string{"inet"}) {
		t.Errorf("IPv4 and IPv6 rules not merged into one inet rule: %+v %+v", a, b)
	}
	if len(r.Groups) != 2 {
		t.Errorf("%d groups, want 2", len(r.Groups))
	}
}

func TestFormats(t *testing.T) {
	r := migrate(t, readInput(t, "report.rules"))
	var plain, color, md, html strings.Builder
	for _, err := range []error{r.WriteText(&plain, false), r.WriteText(&color, true), r.WriteMarkdown(&md), r.WriteHTML(&html)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(plain.String(), "\x1b") || !strings.Contains(color.String(), "\x1b[1;31m") {
		t.Errorf("colors: plain has escapes or colored has no red")
	}
	for name, out := range map[string]string{"text": plain.String(), "markdown": md.String(), "html": html.String()} {
		for _, want := range []string{
			"--hitcount 5 --name ssh -j DROP", // fail-open
			"fail-open: packets this rule drops are no longer stopped by it",
			"chain BLOCK, which this rule sends packets to, drops packets",
			"raw_prerouting_helpers", "IPS", // changes
			"--string abcdefgh", "always ends chain input before it", // dead
			"tcp dport { 22, 80 } accept", // rule by rule
			"cannot observe", "LOG/NFLOG/ULOG",
		} {
			if name == "html" {
				want = esc(want)
			}
			if !strings.Contains(out, want) {
				t.Errorf("%s: %q missing", name, want)
			}
		}
		// Fail-open rules come before everything else.
		fo, other := strings.Index(out, "--name ssh -j DROP"), strings.Index(out, "Changes of meaning made on purpose")
		if fo < 0 || fo > other {
			t.Errorf("%s: fail-open rules not listed first", name)
		}
	}
	h := html.String()
	for _, bad := range []string{"<script", "src=", "http://", "https://", "@import", "url("} {
		if strings.Contains(h, bad) {
			t.Errorf("html: %q: the page must not load anything", bad)
		}
	}
	for _, tag := range []string{"table", "tr", "td", "div", "pre", "details", "main", "del", "ins"} {
		if o, c := strings.Count(h, "<"+tag+">")+strings.Count(h, "<"+tag+" "), strings.Count(h, "</"+tag+">"); o != c {
			t.Errorf("html: %d <%s> but %d </%s>", o, tag, c, tag)
		}
	}
	if !strings.Contains(h, `<tr class="g-failopen">`) {
		t.Errorf("html: fail-open row not marked")
	}
}

// TestSharedLongRuleOnce: rules spread over the input that became one long
// nft rule (a verdict map) each show it, but in full only the first time;
// the others name its output line. Printing it with every one of them made
// the report of a big kube-proxy dump grow with the square of its size.
func TestSharedLongRuleOnce(t *testing.T) {
	src := "*filter\n:INPUT ACCEPT [0:0]\n"
	var ifaces []string
	for i := range 12 {
		ifaces = append(ifaces, fmt.Sprintf("vlaniface%02d", i))
		src += fmt.Sprintf(":C%02d - [0:0]\n", i)
	}
	for i, ifc := range ifaces {
		// Each dispatch rule is followed by a rule of another chain, so
		// the dispatch rules are not neighbours in the input.
		src += fmt.Sprintf("-A INPUT -i %s -j C%02d\n-A C%02d -j ACCEPT\n", ifc, i, i)
	}
	src += "COMMIT\n"
	r := migrate(t, Input{Name: "spread.rules", Text: src})
	first := ruleAt(t, r, 2+12+1)
	if len(first.Out()) != 1 || !strings.Contains(first.Out()[0].Text, "vmap") || len(first.Out()[0].Text) <= longOut {
		t.Fatalf("setup: the first dispatch rule became %v", first.Out())
	}
	full := first.Out()[0].Text
	for _, format := range []string{"text", "markdown", "html"} {
		var b strings.Builder
		var err error
		switch format {
		case "text":
			err = r.WriteText(&b, false)
		case "markdown":
			err = r.WriteMarkdown(&b)
		default:
			err = r.WriteHTML(&b)
		}
		if err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if format == "html" {
			out = html.UnescapeString(out)
		}
		if n := strings.Count(out, "vlaniface07"); n > 2+2 {
			// the iptables rule (and its highlight), the full map once
			t.Errorf("%s: the map is printed %d times", format, n)
		}
		if format != "html" && !strings.Contains(out, full) {
			t.Errorf("%s: the map is never printed in full", format)
		}
		want := fmt.Sprintf("more characters: output line %d, in full above)", first.Out()[0].Line)
		if n := strings.Count(out, want); n != 11 {
			t.Errorf("%s: %d references to the map printed above, want 11\n%s", format, n, out)
		}
	}
}

// TestAddressListCommand: a command whose -s lists many addresses is one
// original rule that became many nft rules' worth of elements; the
// report lists its output once and says it shares it with the command
// merged after it, and not with itself. (It walked every origin of the
// merged rule for every one of them: 50,000 addresses took 12 s.)
func TestAddressListCommand(t *testing.T) {
	var addrs []string
	for i := range 400 {
		addrs = append(addrs, fmt.Sprintf("10.1.%d.%d", i/200, 1+i%200))
	}
	src := "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s " + strings.Join(addrs, ",") + " -j DROP\n-A INPUT -s 192.0.2.9 -j DROP\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n" +
		"-A OUTPUT -d 198.51.100.1,198.51.100.2,198.51.100.3 -j DROP\nCOMMIT\n"
	r := migrate(t, Input{Name: "list.rules", Text: src})
	list, single, alone, own := ruleAt(t, r, 4), ruleAt(t, r, 5), ruleAt(t, r, 6), ruleAt(t, r, 7)
	if len(list.Out()) != 1 || len(single.Out()) != 1 || list.Out()[0] != single.Out()[0] {
		t.Fatalf("the list and the next rule should share one nft rule: %v, %v", list.Out(), single.Out())
	}
	if len(list.sharedRules()) != 1 || len(single.sharedRules()) != 1 || len(alone.sharedRules()) != 0 {
		t.Errorf("shared: list %d, single %d, alone %d; want 1, 1, 0", len(list.sharedRules()), len(single.sharedRules()), len(alone.sharedRules()))
	}
	// One command's three addresses in one set: not shared with anyone.
	if len(own.Out()) != 1 || !strings.Contains(own.Out()[0].Text, "198.51.100.3") || len(own.sharedRules()) != 0 {
		t.Errorf("a list alone: out %v, shared with %d", own.Out(), len(own.sharedRules()))
	}
	checkOutLines(t, r)
}

// TestOriginalsAsTranslated checks the report built from the original
// rules taken as they are translated (Originals, parse memory reused)
// against the one built from the parsed files, in every format.
func TestOriginalsAsTranslated(t *testing.T) {
	var inputs [][]Input
	inputs = append(inputs, []Input{readInput(t, "report.rules"), readInput(t, "commands.txt")})
	for _, glob := range []string{"../corpus/testdata/kernel/*.rules", "../verify/testdata/*.rules"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, []Input{{Name: f, Text: string(b)}})
		}
	}
	for _, in := range inputs {
		var want, got [3]string
		for i, seen := range []bool{false, true} {
			r := migrateWith(t, seen, in...)
			var text, md, page strings.Builder
			if err := r.WriteText(&text, true); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteHTML(&page); err != nil {
				t.Fatal(err)
			}
			out := &want
			if i == 1 {
				out = &got
			}
			*out = [3]string{text.String(), md.String(), page.String()}
		}
		for i, format := range []string{"text", "markdown", "html"} {
			if got[i] != want[i] {
				t.Errorf("%s: %s report differs when the rules are taken as translated", in[0].Name, format)
			}
		}
	}
}

// TestRuleIndex checks the index of rules by position against a search
// of all of them: files out of order, several rules on a line (a script
// loop, an -s list), lines without rules, unknown files.
func TestRuleIndex(t *testing.T) {
	var rules []*Rule
	for i, p := range []iptparse.Pos{
		{File: "b", Line: 3, Col: 1}, {File: "a", Line: 7, Col: 1}, {File: "b", Line: 1, Col: 1},
		{File: "b", Line: 3, Col: 5}, {File: "a", Line: 7, Col: 1}, {File: "b", Line: 3, Col: 1},
		{File: "a", Line: 2, Col: 1}, {File: "c", Line: 0, Col: 0}, {File: "b", Line: 9, Col: 2},
	} {
		rules = append(rules, &Rule{Pos: p, Text: fmt.Sprint(i)})
	}
	for _, rs := range [][]*Rule{rules, rules[6:7], nil} {
		x := newRuleIndex(rs)
		for _, file := range []string{"a", "b", "c", "d"} {
			for line := -1; line <= 11; line++ {
				var want []*Rule
				for _, r := range rs {
					if r.Pos.File == file && int(r.Pos.Line) == line {
						want = append(want, r)
					}
				}
				if got := x.line(file, line); !slices.Equal(got, want) {
					t.Errorf("line(%s, %d) = %v, want %v", file, line, texts(got), texts(want))
				}
				for col := 0; col <= 5; col++ {
					p := iptparse.Pos{File: file, Line: int32(line), Col: int32(col)}
					var want []*Rule
					for _, r := range rs {
						if r.Pos == p {
							want = append(want, r)
						}
					}
					if got := x.at(p); !slices.Equal(got, want) {
						t.Errorf("at(%v) = %v, want %v", p, texts(got), texts(want))
					}
				}
			}
		}
	}
}

func texts(rs []*Rule) []string {
	var l []string
	for _, r := range rs {
		l = append(l, r.Text)
	}
	return l
}

// TestNum5 checks the text format's number writer against fmt's %5d.
func TestNum5(t *testing.T) {
	for _, n := range []int{0, 1, -1, 9, 10, -9, -10, 42, 9999, 12345, -1234, -12345, 123456, math.MaxInt32, math.MinInt32, math.MaxInt, math.MinInt} {
		// In an empty buffer, and one that has no room left for it.
		for _, before := range []int{0, 64<<10 - 3} {
			var b strings.Builder
			w := &textWriter{b: newOut(&b)}
			w.b.WriteString(strings.Repeat("x", before))
			w.num5(n)
			w.b.Flush()
			if want := strings.Repeat("x", before) + fmt.Sprintf("%5d", n); b.String() != want {
				t.Errorf("num5(%d) after %d bytes = %q, want %q", n, before, b.String()[before:], want[before:])
			}
		}
	}
}
