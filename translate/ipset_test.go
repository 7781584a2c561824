package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

const ipsetSave = `create libssh hash:ip family inet hashsize 1024 maxelem 65536 timeout 3600 counters comment
add libssh 198.51.100.7 timeout 3000 packets 3 bytes 180 comment "scanner"
add libssh 203.0.113.9 timeout 0 packets 0 bytes 0
create blocknets hash:net family inet hashsize 1024 maxelem 65536
add blocknets 10.66.0.0/16
add blocknets 192.0.2.1
create svc hash:ip,port family inet
add svc 192.0.2.10,tcp:22
add svc 192.0.2.11,udp:53
create ports bitmap:port range 0-1023
add ports 22
add ports 80-90
create ifnets hash:net,iface family inet
add ifnets 10.0.0.0/8,eth1
create v6nets hash:net family inet6
add v6nets 2001:db8::/32
`

func TestIPSetToNft(t *testing.T) {
	f := iptparse.ParseIPSetSave("sets", ipsetSave)
	if len(f.Errors) > 0 {
		t.Fatal(f.Errors[0])
	}
	want := map[string]string{
		"libssh":    "type ipv4_addr; flags timeout; timeout 3600s; size 65536; elements = { 198.51.100.7 counter packets 3 bytes 180 timeout 3000s comment \"scanner\", 203.0.113.9 counter packets 0 bytes 0 }",
		"blocknets": "type ipv4_addr; flags interval; size 65536; elements = { 10.66.0.0/16, 192.0.2.1 }",
		"svc":       "type ipv4_addr . inet_proto . inet_service; elements = { 192.0.2.10 . tcp . 22, 192.0.2.11 . udp . 53 }",
		"ports":     "type inet_service; flags interval; elements = { 22, 80-90 }",
		"ifnets":    "type ipv4_addr . ifname; flags interval; elements = { 10.0.0.0/8 . \"eth1\" }",
		"v6nets":    "type ipv6_addr; flags interval; elements = { 2001:db8::/32 }",
	}
	keys := map[string][]string{"libssh": {"src"}, "blocknets": {"dst"}, "svc": {"dst", "dst"}, "ports": {"dst"}, "ifnets": {"src", "src"}}
	p := &emit.Printer{}
	v4 := &ir.Table{Family: ir.FamilyIP, Name: "t"}
	v6 := &ir.Table{Family: ir.FamilyIP6, Name: "t"}
	in4 := &ir.Chain{Name: "input", Hook: &ir.Hook{Type: "filter", Hook: "input", Priority: ir.Priority{Name: "filter"}}}
	v4.Chains = []*ir.Chain{in4}
	for _, s := range f.Sets {
		set, err := IPSetToNft(s)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		got := strings.TrimSuffix(strings.TrimPrefix(p.CommandText(&ir.Command{Op: ir.CmdAddSet, Set: set}), "add set ip  "+s.Name+" { "), "; }")
		if got != want[s.Name] {
			t.Errorf("%s:\n got %s\nwant %s", s.Name, got, want[s.Name])
		}
		if s.Family == iptparse.FamilyIPv6 {
			v6.Sets = append(v6.Sets, set)
			continue
		}
		v4.Sets = append(v4.Sets, set)
		key, err := IPSetKey(s, keys[s.Name], "ip")
		if err != nil {
			t.Fatal(err)
		}
		in4.Rules = append(in4.Rules, &ir.Rule{Stmts: []ir.Stmt{ir.Eq(key, &ir.SetRef{Name: s.Name}), &ir.Verdict{Kind: ir.VerdictDrop}}})
	}
	if got := p.Expr(mustKey(t, f.Sets[2], "ip")); got != "ip daddr . meta l4proto . th dport" {
		t.Errorf("svc key: %s", got)
	}
	if ok, _ := testutil.CanUseNetns(); ok {
		var b strings.Builder
		p.WriteRuleset(&b, &ir.Ruleset{Tables: []*ir.Table{v4, v6}}, emit.RulesetOptions{})
		if err := testutil.NewNetns(t).NftCheck(b.String()); err != nil {
			t.Errorf("%v\n%s", err, b.String())
		}
	}
}

func mustKey(t *testing.T, s *iptparse.IPSet, l3 string) ir.Expr {
	k, err := IPSetKey(s, []string{"dst", "dst"}, l3)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The elements' skbinfo, which only -j SET --map-set reads, has no place
// in an nft set: the set keeps its elements and a note says what is not
// kept.
func TestIPSetSkbinfoNoted(t *testing.T) {
	f := iptparse.ParseIPSetSave("sets", `create k hash:ip family inet skbinfo
add k 192.0.2.1 skbmark 0x1/0xff
add k 192.0.2.2
add k 192.0.2.3 skbprio 1:2 skbqueue 3
`)
	if len(f.Errors) > 0 {
		t.Fatal(f.Errors[0])
	}
	set, notes, err := ipsetToNft(f.Sets[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Elements) != 3 {
		t.Errorf("elements: %v", set.Elements)
	}
	want := "the skbinfo (skbmark, skbprio, skbqueue) of 2 element(s) is not kept: nft set elements hold no such data; only -j SET --map-set reads it, and that is untranslatable"
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("notes: got %q, want %q", notes, want)
	}
}
