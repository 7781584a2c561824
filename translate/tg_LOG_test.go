package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

var logCases = []tgCase{
	{0, "-A FORWARD -p tcp -j LOG --log-level error",
		"add rule ip filter FORWARD ip protocol tcp counter log level err",
		"ip protocol tcp counter log level err"},
	{0, `-A FORWARD -p tcp -j LOG --log-prefix "Random prefix"`,
		`add rule ip filter FORWARD ip protocol tcp counter log prefix "Random prefix"`,
		`ip protocol tcp counter log prefix "Random prefix"`},
	{0, "-I INPUT -j LOG",
		"insert rule ip filter INPUT counter log",
		"counter log"},
	{iptparse.FamilyIPv6, "-A FORWARD -p tcp -j LOG --log-level debug",
		"add rule ip6 filter FORWARD meta l4proto tcp counter log level debug",
		"meta l4proto tcp counter log level debug"},
	// levels by number; 4 (warning) is the default and not written
	{0, "-A INPUT -j LOG --log-level 0", "add rule ip filter INPUT counter log level emerg", "counter log level emerg"},
	{0, "-A INPUT -j LOG --log-level panic", "add rule ip filter INPUT counter log level emerg", "counter log level emerg"},
	{0, "-A INPUT -j LOG --log-level 1", "add rule ip filter INPUT counter log level alert", "counter log level alert"},
	{0, "-A INPUT -j LOG --log-level crit", "add rule ip filter INPUT counter log level crit", "counter log level crit"},
	{0, "-A INPUT -j LOG --log-level 4", "add rule ip filter INPUT counter log", "counter log"},
	{0, "-A INPUT -j LOG --log-level warning", "add rule ip filter INPUT counter log", "counter log"},
	{0, "-A INPUT -j LOG --log-level 5", "add rule ip filter INPUT counter log level notice", "counter log level notice"},
	{0, "-A INPUT -j LOG --log-level 6", "add rule ip filter INPUT counter log level info", "counter log level info"},
	{0, "-A INPUT -j LOG --log-level 0x7", "add rule ip filter INPUT counter log level debug", "counter log level debug"},
	// flags
	{0, `-A INPUT -j LOG --log-prefix "x: " --log-level 6 --log-uid`,
		`add rule ip filter INPUT counter log prefix "x: " level info flags skuid`,
		`counter log prefix "x: " level info flags skuid`},
	{0, "-A INPUT -j LOG --log-tcp-sequence",
		"add rule ip filter INPUT counter log flags tcp sequence",
		"counter log flags tcp sequence"},
	{0, "-A INPUT -j LOG --log-tcp-options --log-tcp-sequence --log-ip-options --log-macdecode",
		"add rule ip filter INPUT counter log flags tcp sequence,options flags ip options flags ether",
		"counter log flags tcp sequence,options flags ip options flags ether"},
	{0, "-A INPUT -j LOG --log-tcp-options",
		"add rule ip filter INPUT counter log flags tcp options",
		"counter log flags tcp options"},
	{0, "-A INPUT -j LOG --log-tcp-options --log-tcp-sequence --log-ip-options --log-macdecode --log-uid",
		"add rule ip filter INPUT counter log flags all",
		"counter log flags all"},
	// the prefix is cut to the 29 bytes struct xt_log_info keeps
	{0, "-A INPUT -j LOG --log-prefix 0123456789012345678901234567890123",
		`add rule ip filter INPUT counter log prefix "01234567890123456789012345678"`,
		`counter log prefix "01234567890123456789012345678"`},
}

func TestTargetLOG(t *testing.T) {
	checkCases(t, logCases)
	checkBad(t, []tgBad{
		{0, "-A INPUT -j LOG --log-level 8", false, `log level "8" unknown`},
		{0, "-A INPUT -j LOG --log-level Warning", false, "unknown"},
		{0, `-A INPUT -j LOG --log-prefix ""`, false, "minimum length"},
		{0, "-A INPUT -j LOG --log-prefix 'a\nb'", false, "Newlines not allowed"},
		{0, "-A INPUT -j LOG --log-uid --log-uid", false, "only be used once"},
		{0, "-A INPUT -j LOG --log-bogus", false, "unknown option"},
	})
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(logCases, iptparse.FamilyIPv4)...)
	loadNative(t, iptparse.FamilyIPv6, nativeCmds(logCases, iptparse.FamilyIPv6)...)
}
