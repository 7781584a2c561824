package translate

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m cgroup (libxt_cgroup.c, revision 2).
//
// --cgroup CLASSID (net_cls) is "meta cgroup CLASSID". Both look at the
// packet's full socket and do not match packets without one.
//
// --path PATH matches sockets in the cgroup v2 PATH or below it; nft's
// "socket cgroupv2 level N PATH", N being the depth of PATH, compares the
// socket's ancestor at that depth with PATH, which is the same test. nft
// only allows the socket expression in prerouting, input and output, and
// on the input side it looks up a socket for packets that have none,
// which xt_cgroup does not; so --path is translated in the OUTPUT chain
// only. Upstream has no translation for --path. The path must exist when
// the ruleset is loaded, as with iptables.

var extCgroup = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "cgroup", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "path", Type: iptparse.TypeString, Flags: inv, Max: 511},
				{Name: "cgroup", Type: iptparse.TypeUint32, Flags: inv},
			},
			// cgroup_mt_check_v2 in the kernel.
			Check: func(x *iptparse.Ext) error {
				switch {
				case x.Has("path") && x.Has("cgroup"):
					return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "--path and --cgroup cannot be used together (the kernel rejects the rule)"}
				case !x.Has("path") && !x.Has("cgroup"):
					return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "--path or --cgroup must be specified (the kernel rejects the rule)"}
				}
				return nil
			},
		},
		Translate: translateCgroup,
	},
}

func init() { registerAll(extCgroup) }

func translateCgroup(c *Ctx, x *iptparse.Ext) error {
	if o := x.Opt("cgroup"); o != nil {
		c.Add(ir.EqOrNe(&ir.Meta{Key: "cgroup"}, o.Neg, ir.Int(o.Value.(uint64))))
		return nil
	}
	o := x.Opt("path")
	var parts []string
	for _, p := range strings.Split(o.Arg(), "/") {
		if p != "" && p != "." {
			parts = append(parts, p)
		}
	}
	for _, p := range parts {
		if p == ".." {
			return c.Untranslatable(x, "--path %q contains \"..\"; write the path from the cgroup v2 root", o.Arg())
		}
	}
	if len(parts) == 0 {
		return c.Untranslatable(x, "--path %q is the cgroup v2 root, which every socket is in; nft's socket cgroupv2 needs a level of 1 or more", o.Arg())
	}
	if c.Chain != "OUTPUT" {
		return c.Untranslatable(x, "--path is translated in the OUTPUT chain only: nft's socket expression is not allowed in forward and postrouting, and in prerouting and input it looks up a socket for packets that have none, which xt_cgroup does not")
	}
	c.Add(ir.EqOrNe(&ir.Socket{Key: "cgroupv2", Level: uint32(len(parts))}, o.Neg, ir.Str(strings.Join(parts, "/"))))
	return nil
}
