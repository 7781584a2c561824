package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m realm (libipt_realm.c, IPv4 only): the routing realm (route classid).

var extRealm = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "realm", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv4,
			Options: []iptparse.OptionSpec{
				{Name: "realm", Type: iptparse.TypeString, Flags: mand | inv},
			},
			Check: func(x *iptparse.Ext) error {
				o := x.Opt("realm")
				if _, _, _, err := parseValMask("realm", "realm", o.Arg()); err != nil {
					return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: err.Error()}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.checkHooks(x, "realm match", "input", "forward", "output", "postrouting"); err != nil {
				return err
			}
			c.Add(c.valMaskMatch(x, x.Opt("realm"), "realm", &ir.Meta{Key: "rtclassid", Bare: true}, false))
			return nil
		},
	},
}

func init() { registerAll(extRealm) }
