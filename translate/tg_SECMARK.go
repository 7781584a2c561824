package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// -j SECMARK (libxt_SECMARK.c): set the packet's security mark from an
// SELinux context. nft does this with a named secmark object
// (secmark NAME { "CONTEXT" }) and "meta secmark set NAME"; ipt2nft does
// not declare secmark objects yet, so the rule is reported.

var tgSECMARK = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "SECMARK", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "selctx", Type: iptparse.TypeString, Flags: mand},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if c.Table != "mangle" && c.Table != "security" {
				return c.Errorf(x, "SECMARK target: only valid in 'mangle' or 'security' table, not '%s'", c.Table)
			}
			return c.Untranslatable(x, "needs an nft secmark object (secmark NAME { %q }) and \"meta secmark set NAME\", which ipt2nft does not declare yet", x.Opt("selctx").Arg())
		},
	},
}

func init() { registerAll(tgSECMARK) }
