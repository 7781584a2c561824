package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m mac (libxt_mac.c): the Ethernet source address.

var extMac = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "mac", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "mac-source", Type: iptparse.TypeEtherMAC, Flags: mand | inv},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.checkHooks(x, "mac match", "prerouting", "input", "forward"); err != nil {
				return err
			}
			o := x.Opt("mac-source")
			c.Add(ir.EqOrNe(&ir.Payload{Proto: "ether", Field: "saddr"}, o.Neg, &ir.EtherAddr{Addr: o.Value.(iptparse.MAC)}))
			return nil
		},
	},
}

func init() { registerAll(extMac) }
