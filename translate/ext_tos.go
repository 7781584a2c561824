package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m tos (libxt_tos.c, revision 1): "(TOS & mask) == value" on the whole
// IPv4 TOS byte or IPv6 traffic class, DSCP and ECN bits together. A
// symbolic value (Minimize-Delay...) has the mask 0x3f.
//
// nft's "ip dscp"/"ip ecn" cover the common masks; other masks use the
// raw header bits. On IPv6 the traffic class straddles two bytes and nft
// 1.0.6 shifts unaligned fields in host byte order, so "ip6 dscp & M" is
// wrong there: the test is written on the first 16 bits instead.

var extTos = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "tos", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "tos", Type: iptparse.TypeTOSMask, Max: 0x3f, Flags: inv | mand},
			},
		},
		Translate: translateTOSMatch,
	},
}

func init() { registerAll(extTos) }

// l3Never is a test no packet passes: "ip ttl != 0-255".
func (c *Ctx) l3Never() *ir.Match {
	if c.IsIPv6() {
		return never(&ir.Payload{Proto: "ip6", Field: "hoplimit"}, 255)
	}
	return never(&ir.Payload{Proto: "ip", Field: "ttl"}, 255)
}

func translateTOSMatch(c *Ctx, x *iptparse.Ext) error {
	o := x.Opt("tos")
	vm := o.Value.(iptparse.ValueMask)
	v, m, neg := vm.Value, vm.Mask, o.Neg
	l3 := c.L3()
	switch {
	case v&^m != 0 && !neg, m == 0 && neg:
		c.neverMatches(o, "no TOS byte ANDed with the mask equals the value")
		c.Add(c.l3Never())
	case v&^m != 0, m == 0:
		// Every packet passes.
		c.note("%s %s matches every packet", o.Written, o.Arg())
	case m == 0xfc:
		c.Add(ir.EqOrNe(&ir.Payload{Proto: l3, Field: "dscp"}, neg, hex2(v>>2)))
	case m == 0x03:
		c.Add(ir.EqOrNe(&ir.Payload{Proto: l3, Field: "ecn"}, neg, ir.Sym(ecnNames[v])))
	case c.IsIPv6():
		raw := &ir.RawPayload{Base: "nh", Offset: 0, Len: 16}
		c.Add(ir.EqOrNe(&ir.Binary{Op: ir.OpAnd, Left: raw, Right: &ir.Integer{Value: m << 4, Base: 16, Width: 4}},
			neg, &ir.Integer{Value: v << 4, Base: 16, Width: 4}))
	default:
		raw := &ir.RawPayload{Base: "nh", Offset: 8, Len: 8}
		c.Add(ir.EqOrNe(&ir.Binary{Op: ir.OpAnd, Left: raw, Right: hex2(m)}, neg, hex2(v)))
	}
	return nil
}
