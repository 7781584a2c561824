package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// -j HL (libip6t_HL.c, IPv6): set, decrement or increment the hop limit;
// the kernel (xt_HL.c) stops at 0 and 255 and allows the target only in
// the mangle table. nft has no arithmetic, but the IPv6 hop limit has no
// checksum and nft 1.0.6 loads a lookup on it, so decrement and increment
// become "ip6 hoplimit set ip6 hoplimit map { ... }" with the saturation
// written out.

var tgHL = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "HL", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "hl-set", Type: iptparse.TypeUint8, Excl: []string{"hl-dec", "hl-inc"}},
				{Name: "hl-dec", Type: iptparse.TypeUint8, Min: 1, Excl: []string{"hl-set", "hl-inc"}},
				{Name: "hl-inc", Type: iptparse.TypeUint8, Min: 1, Excl: []string{"hl-set", "hl-dec"}},
			},
			Check: func(x *iptparse.Ext) error { return requireOption(x, "HL: You must specify an action") },
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error { return translateTTLTarget(c, x, "hl", "ip6", "hoplimit") },
	},
}

func init() { registerAll(tgHL) }
