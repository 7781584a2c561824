package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateConnlabel(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		// upstream's libxt_connlabel.txlate
		{"-A INPUT -m connlabel --label 40", "add rule ip filter INPUT ct label 40 counter", "ct label 40 counter"},
		// Upstream: "ct label set 40 ct label and 40 != 40", which never
		// matches packets without conntrack; iptables matches them.
		{"-A INPUT -m connlabel ! --label 40 --set", "!without a conntrack entry", "!without a conntrack entry"},
		{"-A INPUT -m connlabel ! --label 0x7f", "!without a conntrack entry", "!without a conntrack entry"},
		{"-A INPUT -m connlabel --label 127 --set -j ACCEPT", "add rule ip filter INPUT ct label set 127 ct label 127 counter accept", "ct label set 127 ct label 127 counter accept"},
		{"-A INPUT -m connlabel --label 128", "!out of range", "!out of range"},
		{"-A INPUT -m connlabel --label eth0-in", "!/etc/xtables/connlabel.conf", "!/etc/xtables/connlabel.conf"},
		{"-A INPUT -m connlabel --set", "!\"--label\" must be specified", "!must be specified"},
	})
	nftLoads(t, iptparse.FamilyIPv4, "-A INPUT -m connlabel --label 40", "-A FORWARD -m connlabel --label 1 --set -j ACCEPT")
}
