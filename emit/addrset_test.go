package emit

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestAddrSetAsSetLit checks that an AddrSet is written as text, JSON
// and netlink messages exactly as the SetLit of the elements it was made
// of, and that Exprs gives those.
func TestAddrSetAsSetLit(t *testing.T) {
	// big gives the third element counter values past 32 bits.
	type built struct {
		set   *ir.AddrSet
		elems []ir.Expr // what it was made of, as a SetLit holds them
	}
	build := func(is6, counted, values, big bool, keys ...string) built {
		s := &ir.AddrSet{Is6: is6, Counted: counted, HasValues: values}
		var elems []ir.Expr
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
				if big && i == 2 {
					c.Bytes = 1<<40 + 5
				}
			}
			if !s.CanAdd(key, c) {
				t.Fatalf("%s: cannot add", k)
			}
			s.Add(key, c)
			if counted {
				elems = append(elems, &ir.Elem{Key: key, Counter: c})
			} else {
				elems = append(elems, key)
			}
		}
		return built{s, elems}
	}
	v4 := []string{"192.0.2.1", "10.0.0.0/8", "198.51.100.7", "203.0.113.0/32", "0.0.0.0/0"}
	v6 := []string{"2001:db8::1", "2001:db8:1::/48", "::ffff:192.0.2.1", "fe80::/10"}
	sets := []built{
		build(false, true, true, false, v4...),
		build(false, true, true, true, v4...),
		build(false, true, false, false, v4...),
		build(false, false, false, false, v4...),
		build(false, true, true, false, "192.0.2.1", "192.0.2.2", "192.0.2.3"),
		build(true, true, true, false, v6...),
		build(true, true, true, true, v6...),
		build(true, false, false, false, v6...),
	}
	for i, b := range sets {
		s := b.set
		ruleset := func(right ir.Expr) *ir.Ruleset {
			proto := "ip"
			if s.Is6 {
				proto = "ip6"
			}
			r := rule(ir.Eq(pl(proto, "saddr"), right), drop)
			return &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyInet, Name: "t",
				Chains: []*ir.Chain{base("input", "filter", "input", prio("filter", 0), "accept", r)}}}}
		}
		want, got := ruleset(&ir.SetLit{Elems: b.elems}), ruleset(s)
		if s.Len() != len(b.elems) || !reflect.DeepEqual(s.Exprs(), b.elems) {
			t.Fatalf("set %d: %d elements, Exprs %v", i, s.Len(), s.Exprs())
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

// TestAddrSetFastPaths checks addrSet4 and concatAddrSet's IPv4 path
// against the general printing of the same elements as a SetLit (Exprs),
// on random sets past a flush boundary: plain addresses and prefixes,
// counters with values in 32 bits and past them, ports in decimal and
// hexadecimal, comments.
func TestAddrSetFastPaths(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for round := range 48 {
		counted, values := round%3 != 0, round%3 == 2
		s := &ir.AddrSet{Counted: counted, HasValues: values}
		for range 1500 + rnd.IntN(1500) {
			a := netip.AddrFrom4([4]byte{byte(rnd.IntN(256)), byte(rnd.IntN(256)), byte(rnd.IntN(256)), byte(rnd.IntN(256))})
			var key ir.Expr = ir.IP(a)
			if round%2 == 1 && rnd.IntN(3) == 0 {
				key = &ir.Prefix{Prefix: netip.PrefixFrom(a, rnd.IntN(33))}
			}
			c := &ir.Counter{}
			if values {
				c.Packets, c.Bytes, c.HasValues = rnd.Uint64N(1e9), rnd.Uint64N(1<<uint(rnd.IntN(50)+1)), true
			}
			if s.CanAdd(key, c) {
				s.Add(key, c)
			}
		}
		switch round / 12 {
		case 1, 2: // ports, in decimal, then hexadecimal
			s.Port = ir.Integer{Width: 16}
			if round/12 == 2 {
				s.Port.Base = 16
			}
			for range s.Len() {
				s.Ports = append(s.Ports, rnd.Uint64N(65536))
			}
		case 3:
			for i := range s.Len() {
				s.Comments = append(s.Comments, []string{"", "x", "a b"}[i%3])
			}
		}
		var fast, general textBuf
		p := &Printer{}
		p.addrSet(&fast, s)
		p.expr(&general, &ir.SetLit{Elems: s.Exprs()}, 0)
		if fast.String() != general.String() {
			t.Fatalf("round %d: addrSet wrote\n%.300s\nthe SetLit\n%.300s", round, fast.String(), general.String())
		}
	}
}
