package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -m physdev (libxt_physdev.c): bridge ports of bridged packets that
// br_netfilter passes through the IP hooks. nft's bridge-port keys
// (meta ibrname/obrname, iifname in the bridge family) exist only in
// bridge-family tables; in ip/ip6 tables nft sees the bridge device, not
// its ports, and cannot tell a bridged packet from a routed one. So the
// match is checked and reported as untranslatable.

var extPhysdev = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "physdev", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "physdev-in", Type: iptparse.TypeString, Flags: inv},
				{Name: "physdev-out", Type: iptparse.TypeString, Flags: inv},
				{Name: "physdev-is-in", Flags: inv},
				{Name: "physdev-is-out", Flags: inv},
				{Name: "physdev-is-bridged", Flags: inv},
			},
			Check: func(x *iptparse.Ext) error {
				if len(x.Options) == 0 {
					return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "PHYSDEV: no physdev option specified"}
				}
				for _, n := range []string{"physdev-in", "physdev-out"} {
					if o := x.Opt(n); o != nil && len(o.Arg()) >= 16 {
						return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("interface name `%s' must be shorter than IFNAMSIZ (15)", o.Arg())}
					}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			return c.Untranslatable(x, "ip/ip6 tables in nftables cannot see bridge ports or whether a packet is bridged (br_netfilter); match bridge ports in a bridge-family table instead (meta ibrname/obrname, iifname/oifname there)")
		},
	},
}

func init() { registerAll(extPhysdev) }
