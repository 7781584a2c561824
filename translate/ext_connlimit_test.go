package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateConnlimit(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		// upstream's libxt_connlimit.txlate
		{"-A INPUT -m connlimit --connlimit-above 2",
			"add set ip filter connlimit0 { type ipv4_addr; flags dynamic; }\nadd rule ip filter INPUT add @connlimit0 { ip saddr ct count over 2 } counter",
			"add @connlimit0 { ip saddr ct count over 2 } counter"},
		{"-A INPUT -m connlimit --connlimit-upto 2",
			"add set ip filter connlimit0 { type ipv4_addr; flags dynamic; }\nadd rule ip filter INPUT add @connlimit0 { ip saddr ct count 2 } counter",
			"add @connlimit0 { ip saddr ct count 2 } counter"},
		{"-A INPUT -m connlimit --connlimit-upto 2 --connlimit-mask 24",
			"add set ip filter connlimit0 { type ipv4_addr; flags dynamic; }\nadd rule ip filter INPUT add @connlimit0 { ip saddr and 255.255.255.0 ct count 2 } counter",
			"add @connlimit0 { ip saddr & 255.255.255.0 ct count 2 } counter"},
		{"-A INPUT -m connlimit --connlimit-upto 2 --connlimit-daddr",
			"add set ip filter connlimit0 { type ipv4_addr; flags dynamic; }\nadd rule ip filter INPUT add @connlimit0 { ip daddr ct count 2 } counter",
			"add @connlimit0 { ip daddr ct count 2 } counter"},
		{"-A INPUT -p tcp -m connlimit ! --connlimit-above 6298 --connlimit-mask 32 --connlimit-saddr -j DROP",
			"add set ip filter connlimit0 { type ipv4_addr; flags dynamic; }\nadd rule ip filter INPUT ip protocol tcp add @connlimit0 { ip saddr ct count 6298 } counter drop",
			"ip protocol tcp add @connlimit0 { ip saddr ct count 6298 } counter drop"},
		{"-A INPUT -m connlimit ! --connlimit-upto 2 --connlimit-mask 255.0.255.0",
			"add set ip filter connlimit0 { type ipv4_addr; flags dynamic; }\nadd rule ip filter INPUT add @connlimit0 { ip saddr and 255.0.255.0 ct count over 2 } counter",
			""},
		{"-A INPUT -m connlimit --connlimit-mask 24", "!You must specify", "!You must specify"},
		{"-A INPUT -m connlimit --connlimit-above 2 --connlimit-upto 3", "!cannot be used together", "!cannot be used together"},
		{"-A INPUT -m connlimit --connlimit-above 2 --connlimit-saddr --connlimit-daddr", "!cannot be used together", "!cannot be used together"},
		{"-A INPUT -m connlimit --connlimit-above 2 --connlimit-mask 33", "!invalid mask", "!invalid mask"},
	})
	// ip6tables: upstream declares the set as ipv4_addr, nft rejects that.
	runXCases(t, iptparse.FamilyIPv6, []xcase{
		{"-A INPUT -m connlimit --connlimit-above 4 --connlimit-mask 64",
			"add set ip6 filter connlimit0 { type ipv6_addr; flags dynamic; }\nadd rule ip6 filter INPUT add @connlimit0 { ip6 saddr and ffff:ffff:ffff:ffff:: ct count over 4 } counter",
			"add @connlimit0 { ip6 saddr & ffff:ffff:ffff:ffff:: ct count over 4 } counter"},
	})
}

// Every connlimit rule counts on its own: one set per rule, each
// declared once.
func TestConnlimitSets(t *testing.T) {
	cmds := []string{
		"-A INPUT -p tcp -m connlimit --connlimit-above 111 -j DROP",
		"-A INPUT -s 192.168.1.1,192.168.1.2 -p tcp -m connlimit --connlimit-above 15 -j DROP",
		"-A FORWARD -m connlimit --connlimit-upto 100 --connlimit-mask 24 --connlimit-daddr -j ACCEPT",
	}
	rs := nftLoads(t, iptparse.FamilyIPv4, cmds...)
	for i, name := range []string{"connlimit0", "connlimit1", "connlimit2", "connlimit3"} {
		if strings.Count(rs, "set "+name+" {") != 1 {
			t.Errorf("set %d (%s) not declared exactly once:\n%s", i, name, rs)
		}
	}
	if strings.Contains(rs, "connlimit4") {
		t.Errorf("too many sets:\n%s", rs)
	}
	nftLoads(t, iptparse.FamilyIPv6, "-A INPUT -m connlimit --connlimit-above 4 --connlimit-mask 64", "-A INPUT -m connlimit --connlimit-upto 4 --connlimit-daddr")
}
