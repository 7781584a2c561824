package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j SNAT (libxt_NAT.c, IPv4 and IPv6): "snat to ADDR[-ADDR][:PORT[-PORT]]".

var tgSNAT = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "SNAT", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "to-source", Type: iptparse.TypeString, Flags: mand},
				{Name: "random"},
				{Name: "random-fully"},
				{Name: "persistent"},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.checkTable(x, "nat"); err != nil {
				return err
			}
			if err := c.checkTargetHooks(x, "input", "postrouting"); err != nil {
				return err
			}
			var r natRange
			if err := c.natOptions(x, &r); err != nil {
				return err
			}
			return c.addNAT(x, ir.NatSNAT, &r)
		},
	},
}

func init() { registerAll(tgSNAT) }
