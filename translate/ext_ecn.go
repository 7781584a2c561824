package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m ecn (libxt_ecn.c): the ECN bits of the IP header and the ECE/CWR
// flags of the TCP header. The kernel's xt_ecn needs "-p tcp" for the TCP
// flags. Each option has its own "!"; upstream applies any "!" to all of
// them, and translates "! --ecn-tcp-ece" to "tcp flags != ecn", which is
// "the flags are not exactly ECE" in nft; ipt2nft writes "the flag is
// clear".

var extEcn = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "ecn", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "ecn-tcp-cwr", Flags: inv},
				{Name: "ecn-tcp-ece", Flags: inv},
				{Name: "ecn-ip-ect", Type: iptparse.TypeUint8, Max: 3, Flags: inv},
			},
			Check: func(x *iptparse.Ext) error { return requireOption(x, "ECN match: some option required") },
		},
		Translate: translateECN,
	},
}

func init() { registerAll(extEcn) }

// ecnNames are nft's names of the IP ECN codepoints.
var ecnNames = []string{"not-ect", "ect1", "ect0", "ce"}

// tcpFlagSet is "tcp flags NAME" (the flag is set) or, negated, "tcp
// flags & NAME == 0".
func tcpFlagSet(name string, neg bool) *ir.Match {
	flags := &ir.Payload{Proto: "tcp", Field: "flags"}
	if neg {
		return &ir.Match{Left: &ir.Binary{Op: ir.OpAnd, Left: flags, Right: ir.Sym(name)}, Op: ir.CmpEq, Right: ir.Int(0)}
	}
	return ir.Eq(flags, ir.Sym(name))
}

func translateECN(c *Ctx, x *iptparse.Ext) error {
	if (x.Has("ecn-tcp-ece") || x.Has("ecn-tcp-cwr")) && !c.Exact {
		if err := c.requireProto(x, 6, "tcp"); err != nil {
			return err
		}
	}
	if o := x.Opt("ecn-tcp-ece"); o != nil {
		c.Add(tcpFlagSet("ecn", o.Neg))
	}
	if o := x.Opt("ecn-tcp-cwr"); o != nil {
		c.Add(tcpFlagSet("cwr", o.Neg))
	}
	if o := x.Opt("ecn-ip-ect"); o != nil {
		v, _ := optUint(x, "ecn-ip-ect")
		c.Add(ir.EqOrNe(&ir.Payload{Proto: c.L3(), Field: "ecn"}, o.Neg, ir.Sym(ecnNames[v])))
	}
	return nil
}
