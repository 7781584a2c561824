package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j TTL (libipt_TTL.c, IPv4): set, decrement or increment the TTL; the
// kernel (xt_HL.c) stops at 0 and 255 and allows the target only in the
// mangle table.
//
// nft 1.0.6 has no arithmetic ("ip ttl set ip ttl - 1" does not parse),
// and it cannot load a lookup ("ip ttl set ip ttl map { ... }") for the
// TTL, which it rewrites together with the header checksum; so only
// --ttl-set translates. (-j HL can use the lookup: see tg_HL.go.)

func init() {
	registerTTLTarget("TTL", "ttl", iptparse.FamilyIPv4, "ip", "ttl")
}

// registerTTLTarget registers -j TTL or -j HL (in tg_HL.go).
func registerTTLTarget(name, opt string, fam iptparse.Family, hdr, field string) {
	all := []string{opt + "-set", opt + "-dec", opt + "-inc"}
	Register(&Ext{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: name, Kind: iptparse.KindTarget, Family: fam,
			Options: []iptparse.OptionSpec{
				{Name: opt + "-set", Type: iptparse.TypeUint8, Excl: exclAll(opt+"-set", all...)},
				{Name: opt + "-dec", Type: iptparse.TypeUint8, Min: 1, Excl: exclAll(opt+"-dec", all...)},
				{Name: opt + "-inc", Type: iptparse.TypeUint8, Min: 1, Excl: exclAll(opt+"-inc", all...)},
			},
			Check: requireOne(name + ": You must specify an action"),
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.requireMangle(x); err != nil {
				return err
			}
			o := x.Options[0]
			v := o.Value.(uint64)
			key := &ir.Payload{Proto: hdr, Field: field}
			switch {
			case o.Name == opt+"-set":
				c.Add(&ir.Assign{Key: key, Value: ir.Int(v)})
			case hdr == "ip":
				return c.Untranslatable(x, "--%s: nft 1.0.6 cannot compute the TTL from the TTL (no arithmetic, and a lookup map on ip ttl does not load)", o.Name)
			default:
				c.Add(&ir.Assign{Key: key, Value: &ir.MapLookup{Key: key, Map: stepMap(v, o.Name == opt+"-inc")}})
			}
			return nil
		},
	})
}

// stepMap is the lookup table of a saturating increment or decrement of
// an 8-bit field by step: "{ 0 : 1, 1 : 2, ..., 254-255 : 255 }".
func stepMap(step uint64, inc bool) *ir.SetLit {
	var elems []ir.Expr
	if inc {
		for k := uint64(0); k+step < 255; k++ {
			elems = append(elems, &ir.MapElem{Key: ir.Int(k), Value: ir.Int(k + step)})
		}
		elems = append(elems, &ir.MapElem{Key: intOrRange(255-step, 255), Value: ir.Int(255)})
	} else {
		elems = append(elems, &ir.MapElem{Key: intOrRange(0, step), Value: ir.Int(0)})
		for k := step + 1; k <= 255; k++ {
			elems = append(elems, &ir.MapElem{Key: ir.Int(k), Value: ir.Int(k - step)})
		}
	}
	return &ir.SetLit{Elems: elems}
}
