package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// -m hl (libip6t_hl.c, IPv6): compare the hop limit with a value, like
// -m ttl (see registerTTLMatch). --hl is an old spelling of --hl-eq that
// cannot be negated.

var extHl = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "hl", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "hl-lt", Type: iptparse.TypeUint8, Excl: []string{"hl-gt", "hl-eq", "hl"}},
				{Name: "hl-gt", Type: iptparse.TypeUint8, Excl: []string{"hl-lt", "hl-eq", "hl"}},
				{Name: "hl-eq", Type: iptparse.TypeUint8, Flags: inv, Excl: []string{"hl-lt", "hl-gt", "hl"}},
				{Name: "hl", Type: iptparse.TypeUint8, Excl: []string{"hl-lt", "hl-gt", "hl-eq"}},
			},
			Check: func(x *iptparse.Ext) error {
				return requireOption(x, "HL match: You must specify one of `--hl-eq', `--hl-lt', `--hl-gt'")
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error { return translateTTLMatch(c, x, "hl", "ip6", "hoplimit") },
	},
}

func init() { registerAll(extHl) }
