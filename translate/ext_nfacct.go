package translate

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m nfacct (libxt_nfacct.c): count the packet in an extended accounting
// object (created beforehand with nfacct(8)) and match.
//
// Normal mode declares an nft named counter of the same name and writes
// "counter name NAME": the counting and the match result are the same
// for plain accounting objects. Two differences, which the warning names:
// the counts are read with "nft list counter" instead of nfacct(8) (or
// ulogd's NFACCT plugin), and an nfacct object created with a quota makes
// the match fail while under quota, which the ruleset does not show.
// Upstream has no translation; exact mode keeps that.

var extNfacct = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "nfacct", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "nfacct-name", Type: iptparse.TypeString, Min: 1, Max: 31, Flags: mand},
			},
			Check: func(x *iptparse.Ext) error {
				if o := x.Opt("nfacct-name"); o != nil && strings.ContainsRune(o.Arg(), '\n') {
					return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "Newlines not allowed in --nfacct-name"}
				}
				return nil
			},
		},
		Translate: translateNfacct,
	},
}

func init() { registerAll(extNfacct) }

func translateNfacct(c *Ctx, x *iptparse.Ext) error {
	if c.Exact {
		return c.Untranslatable(x, "iptables-translate has no translation for nfacct (the normal mode uses a named counter)")
	}
	name := x.Opt("nfacct-name").Arg()
	nftName := name
	if !ir.IsBareIdent(name) {
		nftName = "nfacct_" + nftSafeName(name)
	}
	c.warnOnce("nfacct/"+name, x.Pos, "-m nfacct: accounting object %s becomes the nft counter %s (read it with \"nft list counter\", not nfacct(8)); an nfacct object with a quota would make the match depend on it, which the translation assumes it does not", name, nftName)
	c.Add(&ir.CounterRef{Name: c.DeclareCounter(&ir.CounterObj{Name: nftName, Comment: truncateUTF8("nfacct "+name, maxNftComment)})})
	return nil
}
