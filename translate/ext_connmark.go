package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m connmark (libxt_connmark.c): the connection mark, "value[/mask]".

var extConnmark = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "connmark", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "mark", Type: iptparse.TypeMarkMask32, Flags: mand | inv},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			o := x.Opt("mark")
			vm := o.Value.(iptparse.ValueMask)
			c.warnMaskedValue(x, "mark", vm.Value, vm.Mask, o.Neg)
			c.Add(maskedMatch(&ir.Ct{Key: "mark"}, vm.Value, vm.Mask, o.Neg))
			return nil
		},
	},
}

func init() { registerAll(extConnmark) }
