package emit

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestAppendCommand: AppendCommand appends what CommandText returns,
// to a buffer that already holds text, and leaves the printer as it was
// for the next command.
func TestAppendCommand(t *testing.T) {
	chain := &ir.Chain{Name: "INPUT"}
	rule := &ir.Rule{
		Stmts: []ir.Stmt{
			&ir.Match{Left: &ir.Payload{Proto: "ip", Field: "saddr"}, Op: ir.CmpEq, Right: &ir.Addr{Addr: netip.MustParseAddr("10.0.0.1")}},
			&ir.Match{Left: &ir.Payload{Proto: "tcp", Field: "dport"}, Op: ir.CmpNe, Right: &ir.Integer{Value: 10001}},
			&ir.Counter{},
			&ir.Verdict{Kind: ir.VerdictAccept},
		},
		Comment: `a "quoted" comment`,
	}
	// Rules whose commands start alike but for one word (ruleCommand
	// keeps the start of the last one).
	cmds := []*ir.Command{
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: chain, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: chain, Rule: rule, Index: -1},
		// only the chain changes, to longer and shorter names
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: "KUBE-SVC-1"}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: "KUBE-SEP-10"}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: "KUBE-SVC-1"}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: "X"}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: "OUTPUT"}, Rule: rule, Index: -1},
		// prefixes of 47 to 50 bytes, about the 48 ruleCommand copies
		// whole, and back
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: strings.Repeat("L", 27)}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: strings.Repeat("L", 28)}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: strings.Repeat("L", 29)}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: strings.Repeat("L", 29)}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: strings.Repeat("L", 30)}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: "OUTPUT"}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "mangle", Chain: &ir.Chain{Name: strings.Repeat("M", 40)}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: "OUTPUT"}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP, Table: "nat", Chain: &ir.Chain{Name: "OUTPUT"}, Rule: rule, Index: -1},
		{Op: ir.CmdAddRule, Family: ir.FamilyIP6, Table: "nat", Chain: &ir.Chain{Name: "OUTPUT"}, Rule: rule, Index: -1},
		{Op: ir.CmdInsertRule, Family: ir.FamilyIP6, Table: "nat", Chain: &ir.Chain{Name: "OUTPUT"}, Rule: rule, Index: 3},
		{Op: ir.CmdInsertRule, Family: ir.FamilyIP, Table: "filter", Chain: chain, Rule: rule, Index: 3},
		{Op: ir.CmdAddChain, Family: ir.FamilyIP6, Table: "nat", Chain: chain},
		// user chains: AppendCommand keeps the start of the last one's
		{Op: ir.CmdAddChain, Family: ir.FamilyIP6, Table: "nat", Chain: &ir.Chain{Name: "KUBE-SVC-1"}},
		{Op: ir.CmdAddChain, Family: ir.FamilyIP, Table: "nat", Chain: &ir.Chain{Name: "KUBE-SVC-1"}},
		{Op: ir.CmdAddChain, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: "X"}},
		{Op: ir.CmdAddChain, Family: ir.FamilyIP6, Table: "filter", Chain: &ir.Chain{Name: "X"}},
		{Op: ir.CmdAddChain, Family: ir.FamilyIP, Table: "filter", Chain: &ir.Chain{Name: "INPUT", Hook: &ir.Hook{Type: "filter", Hook: "input", Policy: "drop"}}},
		{Op: ir.CmdUntranslated, Text: "-A INPUT -m bogus"},
	}
	p := &Printer{Style: Style{Upstream: true}}
	buf := []byte("before\n")
	want := "before\n"
	// AppendLine, the same a line each, into Lines (reset on the way)
	lp := &Printer{Style: Style{Upstream: true}}
	var lines Lines
	lines.WriteString("before\n")
	for i, c := range cmds {
		want += (&Printer{Style: Style{Upstream: true}}).CommandText(c) + "\n"
		buf = append(p.AppendCommand(buf, c), '\n')
		if got := string(buf); got != want {
			t.Fatalf("AppendCommand gives %q, want %q", got, want)
		}
		lp.AppendLine(&lines, c)
		if got := string(lines.Bytes()); got != want[len(want)-lines.Len():] {
			t.Fatalf("AppendLine gives %q, want the end of %q", got, want)
		}
		if i == 4 {
			lines.Reset()
		}
	}
	rules := 0
	for _, c := range cmds {
		if c.Rule != nil {
			rules++
		}
	}
	if len(p.Notes) != rules || len(lp.Notes) != rules { // the comment's quotes, in each rule
		t.Errorf("notes %v and %v, want the %d of the rules' comments", p.Notes, lp.Notes, rules)
	}
}

// TestLinesGrow: Grow keeps what Lines holds and makes room for n more
// bytes, which appends then fill in place.
func TestLinesGrow(t *testing.T) {
	var l Lines
	l.WriteString("before\n")
	l.Grow(100)
	if got := string(l.Bytes()); got != "before\n" {
		t.Fatalf("after Grow: %q", got)
	}
	if room := cap(l.Bytes()) - l.Len(); room < 100 {
		t.Fatalf("room after Grow(100): %d", room)
	}
	start := &l.Bytes()[0]
	l.WriteString(strings.Repeat("x", 100))
	if &l.Bytes()[0] != start {
		t.Error("100 bytes after Grow(100) moved the text")
	}
	if got := string(l.Bytes()); got != "before\n"+strings.Repeat("x", 100) {
		t.Errorf("text: %q", got)
	}
}
