package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m tcpmss (libxt_tcpmss.c): the MSS option of TCP packets. The kernel's
// xt_tcpmss needs "-p tcp". A packet without an MSS option does not match
// "--mss", and does match "! --mss" (xt_tcpmss returns the inversion flag
// when it finds no option); nft's "tcp option maxseg size" never matches
// such a packet, "!=" included, so "! --mss" becomes two nft rules (see
// Ctx.Either).

var extTcpmss = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "tcpmss", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "mss", Type: iptparse.TypeUint16RC, Flags: inv | mand},
			},
			Check: func(x *iptparse.Ext) error {
				if o := x.Opt("mss"); o != nil {
					if r := o.Value.(iptparse.Range); r.Hi < r.Lo {
						return optErr(x, o, "tcpmss: invalid range given")
					}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.requireProto(x, 6, "tcp"); err != nil {
				return err
			}
			o := x.Opt("mss")
			r := o.Value.(iptparse.Range)
			size := &ir.TCPOption{Name: "maxseg", Field: "size"}
			if o.Neg {
				// "No MSS option, or one outside the range": two nft
				// rules, which no packet matches both.
				missing := []ir.Stmt{ir.Eq(&ir.TCPOption{Name: "maxseg"}, ir.Sym("missing"))}
				if p, ok := c.Protocol(); !ok || p != 6 {
					// "missing" is also true for other protocols.
					missing = append([]ir.Stmt{l4protoIs("tcp")}, missing...)
				}
				outside := []ir.Stmt{ir.Cmp(size, ir.CmpNe, intOrRange(r.Lo, r.Hi))}
				if !c.Either(missing, outside) {
					return c.Untranslatable(x, "! --mss also matches packets without an MSS option: that takes two nft rules (\"tcp option maxseg missing\" and \"tcp option maxseg size !=\"), and an earlier match of this rule has state that both would update")
				}
				c.note("! --mss %s: no MSS option, or one outside the range; written as two rules", o.Arg())
				return nil
			}
			c.Add(ir.Eq(size, intOrRange(r.Lo, r.Hi)))
			return nil
		},
	},
}

func init() { registerAll(extTcpmss) }
