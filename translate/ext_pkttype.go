package translate

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m pkttype (libxt_pkttype.c): link layer packet type.

// pktTypes are libxt_pkttype's supported_types with their PACKET_* values.
var pktTypes = []struct {
	name string
	num  uint8
}{
	{"unicast", 0}, {"broadcast", 1}, {"multicast", 2}, {"otherhost", 3},
	{"bcast", 1}, {"mcast", 2}, {"host", 0},
}

func parsePktType(s string) (uint8, bool) {
	for _, t := range pktTypes {
		if strings.EqualFold(s, t.name) {
			return t.num, true
		}
	}
	return 0, false
}

var extPkttype = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "pkttype", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "pkt-type", Type: iptparse.TypeString, Flags: mand | inv},
			},
			Check: func(x *iptparse.Ext) error {
				o := x.Opt("pkt-type")
				if _, ok := parsePktType(o.Arg()); !ok {
					return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "Bad packet type '" + o.Arg() + "'"}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			o := x.Opt("pkt-type")
			num, _ := parsePktType(o.Arg())
			// upstream names unicast, broadcast and multicast and writes
			// other types as numbers; nft calls PACKET_OTHERHOST "other".
			var v ir.Expr
			switch {
			case num <= 2:
				v = ir.Sym([]string{"unicast", "broadcast", "multicast"}[num])
			case c.Exact:
				v = ir.Int(uint64(num))
			default:
				v = ir.Sym("other")
			}
			c.Add(ir.EqOrNe(&ir.Meta{Key: "pkttype", Bare: true}, o.Neg, v))
			return nil
		},
	},
}

func init() { registerAll(extPkttype) }
