package translate

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
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
	for _, c := range []struct{ name, save, want, err, note string }{
		{"net holds an address", `create s hash:net family inet6
add s 2001:2:0:100::5
add s 2001:2:0:100::/124
add s 2001:db8::1
`, "type ipv6_addr; flags interval; elements = { 2001:2:0:100::/124, 2001:db8::1 }", "",
			"1 element(s) inside other elements left out (2001:2:0:100::5 inside 2001:2:0:100::-2001:2:0:100::f): nft interval sets cannot hold both, and the set matches the same addresses"},
		{"nested networks, comments", `create s hash:net family inet comment
add s 10.1.0.0/16 comment "inner"
add s 10.0.0.0/8 comment "outer"
add s 10.2.3.0/24
add s 11.0.0.0/8
`, "type ipv4_addr; flags interval; elements = { 10.0.0.0/8 comment \"outer\", 11.0.0.0/8 }", "",
			"2 element(s) inside other elements left out (10.1.0.0-10.1.255.255 inside 10.0.0.0-10.255.255.255): nft interval sets cannot hold both, and the set matches the same addresses"},
		{"counted elements inside another", `create s hash:net family inet counters
add s 10.0.0.0/8 packets 5 bytes 500
add s 10.1.0.0/16 packets 2 bytes 200
`, "type ipv4_addr; flags interval; elements = { 10.0.0.0/8 counter packets 5 bytes 500 }", "",
			"1 element(s) inside other elements left out (10.1.0.0-10.1.255.255 inside 10.0.0.0-10.255.255.255): nft interval sets cannot hold both, and the set matches the same addresses; their counter values are lost, and the element around them counts their packets"},
		{"adjacent networks stay", `create s hash:net family inet
add s 10.0.0.0/25
add s 10.0.0.128/25
`, "type ipv4_addr; flags interval; elements = { 10.0.0.0/25, 10.0.0.128/25 }", "", ""},
		{"the covering element expires", `create s hash:net family inet timeout 0
add s 10.0.0.0/8 timeout 60
add s 10.1.0.0/16
`, "", "elements 10.0.0.0-10.255.255.255 and 10.1.0.0-10.1.255.255 overlap", ""},
		{"it is the inner one that expires", `create s hash:net family inet timeout 0
add s 10.0.0.0/8
add s 10.1.0.0/16 timeout 60
`, "type ipv4_addr; flags interval,timeout; elements = { 10.0.0.0/8 }", "",
			"1 element(s) inside other elements left out (10.1.0.0-10.1.255.255 inside 10.0.0.0-10.255.255.255): nft interval sets cannot hold both, and the set matches the same addresses"},
	} {
		f := iptparse.ParseIPSetSave("sets", c.save)
		if len(f.Errors) > 0 {
			t.Fatal(f.Errors[0])
		}
		set, notes, err := ipsetToNft(f.Sets[0])
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: got error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := strings.Join(notes, "\n"); got != c.note {
			t.Errorf("%s: note\n got %q\nwant %q", c.name, got, c.note)
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

// dropCoveredStable is dropCoveredElements as it was written first, with
// a stable sort: the reference for TestDropCoveredAsStable.
func dropCoveredStable(els []ir.Expr) ([]ir.Expr, bool) {
	type iv struct {
		lo, hi netip.Addr
		el     ir.Expr
		expire bool
	}
	var ivs []iv
	for _, el := range els {
		lo, hi, _ := addrInterval(el)
		e, isElem := el.(*ir.Elem)
		ivs = append(ivs, iv{lo, hi, el, isElem && e.Timeout() != ""})
	}
	slices.SortStableFunc(ivs, func(a, b iv) int {
		if c := a.lo.Compare(b.lo); c != 0 {
			return c
		}
		return b.hi.Compare(a.hi)
	})
	var kept []iv
	for _, x := range ivs {
		if n := len(kept); n > 0 && x.lo.Compare(kept[n-1].hi) <= 0 {
			if x.hi.Compare(kept[n-1].hi) <= 0 && !kept[n-1].expire {
				continue
			}
			return nil, false
		}
		kept = append(kept, x)
	}
	keep := map[ir.Expr]bool{}
	for _, x := range kept {
		keep[x.el] = true
	}
	return slices.DeleteFunc(slices.Clone(els), func(e ir.Expr) bool { return !keep[e] }), true
}

// TestDropCoveredAsStable: random sets of addresses and networks, with
// equal elements told apart by their comments and timeouts, keep the
// same elements (the same ones of equals) as with the stable sort.
func TestDropCoveredAsStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for round := range 3000 {
		var els []ir.Expr
		for i := range 1 + rng.IntN(60) {
			a := netip.AddrFrom4([4]byte{10, byte(rng.IntN(2)), byte(rng.IntN(3)), byte(rng.IntN(4))})
			var key ir.Expr = &ir.Addr{Addr: a}
			if rng.IntN(3) == 0 {
				key = &ir.Prefix{Prefix: netip.PrefixFrom(a, 8+8*rng.IntN(3)).Masked()}
			}
			el := &ir.Elem{Key: key, Comment: strconv.Itoa(i)}
			if rng.IntN(4) == 0 {
				el.Times = &ir.ElemTimes{Timeout: "60s"}
			}
			els = append(els, el)
		}
		want, ok := dropCoveredStable(els)
		set := &ir.Set{Elements: slices.Clone(els)}
		_, err := dropCoveredElements(set)
		if ok != (err == nil) {
			t.Fatalf("round %d: error %v, stable sort ok %v", round, err, ok)
		}
		if ok && !slices.Equal(set.Elements, want) {
			t.Fatalf("round %d: kept %s, stable sort kept %s", round, elemsText(set.Elements), elemsText(want))
		}
	}
}

// elemsText names the elements of TestDropCoveredAsStable: each key with
// its comment, the position it was added at.
func elemsText(els []ir.Expr) string {
	var b strings.Builder
	for _, e := range els {
		el := e.(*ir.Elem)
		lo, hi, _ := addrInterval(el)
		fmt.Fprintf(&b, "%s-%s#%s ", lo, hi, el.Comment)
	}
	return b.String()
}

// RangePrefixes against a slow cover, one address at a time: the
// fewest prefixes, in order, exactly lo to hi; none for a reversed range.
func TestRangePrefixes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for range 2000 {
		base := netip.AddrFrom4([4]byte{10, 0, byte(rng.IntN(2)), byte(rng.IntN(256))})
		lo := base
		for range rng.IntN(40) {
			lo = lo.Next()
		}
		hi := lo
		for range rng.IntN(600) {
			hi = hi.Next()
		}
		ps := RangePrefixes(lo, hi)
		next := lo
		for _, p := range ps {
			if p.Addr() != next || p.Masked() != p {
				t.Fatalf("%s-%s: %v does not continue at %s", lo, hi, ps, next)
			}
			// a wider prefix at the same start would fit: not the fewest
			if w := netip.PrefixFrom(p.Addr(), p.Bits()-1); w.Masked().Addr() == p.Addr() && !hi.Less(lastAddr(w)) {
				t.Fatalf("%s-%s: %s could be %s", lo, hi, p, w)
			}
			next = lastAddr(p).Next()
		}
		if next != hi.Next() {
			t.Fatalf("%s-%s: %v ends before %s", lo, hi, ps, hi)
		}
	}
	if ps := RangePrefixes(netip.MustParseAddr("10.0.0.9"), netip.MustParseAddr("10.0.0.1")); ps != nil {
		t.Errorf("reversed range: %v", ps)
	}
	all := RangePrefixes(netip.MustParseAddr("::"), netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
	if len(all) != 1 || all[0].Bits() != 0 {
		t.Errorf("whole v6 space: %v", all)
	}
}
