package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Tests for the one-option matches: cpu, length, pkttype, helper, mac.

func TestXlateCPU(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -p tcp --dport 80 -m cpu --cpu 0 -j ACCEPT",
			"add rule ip filter INPUT tcp dport 80 cpu 0 counter accept",
			"tcp dport 80 meta cpu 0 counter accept"},
		{"-A INPUT -p tcp --dport 80 -m cpu ! --cpu 1 -j ACCEPT",
			"add rule ip filter INPUT tcp dport 80 cpu != 1 counter accept",
			"tcp dport 80 meta cpu != 1 counter accept"},
	}
	bad := []badCase{
		{"-A INPUT -m cpu", DiagError, `"--cpu" must be specified`},
		{"-A INPUT -m cpu --cpu -1", DiagError, "out of range"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
}

func TestXlateLength(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -p icmp -m length --length 86:0xffff -j DROP",
			"add rule ip filter INPUT ip protocol icmp meta length 86-65535 counter drop",
			"ip protocol icmp meta length 86-65535 counter drop"},
		{"-A INPUT -p udp -m length --length :400",
			"add rule ip filter INPUT ip protocol udp meta length 0-400 counter",
			"ip protocol udp meta length 0-400 counter"},
		{"-A INPUT -p udp -m length ! --length 40",
			"add rule ip filter INPUT ip protocol udp meta length != 40 counter",
			"ip protocol udp meta length != 40 counter"},
		{"-A INPUT -m length --length 1000:",
			"add rule ip filter INPUT meta length 1000-65535 counter",
			"meta length 1000-65535 counter"},
	}
	bad := []badCase{
		{"-A INPUT -m length", DiagError, `"--length" must be specified`},
		{"-A INPUT -m length --length 70000", DiagError, "out of range"},
		{"-A INPUT -m length --length 50:40", DiagError, "out of range"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	checkMatchCases(t, iptparse.FamilyIPv6, []matchCase{
		{"-A INPUT -m length --length 1280:1500", "add rule ip6 filter INPUT meta length 1280-1500 counter", "meta length 1280-1500 counter"},
	}, nil)
}

func TestXlatePkttype(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -m pkttype --pkt-type broadcast -j DROP",
			"add rule ip filter INPUT pkttype broadcast counter drop",
			"meta pkttype broadcast counter drop"},
		{"-A INPUT -m pkttype ! --pkt-type unicast -j DROP",
			"add rule ip filter INPUT pkttype != unicast counter drop",
			"meta pkttype != unicast counter drop"},
		{"-A INPUT -m pkttype --pkt-type MCAST -j ACCEPT",
			"add rule ip filter INPUT pkttype multicast counter accept",
			"meta pkttype multicast counter accept"},
		{"-A INPUT -m pkttype --pkt-type host",
			"add rule ip filter INPUT pkttype unicast counter",
			"meta pkttype unicast counter"},
		{"-A INPUT -m pkttype --pkt-type otherhost",
			"add rule ip filter INPUT pkttype 3 counter",
			"meta pkttype other counter"},
	}
	bad := []badCase{
		{"-A INPUT -m pkttype --pkt-type anycast", DiagError, "Bad packet type 'anycast'"},
		{"-A INPUT -m pkttype", DiagError, `"--pkt-type" must be specified`},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
}

func TestXlateHelper(t *testing.T) {
	cases := []matchCase{
		{"-A FORWARD -m helper --helper sip",
			`add rule ip filter FORWARD ct helper "sip" counter`,
			`ct helper "sip" counter`},
		{"-A FORWARD -m conntrack --ctstate RELATED -m helper --helper ftp -j ACCEPT",
			`add rule ip filter FORWARD ct state related ct helper "ftp" counter accept`,
			`ct state related ct helper "ftp" counter accept`},
	}
	bad := []badCase{
		{"-A FORWARD -m helper ! --helper ftp", DiagUntranslated, "not expected by any helper"},
		{"-A FORWARD -m helper --helper ''", DiagUntranslated, "any helper"},
		{"-A FORWARD -m helper", DiagError, `"--helper" must be specified`},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
}

func TestXlateMac(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -m mac --mac-source 0a:12:3e:4f:b2:c6 -j DROP",
			"add rule ip filter INPUT ether saddr 0a:12:3e:4f:b2:c6 counter drop",
			"ether saddr 0a:12:3e:4f:b2:c6 counter drop"},
		{"-A INPUT -p tcp --dport 80 -m mac --mac-source 0a:12:3e:4f:b2:c6 -j ACCEPT",
			"add rule ip filter INPUT tcp dport 80 ether saddr 0a:12:3e:4f:b2:c6 counter accept",
			"tcp dport 80 ether saddr 0a:12:3e:4f:b2:c6 counter accept"},
		{"-A FORWARD -m mac ! --mac-source A:B:C:D:E:F",
			"add rule ip filter FORWARD ether saddr != 0a:0b:0c:0d:0e:0f counter",
			"ether saddr != 0a:0b:0c:0d:0e:0f counter"},
		{"-t nat -A PREROUTING -m mac --mac-source 00:11:22:33:44:55",
			"add rule ip nat PREROUTING ether saddr 00:11:22:33:44:55 counter",
			"ether saddr 00:11:22:33:44:55 counter"},
	}
	bad := []badCase{
		{"-A INPUT -m mac --mac-source XX:XX:XX:XX:XX:XX", DiagError, "Invalid MAC address"},
		{"-A INPUT -m mac --mac-source 00:11:22:33:44", DiagError, "Invalid MAC address"},
		{"-A OUTPUT -m mac --mac-source 00:11:22:33:44:55", DiagError, "only valid from PREROUTING/INPUT/FORWARD"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	checkMatchCases(t, iptparse.FamilyIPv6, []matchCase{
		{"-A INPUT -m mac --mac-source 00:11:22:33:44:55", "add rule ip6 filter INPUT ether saddr 00:11:22:33:44:55 counter", "ether saddr 00:11:22:33:44:55 counter"},
	}, nil)
}
