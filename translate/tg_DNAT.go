package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j DNAT (libxt_NAT.c, IPv4 and IPv6, revision 2):
// "dnat to ADDR[-ADDR][:PORT[-PORT]]". Revision 2 accepts a shifted port
// map ("1000-2000/80"), which nftables cannot express.

var tgDNAT = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "DNAT", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "to-destination", Type: iptparse.TypeString, Flags: mand},
				{Name: "random"},
				{Name: "persistent"},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.checkTable(x, "nat"); err != nil {
				return err
			}
			if err := c.checkTargetHooks(x, "prerouting", "output"); err != nil {
				return err
			}
			var r natRange
			if err := c.natOptions(x, &r); err != nil {
				return err
			}
			return c.addNAT(x, ir.NatDNAT, &r)
		},
	},
}

func init() { registerAll(tgDNAT) }
