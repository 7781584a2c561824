package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m length (libxt_length.c): the packet's length, "min[:max]".

var extLength = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "length", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "length", Type: iptparse.TypeUint16RC, Flags: mand | inv},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			o := x.Opt("length")
			r := o.Value.(iptparse.Range)
			// xt_length compares the IP total length (IPv6: payload
			// length + 40), which is the skb length nft's meta length
			// reads at the IP hooks.
			c.Add(ir.EqOrNe(&ir.Meta{Key: "length"}, o.Neg, intOrRange(r.Lo, r.Hi)))
			return nil
		},
	},
}

func init() { registerAll(extLength) }
