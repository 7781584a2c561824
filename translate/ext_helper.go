package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m helper (libxt_helper.c): the conntrack helper of the connection that
// expected this one (the master connection's helper, in both xt_helper and
// nft's "ct helper").

var extHelper = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "helper", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "helper", Type: iptparse.TypeString, Flags: mand | inv},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			o := x.Opt("helper")
			name := o.Arg()
			// XTOPT_PUT into char name[30]: longer names are cut.
			if len(name) > 29 {
				name = name[:29]
			}
			if name == "" {
				return c.Untranslatable(x, "--helper \"\" matches a connection expected by any helper; nft's ct helper can only compare a helper name")
			}
			if o.Neg {
				// xt_helper's "! --helper" also matches connections that
				// have no master or whose master has no helper (almost all
				// traffic); nft's ct helper does not match those at all.
				return c.Untranslatable(x, "! --helper also matches connections not expected by any helper, which nft's \"ct helper != NAME\" never matches")
			}
			c.Add(ir.Eq(&ir.Ct{Key: "helper"}, ir.Str(name)))
			return nil
		},
	},
}

func init() { registerAll(extHelper) }
