package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m cpu (libxt_cpu.c): the CPU handling the packet.

var extCpu = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "cpu", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "cpu", Type: iptparse.TypeUint32, Flags: inv | mand},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			o := x.Opt("cpu")
			c.Add(ir.EqOrNe(&ir.Meta{Key: "cpu", Bare: true}, o.Neg, ir.Int(o.Value.(uint64))))
			return nil
		},
	},
}

func init() { registerAll(extCpu) }
