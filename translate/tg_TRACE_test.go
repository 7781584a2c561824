package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

var traceCases = []tgCase{
	{0, "-t raw -A PREROUTING -j TRACE", "add rule ip raw PREROUTING counter nftrace set 1", "counter meta nftrace set 1"},
	{iptparse.FamilyIPv6, "-t raw -A OUTPUT -p tcp -j TRACE", "add rule ip6 raw OUTPUT meta l4proto tcp counter nftrace set 1", "meta l4proto tcp counter meta nftrace set 1"},
	{0, "-t raw -N trace_me", "add chain ip raw trace_me", ""},
	{0, "-t raw -A trace_me -j TRACE", "add rule ip raw trace_me counter nftrace set 1", "counter meta nftrace set 1"},
}

func TestTargetTRACE(t *testing.T) {
	checkCases(t, traceCases)
	checkBad(t, []tgBad{
		{0, "-A INPUT -j TRACE", false, "TRACE target: only valid in raw table, not filter"},
		{0, "-t raw -A PREROUTING -j TRACE --foo", false, "unknown option"},
	})
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(traceCases, iptparse.FamilyIPv4)...)
	loadNative(t, iptparse.FamilyIPv6, nativeCmds(traceCases, iptparse.FamilyIPv6)...)
}
