package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlatePolicy(t *testing.T) {
	runCasesE(t, []caseE{
		{cmd: "-A INPUT -m policy --pol ipsec --dir in",
			exact:  "add rule ip filter INPUT meta secpath exists counter",
			native: "meta secpath exists counter"},
		{cmd: "-A INPUT -m policy --pol none --dir in",
			exact:  "add rule ip filter INPUT meta secpath missing counter",
			native: "meta secpath missing counter"},
		// --pol defaults to ipsec.
		{cmd: "-A FORWARD -m policy --dir in -j ACCEPT",
			exact:  "add rule ip filter FORWARD meta secpath exists counter accept",
			native: "meta secpath exists counter accept"},
		// --dir out: the route has an xfrm bundle (rt ipsec).
		// Real uses: 28-office-fw-ipsec-nflog.rules, 04-ipsec-l2tp-vpn-server.sh.
		{cmd: "-t mangle -A POSTROUTING -m policy --dir out --pol ipsec",
			exact:  "add rule ip mangle POSTROUTING rt ipsec exists counter",
			native: "rt ipsec exists counter"},
		{cmd: "-A OUTPUT -m policy --dir out --pol ipsec -j ACCEPT",
			exact:  "add rule ip filter OUTPUT rt ipsec exists counter accept",
			native: "rt ipsec exists counter accept"},
		{fam: iptparse.FamilyIPv6, cmd: "-A FORWARD -o eth0 -m policy --dir out --pol none -j DROP",
			exact:  `add rule ip6 filter FORWARD oifname "eth0" rt ipsec missing counter drop`,
			native: `oifname "eth0" rt ipsec missing counter drop`},
		{cmd: "-A INPUT -p udp --dport 1701 -m policy --dir in --pol none -j DROP",
			exact:  "add rule ip filter INPUT udp dport 1701 meta secpath missing counter drop",
			native: "udp dport 1701 meta secpath missing counter drop"},
		// Elements: no exact nft equivalent.
		{cmd: "-A INPUT -m policy --dir in --pol ipsec --reqid 1", err: "policy elements", untranslated: true},
		{cmd: "-A INPUT -m policy --dir in --pol ipsec --strict --reqid 1 --spi 0x1 --proto ipcomp", err: "policy elements", untranslated: true},
		{cmd: "-A FORWARD -m policy --dir out --pol ipsec --strict --mode tunnel --tunnel-dst 10.0.0.0/8 --next --proto esp", err: "policy elements", untranslated: true},
		// What iptables rejects.
		{cmd: "-A INPUT -m policy --pol ipsec", err: "neither --dir in nor --dir out"},
		{cmd: "-A INPUT -m policy --dir sideways", err: "invalid dir"},
		{cmd: "-A INPUT -m policy --dir in --pol maybe", err: "invalid policy"},
		{cmd: "-A INPUT -m policy --dir in --pol ipsec --strict", err: "empty policy element 0"},
		{cmd: "-A INPUT -m policy --dir in --pol none --strict", err: "policy none but --strict given"},
		{cmd: "-A INPUT -m policy --dir in --pol none --reqid 1", err: "policy none but policy given"},
		{cmd: "-A INPUT -m policy --dir in --reqid 1 --next --reqid 2", err: "also requires \"--strict\""},
		{cmd: "-A INPUT -m policy --dir in --reqid 1 --reqid 2", err: "double --reqid"},
		{cmd: "-A INPUT -m policy --dir in --proto tcp", err: "protocol must be ah/esp/ipcomp"},
		{cmd: "-A INPUT -m policy --dir in --mode bogus", err: "invalid mode"},
		{cmd: "-A INPUT -m policy --dir in --tunnel-src 1.2.3.4", err: "only valid in tunnel mode"},
		{cmd: "-A INPUT -m policy --dir in --mode transport --tunnel-src 1.2.3.4", err: "only valid in tunnel mode"},
		{cmd: "-A INPUT -m policy --dir in --strict --reqid 1 --next --reqid 2 --next --reqid 3 --next --reqid 4 --next --reqid 5", err: "maximum policy depth"},
		{cmd: "-A OUTPUT -m policy --dir in --pol ipsec", err: "input policy not valid in POSTROUTING and OUTPUT"},
		{cmd: "-A INPUT -m policy --dir out --pol ipsec", err: "output policy not valid in PREROUTING and INPUT"},
	})
	// The hooks nft accepts for secpath and rt ipsec are the ones
	// xt_policy accepts for each direction.
	loadNativeE(t, iptparse.FamilyIPv4, nil,
		"-t mangle -A PREROUTING -m policy --dir in --pol ipsec",
		"-A INPUT -m policy --dir in --pol none",
		"-A FORWARD -m policy --dir in --pol ipsec",
		"-A FORWARD -m policy --dir out --pol ipsec",
		"-A OUTPUT -m policy --dir out --pol ipsec -j ACCEPT",
		"-t mangle -A POSTROUTING -m policy --dir out --pol none")
	loadNativeE(t, iptparse.FamilyIPv6, nil,
		"-A INPUT -m policy --dir in --pol ipsec",
		"-A OUTPUT -m policy --dir out --pol none")
}
