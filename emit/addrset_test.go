package emit

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestAddrSetAsSetLit checks that an AddrSet is written as text, JSON
// and netlink messages exactly as the SetLit of its elements (Exprs).
func TestAddrSetAsSetLit(t *testing.T) {
	build := func(is6, counted, values bool, keys ...string) *ir.AddrSet {
		s := &ir.AddrSet{Is6: is6, Counted: counted, HasValues: values}
		for i, k := range keys {
			var key ir.Expr
			if p, err := netip.ParsePrefix(k); err == nil {
				key = &ir.Prefix{Prefix: p}
			} else {
				key = ir.IP(netip.MustParseAddr(k))
			}
			c := &ir.Counter{}
			if values {
				c.Packets, c.Bytes, c.HasValues = uint64(i+1), uint64(1000*i+7), true
			}
			if !s.CanAdd(key, c) {
				t.Fatalf("%s: cannot add", k)
			}
			s.Add(key, c)
		}
		return s
	}
	v4 := []string{"192.0.2.1", "10.0.0.0/8", "198.51.100.7", "203.0.113.0/32", "0.0.0.0/0"}
	v6 := []string{"2001:db8::1", "2001:db8:1::/48", "::ffff:192.0.2.1", "fe80::/10"}
	sets := []*ir.AddrSet{
		build(false, true, true, v4...),
		build(false, true, false, v4...),
		build(false, false, false, v4...),
		build(false, true, true, "192.0.2.1", "192.0.2.2", "192.0.2.3"),
		build(true, true, true, v6...),
		build(true, false, false, v6...),
	}
	for i, s := range sets {
		ruleset := func(right ir.Expr) *ir.Ruleset {
			proto := "ip"
			if s.Is6 {
				proto = "ip6"
			}
			r := rule(ir.Eq(pl(proto, "saddr"), right), drop)
			return &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyInet, Name: "t",
				Chains: []*ir.Chain{base("input", "filter", "input", prio("filter", 0), "accept", r)}}}}
		}
		want, got := ruleset(&ir.SetLit{Elems: s.Exprs()}), ruleset(s)
		if s.Len() != len(s.Exprs()) {
			t.Fatalf("set %d: Len %d, %d elements", i, s.Len(), len(s.Exprs()))
		}
		for _, f := range []struct {
			name  string
			write func(*ir.Ruleset) (string, error)
		}{
			{"text", func(rs *ir.Ruleset) (string, error) {
				var b bytes.Buffer
				err := (&Printer{}).WriteRuleset(&b, rs, RulesetOptions{})
				return b.String(), err
			}},
			{"json", func(rs *ir.Ruleset) (string, error) {
				var b bytes.Buffer
				err := WriteJSON(&b, rs)
				return b.String(), err
			}},
			{"netlink", func(rs *ir.Ruleset) (string, error) {
				prog, err := CompileNetlink(rs)
				if err != nil {
					return "", err
				}
				msgs, err := prog.Messages()
				var b bytes.Buffer
				for _, m := range msgs {
					fmt.Fprintf(&b, "%d %d %d %x %s\n", m.Type, m.Flags, m.Family, m.Data, m.What)
				}
				return b.String(), err
			}},
		} {
			// Errors too (JSON has no element counters).
			w, werr := f.write(want)
			g, gerr := f.write(got)
			if g != w || fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Errorf("set %d, %s: %v\n%s\nwant %v\n%s", i, f.name, gerr, g, werr, w)
			}
		}
	}
}
