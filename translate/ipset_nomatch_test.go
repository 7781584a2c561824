package translate

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// inSet reports whether a of an address set's elements holds a.
func inSet(t *testing.T, set *ir.Set, a netip.Addr) bool {
	t.Helper()
	for _, e := range set.Elements {
		lo, hi, ok := addrInterval(e)
		if !ok {
			t.Fatalf("element %#v is not an address interval", e)
		}
		if !a.Less(lo) && !hi.Less(a) {
			return true
		}
	}
	return false
}

// setBody is a set as nft prints it, between the braces.
func setBody(set *ir.Set) string {
	p := &emit.Printer{}
	s := p.CommandText(&ir.Command{Op: ir.CmdAddSet, Set: set})
	_, s, _ = strings.Cut(s, "{ ")
	return strings.TrimSuffix(s, "; }")
}

func TestIPSetNomatchFold(t *testing.T) {
	cases := []struct {
		name, save string
		want       string   // the set, as nft prints it
		in, out    []string // addresses in and not in the set
		note       string   // the note's text
	}{
		{
			name: "nested normal, nomatch, normal",
			save: `create n hash:net family inet hashsize 1024 maxelem 65536
add n 10.0.0.0/8
add n 10.1.0.0/16 nomatch
add n 10.1.1.0/24`,
			want: "type ipv4_addr; flags interval; size 65536; elements = { 10.0.0.0/16, 10.1.1.0/24, 10.2.0.0-10.255.255.255 }",
			in:   []string{"10.1.1.5", "10.2.0.0", "10.0.0.0", "10.0.255.255", "10.1.1.0", "10.1.1.255", "10.255.255.255"},
			out:  []string{"10.1.2.5", "10.1.0.0", "10.1.0.255", "10.1.255.255", "9.255.255.255", "11.0.0.0"},
			note: "1 nomatch element(s) folded into the set: 3 interval(s)",
		},
		{
			name: "v6",
			save: `create n6 hash:net family inet6
add n6 2001:db8::/32
add n6 2001:db8:1::/48 nomatch
add n6 2001:db8:1:2::/64
add n6 2001:db8:ffff::1 nomatch`,
			want: "type ipv6_addr; flags interval; elements = { 2001:db8::/48, 2001:db8:1:2::/64, 2001:db8:2::-2001:db8:ffff::, 2001:db8:ffff::2-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff }",
			in:   []string{"2001:db8::1", "2001:db8:1:2::5", "2001:db8:2::", "2001:db8:ffff::", "2001:db8:ffff::2", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
			out:  []string{"2001:db8:1::", "2001:db8:1:3::1", "2001:db8:1:1:ffff:ffff:ffff:ffff", "2001:db8:ffff::1", "2001:db9::", "2001:db7:ffff::"},
			note: "2 nomatch element(s) folded into the set: 4 interval(s)",
		},
		{
			name: "nomatch without a covering element changes nothing",
			save: `create n hash:net family inet
add n 10.0.0.0/8 nomatch
add n 10.1.0.0/16
add n 192.0.2.0/24`,
			want: "type ipv4_addr; flags interval; elements = { 10.1.0.0/16, 192.0.2.0/24 }",
			in:   []string{"10.1.0.0", "10.1.255.255", "192.0.2.7"},
			out:  []string{"10.0.255.255", "10.2.0.0", "10.200.1.1", "192.0.3.0"},
			note: "1 nomatch element(s) folded into the set: 2 interval(s)",
		},
		{
			name: "nomatch disjoint from every element",
			save: `create n hash:net family inet
add n 192.0.2.0/24
add n 198.51.100.0/24 nomatch`,
			want: "type ipv4_addr; flags interval; elements = { 192.0.2.0/24 }",
			in:   []string{"192.0.2.0", "192.0.2.255"},
			out:  []string{"198.51.100.1", "192.0.3.0"},
			note: "1 nomatch element(s) folded into the set: 1 interval(s)",
		},
		{
			name: "whole set excluded",
			save: `create n hash:net family inet
add n 10.1.0.0/16
add n 10.1.0.0/17 nomatch
add n 10.1.128.0/17 nomatch`,
			want: "type ipv4_addr; flags interval",
			out:  []string{"10.1.0.0", "10.1.127.255", "10.1.128.0", "10.1.255.255"},
			note: "2 nomatch element(s) folded into the set: 0 interval(s)",
		},
		{
			name: "only nomatch elements",
			save: `create n hash:net family inet
add n 10.1.0.0/16 nomatch`,
			want: "type ipv4_addr; flags interval",
			out:  []string{"10.1.0.0"},
			note: "1 nomatch element(s) folded into the set: 0 interval(s)",
		},
		{
			name: "host nomatch at the edges and a range",
			save: `create n hash:net family inet
add n 192.0.2.0/24
add n 192.0.2.0 nomatch
add n 192.0.2.255 nomatch
add n 192.0.2.10-192.0.2.40 nomatch
add n 192.0.2.24/30
add n 0.0.0.0/1
add n 127.255.255.255 nomatch`,
			want: "type ipv4_addr; flags interval; elements = { 0.0.0.0-127.255.255.254, 192.0.2.1-192.0.2.9, 192.0.2.24/30, 192.0.2.41-192.0.2.254 }",
			in:   []string{"192.0.2.1", "192.0.2.9", "192.0.2.24", "192.0.2.27", "192.0.2.41", "192.0.2.254", "0.0.0.0", "127.255.255.254"},
			out:  []string{"192.0.2.0", "192.0.2.255", "192.0.2.10", "192.0.2.23", "192.0.2.28", "192.0.2.40", "127.255.255.255", "128.0.0.0"},
			note: "4 nomatch element(s) folded into the set: 4 interval(s)",
		},
		{
			name: "pieces keep their element's comment; maxelem raised",
			save: `create n hash:net family inet maxelem 3 comment
add n 10.0.0.0/8 comment "corp"
add n 10.64.0.0/10 comment "lab"
add n 10.200.0.0/16 nomatch`,
			want: "type ipv4_addr; flags interval; size 4; elements = { 10.0.0.0/10 comment \"corp\", 10.64.0.0/10 comment \"lab\", 10.128.0.0-10.199.255.255 comment \"corp\", 10.201.0.0-10.255.255.255 comment \"corp\" }",
			in:   []string{"10.0.0.0", "10.63.255.255", "10.64.0.0", "10.127.255.255", "10.128.0.0", "10.199.255.255", "10.201.0.0"},
			out:  []string{"10.200.0.0", "10.200.255.255", "11.0.0.0", "9.255.255.255"},
			note: "1 nomatch element(s) folded into the set: 4 interval(s); size raised to 4 to hold them",
		},
		{
			name: "adjacent pieces of different elements merge",
			save: `create n hash:net family inet
add n 10.0.0.0/8
add n 10.0.0.0/9 nomatch
add n 10.64.0.0/10`,
			want: "type ipv4_addr; flags interval; elements = { 10.64.0.0-10.255.255.255 }",
			in:   []string{"10.64.0.0", "10.128.0.0", "10.255.255.255"},
			out:  []string{"10.63.255.255", "11.0.0.0"},
			note: "1 nomatch element(s) folded into the set: 1 interval(s)",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := iptparse.ParseIPSetSave("sets", c.save+"\n")
			if len(f.Errors) > 0 || len(f.Sets) != 1 {
				t.Fatalf("%v", f.Errors)
			}
			set, notes, err := ipsetToNft(f.Sets[0])
			if err != nil {
				t.Fatal(err)
			}
			if got := setBody(set); got != c.want {
				t.Errorf("set:\n got %s\nwant %s", got, c.want)
			}
			if len(notes) != 1 || notes[0] != c.note {
				t.Errorf("notes: got %q, want %q", notes, c.note)
			}
			for _, a := range c.in {
				if !inSet(t, set, netip.MustParseAddr(a)) {
					t.Errorf("%s is not in the set", a)
				}
			}
			for _, a := range c.out {
				if inSet(t, set, netip.MustParseAddr(a)) {
					t.Errorf("%s is in the set", a)
				}
			}
			if ok, _ := testutil.CanUseNetns(); ok {
				fam := ir.FamilyIP
				if f.Sets[0].Family == iptparse.FamilyIPv6 {
					fam = ir.FamilyIP6
				}
				set.Name = "s"
				var b strings.Builder
				(&emit.Printer{}).WriteRuleset(&b, &ir.Ruleset{Tables: []*ir.Table{{Family: fam, Name: "t", Sets: []*ir.Set{set}}}}, emit.RulesetOptions{})
				if err := testutil.NewNetns(t).NftCheck(b.String()); err != nil {
					t.Errorf("%v\n%s", err, b.String())
				}
			}
		})
	}
}

func TestIPSetNomatchRefused(t *testing.T) {
	cases := []struct{ name, save, want string }{
		{"hash:net,port", `create np hash:net,port family inet
add np 10.0.0.0/8,tcp:80
add np 10.1.0.0/16,tcp:80 nomatch`, `sets:3:1: element "10.1.0.0/16,tcp:80" is nomatch (an exception inside a net), and nftables has no equivalent in a hash:net,port set`},
		{"hash:net,iface", `create ni hash:net,iface family inet
add ni 10.1.0.0/16,eth0 nomatch`, `sets:2:1: element "10.1.0.0/16,eth0" is nomatch (an exception inside a net), and nftables has no equivalent in a hash:net,iface set`},
		{"hash:net,net", `create nn hash:net,net family inet
add nn 10.1.0.0/16,10.2.0.0/16 nomatch`, `nftables has no equivalent in a hash:net,net set`},
		{"set timeout", `create nt hash:net family inet timeout 600
add nt 10.0.0.0/8 timeout 0
add nt 10.1.0.0/16 timeout 0 nomatch`, `sets:3:1: element "10.1.0.0/16" is nomatch (an exception inside a net), and the set has timeouts`},
		{"set timeout 0", `create nt hash:net family inet timeout 0
add nt 10.1.0.0/16 nomatch`, `the set has timeouts`},
		{"counters", `create nc hash:net family inet counters
add nc 10.0.0.0/8 packets 0 bytes 0
add nc 10.1.0.0/16 nomatch packets 0 bytes 0`, `sets:3:1: element "10.1.0.0/16" is nomatch (an exception inside a net), and the set has counters`},
		{"element counters without the set option", `create nc hash:net family inet
add nc 10.1.0.0/16 nomatch
add nc 10.0.0.0/8 packets 5 bytes 300`, `sets:2:1: element "10.1.0.0/16" is nomatch (an exception inside a net), and element "10.0.0.0/8" at sets:3:1 has a packets`},
		{"element timeout without the set option", `create nc hash:net family inet
add nc 10.0.0.0/8 timeout 60
add nc 10.1.0.0/16 nomatch`, `element "10.0.0.0/8" at sets:2:1 has a timeout`},
		{"same prefix with and without nomatch", `create nd hash:net family inet
add nd 10.1.0.0/16
add nd 10.1.0.0-10.1.255.255 nomatch`, `sets:3:1: element "10.1.0.0-10.1.255.255" and element "10.1.0.0/16" at sets:2:1 hold the same prefix, one of them nomatch`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := iptparse.ParseIPSetSave("sets", c.save+"\n")
			if len(f.Errors) > 0 || len(f.Sets) != 1 {
				t.Fatalf("%v", f.Errors)
			}
			set, notes, err := ipsetToNft(f.Sets[0])
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, %v, want an error with %q", set, err, c.want)
			}
			if set != nil || notes != nil {
				t.Errorf("a set comes with the error: %v %q", set, notes)
			}
		})
	}
}

// TestIPSetNomatchRandom checks the folding against ipset's lookup done
// the slow way (the longest prefix holding the address decides) on
// random nested networks, at every piece's edges.
func TestIPSetNomatchRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		v6 := round%3 == 2
		type elem struct {
			p       netip.Prefix
			nomatch bool
		}
		var els []elem
		var b strings.Builder
		fam := ""
		if v6 {
			fam = " family inet6"
		}
		fmt.Fprintf(&b, "create r hash:net%s\n", fam)
		seen := map[netip.Prefix]bool{}
		for range 1 + r.IntN(12) {
			// addresses near 10.0.0.0 (or 2001:db8::), so that the
			// networks nest
			var a netip.Addr
			var bits int
			if v6 {
				a = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(r.IntN(4)), 15: byte(r.IntN(256))})
				bits = 112 + r.IntN(17)
			} else {
				a = netip.AddrFrom4([4]byte{10, 0, byte(r.IntN(4)), byte(r.IntN(256))})
				bits = 16 + r.IntN(17)
			}
			p := netip.PrefixFrom(a, bits).Masked()
			if seen[p] {
				continue
			}
			seen[p] = true
			e := elem{p, r.IntN(3) == 0}
			els = append(els, e)
			fmt.Fprintf(&b, "add r %s%s\n", p, map[bool]string{true: " nomatch"}[e.nomatch])
		}
		if !els[0].nomatch { // at least one nomatch, or nothing is folded
			els[0].nomatch = true
			b.Reset()
			fmt.Fprintf(&b, "create r hash:net%s\n", fam)
			for _, e := range els {
				fmt.Fprintf(&b, "add r %s%s\n", e.p, map[bool]string{true: " nomatch"}[e.nomatch])
			}
		}
		f := iptparse.ParseIPSetSave("sets", b.String())
		if len(f.Errors) > 0 {
			t.Fatal(f.Errors)
		}
		set, _, err := ipsetToNft(f.Sets[0])
		if err != nil {
			t.Fatalf("%s: %v", b.String(), err)
		}
		ipset := func(a netip.Addr) bool {
			best := -1
			member := false
			for _, e := range els {
				if e.p.Contains(a) && e.p.Bits() > best {
					best, member = e.p.Bits(), !e.nomatch
				}
			}
			return member
		}
		var probes []netip.Addr
		for _, e := range els {
			lo, hi := e.p.Addr(), lastAddr(e.p)
			probes = append(probes, lo, hi, lo.Prev(), hi.Next())
		}
		for _, e := range set.Elements {
			lo, hi, _ := addrInterval(e)
			probes = append(probes, lo, hi, lo.Prev(), hi.Next())
		}
		for _, a := range probes {
			if a.IsValid() && inSet(t, set, a) != ipset(a) {
				t.Fatalf("%s: %s: in the folded set %v, in the ipset %v\nfolded: %s", b.String(), a, inSet(t, set, a), ipset(a), setBody(set))
			}
		}
		// the pieces are sorted and apart
		for i := 1; i < len(set.Elements); i++ {
			_, prevHi, _ := addrInterval(set.Elements[i-1])
			lo, _, _ := addrInterval(set.Elements[i])
			if !prevHi.Next().Less(lo) {
				t.Fatalf("%s: pieces %d and %d touch or overlap: %s", b.String(), i-1, i, setBody(set))
			}
		}
	}
}

// TestIPSetNomatchDiags: a rule using a folded set is translated and the
// folding is noted once; -j SET on it stays untranslated. --return-nomatch
// matches what nomatch elements decide (every packet, negated, when none
// does), in hash:net sets; it changes nothing in a type without nomatch
// elements, and stays untranslated in other types and without the set's
// definition.
func TestIPSetNomatchDiags(t *testing.T) {
	save := `create nets hash:net family inet
add nets 10.0.0.0/8
add nets 10.1.0.0/16 nomatch
create np hash:net,port family inet
add np 10.1.0.0/16,tcp:80 nomatch
create plain hash:net family inet
add plain 192.0.2.0/24
create ips hash:ip family inet
add ips 192.0.2.7
`
	rules := []string{
		"-A INPUT -m set --match-set nets src -j DROP",
		"-A FORWARD -m set --match-set nets dst -j DROP",
		"-A INPUT -j SET --add-set nets src",
		"-A INPUT -m set --match-set nets src --return-nomatch -j DROP",
		"-A INPUT -m set --match-set np src,dst -j DROP",
		"-A OUTPUT -m set ! --match-set nets dst --return-nomatch -j REJECT",
		"-A OUTPUT -m set --match-set plain dst --return-nomatch -j DROP",
		"-A OUTPUT -p tcp -m set ! --match-set plain dst --return-nomatch -j ACCEPT",
		"-A OUTPUT -m set --match-set ips dst --return-nomatch -j DROP",
		"-A OUTPUT -m set --match-set unknown dst --return-nomatch -j DROP",
		"-A OUTPUT -m set --match-set np dst,dst --return-nomatch -j DROP",
	}
	tr := New(Options{})
	tr.AddIPSets(iptparse.ParseIPSetSave("sets", save))
	for _, r := range rules {
		tr.AddCommand(mustParse(t, r))
	}
	var b strings.Builder
	(&emit.Printer{}).WriteRuleset(&b, tr.Ruleset(), emit.RulesetOptions{})
	out := b.String()
	for _, want := range []string{"ip saddr @nets counter drop", "ip daddr @nets counter drop", "10.0.0.0/16,", "10.2.0.0-10.255.255.255\n",
		"ip saddr { 10.1.0.0/16 } counter drop", "ip daddr != { 10.1.0.0/16 } counter reject", "\t\tip protocol tcp counter accept", "ip daddr @ips counter drop"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	var got []string
	for _, d := range tr.Diags() {
		got = append(got, d.Kind.String()+": "+d.Ext+": "+d.Msg)
	}
	want := []string{
		"note: ipset nets: 1 nomatch element(s) folded into the set: 2 interval(s)",
		`untranslated: ipset np: sets:5:1: element "10.1.0.0/16,tcp:80" is nomatch (an exception inside a net), and nftables has no equivalent in a hash:net,port set (ipt2nft folds nomatch elements only in hash:net sets)`,
		`untranslated: -j SET: set nets has nomatch elements ("10.1.0.0/16" at sets:3:1), folded into intervals; nft cannot add to or delete from such a set from a rule`,
		`untranslated: -m set: set np: sets:5:1: element "10.1.0.0/16,tcp:80" is nomatch (an exception inside a net), and nftables has no equivalent in a hash:net,port set (ipt2nft folds nomatch elements only in hash:net sets)`,
		`untranslated: -m set: --return-nomatch: no nomatch element of set plain decides an address, so the rule never matches`,
		`untranslated: -m set: --return-nomatch matches the addresses that nomatch elements of set unknown decide; without the set's definition (--ipset) they are not known`,
		`untranslated: -m set: --return-nomatch in a hash:net,port set: ipt2nft works out the addresses nomatch elements decide only in hash:net sets`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diags:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ok, _ := testutil.CanUseNetns(); ok {
		if err := testutil.NewNetns(t).NftCheck(out); err != nil {
			t.Errorf("%v\n%s", err, out)
		}
	}
}

func mustParse(t *testing.T, line string) *iptparse.Command {
	t.Helper()
	cmd, err := parseLine(t, iptparse.FamilyIPv4, line)
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}
