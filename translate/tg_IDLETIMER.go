package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// -j IDLETIMER (libxt_IDLETIMER.c): restart a timer (sysfs or alarm)
// whenever a packet matches. nftables has no timer statement.

var tgIDLETIMER = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "IDLETIMER", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "timeout", Type: iptparse.TypeUint32, Flags: mand},
				{Name: "label", Type: iptparse.TypeString, Flags: mand},
				{Name: "alarm"},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if v, _ := optUint(x, "timeout"); v == 0 {
				return c.Errorf(x, "IDLETIMER target: timeout value is zero")
			}
			if x.Opt("label").Arg() == "" {
				return c.Errorf(x, "IDLETIMER target: label is empty")
			}
			return c.Untranslatable(x, "nftables has no idle timer (the %q timer is no longer restarted by these packets)", x.Opt("label").Arg())
		},
	},
}

func init() { registerAll(tgIDLETIMER) }
