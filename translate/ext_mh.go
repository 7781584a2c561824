package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m mh (libip6t_mh.c): the IPv6 mobility header type. The kernel's
// ip6t_mh reads the mobility header as the transport header and needs
// "-p mh" (protocol 135).

var extMh = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "mh", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "mh-type", Type: iptparse.TypeString, Flags: inv},
			},
			Check: func(x *iptparse.Ext) error {
				if o := x.Opt("mh-type"); o != nil {
					if _, _, err := parseMHTypes(o.Arg()); err != nil {
						return optErr(x, o, "%s", err)
					}
				}
				return nil
			},
		},
		Translate: translateMH,
	},
}

func init() { registerAll(extMh) }

// mhNames is libip6t_mh's mh_names, in its order.
var mhNames = []struct {
	name string
	typ  uint8
}{
	{"binding-refresh-request", 0}, {"brr", 0},
	{"home-test-init", 1}, {"hoti", 1},
	{"careof-test-init", 2}, {"coti", 2},
	{"home-test", 3}, {"hot", 3},
	{"careof-test", 4}, {"cot", 4},
	{"binding-update", 5}, {"bu", 5},
	{"binding-acknowledgement", 6}, {"ba", 6},
	{"binding-error", 7}, {"be", 7},
}

// mhType is name_to_type: the first name the word is a prefix of
// (case-insensitive), unless a later name is exactly the word; else a
// number 0-255.
func mhType(s string) (uint8, error) {
	match := -1
	for i, n := range mhNames {
		if len(s) <= len(n.name) && strings.EqualFold(n.name[:len(s)], s) {
			if match < 0 || len(n.name) == len(s) {
				match = i
			}
		}
	}
	if match >= 0 {
		return mhNames[match].typ, nil
	}
	v, ok := iptparse.ParseUint(s, 0, 0, 255)
	if !ok {
		return 0, fmt.Errorf("Invalid MH type `%s'", s)
	}
	return uint8(v), nil
}

// parseMHTypes is parse_mh_types: "type" or "[type]:[type]".
func parseMHTypes(s string) (lo, hi uint8, err error) {
	first, second, isRange := strings.Cut(s, ":")
	if !isRange {
		lo, err = mhType(s)
		return lo, lo, err
	}
	lo, hi = 0, 255
	if first != "" {
		if lo, err = mhType(first); err != nil {
			return
		}
	}
	if second != "" {
		if hi, err = mhType(second); err != nil {
			return
		}
	}
	if lo > hi {
		err = fmt.Errorf("Invalid MH type range (min > max)")
	}
	return
}

func translateMH(c *Ctx, x *iptparse.Ext) error {
	if err := c.requireProto(x, 135, "mh"); err != nil {
		return err
	}
	lo, hi, neg := uint8(0), uint8(255), false
	if o := x.Opt("mh-type"); o != nil {
		lo, hi, _ = parseMHTypes(o.Arg())
		neg = o.Neg
	}
	if lo == 0 && hi == 255 && !neg {
		c.Add(ir.Eq(&ir.Exthdr{Name: "mh"}, ir.Sym("exists")))
		return nil
	}
	c.Add(ir.EqOrNe(&ir.Payload{Proto: "mh", Field: "type"}, neg, intOrRange(uint64(lo), uint64(hi))))
	return nil
}
