package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// -j CHECKSUM (libxt_CHECKSUM.c): fill in the checksum of packets whose
// checksum is left to the hardware (typically DHCP replies from a virtual
// machine host to old DHCP clients). nftables has no statement for it.

var tgCHECKSUM = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "CHECKSUM", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "checksum-fill", Flags: mand},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if c.Table != "mangle" {
				return c.Errorf(x, "CHECKSUM target: only valid in mangle table, not %s", c.Table)
			}
			return c.Untranslatable(x, "nftables cannot fill in checksums: the packets keep a partial checksum (receivers that do not accept it, like some DHCP clients in virtual machines, drop them)")
		},
	},
}

func init() { registerAll(tgCHECKSUM) }
