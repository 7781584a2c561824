package translate

import (
	"encoding/binary"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m srh (libip6t_srh.c, revision 1): the IPv6 segment routing header
// (routing header type 4). The kernel's ip6t_srh only matches a first
// routing header of type 4 whose Segments Left is at most its Last Entry,
// then tests each option. The -eq/-gt/-lt options of one field share one
// value in the kernel's structure: the last one given is used by all.
// --srh-tag is compared in host byte order (a kernel bug), so the tag
// in the header is the value byte-swapped on little-endian machines.
// --srh-psid/--srh-nsid/--srh-lsid pick the SID by the packet's own
// Segments Left or Last Entry, which nftables cannot do.

var extSrh = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "srh", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "srh-next-hdr", Type: iptparse.TypeUint8, Flags: inv},
				{Name: "srh-hdr-len-eq", Type: iptparse.TypeUint8, Flags: inv},
				{Name: "srh-hdr-len-gt", Type: iptparse.TypeUint8, Flags: inv},
				{Name: "srh-hdr-len-lt", Type: iptparse.TypeUint8, Flags: inv},
				{Name: "srh-segs-left-eq", Type: iptparse.TypeUint8, Flags: inv},
				{Name: "srh-segs-left-gt", Type: iptparse.TypeUint8, Flags: inv},
				{Name: "srh-segs-left-lt", Type: iptparse.TypeUint8, Flags: inv},
				{Name: "srh-last-entry-eq", Type: iptparse.TypeUint8, Flags: inv},
				{Name: "srh-last-entry-gt", Type: iptparse.TypeUint8, Flags: inv},
				{Name: "srh-last-entry-lt", Type: iptparse.TypeUint8, Flags: inv},
				{Name: "srh-tag", Type: iptparse.TypeUint16, Flags: inv},
				{Name: "srh-psid", Type: iptparse.TypeHostMask, Flags: inv},
				{Name: "srh-nsid", Type: iptparse.TypeHostMask, Flags: inv},
				{Name: "srh-lsid", Type: iptparse.TypeHostMask, Flags: inv},
			},
		},
		Translate: translateSRH,
	},
}

func init() { registerAll(extSrh) }

// srhCmp is one -eq/-gt/-lt test of an 8-bit field.
type srhCmp struct {
	op  string
	neg bool
}

func (s srhCmp) holds(x, v int) bool {
	var r bool
	switch s.op {
	case "-eq":
		r = x == v
	case "-gt":
		r = x > v
	default:
		r = x < v
	}
	return r != s.neg
}

func (s srhCmp) stmt(field ir.Expr, v uint64) *ir.Match {
	op := map[string]ir.CmpOp{"-eq": ir.CmpEq, "-gt": ir.CmpGt, "-lt": ir.CmpLt}[s.op]
	if s.neg {
		op = map[ir.CmpOp]ir.CmpOp{ir.CmpEq: ir.CmpNe, ir.CmpGt: ir.CmpLe, ir.CmpLt: ir.CmpGe}[op]
	}
	return ir.Cmp(field, op, ir.Int(v))
}

// srhField collects the tests of one field: its value (the last one
// given) and the comparisons. It adds them to the rule and returns the
// values 0..255 that pass them all.
func (c *Ctx) srhField(x *iptparse.Ext, name string, field ir.Expr) [256]bool {
	var cmps []srhCmp
	var v uint64
	for _, o := range x.Options {
		for _, op := range []string{"-eq", "-gt", "-lt"} {
			if o.Name == name+op {
				cmps = append(cmps, srhCmp{op, o.Neg})
				v = o.Value.(uint64)
			}
		}
	}
	var ok [256]bool
	for i := range ok {
		ok[i] = true
		for _, s := range cmps {
			ok[i] = ok[i] && s.holds(i, int(v))
		}
	}
	seen := map[srhCmp]bool{}
	for _, s := range cmps {
		if !seen[s] {
			seen[s] = true
			c.Add(s.stmt(field, v))
		}
	}
	return ok
}

func translateSRH(c *Ctx, x *iptparse.Ext) error {
	for _, o := range []string{"srh-psid", "srh-nsid", "srh-lsid"} {
		if x.Has(o) {
			return c.Untranslatable(x, "--%s: the SID it tests is picked by the packet's Segments Left or Last Entry, which nftables cannot do", o)
		}
	}
	rt := func(f string) *ir.Payload { return &ir.Payload{Proto: "rt", Field: f} }
	srh := func(f string) *ir.Payload { return &ir.Payload{Proto: "srh", Field: f} }
	c.Add(ir.Eq(rt("type"), ir.Int(4)))
	if o := x.Opt("srh-next-hdr"); o != nil {
		c.Add(ir.EqOrNe(rt("nexthdr"), o.Neg, ir.Int(o.Value.(uint64))))
	}
	c.srhField(x, "srh-hdr-len", rt("hdrlength"))
	segs := c.srhField(x, "srh-segs-left", rt("seg-left"))
	last := c.srhField(x, "srh-last-entry", srh("last-entry"))
	if o := x.Opt("srh-tag"); o != nil {
		// ip6t_srh compares the header's tag, in network byte order,
		// with the value in host byte order.
		v := uint16(o.Value.(uint64))
		wire := binary.BigEndian.Uint16(binary.NativeEndian.AppendUint16(nil, v))
		if wire != v {
			c.note("--srh-tag %d: the kernel compares the tag field in host byte order; on this (little-endian) machine that is the tag %d", v, wire)
		}
		c.Add(ir.EqOrNe(srh("tag"), o.Neg, ir.Int(uint64(wire))))
	}
	// The kernel also requires Segments Left <= Last Entry. When the
	// tests above imply it, nothing is added; otherwise the pairs are
	// listed: "rt seg-left . srh last-entry { S . S-255, ... }".
	minLast := -1
	for l := 0; l < 256; l++ {
		if last[l] {
			minLast = l
			break
		}
	}
	var elems []ir.Expr
	implied := true
	for s := 0; s < 256; s++ {
		if !segs[s] {
			continue
		}
		if minLast >= 0 && s > minLast {
			implied = false
		}
		elems = append(elems, &ir.Concat{Elems: []ir.Expr{ir.Int(uint64(s)), intOrRange(uint64(s), 255)}})
	}
	if !implied {
		c.Add(ir.Eq(&ir.Concat{Elems: []ir.Expr{rt("seg-left"), srh("last-entry")}}, &ir.SetLit{Elems: elems}))
	}
	return nil
}
