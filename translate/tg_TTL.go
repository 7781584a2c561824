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

var tgTTL = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "TTL", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv4,
			Options: []iptparse.OptionSpec{
				{Name: "ttl-set", Type: iptparse.TypeUint8, Excl: []string{"ttl-dec", "ttl-inc"}},
				{Name: "ttl-dec", Type: iptparse.TypeUint8, Min: 1, Excl: []string{"ttl-set", "ttl-inc"}},
				{Name: "ttl-inc", Type: iptparse.TypeUint8, Min: 1, Excl: []string{"ttl-set", "ttl-dec"}},
			},
			Check: func(x *iptparse.Ext) error { return requireOption(x, "TTL: You must specify an action") },
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error { return translateTTLTarget(c, x, "ttl", "ip", "ttl") },
	},
}

func init() { registerAll(tgTTL) }

// translateTTLTarget translates -j TTL or -j HL (in tg_HL.go), whose
// options are named after opt, on the header field hdr field.
func translateTTLTarget(c *Ctx, x *iptparse.Ext, opt, hdr, field string) error {
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
