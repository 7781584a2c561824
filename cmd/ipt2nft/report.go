package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/report"
	"github.com/ipt2nft/ipt2nft/translate"
)

type reportOpts struct {
	tr     translateOpts
	format string
	output string
	color  string
}

func newReportCmd() *cobra.Command {
	o := &reportOpts{}
	c := &cobra.Command{
		Use:   "report [FILE...]",
		Short: "Explain a migration: what every rule became, what was merged, left out or changed",
		Long: `report translates like the translate command (same input options) and
explains the result: a summary (rules in and out, per chain, what each
optimizer pass merged); every untranslated rule with its reason and
effect, fail-open ones (an untranslated DROP or REJECT) first; the changes
of meaning ipt2nft makes on purpose; dead rules; every iptables rule with
the nft rules it became (their output line) and the rules it was merged
with; and what "ipt2nft verify" cannot observe.

Formats: text (colored on a terminal), markdown, html (one self-contained
page, old and new side by side).`,
		Args: cobra.ArbitraryArgs,
		RunE: o.run,
	}
	o.tr.inputFlags(c)
	f := c.Flags()
	f.StringVar(&o.format, "format", "text", "report format: text, markdown or html")
	f.StringVarP(&o.output, "output", "o", "", "write the report to this file instead of standard output")
	f.StringVar(&o.color, "color", "auto", "color the text format: auto (on a terminal, unless NO_COLOR is set), always or never")
	return c
}

func (o *reportOpts) run(cmd *cobra.Command, args []string) error {
	switch o.format {
	case "text", "markdown", "md", "html":
	default:
		return fmt.Errorf("unknown --format %q (text, markdown or html)", o.format)
	}
	switch o.color {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("unknown --color %q (auto, always or never)", o.color)
	}
	orig := &report.Originals{}
	o.tr.seeItem = orig.Add
	m, err := o.tr.migrate(cmd, args)
	if err != nil {
		return err
	}
	rep, err := m.report(cmd.Flags(), orig)
	if err != nil {
		return err
	}
	// The report is written as it is made; with --output, into a
	// temporary file renamed into place when all went well.
	out := cmd.OutOrStdout()
	w, finish, err := openOutputFile(o.output, out)
	if err != nil {
		return err
	}
	return finish(o.write(rep, w, out))
}

// write writes the report in the format asked for to w; term is where
// standard output goes (for --color auto).
func (o *reportOpts) write(rep *report.Report, w, term io.Writer) error {
	switch o.format {
	case "markdown", "md":
		return rep.WriteMarkdown(w)
	case "html":
		return rep.WriteHTML(w)
	}
	return rep.WriteText(w, o.useColor(term))
}

// useColor: always, never, or (auto) when writing to a terminal and
// NO_COLOR is not set.
func (o *reportOpts) useColor(w io.Writer) bool {
	switch {
	case o.color == "always":
		return true
	case o.color == "never" || o.output != "" || os.Getenv("NO_COLOR") != "":
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// report builds the migration report; flags are the command's, to name
// the options used.
func (m *migration) report(flags *pflag.FlagSet, orig *report.Originals) (*report.Report, error) {
	rm := &report.Migration{
		Originals:  orig,
		Diags:      m.tr.Diags(),
		Stats:      m.tr.Stats(),
		Ruleset:    m.rs,
		Opt:        m.rep,
		IPSets:     m.givenSets,
		RuleLines:  map[*ir.Rule]int{},
		ChainLines: map[*ir.Chain]int{},
	}
	for _, in := range m.ins {
		rm.Inputs = append(rm.Inputs, report.Input{Name: in.name, Text: in.src})
	}
	var b blocks
	p := &emit.Printer{}
	if err := m.writeRuleset(&b, p, emit.RulesetOptions{RuleLines: rm.RuleLines, ChainLines: rm.ChainLines}); err != nil {
		return nil, err
	}
	rm.Output = b.String()
	for _, n := range p.Notes {
		rm.Diags = append(rm.Diags, translate.Diag{Pos: n.Pos, Kind: translate.DiagWarning, Msg: n.Msg})
	}
	flags.Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "format", "output", "color", "probes", "seed", "json":
			return
		}
		if f.Value.Type() == "bool" {
			rm.Options = append(rm.Options, "--"+f.Name)
			return
		}
		rm.Options = append(rm.Options, "--"+f.Name+"="+f.Value.String())
	})
	return report.Build(rm), nil
}

// blocks collects what is written in blocks, joined once (String): a
// strings.Builder growing to the 55 MB ruleset of a 1,000,000-rule dump
// allocated 320 MB on the way (append grows a large slice by a quarter
// at a time), which set the report's peak memory.
type blocks struct {
	done [][]byte
	cur  []byte
	n    int
}

// blockSize is the size of a block: large enough that writes rarely
// straddle two, small next to a big ruleset.
const blockSize = 1 << 20

func (b *blocks) Write(p []byte) (int, error) {
	n := len(p)
	b.n += n
	for len(p) > 0 {
		if len(b.cur) == cap(b.cur) {
			if b.cur != nil {
				b.done = append(b.done, b.cur)
			}
			b.cur = make([]byte, 0, blockSize)
		}
		k := min(len(p), cap(b.cur)-len(b.cur))
		b.cur = append(b.cur, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

// String returns all that was written.
func (b *blocks) String() string {
	var s strings.Builder
	s.Grow(b.n)
	for _, d := range b.done {
		s.Write(d)
	}
	s.Write(b.cur)
	return s.String()
}
