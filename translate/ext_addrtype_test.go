package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateAddrtype(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -m addrtype --src-type LOCAL",
			"add rule ip filter INPUT fib saddr type local counter",
			"fib saddr type local counter"},
		{"-A INPUT -m addrtype --dst-type LOCAL",
			"add rule ip filter INPUT fib daddr type local counter",
			"fib daddr type local counter"},
		{"-A INPUT -m addrtype ! --dst-type ANYCAST,LOCAL",
			"add rule ip filter INPUT fib daddr type != { local, anycast } counter",
			"fib daddr type != { local, anycast } counter"},
		{"-A INPUT -m addrtype --limit-iface-in --dst-type ANYCAST,LOCAL",
			"add rule ip filter INPUT fib daddr . iif type { local, anycast } counter",
			"fib daddr . iif type { local, anycast } counter"},
		// Both types (upstream drops --dst-type), each with its own
		// negation; abbreviated names.
		{"-t nat -A PREROUTING -m addrtype --src-type unic ! --dst-type loc,bro",
			"add rule ip nat PREROUTING fib saddr type unicast fib daddr type != { local, broadcast } counter",
			"fib saddr type unicast fib daddr type != { local, broadcast } counter"},
		// nft has no names for throw, nat and xresolve.
		{"-A FORWARD -m addrtype --dst-type THROW,BLACKHOLE,XRESOLVE",
			"add rule ip filter FORWARD fib daddr type { blackhole, 9, 11 } counter",
			"fib daddr type { blackhole, 9, 11 } counter"},
		{"-t nat -A OUTPUT -m addrtype --limit-iface-out --src-type LOCAL",
			"add rule ip nat OUTPUT fib saddr . oif type local counter",
			"fib saddr . oif type local counter"},
	}
	bad := []badCase{
		{"-A INPUT -m addrtype", DiagError, "you must specify --src-type or --dst-type"},
		{"-A INPUT -m addrtype --limit-iface-in", DiagError, "you must specify --src-type or --dst-type"},
		{"-A INPUT -m addrtype --src-type LOCAL,FOO", DiagError, `addrtype: bad type "FOO"`},
		{"-A INPUT -m addrtype --src-type FOO,LOCAL", DiagError, "addrtype: bad type `FOO,LOCAL'"},
		{"-A INPUT -m addrtype --src-type LOCAL --limit-iface-in --limit-iface-out", DiagError, "cannot be used together"},
		{"-A OUTPUT -m addrtype --src-type LOCAL --limit-iface-in", DiagError, "input interface limitation not valid"},
		{"-A INPUT -m addrtype --src-type LOCAL --limit-iface-out", DiagError, "output interface limitation not valid"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	cases6 := []matchCase{
		{"-A INPUT -m addrtype ! --dst-type LOCAL,MULTICAST,UNREACHABLE",
			"add rule ip6 filter INPUT fib daddr type != { local, multicast, unreachable } counter",
			"fib daddr type != { local, multicast, unreachable } counter"},
	}
	bad6 := []badCase{
		{"-A INPUT -m addrtype --dst-type BROADCAST", DiagError, "ipv6 does not support BROADCAST"},
		{"-A INPUT -m addrtype --dst-type BLACKHOLE", DiagError, "ipv6 BLACKHOLE"},
		{"-A INPUT -m addrtype --src-type PROHIBIT", DiagError, "ipv6 PROHIBIT"},
	}
	checkMatchCases(t, iptparse.FamilyIPv6, cases6, bad6)
}
