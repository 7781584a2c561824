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

func init() {
	for _, fam := range []iptparse.Family{iptparse.FamilyIPv4, iptparse.FamilyIPv6} {
		hdr := uint64(20) // sizeof(struct iphdr)
		if fam == iptparse.FamilyIPv6 {
			hdr = 40
		}
		Register(&Ext{
			ExtensionSpec: iptparse.ExtensionSpec{
				Name: "TCPMSS", Kind: iptparse.KindTarget, Family: fam,
				Options: []iptparse.OptionSpec{
					{Name: "set-mss", Type: iptparse.TypeUint16, Max: 0xffff - hdr},
					{Name: "clamp-mss-to-pmtu"},
				},
				Check: func(x *iptparse.Ext) error {
					if len(x.Options) == 0 {
						return optError(x, nil, "TCPMSS target: At least one parameter is required")
					}
					return nil
				},
			},
			Translate: translateTCPMSS,
		})
	}
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
