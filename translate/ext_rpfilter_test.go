package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateRPFilter(t *testing.T) {
	runCasesE(t, []caseE{
		{cmd: "-t mangle -A PREROUTING -m rpfilter",
			exact:  "add rule ip mangle PREROUTING fib saddr . iif oif != 0 counter",
			native: "fib saddr . iif oif != 0 counter"},
		{cmd: "-t mangle -A PREROUTING -m rpfilter --validmark --loose",
			exact:  "add rule ip mangle PREROUTING fib saddr . mark oif != 0 counter",
			native: "fib saddr . mark oif != 0 counter"},
		{fam: iptparse.FamilyIPv6, cmd: "-t mangle -A PREROUTING -m rpfilter --validmark --invert",
			exact:  "add rule ip6 mangle PREROUTING fib saddr . mark . iif oif 0 counter",
			native: "fib saddr . mark . iif oif 0 counter"},
		// Real use (25-medium-company-mainfw.rules).
		{cmd: "-t raw -A PREROUTING -m rpfilter --invert -j DROP",
			exact:  "add rule ip raw PREROUTING fib saddr . iif oif 0 counter drop",
			native: "fib saddr . iif oif 0 counter drop"},
		{cmd: "-t mangle -A PREROUTING -m rpfilter --accept-local --invert --loose -j DROP",
			exact:  "add rule ip mangle PREROUTING fib saddr type != local fib saddr oif 0 counter drop",
			native: "fib saddr type != local fib saddr oif 0 counter drop"},
		{cmd: "-t mangle -A PREROUTING -m rpfilter --accept-local", err: "--accept-local without --invert", untranslated: true},
		{cmd: "-A INPUT -m rpfilter", err: "only valid in 'raw' or 'mangle' table"},
		{cmd: "-t mangle -A INPUT -m rpfilter", err: "only valid in the PREROUTING chain"},
		{cmd: "-t raw -A PREROUTING -m rpfilter --loose --loose", err: "only be used once"},
	})
	// Without --loose, upstream's text skips local sources that xt_rpfilter
	// still checks: exact mode keeps upstream's text, normal mode reports.
	got, err := xlate(t, iptparse.FamilyIPv4, true, "-t mangle -A PREROUTING -m rpfilter --accept-local --invert")
	if want := "add rule ip mangle PREROUTING fib saddr type != local fib saddr . iif oif 0 counter"; err != nil || got != want {
		t.Errorf("exact accept-local invert: got %q, %v, want %q", got, err, want)
	}
	if _, err := xlate(t, iptparse.FamilyIPv4, false, "-t mangle -A PREROUTING -m rpfilter --accept-local --invert"); err == nil {
		t.Errorf("native accept-local invert without loose: want untranslatable")
	}
	loadNativeE(t, iptparse.FamilyIPv4, nil,
		"-t mangle -A PREROUTING -m rpfilter",
		"-t raw -A PREROUTING -m rpfilter --invert -j DROP",
		"-t mangle -A PREROUTING -m rpfilter --accept-local --invert --loose --validmark -j DROP")
	loadNativeE(t, iptparse.FamilyIPv6, nil, "-t mangle -A PREROUTING -m rpfilter --validmark --invert -j DROP")
}
