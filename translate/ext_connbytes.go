package translate

import (
	"math"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m connbytes (libxt_connbytes.c): "ct [original|reply] packets|bytes|avgpkt".
//
// The kernel matches from <= count <= to, or, inverted, count < from or
// count > to. "! --connbytes N:N" cannot be represented by the kernel
// structure and matches count == N, as upstream prints.
//
// xt_connbytes turns conntrack accounting on when the rule is loaded; nft
// does not, so the counters stay 0 unless net.netfilter.nf_conntrack_acct
// is 1. Normal mode warns about it.

var extConnbytes = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "connbytes", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "connbytes", Type: iptparse.TypeUint64RC, Flags: mand | inv},
				{Name: "connbytes-dir", Type: iptparse.TypeString, Flags: mand},
				{Name: "connbytes-mode", Type: iptparse.TypeString, Flags: mand},
			},
			Check: func(x *iptparse.Ext) error {
				if o := x.Opt("connbytes-dir"); o != nil {
					switch o.Arg() {
					case "original", "reply", "both":
					default:
						return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "Unknown --connbytes-dir `" + o.Arg() + "'"}
					}
				}
				if o := x.Opt("connbytes-mode"); o != nil {
					switch o.Arg() {
					case "packets", "bytes", "avgpkt":
					default:
						return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "Unknown --connbytes-mode `" + o.Arg() + "'"}
					}
				}
				return nil
			},
		},
		Translate: translateConnbytes,
	},
}

func init() { registerAll(extConnbytes) }

func translateConnbytes(c *Ctx, x *iptparse.Ext) error {
	o := x.Opt("connbytes")
	r := o.Value.(iptparse.Range)
	from, to := r.Lo, uint64(math.MaxUint64)
	if r.N == 2 {
		to = r.Hi
	}
	dir := x.Opt("connbytes-dir").Arg()
	if dir == "both" {
		dir = ""
	}
	ct := &ir.Ct{Dir: dir, Key: x.Opt("connbytes-mode").Arg()}
	// A range of one value cannot be inverted in the kernel structure.
	invert := o.Neg && from != to
	switch {
	case from == to:
		c.Add(ir.Eq(ct, ir.Int(from)))
	case to == math.MaxUint64:
		op := ir.CmpGe
		if invert {
			op = ir.CmpLt
		}
		c.Add(&ir.Match{Left: ct, Op: op, Right: ir.Int(from), Spell: ir.SpellWord})
	default:
		c.Add(ir.EqOrNe(ct, invert, ir.IntRange(from, to)))
	}
	if !c.Exact {
		c.warnOnce("connbytes-acct", x.Pos, "-m connbytes: nft reads conntrack counters only when accounting is on (sysctl net.netfilter.nf_conntrack_acct=1); iptables' connbytes turned it on by itself")
	}
	return nil
}
