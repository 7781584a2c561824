package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m frag (libip6t_frag.c): the IPv6 fragment header. The kernel's
// ip6t_frag tests the first fragment header of the chain, like nft's
// "frag" expressions. --fragres requires both reserved fields to be zero
// (the 8-bit one and the 2 bits next to the offset); --fraglen is not
// tested by the kernel at all.

var extFrag = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "frag", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "fragid", Type: iptparse.TypeUint32RC, Flags: inv},
				{Name: "fraglen", Type: iptparse.TypeUint32, Flags: inv},
				{Name: "fragres"},
				{Name: "fragfirst"},
				{Name: "fragmore", Excl: []string{"fraglast"}},
				{Name: "fraglast", Excl: []string{"fragmore"}},
			},
		},
		Translate: translateFrag,
	},
}

func init() { registerAll(extFrag) }

func fragField(f string) *ir.Payload { return &ir.Payload{Proto: "frag", Field: f} }

func translateFrag(c *Ctx, x *iptparse.Ext) error {
	lo, hi, neg, _ := optRange(x, "fragid", 0, ahMaxSPI)
	flags := x.Has("fragres") || x.Has("fragfirst") || x.Has("fragmore") || x.Has("fraglast")
	switch {
	case !(lo == 0 && hi == ahMaxSPI && !neg):
		c.upstreamRange(fragField("id"), lo, hi, neg)
	case !flags:
		c.Add(ir.Eq(&ir.Exthdr{Name: "frag"}, ir.Sym("exists")))
	}
	if x.Has("fraglen") {
		c.note("--fraglen is not tested by the kernel")
	}
	if x.Has("fragres") {
		c.Add(ir.Eq(fragField("reserved"), ir.Int(0)), ir.Eq(fragField("reserved2"), ir.Int(0)))
	}
	if x.Has("fragfirst") {
		c.Add(ir.Eq(fragField("frag-off"), ir.Int(0)))
	}
	if x.Has("fragmore") {
		c.Add(ir.Eq(fragField("more-fragments"), ir.Int(1)))
	}
	if x.Has("fraglast") {
		c.Add(ir.Eq(fragField("more-fragments"), ir.Int(0)))
	}
	return nil
}
