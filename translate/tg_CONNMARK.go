package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j CONNMARK (libxt_CONNMARK.c, revision 2). What the kernel does
// (xt_connmark.c, connmark_tg_shift), with sh the optional shift:
//
//	--set-xmark V/M:  ctmark = sh((ctmark & ~M) ^ V)
//	--save-mark:      ctmark = (ctmark & ~ctmask) ^ sh(nfmark & nfmask)
//	--restore-mark:   nfmark = (nfmark & ~nfmask) ^ sh(ctmark & ctmask)
//
// --set-mark V/M is --set-xmark V/(V|M); --and-mark, --or-mark and
// --xor-mark are --set-xmark 0/~B, B/B and B/0; --mask M sets both masks;
// without ct (untracked or invalid packets) nothing changes.
//
// --set-xmark is one nft statement. Upstream writes "ct mark xor V and
// ~M", which nft reads as ctmark ^ (V & ~M): wrong whenever V and M are
// both non-zero (docs/upstream-differences.md); ipt2nft writes
// "ct mark and ~M xor V".
//
// --save-mark and --restore-mark are one statement when the destination
// is replaced whole (ctmask resp. nfmask all ones) or nothing is copied.
// Otherwise the result combines two variables, ct mark and meta mark,
// which nft 1.0.6 cannot do in one expression ("Right hand side of binary
// operation must be constant"): the rule jumps to a helper chain that
// clears the destination bits, then copies the source bits one by one.
// Upstream writes "ct mark set mark and M" for --mask M, which also
// clears every ct mark bit outside M.

const (
	connmarkSet = iota
	connmarkSave
	connmarkRestore
)

// connmarkOps are CONNMARK's operations, each excluding the others.
var connmarkOps = []string{"set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark", "save-mark", "restore-mark"}

var tgCONNMARK = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "CONNMARK", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "set-xmark", Type: iptparse.TypeMarkMask32, Excl: connmarkOps},
				{Name: "set-mark", Type: iptparse.TypeMarkMask32, Excl: connmarkOps},
				{Name: "and-mark", Type: iptparse.TypeUint32, Excl: connmarkOps},
				{Name: "or-mark", Type: iptparse.TypeUint32, Excl: connmarkOps},
				{Name: "xor-mark", Type: iptparse.TypeUint32, Excl: connmarkOps},
				{Name: "save-mark", Excl: connmarkOps},
				{Name: "restore-mark", Excl: connmarkOps},
				{Name: "left-shift-mark", Type: iptparse.TypeUint8, Max: 32},
				{Name: "right-shift-mark", Type: iptparse.TypeUint8, Max: 32},
				{Name: "ctmask", Type: iptparse.TypeUint32, Excl: []string{"mask"}},
				{Name: "nfmask", Type: iptparse.TypeUint32, Excl: []string{"mask"}},
				{Name: "mask", Type: iptparse.TypeUint32, Excl: []string{"ctmask", "nfmask"}},
			},
			Check: func(x *iptparse.Ext) error {
				for _, op := range connmarkOps {
					if x.Has(op) {
						return nil
					}
				}
				return optError(x, nil, "CONNMARK target: No operation specified")
			},
		},
		Translate: translateCONNMARK,
	},
}

func init() { registerAll(tgCONNMARK) }

// connmarkInfo is struct xt_connmark_tginfo2.
type connmarkInfo struct {
	mode                   int
	ctmark, ctmask, nfmask uint32
	right                  bool // shift direction
	shift                  uint
}

// connmarkOptions reads the options in the order given, like
// connmark_tg_parse_v2 (a later option may overwrite a mask).
func connmarkOptions(x *iptparse.Ext) connmarkInfo {
	in := connmarkInfo{ctmask: ^uint32(0), nfmask: ^uint32(0)}
	for _, o := range x.Options {
		switch o.Name {
		case "set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark":
			in.mode = connmarkSet
			in.ctmark, in.ctmask = xmark(&iptparse.Ext{Options: []*iptparse.Option{o}})
		case "save-mark":
			in.mode = connmarkSave
		case "restore-mark":
			in.mode = connmarkRestore
		case "mask":
			in.nfmask = uint32(o.Value.(uint64))
			in.ctmask = in.nfmask
		case "ctmask":
			in.ctmask = uint32(o.Value.(uint64))
		case "nfmask":
			in.nfmask = uint32(o.Value.(uint64))
		case "left-shift-mark":
			in.right, in.shift = false, uint(o.Value.(uint64))
		case "right-shift-mark":
			in.right, in.shift = true, uint(o.Value.(uint64))
		}
	}
	return in
}

// sh applies the shift to a constant.
func (in *connmarkInfo) sh(v uint32) uint32 {
	if in.right {
		return v >> in.shift
	}
	return v << in.shift
}

// shExpr applies the shift to an expression, with upstream's parentheses.
func (in *connmarkInfo) shExpr(e ir.Expr) ir.Expr {
	if in.shift == 0 {
		return e
	}
	if b, ok := e.(*ir.Binary); ok {
		b.Paren = true
	} else {
		e = &ir.Paren{X: e}
	}
	op := ir.OpLShift
	if in.right {
		op = ir.OpRShift
	}
	return &ir.Binary{Op: op, Left: e, Right: ir.Int(uint64(in.shift))}
}

func translateCONNMARK(c *Ctx, x *iptparse.Ext) error {
	in := connmarkOptions(x)
	if in.shift == 32 {
		// C leaves a 32-bit shift by 32 undefined; on x86 the mark is
		// not shifted at all. nft refuses it.
		return c.Untranslatable(x, "the kernel shifts a 32-bit mark by 32 bits, which C leaves undefined (x86 does not shift at all); nft refuses the shift")
	}
	switch in.mode {
	case connmarkSet:
		var v ir.Expr
		if in.ctmask == ^uint32(0) {
			v = ir.Hex(uint64(in.sh(in.ctmark)))
		} else {
			v = in.shExpr(xmarkExpr(&ir.Ct{Key: "mark"}, in.ctmark, in.ctmask))
		}
		c.Add(&ir.Assign{Key: &ir.Ct{Key: "mark"}, Value: v})
		return nil
	case connmarkSave:
		return c.copyMark(x, &in, false)
	default:
		return c.copyMark(x, &in, true)
	}
}

// copyMark translates dst = (dst & ~clear) ^ sh(src & srcMask): for
// --save-mark dst is ct mark, src meta mark, clear ctmask and srcMask
// nfmask; for --restore-mark the other way round.
func (c *Ctx) copyMark(x *iptparse.Ext, in *connmarkInfo, restore bool) error {
	what := "save"
	clear, srcMask := in.ctmask, in.nfmask
	// The marks as upstream writes them: "mark" bare as a value.
	dstKey := func() ir.Expr { return &ir.Ct{Key: "mark"} }
	dst := func() ir.Expr { return &ir.Ct{Key: "mark"} }
	src := func() ir.Expr { return &ir.Meta{Key: "mark", Bare: true} }
	if restore {
		what = "restore"
		clear, srcMask = in.nfmask, in.ctmask
		dstKey = func() ir.Expr { return &ir.Meta{Key: "mark"} }
		dst, src = src, dst
	}
	bitsIn := in.sh(srcMask) // the bits the copy can set
	// Without ct, CONNMARK does nothing; a restore whose value does not
	// read ct mark needs to check that there is one.
	guard := func() {
		if restore {
			c.Add(ctExists())
		}
	}
	switch {
	case clear == ^uint32(0):
		// The destination is replaced: one statement.
		var v ir.Expr
		if bitsIn == 0 {
			v = ir.Hex(0)
			guard()
		} else {
			v = src()
			if srcMask != ^uint32(0) {
				v = &ir.Binary{Op: ir.OpAnd, Left: v, Right: ir.Hex(uint64(srcMask)), Words: true}
			}
			v = in.shExpr(v)
		}
		c.Add(&ir.Assign{Key: dstKey(), Value: v})
		return nil
	case bitsIn == 0:
		// Nothing is copied: only the clearing.
		guard()
		c.Add(&ir.Assign{Key: dstKey(), Value: xmarkExpr(dst(), 0, clear)})
		return nil
	}
	// Both marks are involved: a helper chain. The name says what it does.
	name := "connmark_" + what
	if in.ctmask == in.nfmask {
		name += fmt.Sprintf("_mask_0x%x", in.ctmask)
	} else {
		name += fmt.Sprintf("_nfmask_0x%x_ctmask_0x%x", in.nfmask, in.ctmask)
	}
	if in.shift != 0 {
		name += fmt.Sprintf("_%s%d", map[bool]string{false: "shl", true: "shr"}[in.right], in.shift)
	}
	origin := []iptparse.Pos{c.Cmd.Pos}
	rule := func(s ...ir.Stmt) *ir.Rule {
		return (&ir.Rule{Stmts: s, Origin: origin}).WithSource(c.tr.keepText(c.Cmd.RuleText()))
	}
	ch := &ir.Chain{Name: name}
	if restore {
		// no conntrack entry: CONNMARK does nothing
		ch.Rules = append(ch.Rules, rule(ir.Eq(&ir.Ct{Key: "state"}, &ir.SetLit{Elems: []ir.Expr{ir.Sym("invalid"), ir.Sym("untracked")}}), &ir.Verdict{Kind: ir.VerdictReturn}))
	}
	if clear != 0 {
		ch.Rules = append(ch.Rules, rule(&ir.Assign{Key: dstKey(), Value: xmarkExpr(dst(), 0, clear)}))
	}
	copied := 0
	for b := uint32(1); b != 0; b <<= 1 {
		d := in.sh(b)
		if srcMask&b == 0 || d == 0 {
			continue
		}
		copied++
		op := ir.OpXor
		if clear&d != 0 {
			op = ir.OpOr // the bit was cleared
		}
		test := &ir.Match{Left: &ir.Binary{Op: ir.OpAnd, Left: src(), Right: ir.Hex(uint64(b)), Words: true}, Op: ir.CmpNe, Right: ir.Hex(0)}
		set := &ir.Assign{Key: dstKey(), Value: &ir.Binary{Op: op, Left: dst(), Right: ir.Hex(uint64(d)), Words: true}}
		ch.Rules = append(ch.Rules, rule(test, set))
	}
	name = c.DeclareChain(ch)
	if !c.Exact {
		c.Warn(x.Pos, "%s: --%s-mark with these masks combines ct mark and meta mark, which one nft statement cannot do; the rule jumps to chain %s, which copies the bits one by one (%d)", x.Label(), what, name, copied)
	}
	c.Add(&ir.Verdict{Kind: ir.VerdictJump, Chain: name})
	return nil
}

// ctExists matches packets that have a conntrack entry: the kernel's
// nf_ct_get finds none for invalid and untracked packets.
func ctExists() ir.Stmt {
	return &ir.Match{Left: &ir.Ct{Key: "state"}, Op: ir.CmpNe, Right: &ir.SetLit{Elems: []ir.Expr{ir.Sym("invalid"), ir.Sym("untracked")}}}
}
