package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// -m dst (libip6t_dst.c): the IPv6 destination options header, with the
// same options and translation as -m hbh (see ext_hbh.go): --dst-len is
// the header's total length in bytes, --dst-opts is untranslatable.

var extDst = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "dst", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "dst-len", Type: iptparse.TypeUint32, Flags: inv},
				{Name: "dst-opts", Type: iptparse.TypeString},
			},
			Check: checkOptsHdr,
		},
		Translate: translateOptsHdr,
	},
}

func init() { registerAll(extDst) }
