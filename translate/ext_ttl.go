package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m ttl (libipt_ttl.c, IPv4): compare the TTL with a value. --ttl is an
// old spelling of --ttl-eq that cannot be negated.

func init() {
	registerTTLMatch("ttl", iptparse.FamilyIPv4, "ip", "ttl",
		"TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt")
}

// registerTTLMatch registers -m ttl or -m hl (libip6t_hl.c, in ext_hl.go):
// the same options on the IPv4 TTL or the IPv6 hop limit.
func registerTTLMatch(n string, fam iptparse.Family, hdr, field, errMsg string) {
	all := []string{n + "-lt", n + "-gt", n + "-eq", n}
	Register(&Ext{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: n, Kind: iptparse.KindMatch, Family: fam,
			Options: []iptparse.OptionSpec{
				{Name: n + "-lt", Type: iptparse.TypeUint8, Excl: exclAll(n+"-lt", all...)},
				{Name: n + "-gt", Type: iptparse.TypeUint8, Excl: exclAll(n+"-gt", all...)},
				{Name: n + "-eq", Type: iptparse.TypeUint8, Flags: inv, Excl: exclAll(n+"-eq", all...)},
				{Name: n, Type: iptparse.TypeUint8, Excl: exclAll(n, all...)},
			},
			Check: requireOne(errMsg),
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
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
		},
	})
}
