package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m icmp (libipt_icmp.c, IPv4): ICMP type and code. The type/code parser
// (libxt_icmp.h) is shared with -m icmp6.

// icmpName is an entry of libxt_icmp.h's icmp_codes/icmpv6_codes.
type icmpName struct {
	name       string
	typ        uint8
	cmin, cmax uint8
}

var icmpCodes = []icmpName{
	{"any", 0xFF, 0, 0xFF},
	{"echo-reply", 0, 0, 0xFF},
	{"pong", 0, 0, 0xFF},
	{"destination-unreachable", 3, 0, 0xFF},
	{"network-unreachable", 3, 0, 0},
	{"host-unreachable", 3, 1, 1},
	{"protocol-unreachable", 3, 2, 2},
	{"port-unreachable", 3, 3, 3},
	{"fragmentation-needed", 3, 4, 4},
	{"source-route-failed", 3, 5, 5},
	{"network-unknown", 3, 6, 6},
	{"host-unknown", 3, 7, 7},
	{"network-prohibited", 3, 9, 9},
	{"host-prohibited", 3, 10, 10},
	{"TOS-network-unreachable", 3, 11, 11},
	{"TOS-host-unreachable", 3, 12, 12},
	{"communication-prohibited", 3, 13, 13},
	{"host-precedence-violation", 3, 14, 14},
	{"precedence-cutoff", 3, 15, 15},
	{"source-quench", 4, 0, 0xFF},
	{"redirect", 5, 0, 0xFF},
	{"network-redirect", 5, 0, 0},
	{"host-redirect", 5, 1, 1},
	{"TOS-network-redirect", 5, 2, 2},
	{"TOS-host-redirect", 5, 3, 3},
	{"echo-request", 8, 0, 0xFF},
	{"ping", 8, 0, 0xFF},
	{"router-advertisement", 9, 0, 0xFF},
	{"router-solicitation", 10, 0, 0xFF},
	{"time-exceeded", 11, 0, 0xFF},
	{"ttl-exceeded", 11, 0, 0xFF},
	{"ttl-zero-during-transit", 11, 0, 0},
	{"ttl-zero-during-reassembly", 11, 1, 1},
	{"parameter-problem", 12, 0, 0xFF},
	{"ip-header-bad", 12, 0, 0},
	{"required-option-missing", 12, 1, 1},
	{"timestamp-request", 13, 0, 0xFF},
	{"timestamp-reply", 14, 0, 0xFF},
	{"address-mask-request", 17, 0, 0xFF},
	{"address-mask-reply", 18, 0, 0xFF},
}

// icmpTypeSpec is a parsed --icmp-type/--icmpv6-type.
type icmpTypeSpec struct {
	typ        uint8
	cmin, cmax uint8
}

// parseICMPRange is libxt_icmp.h's parse_range: "N[:M]", numbers 0-255.
func parseICMPRange(s string) (lo, hi uint8, rest string, ok bool) {
	num, rest := splitUint(s)
	v, good := iptparse.ParseUint(num, 0, 0, 255)
	if num == "" || !good {
		return 0, 0, s, false
	}
	lo, hi = uint8(v), uint8(v)
	if strings.HasPrefix(rest, ":") {
		num2, rest2 := splitUint(rest[1:])
		v2, good := iptparse.ParseUint(num2, 0, 0, 255)
		if num2 == "" || !good {
			return 0, 0, s, false
		}
		hi, rest = uint8(v2), rest2
	}
	return lo, hi, rest, true
}

// parseICMPType is __ipt_parse_icmp: a name (or an unambiguous
// case-insensitive prefix of one), or "type[/code[:code]]".
func parseICMPType(codes []icmpName, kind, s string) (icmpTypeSpec, error) {
	match := -1
	for i, c := range codes {
		if !strncasePrefix(s, c.name) {
			continue
		}
		if match >= 0 {
			return icmpTypeSpec{}, fmt.Errorf("Ambiguous %s type `%s': `%s' or `%s'?", kind, s, codes[match].name, c.name)
		}
		match = i
	}
	if match >= 0 {
		c := codes[match]
		return icmpTypeSpec{c.typ, c.cmin, c.cmax}, nil
	}
	tlo, thi, rest, ok := parseICMPRange(s)
	if !ok {
		return icmpTypeSpec{}, fmt.Errorf("Unknown %s type `%s'", kind, s)
	}
	spec := icmpTypeSpec{typ: tlo, cmin: 0, cmax: 0xFF}
	switch {
	case rest == "":
	case rest[0] == '/':
		clo, chi, rest2, ok := parseICMPRange(rest[1:])
		if !ok {
			return icmpTypeSpec{}, fmt.Errorf("Unknown %s code `%s'", kind, s)
		}
		if rest2 != "" {
			return icmpTypeSpec{}, fmt.Errorf("unknown character %c", rest2[0])
		}
		spec.cmin, spec.cmax = clo, chi
	default:
		return icmpTypeSpec{}, fmt.Errorf("unknown character %c", rest[0])
	}
	if thi != tlo {
		return icmpTypeSpec{}, fmt.Errorf("%s type range not supported", kind)
	}
	return spec, nil
}

// nftICMPTypes and nftICMPCodes are nft 1.0.6's names (nft describe
// icmp type / icmp code). The code names are the destination-unreachable
// codes.
var nftICMPTypes = lazy.Of[map[uint8]string]{New: func() map[uint8]string {
	return map[uint8]string{
		0: "echo-reply", 3: "destination-unreachable", 4: "source-quench",
		5: "redirect", 8: "echo-request", 9: "router-advertisement",
		10: "router-solicitation", 11: "time-exceeded", 12: "parameter-problem",
		13: "timestamp-request", 14: "timestamp-reply", 15: "info-request",
		16: "info-reply", 17: "address-mask-request", 18: "address-mask-reply",
	}
}}

var nftICMPCodes = lazy.Of[map[uint8]string]{New: func() map[uint8]string {
	return map[uint8]string{
		0: "net-unreachable", 1: "host-unreachable", 2: "prot-unreachable",
		3: "port-unreachable", 4: "frag-needed", 9: "net-prohibited",
		10: "host-prohibited", 13: "admin-prohibited",
	}
}}

var extIcmp = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "icmp", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv4,
			Options: []iptparse.OptionSpec{
				{Name: "icmp-type", Type: iptparse.TypeString, Flags: mand | inv},
			},
			Check: func(x *iptparse.Ext) error {
				o := x.Opt("icmp-type")
				if _, err := parseICMPType(icmpCodes, "ICMP", o.Arg()); err != nil {
					return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: err.Error()}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.checkMatchProto(x, 1); err != nil {
				return err
			}
			o := x.Opt("icmp-type")
			spec, _ := parseICMPType(icmpCodes, "ICMP", o.Arg())
			if spec.typ == 0xFF {
				// Type 255 is "any" to xt_icmp. Upstream writes the
				// protocol test (-m icmp eats the -p icmp one).
				if o.Neg {
					return c.Untranslatable(x, "! --icmp-type %s never matches", o.Arg())
				}
				c.Add(ir.Eq(&ir.Payload{Proto: "ip", Field: "protocol"}, ir.Sym("icmp")))
				return nil
			}
			return c.icmpTypeCode(x, "icmp", spec, o.Neg, nftICMPTypes.Get(), map[uint8]map[uint8]string{3: nftICMPCodes.Get()})
		},
	},
}

func init() { registerAll(extIcmp) }

// icmpTypeCode adds "PROTO type T [PROTO code C]". A negated type and
// code becomes "PROTO type . PROTO code != { T . C }" (nft refuses a
// concatenation compared to a single value).
func (c *Ctx) icmpTypeCode(x *iptparse.Ext, proto string, spec icmpTypeSpec, neg bool, typeNames map[uint8]string, codeNames map[uint8]map[uint8]string) error {
	if spec.cmin > spec.cmax {
		return c.Untranslatable(x, "the code range %d:%d is reversed, so the test never matches (negated: matches every %s type but %d)", spec.cmin, spec.cmax, proto, spec.typ)
	}
	var t ir.Expr = ir.Int(uint64(spec.typ))
	if n := typeNames[spec.typ]; n != "" {
		t = ir.Sym(n)
	}
	typ := &ir.Payload{Proto: proto, Field: "type"}
	if spec.cmin == 0 && spec.cmax == 0xFF {
		c.Add(ir.EqOrNe(typ, neg, t))
		return nil
	}
	code := func(v uint8) ir.Expr {
		if n := codeNames[spec.typ][v]; n != "" {
			return ir.Sym(n)
		}
		return ir.Int(uint64(v))
	}
	var cv ir.Expr = code(spec.cmin)
	if spec.cmin != spec.cmax {
		cv = &ir.Range{Lo: ir.Int(uint64(spec.cmin)), Hi: ir.Int(uint64(spec.cmax))}
	}
	codeSel := &ir.Payload{Proto: proto, Field: "code"}
	if !neg {
		c.Add(ir.Eq(typ, t), ir.Eq(codeSel, cv))
		return nil
	}
	c.Add(ir.Cmp(&ir.Concat{Elems: []ir.Expr{typ, codeSel}}, ir.CmpNe,
		&ir.SetLit{Elems: []ir.Expr{&ir.Concat{Elems: []ir.Expr{t, cv}}}}))
	return nil
}

// checkMatchProto is x_tables' check for matches bound to a protocol
// (xt_icmp, xt_icmp6): the rule must say "-p PROTO", not negated, or the
// kernel refuses it. Upstream translates "-m icmp" without -p (its own
// tests do), so exact mode only refuses a negated -p.
func (c *Ctx) checkMatchProto(x *iptparse.Ext, num uint8) error {
	p := c.Rule.Proto
	switch {
	case p != nil && p.Neg:
		return c.Errorf(x, "%s match: only valid for protocol %d, not with \"! -p\" (the kernel refuses the rule)", x.Name, num)
	case c.Exact:
		return nil
	case p == nil || p.Num != num:
		return c.Errorf(x, "%s match: only valid for protocol %d: the rule needs \"-p %s\" (the kernel refuses it otherwise)", x.Name, num, iptparse.ProtocolName(num))
	}
	return nil
}
