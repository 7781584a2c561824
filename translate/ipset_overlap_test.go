package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// A hash:net ipset may hold a network and addresses or networks inside
// it; an nft interval set cannot ("conflicting intervals specified"), so
// the covered elements are dropped when the covering one never expires.
func TestIPSetOverlappingElements(t *testing.T) {
	for _, c := range []struct{ name, save, want, err string }{
		{"net holds an address", `create s hash:net family inet6
add s 2001:2:0:100::5
add s 2001:2:0:100::/124
add s 2001:db8::1
`, "type ipv6_addr; flags interval; elements = { 2001:2:0:100::/124, 2001:db8::1 }", ""},
		{"nested networks, comments", `create s hash:net family inet comment
add s 10.1.0.0/16 comment "inner"
add s 10.0.0.0/8 comment "outer"
add s 10.2.3.0/24
add s 11.0.0.0/8
`, "type ipv4_addr; flags interval; elements = { 10.0.0.0/8 comment \"outer\", 11.0.0.0/8 }", ""},
		{"adjacent networks stay", `create s hash:net family inet
add s 10.0.0.0/25
add s 10.0.0.128/25
`, "type ipv4_addr; flags interval; elements = { 10.0.0.0/25, 10.0.0.128/25 }", ""},
		{"the covering element expires", `create s hash:net family inet timeout 0
add s 10.0.0.0/8 timeout 60
add s 10.1.0.0/16
`, "", "elements 10.0.0.0-10.255.255.255 and 10.1.0.0-10.1.255.255 overlap"},
		{"it is the inner one that expires", `create s hash:net family inet timeout 0
add s 10.0.0.0/8
add s 10.1.0.0/16 timeout 60
`, "type ipv4_addr; flags interval,timeout; elements = { 10.0.0.0/8 }", ""},
	} {
		f := iptparse.ParseIPSetSave("sets", c.save)
		if len(f.Errors) > 0 {
			t.Fatal(f.Errors[0])
		}
		set, err := IPSetToNft(f.Sets[0])
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: got error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		p := &emit.Printer{}
		got := strings.TrimSuffix(strings.TrimPrefix(p.CommandText(&ir.Command{Op: ir.CmdAddSet, Set: set}), "add set ip  s { "), "; }")
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		if ok, _ := testutil.CanUseNetns(); ok {
			fam := ir.FamilyIP
			if f.Sets[0].Family == iptparse.FamilyIPv6 {
				fam = ir.FamilyIP6
			}
			var b strings.Builder
			p.WriteRuleset(&b, &ir.Ruleset{Tables: []*ir.Table{{Family: fam, Name: "t", Sets: []*ir.Set{set}}}}, emit.RulesetOptions{})
			if err := testutil.NewNetns(t).NftCheck(b.String()); err != nil {
				t.Errorf("%s: %v\n%s", c.name, err, b.String())
			}
		}
	}
}
