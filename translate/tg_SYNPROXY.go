package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j SYNPROXY (libxt_SYNPROXY.c): nft's synproxy statement, which behaves
// the same (answers SYNs with cookies, takes valid ACKs, lets the rest
// go on).

var tgSYNPROXY = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "SYNPROXY", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "sack-perm"},
				{Name: "timestamp"},
				{Name: "wscale", Type: iptparse.TypeUint32},
				{Name: "mss", Type: iptparse.TypeUint32},
				{Name: "ecn"},
			},
		},
		Translate: translateSYNPROXY,
	},
}

func init() { registerAll(tgSYNPROXY) }

func translateSYNPROXY(c *Ctx, x *iptparse.Ext) error {
	if p, ok := c.Protocol(); !ok || p != 6 {
		return c.Errorf(x, "SYNPROXY target: can only be used with -p tcp")
	}
	s := &ir.Synproxy{}
	if x.Has("sack-perm") {
		s.Args = append(s.Args, ir.LogArg{Key: "sack-perm"})
	}
	if x.Has("timestamp") {
		s.Args = append(s.Args, ir.LogArg{Key: "timestamp"})
	}
	// The kernel structure keeps wscale in 8 bits and mss in 16.
	if v, ok := optUint(x, "wscale"); ok {
		s.Args = append(s.Args, ir.LogArg{Key: "wscale", Value: ir.Int(v & 0xff)})
	}
	if v, ok := optUint(x, "mss"); ok {
		s.Args = append(s.Args, ir.LogArg{Key: "mss", Value: ir.Int(v & 0xffff)})
	}
	if x.Has("ecn") {
		if !c.Exact {
			return c.Untranslatable(x, "--ecn: nft 1.0.6's synproxy statement has no ecn flag")
		}
		s.Args = append(s.Args, ir.LogArg{Key: "ecn"})
	}
	c.Add(s)
	return nil
}
