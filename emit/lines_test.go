package emit

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestRuleLines checks that WriteRuleset reports the line each rule and
// chain is written on.
func TestRuleLines(t *testing.T) {
	accept := &ir.Rule{Stmts: []ir.Stmt{&ir.Match{Left: &ir.Payload{Proto: "tcp", Field: "dport"}, Right: ir.Int(22)}, &ir.Verdict{Kind: ir.VerdictAccept}}}
	noted := &ir.Rule{Stmts: []ir.Stmt{&ir.Comment{Text: "a note"}, &ir.Verdict{Kind: ir.VerdictDrop}}}
	untr := ir.UntranslatedRule(nil, "-A INPUT -j CHECKSUM", &ir.Untranslated{Reason: "no"})
	dead := ir.DeadRule(nil, "-A INPUT -m string", "never")
	in := &ir.Chain{Name: "input", Hook: &ir.Hook{Type: "filter", Hook: "input", Priority: ir.Priority{Name: "filter"}}, Rules: []*ir.Rule{accept, noted}}
	user := &ir.Chain{Name: "user", Rules: []*ir.Rule{untr, dead}}
	rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyInet, Name: "t", Chains: []*ir.Chain{in, user}}}}
	rl, cl := map[*ir.Rule]int{}, map[*ir.Chain]int{}
	var b strings.Builder
	p := &Printer{}
	if err := p.WriteRuleset(&b, rs, RulesetOptions{Header: []string{"h"}, Replace: true, RuleLines: rl, ChainLines: cl}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	line := func(n int) string { return strings.TrimSpace(lines[n-1]) }
	for r, want := range map[*ir.Rule]string{accept: "tcp dport 22 accept", noted: "drop", untr: "# untranslated (no): -A INPUT -j CHECKSUM", dead: "# never matches (never): -A INPUT -m string"} {
		if got := line(rl[r]); got != want {
			t.Errorf("line %d = %q, want %q\n%s", rl[r], got, want, b.String())
		}
	}
	for c, want := range map[*ir.Chain]string{in: "chain input {", user: "chain user {"} {
		if got := line(cl[c]); got != want {
			t.Errorf("chain line %d = %q, want %q", cl[c], got, want)
		}
	}
	// Without the maps nothing is recorded and the text is the same.
	var b2 strings.Builder
	if err := p.WriteRuleset(&b2, rs, RulesetOptions{Header: []string{"h"}, Replace: true}); err != nil || b2.String() != b.String() {
		t.Errorf("output differs without line maps (%v)", err)
	}
}

// TestRuleLinesAfterFlushes checks the line numbers of a ruleset whose
// text is handed on in several pieces (flushSize): the lines of each
// piece handed on count.
func TestRuleLinesAfterFlushes(t *testing.T) {
	c := &ir.Chain{Name: "input", Hook: &ir.Hook{Type: "filter", Hook: "input", Priority: ir.Priority{Name: "filter"}}}
	for i := range 6000 {
		c.Rules = append(c.Rules, &ir.Rule{Stmts: []ir.Stmt{&ir.Match{Left: &ir.Payload{Proto: "tcp", Field: "dport"}, Right: ir.Int(uint64(i))}, &ir.Verdict{Kind: ir.VerdictAccept}}})
	}
	rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyInet, Name: "t", Chains: []*ir.Chain{c}}}}
	rl := map[*ir.Rule]int{}
	var b strings.Builder
	if err := (&Printer{}).WriteRuleset(&b, rs, RulesetOptions{RuleLines: rl}); err != nil {
		t.Fatal(err)
	}
	if b.Len() < 2*flushSize {
		t.Fatalf("only %d bytes: the text is handed on at %d", b.Len(), flushSize)
	}
	lines := strings.Split(b.String(), "\n")
	for i, r := range c.Rules {
		if want := fmt.Sprintf("tcp dport %d accept", i); strings.TrimSpace(lines[rl[r]-1]) != want {
			t.Fatalf("rule %d: line %d is %q, want %q", i, rl[r], lines[rl[r]-1], want)
		}
	}
}
