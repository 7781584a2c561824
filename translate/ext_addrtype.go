package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m addrtype (libxt_addrtype.c, revision 1): the routing type of the
// source or destination address, as nft fib lookups.

// rtnNames are the RTN_* route types in bit order.
var rtnNames = []string{
	"UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST",
	"BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE",
}

// nftFibTypes are the names nft 1.0.6 knows for fib address types; the
// others (throw, nat, xresolve) are written as numbers.
var nftFibTypes = []string{
	"unspec", "unicast", "local", "broadcast", "anycast", "multicast",
	"blackhole", "unreachable", "prohibit",
}

var extAddrtype = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "addrtype", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "src-type", Type: iptparse.TypeString, Flags: inv},
				{Name: "dst-type", Type: iptparse.TypeString, Flags: inv},
				{Name: "limit-iface-in", Excl: []string{"limit-iface-out"}},
				{Name: "limit-iface-out", Excl: []string{"limit-iface-in"}},
			},
			Check: checkAddrtype,
		},
		Translate: translateAddrtype,
	},
}

func init() { registerAll(extAddrtype) }

// parseAddrTypes is parse_types: comma separated type names, each a
// case-insensitive prefix of an RTN name (the first that fits wins).
func parseAddrTypes(arg string) (uint16, error) {
	var mask uint16
	rest := arg
	for {
		tok, after, more := strings.Cut(rest, ",")
		found := false
		if tok != "" {
			for i, n := range rtnNames {
				if strncasePrefix(tok, n) {
					mask |= 1 << i
					found = true
					break
				}
			}
		}
		if !found {
			if more {
				return 0, fmt.Errorf("addrtype: bad type `%s'", rest)
			}
			return 0, fmt.Errorf("addrtype: bad type \"%s\"", rest)
		}
		if !more {
			return mask, nil
		}
		rest = after
	}
}

func checkAddrtype(x *iptparse.Ext) error {
	for _, name := range []string{"src-type", "dst-type"} {
		if o := x.Opt(name); o != nil {
			if _, err := parseAddrTypes(o.Arg()); err != nil {
				return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: err.Error()}
			}
		}
	}
	if !x.Has("src-type") && !x.Has("dst-type") {
		return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "addrtype: you must specify --src-type or --dst-type"}
	}
	return nil
}

func translateAddrtype(c *Ctx, x *iptparse.Ext) error {
	var iface string
	switch {
	case x.Has("limit-iface-in"):
		iface = "iif"
		if h := c.hook(); h == "output" || h == "postrouting" {
			return c.Errorf(x, "input interface limitation not valid in POSTROUTING and OUTPUT (the kernel refuses the rule)")
		}
	case x.Has("limit-iface-out"):
		iface = "oif"
		if h := c.hook(); h == "prerouting" || h == "input" {
			return c.Errorf(x, "output interface limitation not valid in PREROUTING and INPUT (the kernel refuses the rule)")
		}
	}
	// Upstream translates only --src-type when both are given, negated if
	// either is; each gets its own fib test here.
	for _, f := range []struct{ opt, addr string }{{"src-type", "saddr"}, {"dst-type", "daddr"}} {
		o := x.Opt(f.opt)
		if o == nil {
			continue
		}
		mask, _ := parseAddrTypes(o.Arg())
		if c.IsIPv6() {
			// addrtype_mt_checkentry for IPv6.
			switch {
			case mask&(1<<6) != 0:
				return c.Errorf(x, "ipv6 BLACKHOLE matching not supported (the kernel refuses the rule)")
			case mask >= 1<<8:
				return c.Errorf(x, "ipv6 PROHIBIT (THROW, NAT ..) matching not supported (the kernel refuses the rule)")
			case mask&(1<<3) != 0:
				return c.Errorf(x, "ipv6 does not support BROADCAST matching (the kernel refuses the rule)")
			}
		}
		var elems []ir.Expr
		for i := range rtnNames {
			if mask&(1<<i) == 0 {
				continue
			}
			if i < len(nftFibTypes) {
				elems = append(elems, ir.Sym(nftFibTypes[i]))
			} else {
				elems = append(elems, ir.Int(uint64(i)))
			}
		}
		var v ir.Expr = elems[0]
		if len(elems) > 1 {
			v = &ir.SetLit{Elems: elems}
		}
		flags := []string{f.addr}
		if iface != "" {
			flags = append(flags, iface)
		}
		c.Add(ir.EqOrNe(&ir.Fib{Flags: flags, Result: "type"}, o.Neg, v))
	}
	return nil
}
