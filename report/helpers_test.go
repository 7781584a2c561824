package report

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

// migrate translates save files the way the translate command does by
// default (inet merge, every optimizer pass) and builds the report.
func migrate(t testing.TB, inputs ...Input) *Report {
	t.Helper()
	return migrateWith(t, false, inputs...)
}

// migrateWith is migrate; seen takes the original rules as they are
// translated (Originals, the command's way) instead of from the parsed
// files.
func migrateWith(t testing.TB, seen bool, inputs ...Input) *Report {
	t.Helper()
	m := &Migration{Inputs: inputs}
	opt := translate.Options{}
	if seen {
		m.Originals = &Originals{}
		opt.SeeItem = m.Originals.Add
	}
	tr := translate.New(opt)
	for _, in := range inputs {
		if seen {
			tr.AddText(in.Name, in.Text, iptparse.FamilyAny)
			continue
		}
		f := iptparse.ParseFile(in.Name, in.Text, translate.Registry{}, iptparse.FamilyAny)
		m.Files = append(m.Files, f)
		tr.AddFile(f)
	}
	rs := tr.Ruleset()
	inet := &translate.OptReport{}
	translate.MergeInet(rs, inet)
	rep := translate.Optimize(rs, translate.AllOpt())
	rep.Merges = append(inet.Merges, rep.Merges...)
	for _, d := range rep.Notes {
		tr.Note(d)
	}
	m.Ruleset, m.Opt, m.Diags, m.Stats = rs, rep, tr.Diags(), tr.Stats()
	m.RuleLines, m.ChainLines = map[*ir.Rule]int{}, map[*ir.Chain]int{}
	var b strings.Builder
	p := &emit.Printer{}
	if err := p.WriteRuleset(&b, rs, emit.RulesetOptions{Header: []string{"test"}, Replace: true, RuleLines: m.RuleLines, ChainLines: m.ChainLines}); err != nil {
		t.Fatal(err)
	}
	m.Output = b.String()
	return Build(m)
}

// TestMarkdownEscapes: table cells escape pipes and join lines; running
// text escapes what Markdown would read as markup.
func TestMarkdownEscapes(t *testing.T) {
	if got, want := mdCell("a|b\nc"), `a\|b c`; got != want {
		t.Errorf("mdCell = %q; want %q", got, want)
	}
	if got, want := mdText("*x_ `y` <z> [w] #1 |\\"), `\*x\_ \`+"`"+`y\`+"`"+` &lt;z> \[w\] \#1 \|\\`; got != want {
		t.Errorf("mdText = %q; want %q", got, want)
	}
}
