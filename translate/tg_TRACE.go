package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j TRACE (libxt_TRACE.c): "meta nftrace set 1". The kernel accepts
// TRACE in the raw table only. nft traces through "nft monitor trace"
// rather than the kernel log.

var tgTRACE = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{Name: "TRACE", Kind: iptparse.KindTarget},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.checkTable(x, "raw"); err != nil {
				return err
			}
			c.Add(&ir.Assign{Key: &ir.Meta{Key: "nftrace", Bare: true}, Value: ir.Int(1)})
			return nil
		},
	},
}

func init() { registerAll(tgTRACE) }
