package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m osf (libxt_osf.c, IPv4 only): passive OS fingerprinting of TCP SYNs,
// nft's "osf [ttl loose|skip] name".
//
// Two kernel facts limit the translation:
//   - xt_osf ignores "!" on --genre (nf_osf_match never looks at
//     NF_OSF_INVERT), so "! --genre X" matches genre X; "osf name != X"
//     would do the opposite of what the rule does.
//   - With --log, nf_osf_match logs and matches any known fingerprint,
//     whatever the genre; nft's osf cannot log.
//
// Also, xt_osf matches when any fingerprint of the genre fits the
// packet, nft's osf compares the genre of the first fingerprint that
// fits; they differ only when fingerprints of different genres fit the
// same packet, which the translation warns about.

var extOsf = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "osf", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv4,
			Options: []iptparse.OptionSpec{
				{Name: "genre", Type: iptparse.TypeString, Flags: mand | inv},
				{Name: "ttl", Type: iptparse.TypeUint32, Min: 0, Max: 2},
				{Name: "log", Type: iptparse.TypeUint32, Min: 0, Max: 2},
			},
		},
		Translate: translateOSF,
	},
}

func init() { registerAll(extOsf) }

func translateOSF(c *Ctx, x *iptparse.Ext) error {
	if p, ok := c.Protocol(); !ok || p != 6 {
		return c.Errorf(x, "osf match: only valid for protocol tcp (-p tcp)")
	}
	g := x.Opt("genre")
	if g.Neg {
		return c.Untranslatable(x, "the kernel ignores \"!\" on --genre (xt_osf matches genre %s anyway); \"osf name != %s\" would match the opposite", g.Arg(), g.Arg())
	}
	if x.Has("log") {
		return c.Untranslatable(x, "--log logs fingerprints and makes the match true for every known OS, whatever the genre; nft's osf cannot log")
	}
	genre := g.Arg()
	if len(genre) > 31 { // kept in a 32-byte field
		genre = genre[:31]
	}
	ttl := ""
	if v, ok := optUint(x, "ttl"); ok {
		ttl = []string{"", "loose", "skip"}[v]
	}
	c.Add(ir.Eq(&ir.Osf{TTL: ttl, Key: "name"}, ir.Str(genre)))
	c.Warn(x.Pos, "xt_osf matches if any fingerprint of genre %q fits; nft's osf name is the genre of the first fingerprint that fits (they differ if fingerprints of several genres fit the packet)", genre)
	return nil
}
