package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -j HMARK (libxt_HMARK.c): set the mark to a hash of the packet's
// addresses, ports and protocol.
//
// nft's jhash and symhash do not compute the same numbers: xt_HMARK
// orders the masked addresses and ports (so both directions hash alike),
// hashes them with jhash_3words and xors the protocol, while nft's jhash
// hashes the bytes of its key as given and symhash hashes the flow
// dissector's keys with its own seed. The marks would differ, so the
// target is reported as untranslatable.

var hmarkOptions = []iptparse.OptionSpec{
	{Name: "hmark-tuple", Type: iptparse.TypeString},
	{Name: "hmark-src-prefix", Type: iptparse.TypePlenMask},
	{Name: "hmark-dst-prefix", Type: iptparse.TypePlenMask},
	{Name: "hmark-sport-mask", Type: iptparse.TypeUint16},
	{Name: "hmark-dport-mask", Type: iptparse.TypeUint16},
	{Name: "hmark-spi-mask", Type: iptparse.TypeUint32},
	{Name: "hmark-sport", Type: iptparse.TypeUint16},
	{Name: "hmark-dport", Type: iptparse.TypeUint16},
	{Name: "hmark-spi", Type: iptparse.TypeUint32},
	{Name: "hmark-proto-mask", Type: iptparse.TypeUint16},
	{Name: "hmark-rnd", Type: iptparse.TypeUint32},
	{Name: "hmark-mod", Type: iptparse.TypeUint32, Min: 1},
	{Name: "hmark-offset", Type: iptparse.TypeUint32},
}

// tgHMARK is HMARK for IPv4 and IPv6.
var tgHMARK = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "HMARK", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv4,
			Options: hmarkOptions,
			Check:   checkHMARK,
		},
		Translate: translateHMARK,
	},
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "HMARK", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv6,
			Options: hmarkOptions,
			Check:   checkHMARK,
		},
		Translate: translateHMARK,
	},
}

func init() { registerAll(tgHMARK) }

func translateHMARK(c *Ctx, x *iptparse.Ext) error {
	return c.Untranslatable(x, "nft's jhash/symhash compute other values than HMARK's hash (sorted addresses and ports, jhash_3words, protocol xor), so the marks would differ")
}

// hmarkTypes are the --hmark-tuple words in the order hmark_parse tries
// them (a prefix of a word selects it).
var hmarkTypes = []string{"ct", "src", "dst", "sport", "dport", "proto", "spi"}

func checkHMARK(x *iptparse.Ext) error {
	set := map[string]bool{}
	for _, o := range x.Options {
		set[o.Name] = true
	}
	if o := x.Opt("hmark-tuple"); o != nil {
		arg := o.Arg()
		parts := strings.Split(arg, ",")
		for i, p := range parts {
			if p == "" {
				if i == len(parts)-1 {
					return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "\"--hmark-tuple\" requires a list of types with no spaces, e.g. src,dst,sport,dport,proto"}
				}
				return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("Bad type \"%s\"", strings.Join(parts[i:], ","))}
			}
			found := ""
			for _, t := range hmarkTypes {
				if len(p) <= len(t) && strings.EqualFold(p, t[:len(p)]) {
					found = t
					break
				}
			}
			if found == "" {
				return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("Bad type \"%s\"", strings.Join(parts[i:], ","))}
			}
			set["tuple-"+found] = true
		}
	}
	switch {
	case !set["hmark-mod"]:
		return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "--hmark-mod is mandatory"}
	case !set["hmark-rnd"]:
		return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "--hmark-rnd is mandatory"}
	case (set["hmark-spi-mask"] || set["tuple-spi"]) && (set["hmark-sport-mask"] || set["hmark-dport-mask"] || set["tuple-sport"] || set["tuple-dport"]):
		return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "you cannot use --hmark-spi-mask and --hmark-?port-mask,at the same time"}
	}
	for _, k := range []string{"hmark-src-prefix", "hmark-dst-prefix", "hmark-sport-mask", "hmark-dport-mask", "hmark-spi-mask", "hmark-proto-mask", "tuple-src", "tuple-dst", "tuple-sport", "tuple-dport", "tuple-spi", "tuple-proto", "tuple-ct"} {
		if set[k] {
			return nil
		}
	}
	return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "you have to specify --hmark-tuple at least"}
}
