package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j TCPMSS (libxt_TCPMSS.c, IPv4 and IPv6 tables):
// "tcp option maxseg size set N" or "... set rt mtu" for
// --clamp-mss-to-pmtu. Like TCPMSS, nft never raises the MSS (the kernel's
// nft_exthdr refuses to: "increase can cause connection to stall"), and
// "rt mtu" is the path MTU minus the IP and TCP headers, taking the route
// back to the source into account like TCPMSS. Unlike TCPMSS, nft cannot
// add an MSS option to a SYN that has none.
//
// The kernel requires -p tcp, and accepts --clamp-mss-to-pmtu only from
// FORWARD, OUTPUT and POSTROUTING; nft's "rt mtu" has the same limit.

// tgTCPMSS is TCPMSS for IPv4 and IPv6: --set-mss goes up to 65535 less
// the IP header (sizeof(struct iphdr), 20, or of struct ipv6hdr, 40).
var tgTCPMSS = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "TCPMSS", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv4,
			Options: []iptparse.OptionSpec{
				{Name: "set-mss", Type: iptparse.TypeUint16, Max: 0xffff - 20},
				{Name: "clamp-mss-to-pmtu"},
			},
			Check: checkTCPMSS,
		},
		Translate: translateTCPMSS,
	},
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "TCPMSS", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "set-mss", Type: iptparse.TypeUint16, Max: 0xffff - 40},
				{Name: "clamp-mss-to-pmtu"},
			},
			Check: checkTCPMSS,
		},
		Translate: translateTCPMSS,
	},
}

func init() { registerAll(tgTCPMSS) }

func checkTCPMSS(x *iptparse.Ext) error {
	if len(x.Options) == 0 {
		return optError(x, nil, "TCPMSS target: At least one parameter is required")
	}
	return nil
}

func translateTCPMSS(c *Ctx, x *iptparse.Ext) error {
	if err := c.requireTCP(x); err != nil {
		return err
	}
	// Both options write the same field: the last one given wins.
	last := x.Options[len(x.Options)-1]
	var v ir.Expr
	if last.Name == "clamp-mss-to-pmtu" {
		if err := c.checkTargetHooks(x, "forward", "output", "postrouting"); err != nil {
			return c.Errorf(x, "path-MTU clamping only supported in FORWARD, OUTPUT and POSTROUTING hooks")
		}
		v = &ir.Rt{Key: "mtu"}
	} else {
		v = ir.Int(last.Value.(uint64))
	}
	c.Add(&ir.Assign{Key: &ir.TCPOption{Name: "maxseg", Field: "size"}, Value: v})
	return nil
}
