package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m mark (libxt_mark.c): the packet mark, "value[/mask]".

var extMark = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "mark", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "mark", Type: iptparse.TypeMarkMask32, Flags: mand | inv},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			o := x.Opt("mark")
			vm := o.Value.(iptparse.ValueMask)
			c.warnMaskedValue(x, "mark", vm.Value, vm.Mask, o.Neg)
			c.Add(maskedMatch(&ir.Meta{Key: "mark", Bare: true}, vm.Value, vm.Mask, o.Neg))
			return nil
		},
	},
}

func init() { registerAll(extMark) }
