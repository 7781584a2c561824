package translate

import (
	"slices"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// TestShadowSelectorMemo: the sel and mergeability shadowMem.selector
// gives a selector, remembered or not, are those worked out afresh, as
// selectors of each kind follow one another at the same place.
func TestShadowSelectorMemo(t *testing.T) {
	exprs := []ir.Expr{
		&ir.Payload{Proto: "ip", Field: "saddr"},
		&ir.Payload{Proto: "ip", Field: "saddr"},
		&ir.Payload{Proto: "ip", Field: "daddr"},
		&ir.Payload{Proto: "ip6", Field: "daddr"},
		&ir.Payload{Proto: "tcp", Field: "dport"},
		&ir.Payload{Proto: "udp", Field: "dport"},
		&ir.Meta{Key: "iifname"},
		&ir.Meta{Key: "iifname"},
		&ir.Meta{Key: "oifname"},
		&ir.Meta{Key: "l4proto"},
		&ir.Meta{Key: "l4proto", Bare: true},
		&ir.Meta{Key: "mark"},
		&ir.Ct{Key: "state"},
		&ir.Payload{Proto: "ip", Field: "saddr"},
		&ir.Meta{Key: "mark"},
	}
	var sm shadowMem
	for _, place := range []int{0, 3, len(sm.sels)} {
		for _, e := range exprs {
			sel, mergeable := sm.selector(place, e)
			if want := uint64(sigHash(fnvOffset).expr(e)); sel != want {
				t.Errorf("place %d: sel of %#v = %x, want %x", place, e, sel, want)
			}
			if want := mergeableSelector(e); mergeable != want {
				t.Errorf("place %d: mergeable of %#v = %v, want %v", place, e, mergeable, want)
			}
		}
	}
}

// TestShadowPointBit: a match whose values are all one number has the
// bit of its selector and number, the same however often the number is
// given; others have none.
func TestShadowPointBit(t *testing.T) {
	n := func(v uint64) interval { k := u64Key('n', v); return interval{lo: k, hi: k} }
	rng := func(a, b uint64) interval { return interval{lo: u64Key('n', a), hi: u64Key('n', b)} }
	one := pointBit(&shadowMatch{sel: 7, vals: []interval{n(22)}})
	if one == 0 {
		t.Fatal("no bit for a single number")
	}
	if got := pointBit(&shadowMatch{sel: 7, vals: []interval{n(22), n(22), rng(22, 22)}}); got != one {
		t.Errorf("22 three times: bit %x, want %x", got, one)
	}
	for _, vals := range [][]interval{nil, {n(22), n(23)}, {rng(22, 23)}, {n(22), rng(22, 23)}, {exactInterval("eth0")}} {
		if got := pointBit(&shadowMatch{sel: 7, vals: vals}); got != 0 {
			t.Errorf("%v: bit %x, want none", vals, got)
		}
	}
}

// TestShadowMemChains: findShadowed looks back at the rules of the chain
// it works on only, however many chains one memory served before.
func TestShadowMemChains(t *testing.T) {
	const dump = `*filter
:INPUT ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
-A A -s 10.0.0.1/32 -j DROP
-A A -s 10.0.0.2/32 -j DROP
-A A -s 10.0.0.3/32 -j DROP
-A B -s 10.0.0.3/32 -j DROP
-A B -s 10.0.0.4/32 -j ACCEPT
-A B -s 10.0.0.4/32 -j DROP
COMMIT
`
	tr := New(Options{})
	tr.AddFile(iptparse.ParseFile("chains.rules", dump, Registry{}, iptparse.FamilyIPv4))
	var mem shadowMem
	var rep OptReport
	for _, tb := range tr.Ruleset().Tables {
		for _, c := range tb.Chains {
			if c.Deferred != nil {
				c.Rules = c.Deferred.(*ruleRun).Rules()
			}
			findShadowed(c, &mem, &rep)
		}
	}
	var got []int
	for _, d := range rep.Dead {
		got = append(got, int(d.Rule.Origin[0].Line))
	}
	if want := []int{10}; !slices.Equal(got, want) {
		t.Errorf("never matching: lines %v, want %v", got, want)
	}
}
