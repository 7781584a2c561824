package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateStatistic(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		// upstream's libxt_statistic.txlate
		{"-A OUTPUT -m statistic --mode nth --every 10 --packet 1", "add rule ip filter OUTPUT numgen inc mod 10 1 counter", "numgen inc mod 10 1 counter"},
		{"-A OUTPUT -m statistic --mode nth ! --every 10 --packet 5", "add rule ip filter OUTPUT numgen inc mod 10 != 5 counter", "numgen inc mod 10 != 5 counter"},
		{"-A OUTPUT -m statistic --mode random --probability 0.1", "add rule ip filter OUTPUT meta random & 2147483647 < 214748365 counter", "meta random & 2147483647 < 214748365 counter"},
		// kube-proxy
		{"-A KUBE-SVC -m statistic --mode random --probability 0.33333333349 -j ACCEPT", "add rule ip filter KUBE-SVC meta random & 2147483647 < 715827883 counter accept", ""},
		{"-A OUTPUT -m statistic --mode random ! --probability 1", "add rule ip filter OUTPUT meta random & 2147483647 >= 2147483648 counter", "meta random & 2147483647 >= 2147483648 counter"},
		{"-A OUTPUT -m statistic --mode nth --every 1 --packet 0", "add rule ip filter OUTPUT numgen inc mod 1 0 counter", ""},
		{"-A OUTPUT -m statistic --mode nth --every 3", "!also requires \"--packet\"", "!also requires"},
		{"-A OUTPUT -m statistic --mode nth --every 3 --packet 3", "!the --packet p must be 0 <= p <= n-1", "!0 <= p <= n-1"},
		{"-A OUTPUT -m statistic --mode random", "!--probability must be specified", "!--probability must be specified"},
		{"-A OUTPUT -m statistic --mode nth", "!--every and --packet must be specified", "!--every and --packet"},
		{"-A OUTPUT -m statistic --mode sometimes --probability 0.5", "!Bad mode", "!Bad mode"},
		{"-A OUTPUT -m statistic --mode random --probability 1.5", "!out of range", "!out of range"},
		{"-A OUTPUT -m statistic --mode random --probability 0.5 --every 2 --packet 0", "!cannot be used together", "!cannot be used together"},
		{"-A OUTPUT -m statistic --mode nth --every 0 --packet 0", "!out of range", "!out of range"},
	})
	nftLoads(t, iptparse.FamilyIPv6,
		"-A OUTPUT -m statistic --mode nth ! --every 10 --packet 5",
		"-A OUTPUT -m statistic --mode random --probability 0.1 -j DROP")
}
