package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

var tcpmssCases = []tgCase{
	{0, "-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu",
		"add rule ip filter FORWARD tcp flags syn / syn,rst counter tcp option maxseg size set rt mtu",
		"tcp flags syn / syn,rst counter tcp option maxseg size set rt mtu"},
	{0, "-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 90",
		"add rule ip filter FORWARD tcp flags syn / syn,rst counter tcp option maxseg size set 90",
		"tcp flags syn / syn,rst counter tcp option maxseg size set 90"},
	{0, "-t mangle -A POSTROUTING -o ppp0 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu",
		`add rule ip mangle POSTROUTING oifname "ppp0" tcp flags syn / syn,rst counter tcp option maxseg size set rt mtu`,
		`oifname "ppp0" tcp flags syn / syn,rst counter tcp option maxseg size set rt mtu`},
	{0, "-t mangle -A OUTPUT -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu",
		"add rule ip mangle OUTPUT tcp flags syn / fin,syn,rst,ack counter tcp option maxseg size set rt mtu",
		"tcp flags syn / fin,syn,rst,ack counter tcp option maxseg size set rt mtu"},
	// both options write the same field: the last one wins
	{0, "-t mangle -A PREROUTING -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu --set-mss 1400",
		"add rule ip mangle PREROUTING tcp flags syn / fin,syn,rst,ack counter tcp option maxseg size set 1400",
		"tcp flags syn / fin,syn,rst,ack counter tcp option maxseg size set 1400"},
	{0, "-t mangle -A FORWARD -p tcp --syn -j TCPMSS --set-mss 65515",
		"add rule ip mangle FORWARD tcp flags syn / fin,syn,rst,ack counter tcp option maxseg size set 65515",
		"tcp flags syn / fin,syn,rst,ack counter tcp option maxseg size set 65515"},
	{v6, "-t mangle -A FORWARD -p tcp --syn -j TCPMSS --set-mss 65495",
		"add rule ip6 mangle FORWARD tcp flags syn / fin,syn,rst,ack counter tcp option maxseg size set 65495",
		"tcp flags syn / fin,syn,rst,ack counter tcp option maxseg size set 65495"},
	{v6, "-t mangle -A POSTROUTING -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu",
		"add rule ip6 mangle POSTROUTING tcp flags syn / fin,syn,rst,ack counter tcp option maxseg size set rt mtu",
		"tcp flags syn / fin,syn,rst,ack counter tcp option maxseg size set rt mtu"},
}

func TestTargetTCPMSS(t *testing.T) {
	checkCases(t, tcpmssCases)
	checkBad(t, []tgBad{
		{0, "-A FORWARD -p tcp -j TCPMSS", false, "TCPMSS target: At least one parameter is required"},
		{0, "-A FORWARD -j TCPMSS --set-mss 1000", false, "only valid for protocol 6"},
		{0, "-A FORWARD ! -p tcp -j TCPMSS --set-mss 1000", false, "only valid for protocol 6"},
		{0, "-A FORWARD -p tcp -j TCPMSS --set-mss 65516", false, "out of range"},
		{v6, "-A FORWARD -p tcp -j TCPMSS --set-mss 65496", false, "out of range"},
		{0, "-t mangle -A PREROUTING -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu", false, "path-MTU clamping only supported in FORWARD, OUTPUT and POSTROUTING hooks"},
		{v6, "-A INPUT -p tcp --syn -j TCPMSS --set-mss 1000 --clamp-mss-to-pmtu", false, "path-MTU clamping"},
	})
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(tcpmssCases, iptparse.FamilyIPv4)...)
	loadNative(t, v6, nativeCmds(tcpmssCases, v6)...)
	// In a user chain the hook is only known when something jumps to it;
	// nft checks "rt mtu" when the ruleset is loaded.
	rs := nativeRuleset(t, iptparse.FamilyIPv4, "-t mangle -N clamp",
		"-t mangle -A clamp -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu",
		"-t mangle -A PREROUTING -j clamp")
	if err := testutil.NewNetns(t).NftLoad(rs); err == nil || !strings.Contains(err.Error(), "Operation not supported") {
		t.Errorf("rt mtu reached from prerouting loaded: %v\n%s", err, rs)
	}
}

var nfqueueCases = []tgCase{
	{0, "-t nat -A PREROUTING -p tcp --dport 80 -j NFQUEUE --queue-num 30",
		"add rule ip nat PREROUTING tcp dport 80 counter queue num 30",
		"tcp dport 80 counter queue num 30"},
	{0, "-A FORWARD -j NFQUEUE --queue-num 0 --queue-bypass -p TCP --sport 80",
		"add rule ip filter FORWARD tcp sport 80 counter queue num 0 bypass",
		"tcp sport 80 counter queue num 0 bypass"},
	{0, "-A FORWARD -j NFQUEUE --queue-bypass -p TCP --sport 80 --queue-balance 0:3 --queue-cpu-fanout",
		"add rule ip filter FORWARD tcp sport 80 counter queue num 0-3 bypass,fanout",
		"tcp sport 80 counter queue num 0-3 bypass,fanout"},
	{0, "-A INPUT -j NFQUEUE", "add rule ip filter INPUT counter queue num 0", "counter queue num 0"},
	{0, "-A INPUT -j NFQUEUE --queue-balance 2:65534 --queue-cpu-fanout",
		"add rule ip filter INPUT counter queue num 2-65534 fanout", "counter queue num 2-65534 fanout"},
	{0, "-A INPUT -j NFQUEUE --queue-balance :3", "add rule ip filter INPUT counter queue num 0-3", "counter queue num 0-3"},
	{v6, "-A INPUT -j NFQUEUE --queue-num 65535 --queue-bypass", "add rule ip6 filter INPUT counter queue num 65535 bypass", "counter queue num 65535 bypass"},
	{0, "-A INPUT -j QUEUE", "add rule ip filter INPUT counter queue", "counter queue"},
}

// This kernel has no nft_queue: queue rules are checked as text only
// (that nft parses them), not loaded.
func TestTargetNFQUEUE(t *testing.T) {
	checkCases(t, nfqueueCases)
	checkBad(t, []tgBad{
		{0, "-A INPUT -j NFQUEUE --queue-num 1 --queue-balance 1:2", false, "cannot be used together"},
		{0, "-A INPUT -j NFQUEUE --queue-cpu-fanout", false, `also requires "--queue-balance"`},
		{0, "-A INPUT -j NFQUEUE --queue-balance 3", false, `Bad range "3"`},
		{0, "-A INPUT -j NFQUEUE --queue-balance 3:3", false, "3 should be less than 3"},
		{0, "-A INPUT -j NFQUEUE --queue-balance 1:65535", false, "out of range"},
		{0, "-A INPUT -j NFQUEUE --queue-num 65536", false, "out of range"},
	})
	// nft parses the rules; the kernel then lacks the queue expression.
	rs := nativeRuleset(t, iptparse.FamilyIPv4, nativeCmds(nfqueueCases, iptparse.FamilyIPv4)...)
	err := testutil.NewNetns(t).NftCheck(rs)
	if err != nil && (strings.Contains(err.Error(), "syntax error") || !strings.Contains(err.Error(), "No such file or directory")) {
		t.Errorf("nft does not read the queue rules: %v\n%s", err, rs)
	}
}
