package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateTPROXY(t *testing.T) {
	v6 := iptparse.FamilyIPv6
	runCasesE(t, []caseE{
		{cmd: "-t mangle -A PREROUTING -p tcp -j TPROXY --on-port 12345 --on-ip 10.0.0.1 --tproxy-mark 0x23/0xff",
			exact:  "add rule ip mangle PREROUTING ip protocol tcp counter tproxy to 10.0.0.1:12345 meta mark set meta mark & 0xffffff00 xor 0x23 accept",
			native: "ip protocol tcp counter tproxy to 10.0.0.1:12345 meta mark set meta mark & 0xffffff00 ^ 0x23 accept\nip protocol tcp counter drop"},
		{cmd: "-t mangle -A PREROUTING -p udp -j TPROXY --on-port 12345 --on-ip 10.0.0.1 --tproxy-mark 0x23",
			exact:  "add rule ip mangle PREROUTING ip protocol udp counter tproxy to 10.0.0.1:12345 meta mark set 0x23 accept",
			native: "ip protocol udp counter tproxy to 10.0.0.1:12345 meta mark set 0x23 accept\nip protocol udp counter drop"},
		{cmd: "-t mangle -A PREROUTING -p udp -j TPROXY --on-ip 10.0.0.1 --on-port 0",
			exact:  "add rule ip mangle PREROUTING ip protocol udp counter tproxy to 10.0.0.1 accept",
			native: "ip protocol udp counter tproxy to 10.0.0.1 accept\nip protocol udp counter drop"},
		{cmd: "-t mangle -A PREROUTING -p tcp -j TPROXY --on-port 0",
			exact:  "add rule ip mangle PREROUTING ip protocol tcp counter tproxy to :0 accept",
			native: "ip protocol tcp counter tproxy to :0 accept\nip protocol tcp counter drop"},
		{fam: v6, cmd: "-t mangle -A PREROUTING -p tcp -j TPROXY --on-port 12345 --on-ip dead::beef --tproxy-mark 0x23/0xffff",
			exact:  "add rule ip6 mangle PREROUTING meta l4proto tcp counter tproxy to [dead::beef]:12345 meta mark set meta mark & 0xffff0000 xor 0x23 accept",
			native: "meta l4proto tcp counter tproxy to [dead::beef]:12345 meta mark set meta mark & 0xffff0000 ^ 0x23 accept\nmeta l4proto tcp counter drop"},
		{fam: v6, cmd: "-t mangle -A PREROUTING -p udp -j TPROXY --on-port 0 --on-ip dead::beef",
			exact:  "add rule ip6 mangle PREROUTING meta l4proto udp counter tproxy to [dead::beef] accept",
			native: "meta l4proto udp counter tproxy to dead::beef accept\nmeta l4proto udp counter drop"},
		// Real use (36-zapret-nfqueue-tproxy-examples.sh).
		{cmd: "-t mangle -A PREROUTING -i eth1 -p tcp --dport 80 -j TPROXY --tproxy-mark 0x1/0x1 --on-port 988",
			exact:  `add rule ip mangle PREROUTING iifname "eth1" tcp dport 80 counter tproxy to :988 meta mark set meta mark & 0xfffffffe xor 0x1 accept`,
			native: `iifname "eth1" tcp dport 80 counter tproxy to :988 meta mark set meta mark & 0xfffffffe ^ 0x1 accept` + "\n" + `iifname "eth1" tcp dport 80 counter drop`},
		{cmd: "-t mangle -A PREROUTING -p tcp -j TPROXY --on-ip 10.0.0.1", err: `"--on-port" must be specified`},
		{cmd: "-t mangle -A PREROUTING -j TPROXY --on-port 1", err: "only with -p tcp or -p udp"},
		{cmd: "-t mangle -A PREROUTING ! -p tcp -j TPROXY --on-port 1", err: "only with -p tcp or -p udp"},
		{cmd: "-A INPUT -p tcp -j TPROXY --on-port 1", err: "only valid in mangle table"},
		{cmd: "-t mangle -A INPUT -p tcp -j TPROXY --on-port 1", err: "only valid in the PREROUTING chain"},
		{cmd: "-t mangle -A PREROUTING -p tcp -j TPROXY --on-port 1 --on-ip 10.0.0.1/8", err: "not found"},
	})
	// A limit would run twice in two rules: a helper chain holds them.
	got, err := xlate(t, iptparse.FamilyIPv4, false, "-t mangle -A PREROUTING -p udp -m limit --limit 1/s -j TPROXY --on-port 53")
	if err != nil || got != "ip protocol udp limit rate 1/second burst 5 packets counter jump mangle_tproxy_udp_53\nmeta l4proto udp tproxy to :53 accept\ndrop" {
		t.Errorf("TPROXY after a limit: %q, %v", got, err)
	}
	loadNativeE(t, iptparse.FamilyIPv4, nil,
		"-t mangle -A PREROUTING -p udp -m limit --limit 1/s -j TPROXY --on-port 53",
		"-t mangle -A PREROUTING -p tcp -j TPROXY --on-port 12345 --on-ip 10.0.0.1 --tproxy-mark 0x23/0xff",
		"-t mangle -A PREROUTING -p udp -j TPROXY --on-port 0",
		"-t mangle -A PREROUTING -i eth1 -p tcp --dport 80 -j TPROXY --tproxy-mark 0x1/0x1 --on-port 988")
	loadNativeE(t, iptparse.FamilyIPv6, nil,
		"-t mangle -A PREROUTING -p tcp -j TPROXY --on-port 12345 --on-ip dead::beef --tproxy-mark 0x23/0xffff",
		"-t mangle -A PREROUTING -p udp -j TPROXY --on-port 0 --on-ip dead::beef")
}
