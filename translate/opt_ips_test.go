package translate

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

func TestIPSChain(t *testing.T) {
	queue := func(line int32, matches ...ir.Stmt) *ir.Rule {
		return &ir.Rule{Origin: []iptparse.Pos{{File: "r", Line: line}}, Stmts: append(matches,
			&ir.Queue{Num: ir.IntRange(0, 3), Flags: []string{"fanout", "bypass"}})}
	}
	mangle := &ir.Chain{Name: "mangle_prerouting", Hook: &ir.Hook{Type: "filter", Hook: "prerouting", Priority: ir.Priority{Name: "mangle"}},
		Rules: []*ir.Rule{queue(1, ir.Eq(&ir.Meta{Key: "l4proto"}, ir.Sym("tcp")))}}
	fwd := &ir.Chain{Name: "forward", Hook: &ir.Hook{Type: "filter", Hook: "forward", Priority: ir.Priority{Name: "filter"}, Policy: "drop"},
		Rules: []*ir.Rule{queue(2), {Origin: []iptparse.Pos{{File: "r", Line: 3}}, Stmts: []ir.Stmt{ir.Eq(&ir.Meta{Key: "iifname"}, ir.Str("lan")), &ir.Verdict{Kind: ir.VerdictAccept}}}}}
	rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "ipt2nft", Chains: []*ir.Chain{mangle, fwd}}}}

	// Before moving, the FORWARD rule after the unconditional queue is dead.
	rep := Optimize(rs, OptOptions{})
	if len(rep.Dead) != 1 || rep.Dead[0].Rule.Origin[0].Line != 3 {
		t.Fatalf("dead rules: %+v", rep.Dead)
	}

	rep = Optimize(rs, OptOptions{IPS: true, IPSPriority: 10})
	text := rulesetText(rs)
	for _, want := range []string{
		"chain ips {\n\t\tcomment \"IPS: NFQUEUE rules moved here from mangle_prerouting, forward by ipt2nft, so the firewall filters first\"\n\t\ttype filter hook forward priority filter + 10; policy accept;\n\t\tmeta l4proto tcp queue num 0-3 fanout,bypass\n\t\tqueue num 0-3 fanout,bypass\n",
		"chain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tiifname \"lan\" accept\n\t}",
		"chain mangle_prerouting {\n\t\ttype filter hook prerouting priority mangle;\n\t}",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing:\n%s\nin:\n%s", want, text)
		}
	}
	if len(rep.Dead) != 0 {
		t.Errorf("dead rules after the move: %+v", rep.Dead)
	}
	if len(rep.Notes) != 2 || !strings.Contains(rep.Notes[1].Msg, "now filter first") {
		t.Errorf("notes: %+v", rep.Notes)
	}
}

// TestDeadRulesInChainOrder: the rules after an unconditional end are
// reported chain by chain in the table's order, all before the rules
// other rules shadow, and as they were before the passes.
func TestDeadRulesInChainOrder(t *testing.T) {
	pos := func(line int) []iptparse.Pos { return []iptparse.Pos{{File: "r", Line: int32(line)}} }
	drop := func(line int, port uint64) *ir.Rule {
		return &ir.Rule{Origin: pos(line), Stmts: []ir.Stmt{
			ir.Eq(&ir.Payload{Proto: "tcp", Field: "dport"}, ir.Int(port)), &ir.Verdict{Kind: ir.VerdictDrop}}}
	}
	var chains []*ir.Chain
	line := 0
	next := func() int { line++; return line }
	for i := range 40 {
		c := &ir.Chain{Name: fmt.Sprintf("c%02d", i)}
		if i%3 == 0 {
			// a rule that shadows the next: reported after every dead rule
			c.Rules = append(c.Rules, drop(next(), 1), drop(next(), 1))
		}
		if i%2 == 0 {
			c.Rules = append(c.Rules, &ir.Rule{Origin: pos(next()), Stmts: []ir.Stmt{&ir.Verdict{Kind: ir.VerdictAccept}}},
				drop(next(), 22), drop(next(), 80))
		}
		chains = append(chains, c)
	}
	rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "t", Chains: chains}}}
	var want []string
	for _, c := range chains {
		if len(c.Rules) >= 3 {
			n := len(c.Rules)
			want = append(want, fmt.Sprintf("%s:%d", c.Name, c.Rules[n-2].Origin[0].Line), fmt.Sprintf("%s:%d", c.Name, c.Rules[n-1].Origin[0].Line))
		}
	}
	for _, c := range chains {
		if len(c.Rules) == 2 || len(c.Rules) == 5 {
			want = append(want, fmt.Sprintf("%s:%d", c.Name, c.Rules[1].Origin[0].Line))
		}
	}
	rep := Optimize(rs, AllOpt())
	var got []string
	for _, d := range rep.Dead {
		got = append(got, fmt.Sprintf("%s:%d", d.Chain, d.Rule.Origin[0].Line))
	}
	if !slices.Equal(got, want) {
		t.Errorf("dead rules\n%v\nwant\n%v", got, want)
	}
}
