package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Helpers for the header-field matches and targets (ah, esp, frag, rt,
// ttl, dscp, TOS...).

// optRange returns the bounds of a TypeUint*RC option, def if it is
// absent, and whether it was negated and given.
func optRange(x *iptparse.Ext, name string, defLo, defHi uint64) (lo, hi uint64, neg, given bool) {
	o := x.Opt(name)
	if o == nil {
		return defLo, defHi, false, false
	}
	r := o.Value.(iptparse.Range)
	return r.Lo, r.Hi, o.Neg, true
}

// hex2 is "0x%02x", the way upstream prints DSCP and TOS values.
func hex2(v uint64) *ir.Integer { return &ir.Integer{Value: v, Base: 16, Width: 2} }

// never is a comparison that no packet satisfies: "FIELD != 0-MAX" for a
// field whose values are 0..max. Like every header load it also fails
// (so the rule does not match) when the header is absent.
func never(field ir.Expr, max uint64) *ir.Match {
	return ir.Cmp(field, ir.CmpNe, ir.IntRange(0, max))
}

// cond is the outcome of a comparison once the field's width is taken
// into account.
type cond uint8

const (
	condSome   cond = iota // a real comparison was added
	condAlways             // true for every packet that has the header
	condNever              // false for every packet
)

// fieldRange adds "FIELD [!=] lo[-hi]" for a header field with values
// 0..max, the test "lo <= FIELD <= hi, negated if neg". Bounds beyond the
// field are clipped, so the result always loads: an empty range becomes
// never() and a range covering the whole field adds nothing (condAlways;
// the caller makes sure the header's presence is still tested).
func (c *Ctx) fieldRange(field ir.Expr, max, lo, hi uint64, neg bool) cond {
	if hi > max {
		hi = max
	}
	switch {
	case lo > hi && !neg, lo == 0 && hi == max && neg:
		c.Add(never(field, max))
		return condNever
	case lo > hi, lo == 0 && hi == max:
		return condAlways
	}
	c.Add(ir.EqOrNe(field, neg, intOrRange(lo, hi)))
	return condSome
}

// upstreamRange adds "FIELD [!=] lo[-hi]" as upstream prints it, without
// clipping to the field's width.
func (c *Ctx) upstreamRange(field ir.Expr, lo, hi uint64, neg bool) {
	c.Add(ir.EqOrNe(field, neg, intOrRange(lo, hi)))
}

// note attaches an explanation to the rule in normal mode (written as a
// "# ..." line above it).
func (c *Ctx) note(format string, args ...any) {
	if !c.Exact {
		c.Add(&ir.Comment{Text: fmt.Sprintf(format, args...)})
	}
}

// neverMatches warns that an option makes the rule match no packet, as
// it does in iptables, and notes it on the rule.
func (c *Ctx) neverMatches(o *iptparse.Option, why string) {
	c.Warn(o.Pos, "%s: the rule never matches: %s", o.Written, why)
	c.note("never matches, as in iptables: %s", why)
}

// requireProto reports, in normal mode, a rule the kernel refuses because
// the match (or target) is only valid with "-p NAME" (x_tables checks the
// rule's protocol when the rule is loaded; iptables-translate does not).
func (c *Ctx) requireProto(x *iptparse.Ext, num uint8, name string) error {
	if c.Exact {
		return nil
	}
	if p := c.Rule.Proto; p == nil || p.Neg || p.Num != num {
		return c.Errorf(x, "the kernel accepts this %s only in rules with \"-p %s\" (x_tables: only valid for protocol %d)", x.Kind, name, num)
	}
	return nil
}

// requireMangle reports, in normal mode, a target the kernel only allows
// in the mangle table.
func (c *Ctx) requireMangle(x *iptparse.Ext) error {
	if c.Exact || c.Table == "mangle" {
		return nil
	}
	return c.Errorf(x, "the kernel accepts this target only in the mangle table (x_tables: %s target: only valid in mangle table, not %s)", x.Name, c.Table)
}

// optErr is a parse error about one option of an extension.
func optErr(x *iptparse.Ext, o *iptparse.Option, format string, args ...any) error {
	pos := x.Pos
	if o != nil {
		pos = o.Pos
	}
	return &iptparse.Error{Pos: pos, Ext: x.Label(), Msg: fmt.Sprintf(format, args...)}
}

// requireOption is the x6_fcheck of extensions that need one of their
// options: it reports msg when x has none. Their Check is a function
// literal that calls it with their message, not a closure built at
// start: the option tables are then laid out by the compiler.
func requireOption(x *iptparse.Ext, msg string) error {
	if len(x.Options) == 0 {
		return optErr(x, nil, "%s", msg)
	}
	return nil
}

// addedSince reports whether statements other than notes (or the
// alternatives of Either) were added since the rule had n statements.
func (c *Ctx) addedSince(n int) bool {
	if c.split != nil && c.split.pos >= n {
		return true
	}
	for _, s := range c.stmts[n:] {
		if _, ok := s.(*ir.Comment); !ok {
			return true
		}
	}
	return false
}
