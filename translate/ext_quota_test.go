package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateQuota(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		{"-A OUTPUT -m quota --quota 111", "add rule ip filter OUTPUT quota 111 bytes counter", "quota 111 bytes counter"},
		{"-A OUTPUT -m quota ! --quota 111", "add rule ip filter OUTPUT quota over 111 bytes counter", "quota over 111 bytes counter"},
		{"-A OUTPUT -m quota --quota 0x10 -j DROP", "add rule ip filter OUTPUT quota 16 bytes counter drop", "quota 16 bytes counter drop"},
		{"-A OUTPUT -m quota", "!\"--quota\" must be specified", "!must be specified"},
		{"-A OUTPUT -m quota --quota -1", "!bad value", "!bad value"},
	})
	nftLoads(t, iptparse.FamilyIPv4, "-A OUTPUT -m quota --quota 111", "-A INPUT -m quota ! --quota 18446744073709551615 -j DROP")
}
