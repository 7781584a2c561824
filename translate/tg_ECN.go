package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j ECN (libipt_ECN.c, IPv4): set the IP ECN codepoint (--ecn-ip-ect)
// and the TCP ECE/CWR flags (--ecn-tcp-remove clears both). The kernel
// allows it only in the mangle table, and the TCP options only with
// "-p tcp". nft sets the ECN codepoint with "ip ecn set"; it cannot change
// single TCP flags, since "tcp flags set" takes only a constant (it would
// overwrite the other flags).

var tgECN = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "ECN", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv4,
			Options: []iptparse.OptionSpec{
				{Name: "ecn-tcp-remove", Excl: []string{"ecn-tcp-cwr", "ecn-tcp-ece"}},
				{Name: "ecn-tcp-cwr", Type: iptparse.TypeUint8, Max: 1, Excl: []string{"ecn-tcp-remove"}},
				{Name: "ecn-tcp-ece", Type: iptparse.TypeUint8, Max: 1, Excl: []string{"ecn-tcp-remove"}},
				{Name: "ecn-ip-ect", Type: iptparse.TypeUint8, Max: 3},
			},
			Check: func(x *iptparse.Ext) error { return requireOption(x, "ECN target: An operation is required") },
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.requireMangle(x); err != nil {
				return err
			}
			for _, o := range []string{"ecn-tcp-remove", "ecn-tcp-cwr", "ecn-tcp-ece"} {
				if x.Has(o) {
					if err := c.requireProto(x, 6, "tcp"); err != nil {
						return err
					}
					return c.Untranslatable(x, "--%s: nft 1.0.6 can only set all TCP flags to a constant, not change the ECE/CWR flags alone", o)
				}
			}
			v, _ := optUint(x, "ecn-ip-ect")
			c.Add(&ir.Assign{Key: &ir.Payload{Proto: "ip", Field: "ecn"}, Value: ir.Sym(ecnNames[v])})
			return nil
		},
	},
}

func init() { registerAll(tgECN) }
