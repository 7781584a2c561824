package translate

import (
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
