package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m ttl (libipt_ttl.c, IPv4): compare the TTL with a value. --ttl is an
// old spelling of --ttl-eq that cannot be negated.

var extTtl = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "ttl", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv4,
			Options: []iptparse.OptionSpec{
				{Name: "ttl-lt", Type: iptparse.TypeUint8, Excl: []string{"ttl-gt", "ttl-eq", "ttl"}},
				{Name: "ttl-gt", Type: iptparse.TypeUint8, Excl: []string{"ttl-lt", "ttl-eq", "ttl"}},
				{Name: "ttl-eq", Type: iptparse.TypeUint8, Flags: inv, Excl: []string{"ttl-lt", "ttl-gt", "ttl"}},
				{Name: "ttl", Type: iptparse.TypeUint8, Excl: []string{"ttl-lt", "ttl-gt", "ttl-eq"}},
			},
			Check: func(x *iptparse.Ext) error {
				return requireOption(x, "TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt")
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error { return translateTTLMatch(c, x, "ttl", "ip", "ttl") },
	},
}

func init() { registerAll(extTtl) }

// translateTTLMatch translates -m ttl or -m hl (libip6t_hl.c, in
// ext_hl.go): the same options, named after n, on the IPv4 TTL or the
// IPv6 hop limit.
func translateTTLMatch(c *Ctx, x *iptparse.Ext, n, hdr, field string) error {
	o := x.Options[0]
	v, _ := optUint(x, o.Name)
	mt := &ir.Match{Left: &ir.Payload{Proto: hdr, Field: field}, Right: ir.Int(v)}
	switch o.Name {
	case n + "-lt":
		mt.Op, mt.Spell = ir.CmpLt, ir.SpellWord
	case n + "-gt":
		mt.Op, mt.Spell = ir.CmpGt, ir.SpellWord
	default:
		if o.Neg {
			mt.Op = ir.CmpNe
		}
	}
	c.Add(mt)
	return nil
}
