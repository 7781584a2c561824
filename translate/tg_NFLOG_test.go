package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

var nflogCases = []tgCase{
	{0, `-A FORWARD -j NFLOG --nflog-group 32 --nflog-prefix "Prefix 1.0"`,
		`add rule ip filter FORWARD counter log prefix "Prefix 1.0" group 32`,
		`counter log prefix "Prefix 1.0" group 32`},
	{0, "-A OUTPUT -j NFLOG --nflog-group 30",
		"add rule ip filter OUTPUT counter log group 30",
		"counter log group 30"},
	{0, "-I INPUT -j NFLOG --nflog-threshold 2",
		"insert rule ip filter INPUT counter log queue-threshold 2 group 0",
		"counter log queue-threshold 2 group 0"},
	{0, "-I INPUT -j NFLOG --nflog-size 256",
		"insert rule ip filter INPUT counter log snaplen 256 group 0",
		"counter log snaplen 256 group 0"},
	{0, "-A INPUT -j NFLOG",
		"add rule ip filter INPUT counter log group 0",
		"counter log group 0"},
	// threshold 0 is the default; --nflog-range is ignored by the kernel
	{0, "-A INPUT -j NFLOG --nflog-threshold 0 --nflog-range 100 --nflog-group 65535",
		"add rule ip filter INPUT counter log group 65535",
		"counter log group 65535"},
	{0, "-A INPUT -j NFLOG --nflog-size 0 --nflog-prefix p --nflog-threshold 65535",
		`add rule ip filter INPUT counter log prefix "p" snaplen 0 queue-threshold 65535 group 0`,
		`counter log prefix "p" snaplen 0 queue-threshold 65535 group 0`},
	{iptparse.FamilyIPv6, "-A INPUT -p udp -j NFLOG --nflog-group 5",
		"add rule ip6 filter INPUT meta l4proto udp counter log group 5",
		"meta l4proto udp counter log group 5"},
	// cut to the 63 bytes of struct xt_nflog_info
	{0, "-A INPUT -j NFLOG --nflog-prefix " + strings.Repeat("x", 70),
		`add rule ip filter INPUT counter log prefix "` + strings.Repeat("x", 63) + `" group 0`,
		`counter log prefix "` + strings.Repeat("x", 63) + `" group 0`},
}

func TestTargetNFLOG(t *testing.T) {
	checkCases(t, nflogCases)
	checkBad(t, []tgBad{
		{0, "-A INPUT -j NFLOG --nflog-group 65536", false, "out of range"},
		{0, "-A INPUT -j NFLOG --nflog-range 1 --nflog-size 2", false, "cannot be used together"},
		{0, "-A INPUT -j NFLOG --nflog-threshold 65536", false, "out of range"},
		{0, `-A INPUT -j NFLOG --nflog-prefix ""`, false, "minimum length"},
		{0, "-A INPUT -j NFLOG --nflog-prefix 'a\nb'", false, "Newlines not allowed"},
	})
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(nflogCases, iptparse.FamilyIPv4)...)
	loadNative(t, iptparse.FamilyIPv6, nativeCmds(nflogCases, iptparse.FamilyIPv6)...)
}
