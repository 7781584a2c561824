package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m hbh (libip6t_hbh.c): the IPv6 hop-by-hop options header; -m dst
// (libip6t_dst.c, ext_dst.go) is the same for the destination options
// header. --hbh-len/--dst-len is the header's total length in bytes,
// (hdrlength + 1) * 8 (ipv6_optlen in the kernel's ip6t_hbh.c);
// --hbh-opts/--dst-opts lists the option TLVs the header must start
// with, which nftables cannot look at.

var extHbh = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "hbh", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "hbh-len", Type: iptparse.TypeUint32, Flags: inv},
				{Name: "hbh-opts", Type: iptparse.TypeString},
			},
			Check: checkOptsHdr,
		},
		Translate: translateOptsHdr,
	},
}

func init() { registerAll(extHbh) }

// optsMax is IP6T_OPTS_OPTSNR.
const optsMax = 16

// parseIP6Opts checks a TYPE[:LEN][,TYPE[:LEN]...] list like the
// extensions' parse_options.
func parseIP6Opts(ext, s string) error {
	num := func(str, what string) (uint64, error) {
		v, ok := parseCNum(str)
		if !ok {
			if str == "" || !strings.ContainsAny(str[:1], "0123456789+-") {
				return 0, fmt.Errorf("%s: no valid digits in %s `%s'", ext, what, str)
			}
			return 0, fmt.Errorf("%s: error parsing %s `%s'", ext, what, str)
		}
		return v, nil
	}
	items := strings.Split(s, ",")
	for i, it := range items {
		if i == optsMax {
			return fmt.Errorf("too many addresses specified")
		}
		typ, length, hasLen := strings.Cut(it, ":")
		if hasLen && i == optsMax-1 {
			return fmt.Errorf("too many ports specified")
		}
		t, err := num(typ, "opt")
		if err != nil {
			return err
		}
		if hasLen {
			if t&0xff == 0 {
				if ext == "hbh" {
					return fmt.Errorf("PAD0 has not got length")
				}
				return fmt.Errorf("PAD0 hasn't got length")
			}
			if _, err := num(length, "length"); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseCNum is strtoul(s, &end, 0) with the whole string consumed.
func parseCNum(s string) (uint64, bool) {
	return iptparse.ParseUint(s, 0, 0, 1<<64-1)
}

func checkOptsHdr(x *iptparse.Ext) error {
	if o := x.Opt(x.Name + "-opts"); o != nil {
		if err := parseIP6Opts(x.Name, o.Arg()); err != nil {
			return optErr(x, o, "%s", err)
		}
	}
	return nil
}

func translateOptsHdr(c *Ctx, x *iptparse.Ext) error {
	if x.Has(x.Name + "-opts") {
		return c.Untranslatable(x, "--%s-opts: nftables cannot match the options inside an IPv6 %s header", x.Name, map[string]string{"hbh": "hop-by-hop options", "dst": "destination options"}[x.Name])
	}
	n := len(c.stmts)
	if o := x.Opt(x.Name + "-len"); o != nil {
		c.optsHdrLen(x.Name, o)
	}
	if !c.addedSince(n) {
		c.Add(ir.Eq(&ir.Exthdr{Name: x.Name}, ir.Sym("exists")))
	}
	return nil
}

// optsHdrLen translates a total header length in bytes into the header's
// length field, (LEN / 8) - 1 (also used by -m rt).
func (c *Ctx) optsHdrLen(proto string, o *iptparse.Option) {
	l := o.Value.(uint64)
	field := &ir.Payload{Proto: proto, Field: "hdrlength"}
	switch {
	case l%8 == 0 && l >= 8 && l/8-1 <= 255:
		c.Add(ir.EqOrNe(field, o.Neg, ir.Int(l/8-1)))
	case o.Neg:
		// Every header differs from an impossible length.
	default:
		c.neverMatches(o, fmt.Sprintf("the header length is in bytes, (hdrlength + 1) * 8, and %d is not such a length", l))
		c.Add(never(field, 255))
	}
}
