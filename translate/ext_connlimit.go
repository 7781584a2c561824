package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m connlimit (libxt_connlimit.c, revision 1).
//
// Each connlimit rule has its own connection count lists in the kernel,
// so each rule gets its own dynamic set connlimitN, and the rule adds the
// packet's (masked) address to it with a "ct count" statement:
// "add @connlimit0 { ip saddr ct count over 2 }". Upstream declares the
// set as ipv4_addr for ip6tables too, which nft rejects; ipt2nft uses
// ipv6_addr there (docs/upstream-differences.md).

var extConnlimit = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "connlimit", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "connlimit-upto", Type: iptparse.TypeUint32, Flags: inv, Excl: []string{"connlimit-above"}},
				{Name: "connlimit-above", Type: iptparse.TypeUint32, Flags: inv, Excl: []string{"connlimit-upto"}},
				{Name: "connlimit-mask", Type: iptparse.TypePlenMask},
				{Name: "connlimit-saddr", Excl: []string{"connlimit-daddr"}},
				{Name: "connlimit-daddr", Excl: []string{"connlimit-saddr"}},
			},
			Check: func(x *iptparse.Ext) error {
				if !x.Has("connlimit-upto") && !x.Has("connlimit-above") {
					return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "You must specify \"--connlimit-above\" or \"--connlimit-upto\"."}
				}
				return nil
			},
		},
		Translate: translateConnlimit,
	},
}

func init() { registerAll(extConnlimit) }

func translateConnlimit(c *Ctx, x *iptparse.Ext) error {
	// --connlimit-above N matches more than N connections; --connlimit-upto
	// N (or ! --connlimit-above N) matches at most N.
	over := true
	var limit uint64
	if o := x.Opt("connlimit-above"); o != nil {
		limit, over = o.Value.(uint64), !o.Neg
	}
	if o := x.Opt("connlimit-upto"); o != nil {
		limit, over = o.Value.(uint64), o.Neg
	}
	field := "saddr"
	if x.Has("connlimit-daddr") {
		field = "daddr"
	}
	var key ir.Expr = &ir.Payload{Proto: c.L3(), Field: field}
	if o := x.Opt("connlimit-mask"); o != nil {
		p := o.Value.(iptparse.Plen)
		full := 32
		if c.IsIPv6() {
			full = 128
		}
		if p.Bits != full {
			mask := p.Mask
			if c.IsIPv6() && mask.Is4() || !c.IsIPv6() && mask.Is6() {
				return c.Errorf(x, "--connlimit-mask %s is not a mask of this address family", o.Arg())
			}
			key = &ir.Binary{Op: ir.OpAnd, Left: key, Right: ir.IP(mask), Words: true}
		}
	}
	typ := "ipv4_addr"
	if c.IsIPv6() {
		typ = "ipv6_addr"
	}
	set := &ir.Set{
		Name:   fmt.Sprintf("connlimit%d", c.Seq("connlimit")),
		Type:   typ,
		Flags:  []string{"dynamic"},
		Origin: []iptparse.Pos{x.Pos},
	}
	name := c.DeclareSet(set)
	c.Add(&ir.SetUpdate{Op: "add", Set: name, Key: key, Stmts: []ir.Stmt{&ir.CtCount{Over: over, Count: uint32(limit)}}})
	return nil
}
