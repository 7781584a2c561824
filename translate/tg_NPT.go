package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// tgNPT holds DNPT and SNPT (same options, same verdict).
var tgNPT = []Ext{
	{ExtensionSpec: iptparse.ExtensionSpec{Name: "DNPT", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv6, Options: nptOptions}, Translate: translateNPT},
	{ExtensionSpec: iptparse.ExtensionSpec{Name: "SNPT", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv6, Options: nptOptions}, Translate: translateNPT},
}

var nptOptions = []iptparse.OptionSpec{
	{Name: "src-pfx", Type: iptparse.TypeHostMask, Flags: mand},
	{Name: "dst-pfx", Type: iptparse.TypeHostMask, Flags: mand},
}

func init() { registerAll(tgNPT) }

func translateNPT(c *Ctx, x *iptparse.Ext) error {
	if c.Table != "mangle" {
		return c.Errorf(x, "%s target: only valid in mangle table, not %s", x.Name, c.Table)
	}
	return c.Untranslatable(x, "nftables has no stateless prefix translation (RFC 6296); \"snat/dnat ip6 prefix to\" is stateful NAT with other addresses")
}
