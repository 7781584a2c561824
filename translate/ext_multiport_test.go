package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateMultiport(t *testing.T) {
	cases := []matchCase{
		// A list that covers one range is that range, outside exact mode.
		{"-A INPUT -p tcp -m multiport --dports 80,81 -j ACCEPT",
			"add rule ip filter INPUT ip protocol tcp tcp dport { 80, 81 } counter accept",
			"ip protocol tcp tcp dport 80-81 counter accept"},
		{"-A INPUT -p tcp -m multiport --dports 80,82 -j ACCEPT",
			"add rule ip filter INPUT ip protocol tcp tcp dport { 80, 82 } counter accept",
			"ip protocol tcp tcp dport { 80, 82 } counter accept"},
		{"-A INPUT -p tcp -m multiport ! --dports 139,137,138,137 -j DROP",
			"add rule ip filter INPUT ip protocol tcp tcp dport != { 139, 137, 138, 137 } counter drop",
			"ip protocol tcp tcp dport != 137-139 counter drop"},
		{"-A INPUT -p tcp -m multiport --sports 1:5,3:9,10 -j ACCEPT",
			"add rule ip filter INPUT ip protocol tcp tcp sport { 1-5, 3-9, 10 } counter accept",
			"ip protocol tcp tcp sport 1-10 counter accept"},
		{"-A INPUT -p tcp -m multiport --dports 80:88 -j ACCEPT",
			"add rule ip filter INPUT ip protocol tcp tcp dport 80-88 counter accept",
			"ip protocol tcp tcp dport 80-88 counter accept"},
		{"-A INPUT -p tcp -m multiport ! --dports 80:88 -j ACCEPT",
			"add rule ip filter INPUT ip protocol tcp tcp dport != 80-88 counter accept",
			"ip protocol tcp tcp dport != 80-88 counter accept"},
		{"-A INPUT -p tcp -m multiport --sports 50 -j ACCEPT",
			"add rule ip filter INPUT ip protocol tcp tcp sport 50 counter accept",
			"ip protocol tcp tcp sport 50 counter accept"},
		{"-I INPUT -p tcp -m multiport --ports 10",
			"insert rule ip filter INPUT ip protocol tcp tcp sport . tcp dport { 0-65535 . 10, 10 . 0-65535 } counter",
			"ip protocol tcp tcp sport . tcp dport { 0-65535 . 10, 10 . 0-65535 } counter"},
		// Ranges and negation with --ports (upstream loses both).
		{"-A INPUT -p udp -m multiport ! --ports 53,5000:5010",
			"add rule ip filter INPUT ip protocol udp udp sport . udp dport != { 0-65535 . 53, 53 . 0-65535, 0-65535 . 5000-5010, 5000-5010 . 0-65535 } counter",
			"ip protocol udp udp sport . udp dport != { 0-65535 . 53, 53 . 0-65535, 0-65535 . 5000-5010, 5000-5010 . 0-65535 } counter"},
		// Service names, hex, the long option names, other protocols.
		{"-A INPUT -p sctp -m multiport --destination-ports ssh,0x50,1000:2000 -j DROP",
			"add rule ip filter INPUT ip protocol sctp sctp dport { 22, 80, 1000-2000 } counter drop",
			"ip protocol sctp sctp dport { 22, 80, 1000-2000 } counter drop"},
		{"-A INPUT -p udplite -m multiport --source-ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15",
			"add rule ip filter INPUT ip protocol udplite udplite sport { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 } counter",
			"ip protocol udplite udplite sport 1-15 counter"},
		// A range takes two of the 15 slots.
		{"-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:15", "",
			"ip protocol tcp tcp dport 1-15 counter"},
		{"-A INPUT -p dccp -m multiport --dports 1:2,3:4",
			"add rule ip filter INPUT ip protocol dccp dccp dport { 1-2, 3-4 } counter",
			"ip protocol dccp dccp dport 1-4 counter"},
	}
	bad := []badCase{
		{"-A INPUT -m multiport --dports 80", DiagError, "multiport needs `-p tcp'"},
		{"-A INPUT -m multiport --dports 80 -p tcp", DiagError, "multiport needs `-p tcp'"},
		{"-A INPUT ! -p tcp -m multiport --dports 80", DiagError, "only works with TCP"},
		{"-A INPUT -p icmp -m multiport --dports 80", DiagError, "only works with TCP"},
		{"-A INPUT -p tcp -m multiport", DiagError, "no ports specified"},
		{"-A INPUT -p tcp -m multiport --dports 80 --sports 80", DiagError, "cannot be used together"},
		{"-A INPUT -p tcp -m multiport --dports 88:80", DiagError, "invalid portrange specified"},
		{"-A INPUT -p tcp -m multiport --dports 80:80", DiagError, "invalid portrange specified"},
		{"-A INPUT -p tcp -m multiport --dports 80,,81", DiagError, "invalid port/service `' specified"},
		{"-A INPUT -p tcp -m multiport --dports nosuchservice", DiagError, "invalid port/service `nosuchservice' specified"},
		{"-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", DiagError, "too many ports specified"},
		{"-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15:16", DiagError, "too many ports specified"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	cases6 := []matchCase{
		{"-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT",
			"add rule ip6 filter INPUT meta l4proto tcp tcp dport { 80, 443 } counter accept",
			"meta l4proto tcp tcp dport { 80, 443 } counter accept"},
	}
	checkMatchCases(t, iptparse.FamilyIPv6, cases6, nil)
}
