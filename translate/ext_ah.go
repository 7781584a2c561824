package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m ah: two different extensions.
//
// libipt_ah.c (IPv4): --ahspi. The kernel's ipt_ah reads the AH header as
// the transport header; it needs "-p ah".
//
// libip6t_ah.c (IPv6): --ahspi, --ahlen, --ahres. The kernel's ip6t_ah
// finds the first AH header in the extension header chain
// (ipv6_find_hdr(NEXTHDR_AUTH)); nft's "ah" payload on IPv6 reads the
// same header, because nft's transport header search stops at AH
// (IP6_FH_F_AUTH). --ahlen is the header's total length in bytes,
// (hdrlen + 2) * 4 (ipv6_authlen), and a length of 0 is not tested at all;
// --ahres requires the reserved field to be zero.

const ahMaxSPI = 1<<32 - 1

var extAh = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "ah", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv4,
			Options: []iptparse.OptionSpec{
				{Name: "ahspi", Type: iptparse.TypeUint32RC, Flags: inv},
			},
		},
		Translate: translateAH4,
	},
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "ah", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "ahspi", Type: iptparse.TypeUint32RC, Flags: inv},
				{Name: "ahlen", Type: iptparse.TypeUint32, Flags: inv},
				{Name: "ahres"},
			},
		},
		Translate: translateAH6,
	},
}

func init() { registerAll(extAh) }

func ahPayload(field string) *ir.Payload { return &ir.Payload{Proto: "ah", Field: field} }

// l4protoIs is "meta l4proto NAME".
func l4protoIs(name string) *ir.Match { return ir.Eq(&ir.Meta{Key: "l4proto"}, ir.Sym(name)) }

func translateAH4(c *Ctx, x *iptparse.Ext) error {
	if err := c.requireProto(x, 51, "ah"); err != nil {
		return err
	}
	lo, hi, neg, _ := optRange(x, "ahspi", 0, ahMaxSPI)
	if lo == 0 && hi == ahMaxSPI && !neg {
		c.Add(l4protoIs("ah"))
		return nil
	}
	c.upstreamRange(ahPayload("spi"), lo, hi, neg)
	return nil
}

func translateAH6(c *Ctx, x *iptparse.Ext) error {
	n := len(c.stmts)
	lo, hi, neg, _ := optRange(x, "ahspi", 0, ahMaxSPI)
	if !(lo == 0 && hi == ahMaxSPI && !neg) {
		c.upstreamRange(ahPayload("spi"), lo, hi, neg)
	}
	if o := x.Opt("ahlen"); o != nil {
		c.ahLen(o)
	}
	if x.Has("ahres") {
		c.Add(ir.Eq(ahPayload("reserved"), ir.Int(0)))
	}
	if !c.addedSince(n) {
		// Plain "-m ah": the packet has an AH header. nft 1.0.6 has no
		// "exthdr ah"; "meta l4proto ah" finds the same header.
		if c.Exact {
			c.Add(ir.Eq(&ir.Exthdr{Name: "ah"}, ir.Sym("exists")))
		} else {
			c.Add(l4protoIs("ah"))
		}
	}
	return nil
}

// ahLen translates --ahlen LEN: the AH header is LEN bytes long, that is
// its length field is LEN/4 - 2.
func (c *Ctx) ahLen(o *iptparse.Option) {
	l := o.Value.(uint64)
	switch {
	case l == 0:
		// ip6t_ah skips the test for a zero length, negated or not.
		c.note("--ahlen 0 is not tested by the kernel")
	case l%4 == 0 && l >= 8 && l/4-2 <= 255:
		c.Add(ir.EqOrNe(ahPayload("hdrlength"), o.Neg, ir.Int(l/4-2)))
	case o.Neg:
		// Every AH header differs from an impossible length; the
		// header's presence is tested by the caller.
	default:
		c.neverMatches(o, "an AH header's length is (hdrlength + 2) * 4 bytes, a multiple of 4 from 8 to 1028")
		c.Add(never(ahPayload("hdrlength"), 255))
	}
}
