package translate

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m iprange (libxt_iprange.c, revision 1): source/destination address
// ranges "ip[-ip]".

var extIprange = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "iprange", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "src-range", Type: iptparse.TypeString, Flags: inv},
				{Name: "dst-range", Type: iptparse.TypeString, Flags: inv},
			},
			Check: func(x *iptparse.Ext) error {
				if !x.Has("src-range") && !x.Has("dst-range") {
					return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "iprange match: You must specify `--src-range' or `--dst-range'"}
				}
				return nil
			},
		},
		Translate: translateIPRange,
	},
}

func init() { registerAll(extIprange) }

// parseIPRange is iprange_parse_range: "a-b" or a single address, both
// numeric addresses of the family.
func parseIPRange(arg string, fam iptparse.Family, opt string) (lo, hi netip.Addr, err error) {
	from, to, found := strings.Cut(arg, "-")
	if !found {
		to = from
	}
	for i, s := range []string{from, to} {
		var a netip.Addr
		if fam == iptparse.FamilyIPv6 {
			a, err = netip.ParseAddr(s)
			if err != nil || !a.Is6() || a.Zone() != "" {
				err = fmt.Errorf("iprange: Bad value for \"%s\" option: \"%s\"", opt, s)
			}
		} else {
			a, err = iptparse.ParseHost(s, iptparse.FamilyIPv4)
			if err != nil {
				err = fmt.Errorf("iprange: Bad value for \"%s\" option: \"%s\"", opt, s)
			}
		}
		if err != nil {
			return lo, hi, err
		}
		if i == 0 {
			lo = a
		} else {
			hi = a
		}
	}
	return lo, hi, nil
}

func translateIPRange(c *Ctx, x *iptparse.Ext) error {
	for _, f := range []struct{ opt, field string }{{"src-range", "saddr"}, {"dst-range", "daddr"}} {
		o := x.Opt(f.opt)
		if o == nil {
			continue
		}
		lo, hi, err := parseIPRange(o.Arg(), c.Family, "--"+f.opt)
		if err != nil {
			return c.Errorf(x, "%s", err)
		}
		if lo.Compare(hi) > 0 {
			// iptables warns "range is reversed and will never match";
			// nft refuses such a range.
			if !o.Neg {
				return c.Untranslatable(x, "--%s %s is reversed: the rule never matches", f.opt, o.Arg())
			}
			c.Warn(o.Pos, "%s: ! --%s %s is reversed and always matches; left out", x.Label(), f.opt, o.Arg())
			continue
		}
		var v ir.Expr = &ir.Range{Lo: ir.IP(lo), Hi: ir.IP(hi)}
		if lo == hi && !c.Exact {
			v = ir.IP(lo)
		}
		c.Add(ir.EqOrNe(&ir.Payload{Proto: c.L3(), Field: f.field}, o.Neg, v))
	}
	return nil
}
