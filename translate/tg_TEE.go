package translate

import (
	"net/netip"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j TEE (libxt_TEE.c): send a copy of the packet to a gateway: nft's dup.
//
// With --oif, xt_TEE waits for the device to appear and routes without it
// meanwhile; nft resolves the device name when the ruleset is loaded, so
// the interface must exist then.

var teeOptions = []iptparse.OptionSpec{
	{Name: "gateway", Type: iptparse.TypeHost, Flags: mand},
	{Name: "oif", Type: iptparse.TypeString},
}

// tgTEE is TEE for IPv4 and IPv6.
var tgTEE = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "TEE", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv4,
			Options: teeOptions,
		},
		Translate: translateTEE,
	},
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "TEE", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv6,
			Options: teeOptions,
		},
		Translate: translateTEE,
	},
}

func init() { registerAll(tgTEE) }

func translateTEE(c *Ctx, x *iptparse.Ext) error {
	if c.Table != "mangle" {
		return c.Errorf(x, "TEE target: only valid in mangle table, not %s", c.Table)
	}
	d := &ir.Dup{Addr: ir.IP(x.Opt("gateway").Value.(netip.Addr))}
	if oif, ok := optString(x, "oif"); ok && oif != "" {
		// The name is kept in a 16-byte field.
		if len(oif) > 15 {
			oif = oif[:15]
		}
		d.Dev = &ir.String{Value: oif, Bare: true}
	}
	c.Add(d)
	return nil
}
