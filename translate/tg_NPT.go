package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// registerNPT registers DNPT or SNPT (same options, same verdict).
func registerNPT(name string) {
	Register(&Ext{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: name, Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "src-pfx", Type: iptparse.TypeHostMask, Flags: mand},
				{Name: "dst-pfx", Type: iptparse.TypeHostMask, Flags: mand},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if c.Table != "mangle" {
				return c.Errorf(x, "%s target: only valid in mangle table, not %s", x.Name, c.Table)
			}
			return c.Untranslatable(x, "nftables has no stateless prefix translation (RFC 6296); \"snat/dnat ip6 prefix to\" is stateful NAT with other addresses")
		},
	})
}
