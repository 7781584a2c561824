package translate

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m rt (libip6t_rt.c): the IPv6 routing header. The kernel's ip6t_rt
// tests the first routing header of the chain, like nft's "rt" fields.
// --rt-len is the header's total length in bytes ((hdrlength + 1) * 8).
// The type 0 options: --rt-0-res requires the 32-bit reserved field to
// be zero; --rt-0-addrs requires the address list to be exactly the
// given addresses (or, with --rt-0-not-strict, to contain them in order).

var extRt = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "rt", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "rt-type", Type: iptparse.TypeUint32, Flags: inv},
				{Name: "rt-segsleft", Type: iptparse.TypeUint32RC, Flags: inv},
				{Name: "rt-len", Type: iptparse.TypeUint32, Flags: inv},
				{Name: "rt-0-res"},
				{Name: "rt-0-addrs", Type: iptparse.TypeString},
				{Name: "rt-0-not-strict"},
			},
			Check: checkRT,
		},
		Translate: translateRT,
	},
}

func init() { registerAll(extRt) }

// rtHops is IP6T_RT_HOPS, the most addresses --rt-0-addrs takes.
const rtHops = 16

func parseRT0Addrs(s string) ([]netip.Addr, error) {
	var addrs []netip.Addr
	for i, part := range strings.Split(s, ",") {
		if i == rtHops {
			return nil, fmt.Errorf("too many addresses specified")
		}
		a, err := netip.ParseAddr(part)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return nil, fmt.Errorf("bad address: %s", part)
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}

// checkRT is rt_parse's checks, which depend on the order of the options.
func checkRT(x *iptparse.Ext) error {
	type0, addrs := false, false
	for _, o := range x.Options {
		switch o.Name {
		case "rt-type":
			type0 = o.Value.(uint64) == 0 && !o.Neg
		case "rt-0-res", "rt-0-addrs":
			if !type0 {
				return optErr(x, o, "`--rt-type 0' required before `--%s'", o.Name)
			}
			if o.Name == "rt-0-addrs" {
				if _, err := parseRT0Addrs(o.Arg()); err != nil {
					return optErr(x, o, "%s", err)
				}
				addrs = true
			}
		case "rt-0-not-strict":
			if !addrs {
				return optErr(x, o, "`--rt-0-addr ...' required before `--rt-0-not-strict'")
			}
		}
	}
	return nil
}

func rtField(f string) *ir.Payload { return &ir.Payload{Proto: "rt", Field: f} }

func translateRT(c *Ctx, x *iptparse.Ext) error {
	if x.Has("rt-0-not-strict") {
		return c.Untranslatable(x, "--rt-0-not-strict: nftables cannot search the type 0 address list for addresses in order")
	}
	n := len(c.stmts)
	if o := x.Opt("rt-type"); o != nil {
		t := o.Value.(uint64)
		switch {
		case c.Exact || t <= 255:
			c.Add(ir.EqOrNe(rtField("type"), o.Neg, ir.Int(t)))
		case !o.Neg:
			c.neverMatches(o, "the routing type is an 8-bit field")
			c.Add(never(rtField("type"), 255))
		}
	}
	if lo, hi, neg, given := optRange(x, "rt-segsleft", 0, ahMaxSPI); given && !(lo == 0 && hi == ahMaxSPI && !neg) {
		if c.Exact {
			c.upstreamRange(rtField("seg-left"), lo, hi, neg)
		} else if c.fieldRange(rtField("seg-left"), 255, lo, hi, neg) == condNever {
			c.neverMatches(x.Opt("rt-segsleft"), "segments left is an 8-bit field")
		}
	}
	if o := x.Opt("rt-len"); o != nil {
		c.optsHdrLen("rt", o)
	}
	if x.Has("rt-0-res") {
		// The reserved field of a type 0 header is bytes 4-7 of the
		// routing header: nft only names them as the segment routing
		// header's fields.
		c.note("--rt-0-res: srh last-entry, flags and tag are the type 0 header's reserved bytes")
		for _, f := range []string{"last-entry", "flags", "tag"} {
			c.Add(ir.Eq(&ir.Payload{Proto: "srh", Field: f}, ir.Int(0)))
		}
	}
	if o := x.Opt("rt-0-addrs"); o != nil {
		addrs, _ := parseRT0Addrs(o.Arg())
		// Exactly len(addrs) addresses: (hdrlen*8) / 16 == N.
		k := uint64(len(addrs))
		c.Add(ir.Eq(rtField("hdrlength"), ir.IntRange(2*k, 2*k+1)))
		for i, a := range addrs {
			c.Add(ir.Eq(&ir.Payload{Proto: "rt0", Field: fmt.Sprintf("addr[%d]", i+1)}, ir.IP(a)))
		}
	}
	if !c.addedSince(n) {
		c.Add(ir.Eq(&ir.Exthdr{Name: "rt"}, ir.Sym("exists")))
	}
	return nil
}
