package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j MARK (libxt_MARK.c, revision 2): the kernel computes
// mark = (mark & ~mask) ^ value, written "meta mark set ...".

// markOps are MARK's operations, each excluding the others (and itself,
// as libxt_MARK.c's F_ANY does).
var markOps = []string{"set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark"}

var tgMARK = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "MARK", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "set-xmark", Type: iptparse.TypeMarkMask32, Excl: markOps},
				{Name: "set-mark", Type: iptparse.TypeMarkMask32, Excl: markOps},
				{Name: "and-mark", Type: iptparse.TypeUint32, Excl: markOps},
				{Name: "or-mark", Type: iptparse.TypeUint32, Excl: markOps},
				{Name: "xor-mark", Type: iptparse.TypeUint32, Excl: markOps},
			},
			Check: func(x *iptparse.Ext) error {
				if len(x.Options) == 0 {
					return optError(x, nil, "MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required")
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			mark, mask := xmark(x)
			c.Add(&ir.Assign{Key: &ir.Meta{Key: "mark"}, Value: xmarkExpr(&ir.Meta{Key: "mark", Bare: true}, mark, mask)})
			return nil
		},
	},
}

func init() { registerAll(tgMARK) }

// xmark returns the value and mask of a MARK or CONNMARK --set-xmark
// style option (mark_tg_parse): new = (old & ^mask) ^ value.
func xmark(x *iptparse.Ext) (value, mask uint32) {
	for _, o := range x.Options {
		switch o.Name {
		case "set-xmark":
			vm := o.Value.(iptparse.ValueMask)
			value, mask = uint32(vm.Value), uint32(vm.Mask)
		case "set-mark":
			vm := o.Value.(iptparse.ValueMask)
			value, mask = uint32(vm.Value), uint32(vm.Value|vm.Mask)
		case "and-mark":
			value, mask = 0, ^uint32(o.Value.(uint64))
		case "or-mark":
			value = uint32(o.Value.(uint64))
			mask = value
		case "xor-mark":
			value, mask = uint32(o.Value.(uint64)), 0
		}
	}
	return value, mask
}

// xmarkExpr is (old & ^mask) ^ value in the shortest form, as upstream
// writes it (mark_tg_xlate): a constant when the mask covers all bits,
// else "old and X", "old or X", "old xor X" or "old and X xor Y".
func xmarkExpr(old ir.Expr, value, mask uint32) ir.Expr {
	bin := func(op ir.BinOp, l ir.Expr, v uint32) *ir.Binary {
		return &ir.Binary{Op: op, Left: l, Right: ir.Hex(uint64(v)), Words: true}
	}
	switch {
	case mask == 0xffffffff:
		return ir.Hex(uint64(value))
	case value == 0:
		return bin(ir.OpAnd, old, ^mask)
	case value == mask:
		return bin(ir.OpOr, old, value)
	case mask == 0:
		return bin(ir.OpXor, old, value)
	}
	return bin(ir.OpXor, bin(ir.OpAnd, old, ^mask), value)
}
