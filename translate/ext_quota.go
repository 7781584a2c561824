package translate

import (
	"fmt"
	"math"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m quota (libxt_quota.c): "quota [over] N bytes". Both count every
// packet's length against the rule's own quota and match while it is not
// used up (or, inverted, once it is). nft quotas are limited to 2^63-1
// bytes; larger values are lowered to that in normal mode, with a note.

var extQuota = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "quota", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "quota", Type: iptparse.TypeUint64, Flags: mand | inv},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			o := x.Opt("quota")
			n := o.Value.(uint64)
			if n > math.MaxInt64 && !c.Exact {
				// The kernel's nft quota stops at 2^63-1 bytes (it
				// rejects more); a rule counts that much in decades at
				// the fastest link speeds.
				c.Add(&ir.Comment{Text: fmt.Sprintf("-m quota --quota %d: nft quotas stop at %d bytes", n, int64(math.MaxInt64))})
				n = math.MaxInt64
			}
			c.Add(&ir.Quota{Over: o.Neg, Bytes: n, Unit: "bytes"})
			return nil
		},
	},
}

func init() { registerAll(extQuota) }
