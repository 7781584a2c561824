package kernel_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/kernel"
)

// setsAfterRules is a table whose base chain holds plain rules and
// jumps to a chain of port-list rules (anonymous sets), declared after.
func setsAfterRules(plain, lists int) *ir.Ruleset {
	in := &ir.Chain{Name: "input", Hook: &ir.Hook{Type: "filter", Hook: "input", Priority: ir.Priority{Name: "filter"}}}
	for i := range plain {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		in.Rules = append(in.Rules, &ir.Rule{Stmts: []ir.Stmt{ir.Eq(&ir.Payload{Proto: "ip", Field: "saddr"}, ir.IP(a)), &ir.Verdict{Kind: ir.VerdictDrop}}})
	}
	in.Rules = append(in.Rules, &ir.Rule{Stmts: []ir.Stmt{&ir.Verdict{Kind: ir.VerdictJump, Chain: "lists"}}})
	ls := &ir.Chain{Name: "lists"}
	for i := range lists {
		ports := &ir.SetLit{Elems: []ir.Expr{ir.Int(uint64(1000 + 2*i)), ir.Int(uint64(1001 + 2*i))}}
		ls.Rules = append(ls.Rules, &ir.Rule{Stmts: []ir.Stmt{ir.Eq(&ir.Payload{Proto: "tcp", Field: "dport"}, ports), &ir.Verdict{Kind: ir.VerdictAccept}}})
	}
	return &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "t", Chains: []*ir.Chain{in, ls}}}}
}

// firstRuleChain names the chain of the batch's first rule message.
func firstRuleChain(t *testing.T, msgs []emit.NLMsg) string {
	t.Helper()
	for _, m := range msgs {
		if m.Type != unix.NFT_MSG_NEWRULE {
			continue
		}
		attrs, err := netlink.UnmarshalAttributes(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range attrs {
			if a.Type == unix.NFTA_RULE_CHAIN {
				return string(a.Data[:len(a.Data)-1])
			}
		}
	}
	return ""
}

// TestBigBatchBindsSetsFirst: in a batch where the kernel's walks for
// anonymous sets would add up (sets × rules past a limit), the rules of
// the chains binding sets are sent first, and the kernel ends with the
// same ruleset as "nft -f" of the text gives. A small batch keeps the
// text's order.
func TestBigBatchBindsSetsFirst(t *testing.T) {
	if ok, why := testutil.CanUseNetns(); !ok {
		t.Skip(why)
	}
	small, err := emit.CompileNetlink(setsAfterRules(10, 3))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := small.Messages()
	if err != nil {
		t.Fatal(err)
	}
	if got := firstRuleChain(t, msgs); got != "input" {
		t.Errorf("small batch: first rule in chain %q, want input (the text's order)", got)
	}

	rs := setsAfterRules(6000, 200)
	big, err := emit.CompileNetlink(rs)
	if err != nil {
		t.Fatal(err)
	}
	if msgs, err = big.Messages(); err != nil {
		t.Fatal(err)
	}
	if got := firstRuleChain(t, msgs); got != "lists" {
		t.Errorf("big batch: first rule in chain %q, want lists (the chain binding sets)", got)
	}
	var src strings.Builder
	if err := (&emit.Printer{}).WriteRuleset(&src, rs, emit.RulesetOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	text := testutil.NewNetns(t)
	if err := text.NftLoad(src.String()); err != nil {
		t.Fatal(err)
	}
	nl := testutil.NewNetns(t)
	if err := kernel.SendBatch(nl.Name, msgs, nil); err != nil {
		t.Fatal(err)
	}
	want, err := kernel.Nft(text.Name, "", "list", "ruleset")
	if err != nil {
		t.Fatal(err)
	}
	got, err := kernel.Nft(nl.Name, "", "list", "ruleset")
	if err != nil {
		t.Fatal(err)
	}
	if want != got {
		t.Errorf("the kernel's ruleset differs from nft -f of the text:\n%s", testutil.LineDiff(want, got))
	}
	if len(got) < 6000*20 {
		t.Errorf("listing of %d bytes: the ruleset did not load", len(got))
	}
}
