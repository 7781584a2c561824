package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// -m eui64 (libip6t_eui64.c): the source address's interface identifier
// is the EUI-64 made from the source MAC address. That compares two
// packet fields, which nftables cannot do.

var extEui64 = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "eui64", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv6,
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			return c.Untranslatable(x, "nftables cannot compare the source address with the EUI-64 of the source MAC address (two packet fields)")
		},
	},
}

func init() { registerAll(extEui64) }
