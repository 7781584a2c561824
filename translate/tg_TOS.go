package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j TOS (libxt_TOS.c, revision 1): the kernel (xt_DSCP.c) rewrites the
// whole TOS byte / traffic class: new = (old & ~mask) ^ value. --set-tos
// takes value[/mask] (mask 0xff, or 0x3f for a symbolic value), --and-tos
// B is 0/~B, --or-tos B is B/B, --xor-tos B is B/0. The kernel allows it
// only in the mangle table.
//
// nft sets the DSCP bits ("ip dscp set") and the ECN bits ("ip ecn set")
// separately, and in nft 1.0.6 only to constants. So a rewrite
// translates when each of the two parts is either left alone (mask and
// value bits zero) or replaced (all mask bits set).
//
// Upstream translates everything to "dscp set", ignoring the ECN bits,
// and the symbolic values' mask 0x3f as if it covered the DSCP bits; its
// "ip6 dscp set ip6 dscp and ..." forms are right only when the ECN bits
// are left alone (they do not load in nft 1.0.6). Exact mode prints them
// in that case.

var tgTOS = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "TOS", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "set-tos", Type: iptparse.TypeTOSMask, Max: 0x3f, Excl: []string{"and-tos", "or-tos", "xor-tos"}},
				{Name: "and-tos", Type: iptparse.TypeUint8, Excl: []string{"set-tos", "or-tos", "xor-tos"}},
				{Name: "or-tos", Type: iptparse.TypeUint8, Excl: []string{"set-tos", "and-tos", "xor-tos"}},
				{Name: "xor-tos", Type: iptparse.TypeUint8, Excl: []string{"set-tos", "and-tos", "or-tos"}},
			},
			Check: func(x *iptparse.Ext) error { return requireOption(x, "TOS: An action is required") },
		},
		Translate: translateTOSTarget,
	},
}

func init() { registerAll(tgTOS) }

// tosValueMask is the target's value and mask (tos_tg_parse).
func tosValueMask(o *iptparse.Option) (v, m uint64) {
	switch o.Name {
	case "set-tos":
		vm := o.Value.(iptparse.ValueMask)
		return vm.Value, vm.Mask
	case "and-tos":
		return 0, ^o.Value.(uint64) & 0xff
	case "or-tos":
		return o.Value.(uint64), o.Value.(uint64)
	}
	return o.Value.(uint64), 0
}

func translateTOSTarget(c *Ctx, x *iptparse.Ext) error {
	if err := c.requireMangle(x); err != nil {
		return err
	}
	o := x.Options[0]
	v, m := tosValueMask(o)
	l3 := c.L3()
	dscp := &ir.Payload{Proto: l3, Field: "dscp"}
	vd, md := v>>2, m>>2
	ve, me := v&3, m&3
	ecnAlone := ve == 0 && me == 0
	if c.Exact && ecnAlone {
		// Upstream's __tos_xlate, right when the ECN bits are untouched.
		var val ir.Expr
		and := func(e ir.Expr, k uint64) ir.Expr {
			return &ir.Binary{Op: ir.OpAnd, Left: e, Right: hex2(k), Words: true}
		}
		switch {
		case v == 0:
			val = and(dscp, (^m&0xff)>>2)
		case v == m:
			val = &ir.Binary{Op: ir.OpOr, Left: dscp, Right: hex2(vd), Words: true}
		case m == 0:
			val = &ir.Binary{Op: ir.OpXor, Left: dscp, Right: hex2(vd), Words: true}
		default:
			val = &ir.Binary{Op: ir.OpXor, Left: and(dscp, (^m&0xff)>>2), Right: hex2(vd), Words: true}
		}
		c.Add(&ir.Assign{Key: dscp, Value: val})
		return nil
	}
	dscpAlone := vd == 0 && md == 0
	switch {
	case !(dscpAlone || md == 0x3f):
		return c.Untranslatable(x, "--%s %s changes some of the DSCP bits depending on their old value; nft 1.0.6 can only set ip dscp to a constant", o.Name, o.Arg())
	case !(ecnAlone || me == 3):
		return c.Untranslatable(x, "--%s %s changes the ECN bits depending on their old value; nft 1.0.6 can only set ip ecn to a constant", o.Name, o.Arg())
	}
	if !dscpAlone {
		c.Add(&ir.Assign{Key: dscp, Value: hex2(vd)})
	}
	if !ecnAlone {
		c.Add(&ir.Assign{Key: &ir.Payload{Proto: l3, Field: "ecn"}, Value: ir.Sym(ecnNames[ve])})
	}
	if dscpAlone && ecnAlone {
		c.note("--%s %s leaves the TOS byte unchanged", o.Name, o.Arg())
	}
	return nil
}
