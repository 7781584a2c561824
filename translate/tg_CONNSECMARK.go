package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j CONNSECMARK (libxt_CONNSECMARK.c): copy the security mark between
// packet and connection.
//
// --save copies the packet's secmark to the connection only if the
// packet has one and the connection has none; --restore copies the
// connection's to the packet only if the connection has one and the
// packet has none. The conditions come before the assignment (the target
// is the rule's last action). nft 1.0.6 refuses to compare "meta secmark"
// or "ct secmark" with a constant, but accepts it after a full mask.

var tgCONNSECMARK = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "CONNSECMARK", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "save", Excl: []string{"restore"}},
				{Name: "restore", Excl: []string{"save"}},
			},
			Check: func(x *iptparse.Ext) error {
				if len(x.Options) == 0 {
					return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "CONNSECMARK target: parameter required"}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if c.Table != "mangle" && c.Table != "security" {
				return c.Errorf(x, "CONNSECMARK target: only valid in 'mangle' or 'security' table, not '%s'", c.Table)
			}
			pkt := func() ir.Expr { return &ir.Meta{Key: "secmark"} }
			ct := func() ir.Expr { return &ir.Ct{Key: "secmark"} }
			full := func(e ir.Expr) ir.Expr { return &ir.Binary{Op: ir.OpAnd, Left: e, Right: ir.Hex(0xffffffff)} }
			from, to := pkt, ct
			if x.Has("restore") {
				from, to = ct, pkt
			}
			c.Add(ir.EqOrNe(full(from()), true, ir.Int(0)),
				ir.Eq(full(to()), ir.Int(0)),
				&ir.Assign{Key: to(), Value: from()})
			return nil
		},
	},
}

func init() { registerAll(tgCONNSECMARK) }
