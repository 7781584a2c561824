package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j NFQUEUE (libxt_NFQUEUE.c, revision 3): "queue num N[-M] [bypass,fanout]".

var tgNFQUEUE = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "NFQUEUE", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "queue-num", Type: iptparse.TypeUint16, Excl: []string{"queue-balance"}},
				{Name: "queue-balance", Type: iptparse.TypeUint16RC, Max: 0xffff - 1, Excl: []string{"queue-num"}},
				{Name: "queue-bypass"},
				{Name: "queue-cpu-fanout", Also: []string{"queue-balance"}},
			},
			Check: func(x *iptparse.Ext) error {
				if o := x.Opt("queue-balance"); o != nil {
					r := o.Value.(iptparse.Range)
					if r.N != 2 {
						return optError(x, o, "Bad range \"%s\"", o.Arg())
					}
					if r.Lo >= r.Hi {
						return optError(x, o, "%d should be less than %d", r.Lo, r.Hi)
					}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			q := &ir.Queue{}
			num, _ := optUint(x, "queue-num")
			q.Num = ir.Int(num)
			if o := x.Opt("queue-balance"); o != nil {
				r := o.Value.(iptparse.Range)
				q.Num = ir.IntRange(r.Lo, r.Hi)
			}
			if x.Has("queue-bypass") {
				q.Flags = append(q.Flags, "bypass")
			}
			if x.Has("queue-cpu-fanout") {
				q.Flags = append(q.Flags, "fanout")
			}
			c.Add(q)
			return nil
		},
	},
}

func init() { registerAll(tgNFQUEUE) }
