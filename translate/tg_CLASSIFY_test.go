package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

var classifyCases = []tgCase{
	{0, "-A OUTPUT -j CLASSIFY --set-class 0:0", "add rule ip filter OUTPUT counter meta priority set none", "counter meta priority set none"},
	{0, "-A OUTPUT -j CLASSIFY --set-class ffff:ffff", "add rule ip filter OUTPUT counter meta priority set root", "counter meta priority set root"},
	{0, "-A OUTPUT -j CLASSIFY --set-class 1:234", "add rule ip filter OUTPUT counter meta priority set 1:234", "counter meta priority set 1:234"},
	// sscanf("%x:%x"): 0x prefixes, blanks before numbers and trailing text are accepted
	{0, "-t mangle -A POSTROUTING -j CLASSIFY --set-class 0x10:0X0aB", "add rule ip mangle POSTROUTING counter meta priority set 10:ab", "counter meta priority set 10:ab"},
	{0, "-t mangle -A FORWARD -j CLASSIFY --set-class ' 1: 2zz'", "add rule ip mangle FORWARD counter meta priority set 1:2", "counter meta priority set 1:2"},
	// the major is 16 bits (TC_H_MAKE), the minor too
	{iptparse.FamilyIPv6, "-A FORWARD -j CLASSIFY --set-class 12345:123456", "add rule ip6 filter FORWARD counter meta priority set 2345:3456", "counter meta priority set 2345:3456"},
}

func TestTargetCLASSIFY(t *testing.T) {
	checkCases(t, classifyCases)
	checkBad(t, []tgBad{
		{0, "-A OUTPUT -j CLASSIFY", false, `"--set-class" must be specified`},
		{0, "-A OUTPUT -j CLASSIFY --set-class 1", false, `Bad class value "1"`},
		{0, "-A OUTPUT -j CLASSIFY --set-class 1:", false, "Bad class value"},
		{0, "-A OUTPUT -j CLASSIFY --set-class '1 :2'", false, "Bad class value"},
		{0, "-A OUTPUT -j CLASSIFY --set-class x:1", false, "Bad class value"},
		{0, "-A INPUT -j CLASSIFY --set-class 1:1", false, "CLASSIFY target: used from chain INPUT, but only valid from FORWARD/OUTPUT/POSTROUTING"},
		{0, "-t mangle -A PREROUTING -j CLASSIFY --set-class 1:1", false, "only valid from"},
	})
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(classifyCases, iptparse.FamilyIPv4)...)
	loadNative(t, iptparse.FamilyIPv6, nativeCmds(classifyCases, iptparse.FamilyIPv6)...)
}
