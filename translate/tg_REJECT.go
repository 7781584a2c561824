package translate

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j REJECT: two extensions, libipt_REJECT.c (IPv4: icmp-* types,
// tcp-reset) and libip6t_REJECT.c (IPv6: icmp6-* types, tcp-reset).
// "reject [with icmp|icmpv6 type CODE | with tcp reset]". The kernel
// accepts REJECT in the filter table's INPUT, FORWARD and OUTPUT, and
// tcp-reset only with -p tcp.

// rejectType is one entry of upstream's reject_table: the option name,
// its alias, and nft's name.
type rejectType struct {
	name, alias, nft string
}

// rejectTypes4 is libipt_REJECT.c's reject_table in index order (the
// order matters: iptables takes the first entry the argument is a prefix
// of). The default is icmp-port-unreachable, plain "reject" in nft.
var rejectTypes4 = []rejectType{
	{"icmp-net-unreachable", "net-unreach", "net-unreachable"},
	{"icmp-host-unreachable", "host-unreach", "host-unreachable"},
	{"icmp-proto-unreachable", "proto-unreach", "prot-unreachable"},
	{"icmp-port-unreachable", "port-unreach", "port-unreachable"},
	{"icmp-net-prohibited", "net-prohib", "net-prohibited"},
	{"icmp-host-prohibited", "host-prohib", "host-prohibited"},
	{"tcp-reset", "tcp-rst", "tcp reset"},
	{"icmp-admin-prohibited", "admin-prohib", "admin-prohibited"},
}

// rejectTypes6 is libip6t_REJECT.c's reject_table.
var rejectTypes6 = []rejectType{
	{"icmp6-no-route", "no-route", "no-route"},
	{"icmp6-adm-prohibited", "adm-prohibited", "admin-prohibited"},
	{"icmp6-addr-unreachable", "addr-unreach", "addr-unreachable"},
	{"icmp6-port-unreachable", "port-unreach", "port-unreachable"},
	{"tcp-reset", "tcp-reset", "tcp reset"},
	{"icmp6-policy-fail", "policy-fail", "policy-fail"},
	{"icmp6-reject-route", "reject-route", "reject-route"},
}

// tgREJECT is REJECT for IPv4 and IPv6, each with its family's types.
var tgREJECT = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "REJECT", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv4,
			Options: rejectOptions,
			Check: func(x *iptparse.Ext) error {
				_, err := rejectWith(x, rejectTypes4)
				return err
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			return translateREJECT(c, x, rejectTypes4)
		},
	},
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "REJECT", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv6,
			Options: rejectOptions,
			Check: func(x *iptparse.Ext) error {
				_, err := rejectWith(x, rejectTypes6)
				return err
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			return translateREJECT(c, x, rejectTypes6)
		},
	},
}

var rejectOptions = []iptparse.OptionSpec{
	{Name: "reject-with", Type: iptparse.TypeString},
}

func init() { registerAll(tgREJECT) }

// rejectWith looks the --reject-with argument up like REJECT_parse: the
// first type whose name or alias starts with the argument, ignoring case.
func rejectWith(x *iptparse.Ext, types []rejectType) (*rejectType, error) {
	o := x.Opt("reject-with")
	if o == nil {
		return nil, nil
	}
	arg := strings.ToLower(o.Arg())
	for i := range types {
		if strings.HasPrefix(types[i].name, arg) || strings.HasPrefix(types[i].alias, arg) {
			return &types[i], nil
		}
	}
	if len(types) == len(rejectTypes4) && (strings.HasPrefix("echo-reply", arg) || strings.HasPrefix("echoreply", arg)) {
		return nil, optError(x, o, "--reject-with echo-reply no longer supported")
	}
	return nil, optError(x, o, "unknown reject type \"%s\"", o.Arg())
}

func translateREJECT(c *Ctx, x *iptparse.Ext, types []rejectType) error {
	if err := c.checkTable(x, "filter"); err != nil {
		return err
	}
	if err := c.checkTargetHooks(x, "input", "forward", "output"); err != nil {
		return err
	}
	t, err := rejectWith(x, types)
	if err != nil {
		return err
	}
	r := &ir.Reject{}
	switch {
	case t == nil || t.name == "icmp-port-unreachable" || t.name == "icmp6-port-unreachable":
		// the default
	case t.name == "tcp-reset":
		// ipt_REJECT / ip6t_REJECT checkentry: "TCP_RESET invalid for
		// non-tcp". nft would add "meta l4proto tcp" by itself and
		// reject only TCP packets, which is not what the rule says.
		if p, ok := c.Protocol(); !ok || p != 6 {
			return c.Errorf(x, "--reject-with tcp-reset is only valid with -p tcp (the kernel refuses the rule: TCP_RESET invalid for non-tcp)")
		}
		r.Type = "tcp reset"
	case c.IsIPv6():
		r.Type, r.Code = "icmpv6", t.nft
	default:
		r.Type, r.Code = "icmp", t.nft
	}
	c.Add(r)
	return nil
}
