package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

var auditCases = []tgCase{
	{0, "-t filter -A INPUT -j AUDIT --type accept", "add rule ip filter INPUT counter log level audit", "counter log level audit"},
	{0, "-t filter -A INPUT -j AUDIT --type drop", "add rule ip filter INPUT counter log level audit", "counter log level audit"},
	{0, "-t filter -A INPUT -j AUDIT --type REJECT", "add rule ip filter INPUT counter log level audit", "counter log level audit"},
	{iptparse.FamilyIPv6, "-A INPUT -j AUDIT --type drop", "add rule ip6 filter INPUT counter log level audit", "counter log level audit"},
}

func TestTargetAUDIT(t *testing.T) {
	checkCases(t, auditCases)
	checkBad(t, []tgBad{
		{0, "-A INPUT -j AUDIT", false, `"--type" must be specified`},
		{0, "-A INPUT -j AUDIT --type allow", false, `Bad action type value "allow"`},
	})
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(auditCases, iptparse.FamilyIPv4)...)
	loadNative(t, iptparse.FamilyIPv6, nativeCmds(auditCases, iptparse.FamilyIPv6)...)
}
