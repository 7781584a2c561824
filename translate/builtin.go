package translate

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// builtins translates iptables' own selectors (-i, -o, -f, -p, -s, -d) in
// the order upstream's nft_ipv4_xlate / nft_ipv6_xlate write them.
func (c *Ctx) builtins(src, dst *iptparse.AddrMask) {
	r := c.Rule
	// (most rules name no interface: no call then)
	if r.In != nil {
		c.iface("iifname", r.In)
	}
	if r.Out != nil {
		c.iface("oifname", r.Out)
	}
	if f := r.Frag; f != nil {
		op := ir.CmpNe
		if f.Neg {
			op = ir.CmpEq
		}
		c.Add(&ir.Match{
			Left:  &ir.Binary{Op: ir.OpAnd, Left: &ir.Payload{Proto: "ip", Field: "frag-off"}, Right: ir.Hex(0x1fff)},
			Op:    op,
			Right: ir.Int(0),
			Spell: ir.SpellImplicit,
		})
	}
	if p := r.Proto; p != nil && p.Num != 0 && !c.hasProtoMatch(p.Num) {
		c.proto(p)
	}
	if r.Src != nil {
		c.addr("saddr", src, r.Src.Neg)
	}
	if r.Dst != nil {
		c.addr("daddr", dst, r.Dst.Neg)
	}
}

// proto adds the match of -p, when no match of the rule implies it:
// from the translator's blocks (a rule such as "-p udp -m multiport"
// took three heap values, 34 KB of exact mode's mixed 20,000-rule dump).
func (c *Ctx) proto(p *iptparse.ProtoSel) {
	a := &c.tr.alloc
	var left ir.Expr
	if c.IsIPv6() {
		left = a.meta("l4proto")
	} else {
		left = a.payload("ip", "protocol")
	}
	var right ir.Expr
	if name := iptparse.ProtocolName(p.Num); name != "" {
		right = a.sym(name)
	} else {
		right = c.int(uint64(p.Num))
	}
	c.Add(a.eqOrNe(left, p.Neg, right))
}

// ProtoExpr is a protocol number as nft text: its name if it has one.
func ProtoExpr(num uint8) ir.Expr {
	if name := iptparse.ProtocolName(num); name != "" {
		return ir.Sym(name)
	}
	return ir.Int(uint64(num))
}

// hasProtoMatch is upstream's xlate_find_protomatch: "ip protocol tcp" is
// left out when a tcp match follows, which implies it.
func (c *Ctx) hasProtoMatch(num uint8) bool {
	for _, name := range protoMatchNames[num] {
		if c.HasMatch(name) {
			return true
		}
	}
	if n := iptparse.ProtocolName(num); n != "" && c.HasMatch(n) {
		return true
	}
	return false
}

// protoMatchNames are the match names that imply a protocol, by number:
// an array, as a map look-up for every rule with -p cost more than
// finding the match.
var protoMatchNames = [256][]string{
	6: {"tcp"}, 132: {"sctp"}, 17: {"udp"}, 136: {"udplite"}, 1: {"icmp"},
	58: {"ipv6-icmp", "icmpv6"}, 50: {"esp"}, 51: {"ah"},
	135: {"mobility-header", "ipv6-mh", "mh"}, 33: {"dccp"}, 108: {"ipcomp"},
}

// iface translates -i/-o like upstream's xlate_ifname: a trailing '+' is
// a wildcard ("eth*"), a literal '*' at the end is escaped, "+" alone
// matches everything (nothing to write) or, negated, nothing.
func (c *Ctx) iface(key string, sel *iptparse.IfaceSel) {
	if sel == nil {
		return
	}
	name, neg := sel.Name, sel.Neg
	if name == "+" {
		if !neg {
			return
		}
		name, neg = "INVAL/D", false
		c.Add(ir.Eq(&ir.Meta{Key: key}, ir.Str(name)))
		return
	}
	if c.tr.alloc.share {
		c.Add(c.tr.alloc.ifaceMatch(c, key, neg, IfnamePattern(name)))
		return
	}
	m, str := c.tr.alloc.metas.new(), c.tr.alloc.strs.new()
	*m, *str = ir.Meta{Key: key}, ir.String{Value: c.tr.keep(IfnamePattern(name))}
	c.Add(c.tr.alloc.eqOrNe(m, neg, str))
}

// IfnamePattern turns an iptables interface name into an nft one: a
// trailing '+' becomes the '*' wildcard and a trailing literal '*' is
// escaped.
func IfnamePattern(name string) string {
	if strings.HasSuffix(name, "*") {
		name = name[:len(name)-1] + `\*`
	}
	if strings.HasSuffix(name, "+") {
		name = name[:len(name)-1] + "*"
	}
	return name
}

// addr translates -s/-d like upstream's xlate_ipv4_addr/xlate_ipv6_addr.
func (c *Ctx) addr(field string, a *iptparse.AddrMask, neg bool) {
	if a == nil {
		return
	}
	bits := a.Addr.BitLen()
	if !neg && a.Bits == 0 && a.Addr.IsUnspecified() {
		return
	}
	sel := c.tr.alloc.addrPayload(c.IsIPv6(), field)
	switch {
	case a.Bits < 0:
		c.Add(&ir.Match{
			Left:  &ir.Binary{Op: ir.OpAnd, Left: sel, Right: ir.IP(a.Mask)},
			Op:    map[bool]ir.CmpOp{false: ir.CmpEq, true: ir.CmpNe}[neg],
			Right: ir.IP(a.Addr),
			Spell: ir.SpellSymbol,
		})
	case a.Bits == bits:
		ip := c.tr.alloc.addrs.new()
		*ip = ir.Addr{Addr: a.Addr}
		if c.tr.alloc.share {
			c.Add(c.tr.alloc.addrMatch(field, sel, neg, ip))
			return
		}
		c.Add(c.tr.alloc.eqOrNe(sel, neg, ip))
	default:
		p := c.tr.alloc.prefixes.new()
		*p = ir.Prefix{Prefix: a.Prefix()}
		if c.tr.alloc.share {
			c.Add(c.tr.alloc.addrMatch(field, sel, neg, p))
			return
		}
		c.Add(c.tr.alloc.eqOrNe(sel, neg, p))
	}
}
