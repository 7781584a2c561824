package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m ipcomp (libxt_ipcomp.c): --ipcompspi, --compres. The kernel's
// xt_ipcomp compares the 16-bit CPI of the IPComp header (the transport
// header; it needs "-p ipcomp") with the range, which defaults to 0:0
// (there is no init function), and ignores --compres.

var extIpcomp = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "ipcomp", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "ipcompspi", Type: iptparse.TypeUint32RC, Flags: inv},
				{Name: "compres"},
			},
		},
		Translate: translateIPComp,
	},
}

func init() { registerAll(extIpcomp) }

func translateIPComp(c *Ctx, x *iptparse.Ext) error {
	if err := c.requireProto(x, 108, "ipcomp"); err != nil {
		return err
	}
	lo, hi, neg, _ := optRange(x, "ipcompspi", 0, 0)
	cpi := &ir.Payload{Proto: "comp", Field: "cpi"}
	if x.Has("compres") {
		c.note("--compres is ignored by the kernel")
	}
	if c.Exact {
		c.upstreamRange(cpi, lo, hi, neg)
		return nil
	}
	switch c.fieldRange(cpi, 0xffff, lo, hi, neg) {
	case condAlways:
		c.Add(l4protoIs("comp"))
	case condNever:
		c.neverMatches(x.Opt("ipcompspi"), "the CPI is a 16-bit field")
	}
	return nil
}
