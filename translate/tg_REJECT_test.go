package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

var rejectCases = []tgCase{
	{0, "-A FORWARD -p TCP --dport 22 -j REJECT",
		"add rule ip filter FORWARD tcp dport 22 counter reject",
		"tcp dport 22 counter reject"},
	{0, "-A FORWARD -p TCP --dport 22 -j REJECT --reject-with icmp-net-unreachable",
		"add rule ip filter FORWARD tcp dport 22 counter reject with icmp type net-unreachable",
		"tcp dport 22 counter reject with icmp type net-unreachable"},
	{0, "-A FORWARD -p TCP --dport 22 -j REJECT --reject-with tcp-reset",
		"add rule ip filter FORWARD tcp dport 22 counter reject with tcp reset",
		"tcp dport 22 counter reject with tcp reset"},
	{0, "-A INPUT -j REJECT --reject-with icmp-port-unreachable", "add rule ip filter INPUT counter reject", "counter reject"},
	{0, "-A INPUT -j REJECT --reject-with host-unreach", "add rule ip filter INPUT counter reject with icmp type host-unreachable", "counter reject with icmp type host-unreachable"},
	{0, "-A INPUT -j REJECT --reject-with icmp-proto-unreachable", "add rule ip filter INPUT counter reject with icmp type prot-unreachable", "counter reject with icmp type prot-unreachable"},
	{0, "-A INPUT -j REJECT --reject-with ICMP-NET-PROHIBITED", "add rule ip filter INPUT counter reject with icmp type net-prohibited", "counter reject with icmp type net-prohibited"},
	{0, "-A INPUT -j REJECT --reject-with icmp-host-prohibited", "add rule ip filter INPUT counter reject with icmp type host-prohibited", "counter reject with icmp type host-prohibited"},
	{0, "-A OUTPUT -j REJECT --reject-with admin-prohib", "add rule ip filter OUTPUT counter reject with icmp type admin-prohibited", "counter reject with icmp type admin-prohibited"},
	// a prefix picks the first type in upstream's table order
	{0, "-A INPUT -j REJECT --reject-with icmp-host", "add rule ip filter INPUT counter reject with icmp type host-unreachable", "counter reject with icmp type host-unreachable"},
	{0, "-A INPUT -j REJECT --reject-with icmp-net-p", "add rule ip filter INPUT counter reject with icmp type net-prohibited", "counter reject with icmp type net-prohibited"},
	{0, "-A INPUT -p tcp -j REJECT --reject-with tcp-rst", "add rule ip filter INPUT ip protocol tcp counter reject with tcp reset", "ip protocol tcp counter reject with tcp reset"},
	{0, "-N user", "add chain ip filter user", ""},
	{0, "-A user -p tcp -j REJECT --reject-with tcp-reset", "add rule ip filter user ip protocol tcp counter reject with tcp reset", "ip protocol tcp counter reject with tcp reset"},

	{v6, "-A FORWARD -p TCP --dport 22 -j REJECT",
		"add rule ip6 filter FORWARD tcp dport 22 counter reject",
		"tcp dport 22 counter reject"},
	{v6, "-A FORWARD -p TCP --dport 22 -j REJECT --reject-with icmp6-reject-route",
		"add rule ip6 filter FORWARD tcp dport 22 counter reject with icmpv6 type reject-route",
		"tcp dport 22 counter reject with icmpv6 type reject-route"},
	{v6, "-A FORWARD -p TCP --dport 22 -j REJECT --reject-with tcp-reset",
		"add rule ip6 filter FORWARD tcp dport 22 counter reject with tcp reset",
		"tcp dport 22 counter reject with tcp reset"},
	{v6, "-A INPUT -j REJECT --reject-with icmp6-port-unreachable", "add rule ip6 filter INPUT counter reject", "counter reject"},
	{v6, "-A INPUT -j REJECT --reject-with icmp6-no-route", "add rule ip6 filter INPUT counter reject with icmpv6 type no-route", "counter reject with icmpv6 type no-route"},
	{v6, "-A INPUT -j REJECT --reject-with adm-prohibited", "add rule ip6 filter INPUT counter reject with icmpv6 type admin-prohibited", "counter reject with icmpv6 type admin-prohibited"},
	{v6, "-A INPUT -j REJECT --reject-with icmp6-addr-unreachable", "add rule ip6 filter INPUT counter reject with icmpv6 type addr-unreachable", "counter reject with icmpv6 type addr-unreachable"},
	{v6, "-A INPUT -j REJECT --reject-with policy-fail", "add rule ip6 filter INPUT counter reject with icmpv6 type policy-fail", "counter reject with icmpv6 type policy-fail"},
	{v6, "-A INPUT -p tcp ! --syn -j REJECT --reject-with tcp-reset", "add rule ip6 filter INPUT tcp flags != syn / fin,syn,rst,ack counter reject with tcp reset", "tcp flags != syn / fin,syn,rst,ack counter reject with tcp reset"},
}

func TestTargetREJECT(t *testing.T) {
	checkCases(t, rejectCases)
	checkBad(t, []tgBad{
		{0, "-A INPUT -j REJECT --reject-with icmp6-no-route", false, `unknown reject type "icmp6-no-route"`},
		{v6, "-A INPUT -j REJECT --reject-with icmp-host-prohibited", false, "unknown reject type"},
		{0, "-A INPUT -j REJECT --reject-with echo-reply", false, "no longer supported"},
		{0, "-A INPUT -j REJECT --reject-with tcp-reset", false, "only valid with -p tcp"},
		{0, "-A INPUT -p udp -j REJECT --reject-with tcp-reset", false, "TCP_RESET invalid for non-tcp"},
		{0, "-A INPUT ! -p tcp -j REJECT --reject-with tcp-reset", false, "only valid with -p tcp"},
		{v6, "-A INPUT -j REJECT --reject-with tcp-reset", false, "only valid with -p tcp"},
		{0, "-t mangle -A INPUT -j REJECT", false, "REJECT target: only valid in filter table, not mangle"},
		{v6, "-t raw -A OUTPUT -j REJECT", false, "only valid in filter table, not raw"},
		{0, "-A INPUT -j REJECT --reject-with port-unreach --reject-with net-unreach", false, "only be used once"},
	})
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(rejectCases, iptparse.FamilyIPv4)...)
	loadNative(t, v6, nativeCmds(rejectCases, v6)...)
}
