package translate

import (
	"net/netip"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j NETMAP (libipt_NETMAP.c, libip6t_NETMAP.c): maps a whole network onto
// another, keeping the host part: new = (old & ~mask) | (to & mask). The
// kernel (xt_NETMAP) rewrites the destination in PREROUTING and OUTPUT and
// the source in POSTROUTING and INPUT. nft's "dnat prefix to" / "snat
// prefix to" (NF_NAT_RANGE_NETMAP) computes the same from the range
// min..max, with mask = ~(min ^ max); a non-contiguous mask is written as
// that range. Upstream iptables-translate has no translation for NETMAP.

var netmapOptions = []iptparse.OptionSpec{
	{Name: "to", Type: iptparse.TypeHostMask, Flags: mand},
}

// tgNETMAP is NETMAP for IPv4 and IPv6.
var tgNETMAP = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "NETMAP", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv4,
			Options: netmapOptions,
		},
		Translate: translateNETMAP,
	},
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "NETMAP", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv6,
			Options: netmapOptions,
		},
		Translate: translateNETMAP,
	},
}

func init() { registerAll(tgNETMAP) }

func translateNETMAP(c *Ctx, x *iptparse.Ext) error {
	if err := c.checkTable(x, "nat"); err != nil {
		return err
	}
	var kind ir.NatKind
	switch c.Chain {
	case "PREROUTING", "OUTPUT":
		kind = ir.NatDNAT
	case "POSTROUTING", "INPUT":
		kind = ir.NatSNAT
	default:
		return c.Untranslatable(x, "NETMAP maps the destination when called from PREROUTING or OUTPUT and the source from POSTROUTING or INPUT; in user chain %s the direction depends on the caller, which one nft statement cannot do", c.Chain)
	}
	am := x.Opt("to").Value.(iptparse.AddrMask)
	lo := am.Masked()
	hi := orNot(lo, am.Mask)
	s := &ir.Nat{Kind: kind, Prefix: true}
	if am.IsPrefix() {
		s.Addr = &ir.Prefix{Prefix: netip.PrefixFrom(lo, am.Bits)}
	} else {
		s.Addr = &ir.Range{Lo: ir.IP(lo), Hi: ir.IP(hi)}
	}
	c.Add(s)
	return nil
}

// orNot returns a | ^m.
func orNot(a, m netip.Addr) netip.Addr {
	x, y := a.AsSlice(), m.AsSlice()
	for i := range x {
		x[i] |= ^y[i]
	}
	r, _ := netip.AddrFromSlice(x)
	return r
}
