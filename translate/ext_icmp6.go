package translate

import (
	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -m icmp6 (libip6t_icmp6.c, IPv6): ICMPv6 type and code. "-m icmpv6",
// "-p icmpv6" and "-p ipv6-icmp" load it too (see Registry.Match).

var icmpv6Codes = []icmpName{
	{"destination-unreachable", 1, 0, 0xFF},
	{"no-route", 1, 0, 0},
	{"communication-prohibited", 1, 1, 1},
	{"beyond-scope", 1, 2, 2},
	{"address-unreachable", 1, 3, 3},
	{"port-unreachable", 1, 4, 4},
	{"failed-policy", 1, 5, 5},
	{"reject-route", 1, 6, 6},
	{"packet-too-big", 2, 0, 0xFF},
	{"time-exceeded", 3, 0, 0xFF},
	{"ttl-exceeded", 3, 0, 0xFF},
	{"ttl-zero-during-transit", 3, 0, 0},
	{"ttl-zero-during-reassembly", 3, 1, 1},
	{"parameter-problem", 4, 0, 0xFF},
	{"bad-header", 4, 0, 0},
	{"unknown-header-type", 4, 1, 1},
	{"unknown-option", 4, 2, 2},
	{"echo-request", 128, 0, 0xFF},
	{"ping", 128, 0, 0xFF},
	{"echo-reply", 129, 0, 0xFF},
	{"pong", 129, 0, 0xFF},
	{"mld-listener-query", 130, 0, 0xFF},
	{"mld-listener-report", 131, 0, 0xFF},
	{"mld-listener-done", 132, 0, 0xFF},
	{"mld-listener-reduction", 132, 0, 0xFF},
	{"router-solicitation", 133, 0, 0xFF},
	{"router-advertisement", 134, 0, 0xFF},
	{"neighbour-solicitation", 135, 0, 0xFF},
	{"neighbor-solicitation", 135, 0, 0xFF},
	{"neighbour-advertisement", 136, 0, 0xFF},
	{"neighbor-advertisement", 136, 0, 0xFF},
	{"redirect", 137, 0, 0xFF},
}

// nftICMPv6Types and nftICMPv6Codes are nft 1.0.6's names (nft describe
// icmpv6 type / icmpv6 code); other types are written as numbers, which
// nft accepts. The code names are the destination-unreachable codes.
var nftICMPv6Types = lazy.Of[map[uint8]string]{New: func() map[uint8]string {
	return map[uint8]string{
		1: "destination-unreachable", 2: "packet-too-big", 3: "time-exceeded",
		4: "parameter-problem", 128: "echo-request", 129: "echo-reply",
		130: "mld-listener-query", 131: "mld-listener-report",
		132: "mld-listener-done", 133: "nd-router-solicit",
		134: "nd-router-advert", 135: "nd-neighbor-solicit",
		136: "nd-neighbor-advert", 137: "nd-redirect", 138: "router-renumbering",
		141: "ind-neighbor-solicit", 142: "ind-neighbor-advert",
		143: "mld2-listener-report",
	}
}}

var nftICMPv6Codes = lazy.Of[map[uint8]string]{New: func() map[uint8]string {
	return map[uint8]string{
		0: "no-route", 1: "admin-prohibited", 3: "addr-unreachable",
		4: "port-unreachable", 5: "policy-fail", 6: "reject-route",
	}
}}

var extIcmp6 = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "icmp6", Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv6,
			Options: []iptparse.OptionSpec{
				{Name: "icmpv6-type", Type: iptparse.TypeString, Flags: mand | inv},
			},
			Check: func(x *iptparse.Ext) error {
				o := x.Opt("icmpv6-type")
				if _, err := parseICMPType(icmpv6Codes, "ICMPv6", o.Arg()); err != nil {
					return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: err.Error()}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.checkMatchProto(x, 58); err != nil {
				return err
			}
			o := x.Opt("icmpv6-type")
			spec, _ := parseICMPType(icmpv6Codes, "ICMPv6", o.Arg())
			return c.icmpTypeCode(x, "icmpv6", spec, o.Neg, nftICMPv6Types.Get(), map[uint8]map[uint8]string{1: nftICMPv6Codes.Get()})
		},
	},
}

func init() { registerAll(extIcmp6) }
