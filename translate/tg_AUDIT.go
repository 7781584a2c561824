package translate

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j AUDIT (libxt_AUDIT.c): "log level audit". The kernel only checks the
// --type (xt_AUDIT does not record it), so nft has nothing for it.

var tgAUDIT = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "AUDIT", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "type", Type: iptparse.TypeString, Flags: mand},
			},
			Check: func(x *iptparse.Ext) error {
				o := x.Opt("type")
				switch strings.ToLower(o.Arg()) {
				case "accept", "drop", "reject":
					return nil
				}
				return optError(x, o, "Bad action type value \"%s\"", o.Arg())
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			c.Add(&ir.Log{Args: []ir.LogArg{{Key: "level", Value: ir.Sym("audit")}}})
			return nil
		},
	},
}

func init() { registerAll(tgAUDIT) }
