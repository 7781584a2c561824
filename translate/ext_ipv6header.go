package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m ipv6header (libip6t_ipv6header.c): which extension headers a packet
// has. The kernel's ip6t_ipv6header walks the header chain and collects a
// bit per header type: hop, dst, route, frag, auth, and exactly one of
// esp (the walk ended at ESP), none (at "no next header") or prot (at any
// other protocol). Without --soft the set must equal the list (or, with
// "!", differ from it); with --soft every listed header must be present
// (or, with "!", absent).
//
// nft tests hop, dst, route and frag with "exthdr NAME exists/missing".
// It has no "exthdr ah" in 1.0.6, but "meta l4proto" stops at the first
// AH header on IPv6, so it tells an AH header apart, and, when there is
// no AH header, which of esp/none/prot ended the chain.

var extIpv6header = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "ipv6header", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "header", Type: iptparse.TypeString, Flags: mand | inv},
				{Name: "soft"},
			},
			Check: func(x *iptparse.Ext) error {
				o := x.Opt("header")
				if o == nil {
					return nil
				}
				if _, err := parseIPv6Headers(o.Arg()); err != nil {
					return optErr(x, o, "%s", err)
				}
				return nil
			},
		},
		Translate: translateIPv6Header,
	},
}

func init() { registerAll(extIpv6header) }

// The header bits of ip6t_ipv6header.h.
const (
	ip6hHop   = 128
	ip6hDst   = 64
	ip6hRoute = 32
	ip6hFrag  = 16
	ip6hAuth  = 8
	ip6hESP   = 4
	ip6hNone  = 2
	ip6hProto = 1
)

// ip6hNames is chain_protos: names iptables knows besides
// /etc/protocols, and their protocol numbers.
var ip6hNames = lazy.Of[map[string]int]{New: func() map[string]int {
	return map[string]int{
		"hop-by-hop": 0, "protocol": 255, "hop": 0, "dst": 60, "route": 43,
		"frag": 44, "auth": 51, "esp": 50, "none": 59, "prot": 255,
		"0": 0, "60": 60, "43": 43, "44": 44, "51": 51, "50": 50, "59": 59, "255": 255,
	}
}}

// ip6hBits is chain_flags: the bit of each protocol number.
var ip6hBits = lazy.Of[map[int]uint8]{New: func() map[int]uint8 {
	return map[int]uint8{
		0: ip6hHop, 60: ip6hDst, 43: ip6hRoute, 44: ip6hFrag,
		51: ip6hAuth, 50: ip6hESP, 59: ip6hNone, 255: ip6hProto,
	}
}}

// notInProtocols are the names iptparse.ProtocolNumber knows from
// libxtables (not from /etc/protocols), which getprotobyname does not.
var notInProtocols = lazy.Of[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"icmpv6": true, "ipv6-mh": true, "mh": true, "all": true}
}}

// parseIPv6Headers is parse_header: a comma list of header names or
// numbers; a name is looked up in /etc/protocols first.
func parseIPv6Headers(s string) (uint8, error) {
	var mask uint8
	for _, name := range strings.Split(s, ",") {
		if name == "" {
			continue // strtok skips empty fields
		}
		proto := -1
		if _, numeric := iptparse.ParseUint(name, 0, 0, 1<<64-1); !numeric && !notInProtocols.Get()[name] {
			// getprotobyname: the protocols database only.
			if n, ok := iptparse.ProtocolNumber(name); ok {
				proto = int(n)
			}
		}
		if proto < 0 {
			n, ok := ip6hNames.Get()[name]
			if !ok {
				return 0, fmt.Errorf("unknown header `%s' specified", name)
			}
			proto = n
		}
		bit, ok := ip6hBits.Get()[proto]
		if !ok {
			return 0, fmt.Errorf("unknown header `%d' specified", proto)
		}
		mask |= bit
	}
	if mask == 0 {
		return 0, fmt.Errorf("ip6t_ipv6header: cannot parse header names")
	}
	return mask, nil
}

// tri is a required header state.
type tri uint8

const (
	triAny tri = iota
	triPresent
	triAbsent
)

func translateIPv6Header(c *Ctx, x *iptparse.Ext) error {
	o := x.Opt("header")
	mask, _ := parseIPv6Headers(o.Arg())
	soft := x.Has("soft")
	var want [8]tri // by bit number
	for b := 0; b < 8; b++ {
		in := mask&(1<<b) != 0
		switch {
		case in && !o.Neg:
			want[b] = triPresent
		case in:
			want[b] = triAbsent
		case !soft:
			want[b] = triAbsent
		}
	}
	terminals := []uint8{ip6hESP, ip6hNone, ip6hProto}
	bitIndex := func(bit uint8) int {
		for b := 0; b < 8; b++ {
			if bit == 1<<b {
				return b
			}
		}
		return -1
	}
	if !soft && o.Neg {
		// "The headers differ from the list": true for every packet
		// when the list cannot be the set of a packet (which has
		// exactly one of esp, none, prot); otherwise a disjunction.
		n := 0
		for _, t := range terminals {
			if mask&t != 0 {
				n++
			}
		}
		if n != 1 {
			c.note("! --header %s without --soft matches every packet: a packet has exactly one of esp, none, prot", o.Arg())
			return nil
		}
		return c.ip6hDiffers(x, o, mask)
	}
	// Which terminal (esp, none, prot) may end the chain.
	allowed := map[uint8]bool{ip6hESP: true, ip6hNone: true, ip6hProto: true}
	for _, t := range terminals {
		switch want[bitIndex(t)] {
		case triPresent:
			for _, u := range terminals {
				if u != t {
					allowed[u] = false
				}
			}
		case triAbsent:
			allowed[t] = false
		}
	}
	nAllowed := 0
	for _, ok := range allowed {
		if ok {
			nAllowed++
		}
	}
	for _, h := range []struct {
		bit  uint8
		name string
	}{{ip6hHop, "hbh"}, {ip6hDst, "dst"}, {ip6hRoute, "rt"}, {ip6hFrag, "frag"}} {
		switch want[bitIndex(h.bit)] {
		case triPresent:
			c.Add(ir.Eq(&ir.Exthdr{Name: h.name}, ir.Sym("exists")))
		case triAbsent:
			c.Add(ir.Eq(&ir.Exthdr{Name: h.name}, ir.Sym("missing")))
		}
	}
	l4 := &ir.Meta{Key: "l4proto"}
	auth := want[bitIndex(ip6hAuth)]
	switch {
	case nAllowed == 0:
		c.neverMatches(o, "a packet's header chain ends with exactly one of esp, none, prot")
		c.Add(never(l4, 255))
	case nAllowed == 3:
		switch auth {
		case triPresent:
			c.Add(l4protoIs("ah"))
		case triAbsent:
			c.Add(ir.Cmp(l4, ir.CmpNe, ir.Sym("ah")))
		}
	case auth != triAbsent:
		return c.Untranslatable(x, "--header %s: nft's meta l4proto stops at an AH header, so how the header chain ends (esp, none, prot) can only be tested when AH is required to be absent", o.Arg())
	default:
		// No AH header: meta l4proto is the protocol that ends the chain.
		var in, out []ir.Expr
		for _, t := range []struct {
			bit  uint8
			name string
		}{{ip6hESP, "esp"}, {ip6hNone, "ipv6-nonxt"}} {
			if allowed[t.bit] {
				in = append(in, ir.Sym(t.name))
			} else {
				out = append(out, ir.Sym(t.name))
			}
		}
		if allowed[ip6hProto] {
			// Anything but the excluded terminals and AH.
			out = append([]ir.Expr{ir.Sym("ah")}, out...)
			c.Add(ir.Cmp(l4, ir.CmpNe, setOrOne(out)))
		} else {
			c.Add(ir.Eq(l4, setOrOne(in)))
		}
	}
	return nil
}

// setOrOne is the element itself or an anonymous set of them.
func setOrOne(elems []ir.Expr) ir.Expr {
	if len(elems) == 1 {
		return elems[0]
	}
	return &ir.SetLit{Elems: elems}
}

// ip6hDiffers translates "! --header LIST" without --soft when LIST has
// one of esp, none, prot: some header differs from the list. That is one
// nft rule per header (Ctx.Either), the k-th testing that the headers
// before it are as listed and that it is not.
func (c *Ctx) ip6hDiffers(x *iptparse.Ext, o *iptparse.Option, mask uint8) error {
	if mask&ip6hAuth != 0 {
		return c.Untranslatable(x, "! --header %s: when the packet has the listed AH header, nft's meta l4proto stops at it, so how the header chain ends (esp, none, prot) cannot be tested", o.Arg())
	}
	var same []ir.Stmt
	var alts [][]ir.Stmt
	state := map[bool]string{true: "exists", false: "missing"}
	for _, h := range []struct {
		bit  uint8
		name string
	}{{ip6hHop, "hbh"}, {ip6hDst, "dst"}, {ip6hRoute, "rt"}, {ip6hFrag, "frag"}} {
		in := mask&h.bit != 0
		alt := append(append([]ir.Stmt(nil), same...), ir.Eq(&ir.Exthdr{Name: h.name}, ir.Sym(state[!in])))
		alts = append(alts, alt)
		same = append(same, ir.Eq(&ir.Exthdr{Name: h.name}, ir.Sym(state[in])))
	}
	// An AH header, which the list does not have.
	alts = append(alts, append(append([]ir.Stmt(nil), same...), l4protoIs("ah")))
	// No AH header, and the chain ends otherwise than listed.
	l4 := &ir.Meta{Key: "l4proto"}
	var end ir.Stmt
	switch {
	case mask&ip6hESP != 0:
		end = ir.Cmp(l4, ir.CmpNe, &ir.SetLit{Elems: []ir.Expr{ir.Sym("ah"), ir.Sym("esp")}})
	case mask&ip6hNone != 0:
		end = ir.Cmp(l4, ir.CmpNe, &ir.SetLit{Elems: []ir.Expr{ir.Sym("ah"), ir.Sym("ipv6-nonxt")}})
	default:
		end = ir.Eq(l4, &ir.SetLit{Elems: []ir.Expr{ir.Sym("esp"), ir.Sym("ipv6-nonxt")}})
	}
	alts = append(alts, append(same, end))
	if !c.Either(alts...) {
		return c.Untranslatable(x, "! --header without --soft takes one nft rule per header, and an earlier match of this rule has state that each would update")
	}
	c.note("! --header %s: some header differs from the list; written as %d rules", o.Arg(), len(alts))
	return nil
}
