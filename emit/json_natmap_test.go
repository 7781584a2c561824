package emit

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/ir"
)

// TestJSONNatMap checks that a NAT map loads from JSON and lists the same
// as from text.
func TestJSONNatMap(t *testing.T) {
	rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "t", Chains: []*ir.Chain{{
		Name: "pre", Hook: &ir.Hook{Type: "nat", Hook: "prerouting", Priority: ir.Priority{Name: "dstnat"}},
		Rules: []*ir.Rule{{Stmts: []ir.Stmt{&ir.Nat{Kind: ir.NatDNAT, Family: "ip", AddrPort: true,
			Addr: &ir.MapLookup{Key: &ir.Payload{Proto: "tcp", Field: "dport"}, Map: &ir.SetLit{Elems: []ir.Expr{
				&ir.MapElem{Key: ir.Int(80), Value: &ir.Concat{Elems: []ir.Expr{ir.IP(netip.MustParseAddr("10.0.0.1")), ir.Int(8080)}}},
				&ir.MapElem{Key: ir.Int(443), Value: &ir.Concat{Elems: []ir.Expr{ir.IP(netip.MustParseAddr("10.0.0.2")), ir.Int(443)}}},
			}}}}}}},
	}}}}}
	var text, js strings.Builder
	if err := (&Printer{}).WriteRuleset(&text, rs, RulesetOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, rs); err != nil {
		t.Fatal(err)
	}
	a, b := testutil.NewNetns(t), testutil.NewNetns(t)
	if err := a.NftLoad(text.String()); err != nil {
		t.Fatal(err)
	}
	if out, err := b.Exec(js.String(), "nft", "-j", "-f", "-"); err != nil {
		t.Fatalf("%v: %s\n%s", err, out, js.String())
	}
	la, _ := a.Exec("", "nft", "list", "ruleset")
	lb, _ := b.Exec("", "nft", "list", "ruleset")
	if la != lb {
		t.Errorf("text and JSON differ:\n%s\n---\n%s", la, lb)
	}
}
