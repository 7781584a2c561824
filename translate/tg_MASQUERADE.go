package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j MASQUERADE (libxt_NAT.c, IPv4 and IPv6): "masquerade [to :PORTS]".

var tgMASQUERADE = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "MASQUERADE", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "to-ports", Type: iptparse.TypeString},
				{Name: "random"},
				{Name: "random-fully"},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.checkTable(x, "nat"); err != nil {
				return err
			}
			if err := c.checkTargetHooks(x, "postrouting"); err != nil {
				return err
			}
			var r natRange
			if err := c.natOptions(x, &r); err != nil {
				return err
			}
			return c.addNAT(x, ir.NatMasquerade, &r)
		},
	},
}

func init() { registerAll(tgMASQUERADE) }
