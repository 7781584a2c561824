package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -m udp (libxt_udp.c): ports.

var extUdp = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "udp", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "sport", Aliases: []string{"source-port"}, Type: iptparse.TypePortRC, Flags: inv},
				{Name: "dport", Aliases: []string{"destination-port"}, Type: iptparse.TypePortRC, Flags: inv},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			lo, hi, neg := optPorts(x, "sport")
			done := c.portRange("udp", "sport", lo, hi, neg)
			lo, hi, neg = optPorts(x, "dport")
			done = c.portRange("udp", "dport", lo, hi, neg) || done
			if !done {
				c.Add(c.tr.alloc.l4proto(c.Exact, "udp"))
			}
			return nil
		},
	},
}

func init() { registerAll(extUdp) }
