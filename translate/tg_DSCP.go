package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j DSCP (libxt_DSCP.c): set the DSCP bits, keeping the ECN bits, like
// nft's "ip dscp set". The kernel allows it only in the mangle table.

var tgDSCP = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "DSCP", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "set-dscp", Type: iptparse.TypeUint8, Max: 63, Excl: []string{"set-dscp-class"}},
				{Name: "set-dscp-class", Type: iptparse.TypeString, Excl: []string{"set-dscp"}},
			},
			Check: func(x *iptparse.Ext) error {
				return checkDSCPClass(x, "set-dscp-class", "DSCP target: Parameter --set-dscp is required")
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.requireMangle(x); err != nil {
				return err
			}
			v, _ := dscpValue(x, "set-dscp", "set-dscp-class")
			c.Add(&ir.Assign{Key: &ir.Payload{Proto: c.L3(), Field: "dscp"}, Value: hex2(v)})
			return nil
		},
	},
}

func init() { registerAll(tgDSCP) }
