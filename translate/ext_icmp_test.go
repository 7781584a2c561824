package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateICMP(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -m icmp --icmp-type echo-reply -j ACCEPT",
			"add rule ip filter INPUT icmp type echo-reply counter accept",
			""},
		{"-A INPUT -m icmp --icmp-type 3 -j ACCEPT",
			"add rule ip filter INPUT icmp type destination-unreachable counter accept",
			""},
		{"-A INPUT -m icmp ! --icmp-type 3 -j ACCEPT",
			"add rule ip filter INPUT icmp type != destination-unreachable counter accept",
			""},
		{"-A INPUT -m icmp --icmp-type any -j ACCEPT",
			"add rule ip filter INPUT ip protocol icmp counter accept",
			""},
		// Without -p icmp the kernel refuses -m icmp (upstream's own tests
		// leave it out, so exact mode accepts it).
		{"-A INPUT -p icmp -m icmp ! --icmp-type 3 -j ACCEPT", "",
			"icmp type != destination-unreachable counter accept"},
		{"-A INPUT -p icmp -m icmp --icmp-type any -j ACCEPT", "",
			"ip protocol icmp counter accept"},
		{"-A INPUT -p icmp --icmp-type 255",
			"add rule ip filter INPUT ip protocol icmp counter",
			"ip protocol icmp counter"},
		{"-A INPUT -p icmp -m icmp --icmp-type ping -j ACCEPT",
			"add rule ip filter INPUT icmp type echo-request counter accept",
			"icmp type echo-request counter accept"},
		// Types with a code (upstream cannot translate these).
		{"-A INPUT -p icmp --icmp-type port-unreachable -j ACCEPT",
			"add rule ip filter INPUT icmp type destination-unreachable icmp code port-unreachable counter accept",
			"icmp type destination-unreachable icmp code port-unreachable counter accept"},
		{"-A INPUT -p icmp --icmp-type fragmentation-needed -j ACCEPT",
			"add rule ip filter INPUT icmp type destination-unreachable icmp code frag-needed counter accept",
			"icmp type destination-unreachable icmp code frag-needed counter accept"},
		{"-A INPUT -p icmp -m icmp --icmp-type 3/4 -j ACCEPT",
			"add rule ip filter INPUT icmp type destination-unreachable icmp code frag-needed counter accept",
			"icmp type destination-unreachable icmp code frag-needed counter accept"},
		{"-A INPUT -p icmp --icmp-type host-unreachable",
			"add rule ip filter INPUT icmp type destination-unreachable icmp code host-unreachable counter",
			"icmp type destination-unreachable icmp code host-unreachable counter"},
		{"-A INPUT -p icmp --icmp-type source-route-failed",
			"add rule ip filter INPUT icmp type destination-unreachable icmp code 5 counter",
			"icmp type destination-unreachable icmp code 5 counter"},
		{"-A INPUT -p icmp --icmp-type ttl-zero-during-reassembly",
			"add rule ip filter INPUT icmp type time-exceeded icmp code 1 counter",
			"icmp type time-exceeded icmp code 1 counter"},
		{"-A INPUT -p icmp --icmp-type 3/0:5",
			"add rule ip filter INPUT icmp type destination-unreachable icmp code 0-5 counter",
			"icmp type destination-unreachable icmp code 0-5 counter"},
		{"-A INPUT -p icmp ! --icmp-type network-prohibited",
			"add rule ip filter INPUT icmp type . icmp code != { destination-unreachable . net-prohibited } counter",
			"icmp type . icmp code != { destination-unreachable . net-prohibited } counter"},
		{"-A INPUT -p icmp ! --icmp-type 3/1:3",
			"add rule ip filter INPUT icmp type . icmp code != { destination-unreachable . 1-3 } counter",
			"icmp type . icmp code != { destination-unreachable . 1-3 } counter"},
		// Types without an nft name, and names only nft has.
		{"-A INPUT -p icmp --icmp-type 42",
			"add rule ip filter INPUT icmp type 42 counter",
			"icmp type 42 counter"},
		{"-A INPUT -p icmp --icmp-type 15",
			"add rule ip filter INPUT icmp type info-request counter",
			"icmp type info-request counter"},
		{"-A INPUT -p icmp --icmp-type 5/0x1",
			"add rule ip filter INPUT icmp type redirect icmp code 1 counter",
			"icmp type redirect icmp code 1 counter"},
	}
	bad := []badCase{
		{"-A INPUT -p icmp -m icmp", DiagError, `"--icmp-type" must be specified`},
		{"-A INPUT -p icmp --icmp-type echo", DiagError, "Ambiguous ICMP type `echo': `echo-reply' or `echo-request'?"},
		{"-A INPUT -p icmp --icmp-type bogus", DiagError, "Unknown ICMP type `bogus'"},
		{"-A INPUT -p icmp --icmp-type 256", DiagError, "Unknown ICMP type `256'"},
		{"-A INPUT -p icmp --icmp-type 3/x", DiagError, "Unknown ICMP code `3/x'"},
		{"-A INPUT -p icmp --icmp-type 3x", DiagError, "unknown character x"},
		{"-A INPUT -p icmp --icmp-type 3/4x", DiagError, "unknown character x"},
		{"-A INPUT -p icmp --icmp-type 3:4", DiagError, "ICMP type range not supported"},
		{"-A INPUT -p icmp ! --icmp-type any", DiagUntranslated, "never matches"},
		{"-A INPUT ! -p icmp -m icmp --icmp-type 8", DiagError, "only valid for protocol 1"},
		{"-A INPUT -p icmp --icmp-type 3/5:2", DiagUntranslated, "reversed"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	if _, err := xlate(t, iptparse.FamilyIPv4, false, "-A INPUT -m icmp --icmp-type 8"); err == nil {
		t.Errorf("-m icmp without -p icmp must be refused in normal mode")
	}
	if _, err := xlate(t, iptparse.FamilyIPv6, false, "-A INPUT -m icmp --icmp-type 8"); err == nil {
		t.Errorf("-m icmp must not exist for ip6tables")
	}
}

func TestXlateICMPv6(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -m icmp6 --icmpv6-type 1 -j ACCEPT",
			"add rule ip6 filter INPUT icmpv6 type destination-unreachable counter accept",
			""},
		{"-A INPUT -m icmp6 --icmpv6-type neighbour-advertisement -j ACCEPT",
			"add rule ip6 filter INPUT icmpv6 type nd-neighbor-advert counter accept",
			""},
		{"-A INPUT -m icmp6 ! --icmpv6-type packet-too-big -j ACCEPT",
			"add rule ip6 filter INPUT icmpv6 type != packet-too-big counter accept",
			""},
		// ufw: -p icmpv6 loads icmp6; numeric types without nft names.
		{"-A ufw6-before-input -p icmpv6 --icmpv6-type 130 -s fe80::/10 -j ACCEPT",
			"add rule ip6 filter ufw6-before-input meta l4proto ipv6-icmp ip6 saddr fe80::/10 icmpv6 type mld-listener-query counter accept",
			"meta l4proto ipv6-icmp ip6 saddr fe80::/10 icmpv6 type mld-listener-query counter accept"},
		{"-A ufw6-before-input -p icmpv6 --icmpv6-type 148 -j ACCEPT",
			"add rule ip6 filter ufw6-before-input meta l4proto ipv6-icmp icmpv6 type 148 counter accept",
			"meta l4proto ipv6-icmp icmpv6 type 148 counter accept"},
		{"-A INPUT -p ipv6-icmp --icmpv6-type 143",
			"add rule ip6 filter INPUT meta l4proto ipv6-icmp icmpv6 type mld2-listener-report counter",
			"meta l4proto ipv6-icmp icmpv6 type mld2-listener-report counter"},
		{"-A INPUT -p 58 -m icmpv6 --icmpv6-type 153",
			"add rule ip6 filter INPUT meta l4proto ipv6-icmp icmpv6 type 153 counter",
			"meta l4proto ipv6-icmp icmpv6 type 153 counter"},
		{"-A INPUT -p icmpv6 --icmpv6-type router-solicitation",
			"add rule ip6 filter INPUT meta l4proto ipv6-icmp icmpv6 type nd-router-solicit counter",
			"meta l4proto ipv6-icmp icmpv6 type nd-router-solicit counter"},
		// Codes.
		{"-A INPUT -p icmpv6 --icmpv6-type port-unreachable",
			"add rule ip6 filter INPUT meta l4proto ipv6-icmp icmpv6 type destination-unreachable icmpv6 code port-unreachable counter",
			"meta l4proto ipv6-icmp icmpv6 type destination-unreachable icmpv6 code port-unreachable counter"},
		{"-A INPUT -p icmpv6 ! --icmpv6-type beyond-scope",
			"add rule ip6 filter INPUT meta l4proto ipv6-icmp icmpv6 type . icmpv6 code != { destination-unreachable . 2 } counter",
			"meta l4proto ipv6-icmp icmpv6 type . icmpv6 code != { destination-unreachable . 2 } counter"},
		{"-A INPUT -p icmpv6 --icmpv6-type 4/0:1",
			"add rule ip6 filter INPUT meta l4proto ipv6-icmp icmpv6 type parameter-problem icmpv6 code 0-1 counter",
			"meta l4proto ipv6-icmp icmpv6 type parameter-problem icmpv6 code 0-1 counter"},
	}
	bad := []badCase{
		{"-A INPUT -p icmpv6 --icmpv6-type any", DiagError, "Unknown ICMPv6 type `any'"},
		{"-A INPUT -p icmpv6 --icmpv6-type echo", DiagError, "Ambiguous ICMPv6 type"},
		{"-A INPUT -m icmp6", DiagError, `"--icmpv6-type" must be specified`},
		{"-A INPUT ! -p icmpv6 -m icmp6 --icmpv6-type 1", DiagError, "only valid for protocol 58"},
	}
	checkMatchCases(t, iptparse.FamilyIPv6, cases, bad)
	if _, err := xlate(t, iptparse.FamilyIPv6, false, "-A INPUT -p tcp -m icmp6 --icmpv6-type 1"); err == nil {
		t.Errorf("-m icmp6 with -p tcp must be refused in normal mode")
	}
}
