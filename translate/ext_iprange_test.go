package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateIPRange(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -m iprange --src-range 192.168.25.149-192.168.25.151 -j ACCEPT",
			"add rule ip filter INPUT ip saddr 192.168.25.149-192.168.25.151 counter accept",
			"ip saddr 192.168.25.149-192.168.25.151 counter accept"},
		{"-A INPUT -m iprange --dst-range 3.3.3.3-6.6.6.6 --src-range 4.4.4.4-7.7.7.7 -j ACCEPT",
			"add rule ip filter INPUT ip saddr 4.4.4.4-7.7.7.7 ip daddr 3.3.3.3-6.6.6.6 counter accept",
			"ip saddr 4.4.4.4-7.7.7.7 ip daddr 3.3.3.3-6.6.6.6 counter accept"},
		// A single address: upstream writes a one-address range.
		{"-A INPUT -m iprange ! --src-range 10.1",
			"add rule ip filter INPUT ip saddr != 10.1.0.0-10.1.0.0 counter",
			"ip saddr != 10.1.0.0 counter"},
	}
	bad := []badCase{
		{"-A INPUT -m iprange", DiagError, "You must specify `--src-range' or `--dst-range'"},
		{"-A INPUT -m iprange --src-range 1.2.3.4-foo", DiagError, `iprange: Bad value for "--src-range" option: "foo"`},
		{"-A INPUT -m iprange --dst-range ::1-::2", DiagError, `Bad value for "--dst-range"`},
		{"-A INPUT -m iprange --src-range 1.2.3.5-1.2.3.4", DiagUntranslated, "reversed"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	wantWarning(t, iptparse.FamilyIPv4, "-A INPUT -m iprange ! --src-range 1.2.3.5-1.2.3.4", "always matches")
	cases6 := []matchCase{
		{"-A INPUT -m iprange ! --dst-range ::2d01-::2d03 -j ACCEPT",
			"add rule ip6 filter INPUT ip6 daddr != ::2d01-::2d03 counter accept",
			"ip6 daddr != ::2d01-::2d03 counter accept"},
		{"-A INPUT -m iprange ! --dst-range ::2d01-::2d03 --src-range ::2d01-::2d03 -j ACCEPT",
			"add rule ip6 filter INPUT ip6 saddr ::2d01-::2d03 ip6 daddr != ::2d01-::2d03 counter accept",
			"ip6 saddr ::2d01-::2d03 ip6 daddr != ::2d01-::2d03 counter accept"},
	}
	checkMatchCases(t, iptparse.FamilyIPv6, cases6, []badCase{
		{"-A INPUT -m iprange --src-range 1.2.3.4-1.2.3.5", DiagError, "Bad value"},
	})
}
