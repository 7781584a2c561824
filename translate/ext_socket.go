package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m socket (libxt_socket.c, revisions 1-3): a socket is found for the
// packet.
//
// xt_socket looks the socket up like nft's socket expression, but it also
// matches time-wait sockets, while nft's "socket wildcard" and "socket
// mark" do not match them (they need a full socket). Upstream's
// translation accepts that difference; where nft can say the same thing
// exactly, normal mode does (see translateSocket).

var extSocket = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "socket", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "transparent"},
				{Name: "nowildcard"},
				{Name: "restore-skmark"},
			},
		},
		Translate: translateSocket,
	},
}

func init() { registerAll(extSocket) }

func translateSocket(c *Ctx, x *iptparse.Ext) error {
	// xt_socket's hook mask.
	if isBuiltinChain(c.Table, c.Chain) && c.Chain != "PREROUTING" && c.Chain != "INPUT" {
		return c.Errorf(x, "socket match: only valid in the PREROUTING and INPUT chains")
	}
	transparent, nowildcard, restore := x.Has("transparent"), x.Has("nowildcard"), x.Has("restore-skmark")
	if nowildcard && !transparent && !restore {
		// Any socket, whatever address it is bound to.
		if !c.Exact {
			// "socket transparent" is read for every kind of socket,
			// time-wait ones included, so "0-1" means "a socket
			// exists" exactly; "socket wildcard" skips time-wait
			// sockets, which xt_socket matches.
			c.Add(ir.Eq(&ir.Socket{Key: "transparent"}, ir.IntRange(0, 1)))
			return nil
		}
		c.Add(&ir.Match{Left: &ir.Socket{Key: "wildcard"}, Op: ir.CmpLe, Right: ir.Int(1), Spell: ir.SpellWord})
		return nil
	}
	if !nowildcard {
		// Sockets bound to the any address do not count.
		c.Add(ir.Eq(&ir.Socket{Key: "wildcard"}, ir.Int(0)))
	}
	if transparent {
		c.Add(ir.Eq(&ir.Socket{Key: "transparent"}, ir.Int(1)))
	}
	if restore {
		c.Add(&ir.Assign{Key: &ir.Meta{Key: "mark"}, Value: &ir.Socket{Key: "mark"}})
	}
	return nil
}
