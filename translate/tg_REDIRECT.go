package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j REDIRECT (libxt_NAT.c, IPv4 and IPv6): "redirect [to :PORTS]".

var tgREDIRECT = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "REDIRECT", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "to-ports", Type: iptparse.TypeString},
				{Name: "random"},
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
			if r.offset {
				// DNAT_fcheck / DNAT_fcheck6
				return optError(x, r.portOpt, "Shifted portmap ranges not supported with this kernel")
			}
			return c.addNAT(x, ir.NatRedirect, &r)
		},
	},
}

func init() { registerAll(tgREDIRECT) }
