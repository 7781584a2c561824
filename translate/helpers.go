package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Helpers shared by extension files.

// portRange adds "PROTO FIELD [!=] lo[-hi]" unless the range is 0-65535
// and not negated (iptables' skip_ports_match). It reports whether it
// added anything.
func (c *Ctx) portRange(proto, field string, lo, hi uint16, neg bool) bool {
	if lo == 0 && hi == 0xffff && !neg {
		return false
	}
	if lo == hi && c.tr.alloc.share {
		c.Add(c.tr.alloc.portMatch(c.tr.alloc.payload(proto, field), neg, lo))
		return true
	}
	var v ir.Expr
	if lo != hi {
		v = ir.IntRange(uint64(lo), uint64(hi))
	} else {
		n := c.tr.alloc.ints.new()
		*n = ir.Integer{Value: uint64(lo)}
		v = n
	}
	c.Add(c.tr.alloc.eqOrNe(c.tr.alloc.payload(proto, field), neg, v))
	return true
}

// optPorts returns the port range of a TypePortRC option (0-65535 if the
// option is absent) and whether it was negated.
func optPorts(x *iptparse.Ext, name string) (lo, hi uint16, neg bool) {
	return ports(x.Opt(name))
}

// ports is optPorts for the option found (nil: none).
func ports(o *iptparse.Option) (lo, hi uint16, neg bool) {
	if o == nil {
		return 0, 0xffff, false
	}
	r := o.Value.(*iptparse.PortRange)
	return r.Lo, r.Hi, o.Neg
}

// intOrRange is the package's intOrRange, its integers taken from the
// translator's blocks.
func (c *Ctx) intOrRange(lo, hi uint64) ir.Expr {
	if lo == hi {
		return c.int(lo)
	}
	r := c.tr.alloc.ranges.new()
	*r = ir.Range{Lo: c.int(lo), Hi: c.int(hi)}
	return r
}

// int is ir.Int(v) taken from the translator's blocks.
func (c *Ctx) int(v uint64) *ir.Integer {
	n := c.tr.alloc.ints.new()
	*n = ir.Integer{Value: v}
	return n
}

// intOrRange is "lo" or "lo-hi".
func intOrRange(lo, hi uint64) ir.Expr {
	if lo == hi {
		return ir.Int(lo)
	}
	return ir.IntRange(lo, hi)
}

// optUint returns the value of an integer option and whether it is set.
func optUint(x *iptparse.Ext, name string) (uint64, bool) {
	o := x.Opt(name)
	if o == nil || o.Value == nil {
		return 0, false
	}
	return o.Value.(uint64), true
}

// optString returns the value of a string option: its argument (the
// parser keeps no Value for it).
func optString(x *iptparse.Ext, name string) (string, bool) {
	o := x.Opt(name)
	if o == nil {
		return "", false
	}
	return o.Arg(), true
}

// Shorthands for option tables.
const (
	inv   = iptparse.Invert
	mand  = iptparse.Mandatory
	multi = iptparse.Multi
)
