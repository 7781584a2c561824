package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m esp (libxt_esp.c): --espspi. The kernel's xt_esp reads the ESP header
// as the transport header and needs "-p esp".

var extEsp = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "esp", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "espspi", Type: iptparse.TypeUint32RC, Flags: inv},
			},
		},
		Translate: translateESP,
	},
}

func init() { registerAll(extEsp) }

func translateESP(c *Ctx, x *iptparse.Ext) error {
	if err := c.requireProto(x, 50, "esp"); err != nil {
		return err
	}
	lo, hi, neg, _ := optRange(x, "espspi", 0, ahMaxSPI)
	switch {
	case !(lo == 0 && hi == ahMaxSPI && !neg):
		c.upstreamRange(&ir.Payload{Proto: "esp", Field: "spi"}, lo, hi, neg)
	case c.IsIPv6() && c.Exact:
		// Upstream's text; nft 1.0.6 has no "exthdr esp".
		c.Add(ir.Eq(&ir.Exthdr{Name: "esp"}, ir.Sym("exists")))
	default:
		c.Add(l4protoIs("esp"))
	}
	return nil
}
