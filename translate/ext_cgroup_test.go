package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateCgroup(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		// upstream's libxt_cgroup.txlate
		{"-t filter -A INPUT -m cgroup --cgroup 0 -j ACCEPT", "add rule ip filter INPUT meta cgroup 0 counter accept", "meta cgroup 0 counter accept"},
		{"-t filter -A INPUT -m cgroup ! --cgroup 0 -j ACCEPT", "add rule ip filter INPUT meta cgroup != 0 counter accept", "meta cgroup != 0 counter accept"},
		{"-A OUTPUT -m cgroup --path /user.slice/ -j DROP", "add rule ip filter OUTPUT socket cgroupv2 level 1 \"user.slice\" counter drop", "socket cgroupv2 level 1 \"user.slice\" counter drop"},
		{"-A OUTPUT -m cgroup ! --path system.slice/ssh.service -j DROP", "add rule ip filter OUTPUT socket cgroupv2 level 2 != \"system.slice/ssh.service\" counter drop", "socket cgroupv2 level 2 != \"system.slice/ssh.service\" counter drop"},
		{"-A INPUT -m cgroup --path user.slice -j DROP", "!OUTPUT chain only", "!OUTPUT chain only"},
		{"-A OUTPUT -m cgroup --path / -j DROP", "!cgroup v2 root", "!cgroup v2 root"},
		{"-A OUTPUT -m cgroup --path a --cgroup 1", "!cannot be used together", "!cannot be used together"},
		{"-A OUTPUT -m cgroup", "!must be specified", "!must be specified"},
	})
	// --path needs the cgroup to exist on the loading host; only classid
	// rules are loaded here.
	nftLoads(t, iptparse.FamilyIPv4, "-A OUTPUT -m cgroup --cgroup 0x100001 -j ACCEPT", "-A INPUT -m cgroup ! --cgroup 0 -j DROP")
}
