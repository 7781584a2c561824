package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m tcpmss (libxt_tcpmss.c): the MSS option of TCP packets. The kernel's
// xt_tcpmss needs "-p tcp". A packet without an MSS option does not match
// "--mss", and does match "! --mss" (xt_tcpmss returns the inversion flag
// when it finds no option); nft's "tcp option maxseg size" never matches
// such a packet, "!=" included, so "! --mss" has no one-rule equivalent.

func init() {
	Register(&Ext{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "tcpmss", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "mss", Type: iptparse.TypeUint16RC, Flags: inv | mand},
			},
			Check: func(x *iptparse.Ext) error {
				if o := x.Opt("mss"); o != nil {
					if r := o.Value.(iptparse.Range); r.Hi < r.Lo {
						return optErr(x, o, "tcpmss: invalid range given")
					}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.requireProto(x, 6, "tcp"); err != nil {
				return err
			}
			o := x.Opt("mss")
			if o.Neg {
				return c.Untranslatable(x, "! --mss also matches packets without an MSS option, which nft's \"tcp option maxseg size !=\" does not match (it needs \"tcp option maxseg missing\" or the size test: two rules)")
			}
			r := o.Value.(iptparse.Range)
			c.Add(ir.Eq(&ir.TCPOption{Name: "maxseg", Field: "size"}, intOrRange(r.Lo, r.Hi)))
			return nil
		},
	})
}
