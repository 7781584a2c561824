package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Targets nftables has no equivalent for: checked like iptables does,
// then reported.
func TestXlateUntranslatableTargets(t *testing.T) {
	v6 := iptparse.FamilyIPv6
	runCasesE(t, []caseE{
		// Real uses: 01-docker-free5gc-tailscale.rules, 20-shorewall-home-router.rules.
		{cmd: "-t mangle -A POSTROUTING -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill", err: "cannot fill in checksums", untranslated: true},
		{cmd: "-t mangle -A POSTROUTING -j CHECKSUM", err: `"--checksum-fill" must be specified`},
		{cmd: "-A OUTPUT -j CHECKSUM --checksum-fill", err: "only valid in mangle table"},
		{cmd: "-t mangle -A INPUT -j SECMARK --selctx system_u:object_r:ssh_packet_t:s0", err: "secmark object", untranslated: true},
		{cmd: "-t mangle -A INPUT -j SECMARK", err: `"--selctx" must be specified`},
		{cmd: "-A INPUT -j SECMARK --selctx x", err: "only valid in 'mangle' or 'security' table"},
		{cmd: "-A INPUT -j IDLETIMER --timeout 60 --label wan", err: "idle timer", untranslated: true},
		{cmd: "-A INPUT -j IDLETIMER --timeout 60 --label wan --alarm", err: "idle timer", untranslated: true},
		{cmd: "-A INPUT -j IDLETIMER --timeout 0 --label wan", err: "timeout value is zero"},
		{cmd: "-A INPUT -j IDLETIMER --label wan", err: `"--timeout" must be specified`},
		{cmd: "-A INPUT -j LED --led-trigger-id ssh --led-delay 100 --led-always-blink", err: "LED", untranslated: true},
		{cmd: "-A INPUT -j LED --led-trigger-id ssh --led-delay inf", err: "LED", untranslated: true},
		{cmd: "-A INPUT -j LED --led-trigger-id ssh --led-delay soon", err: "Delay value"},
		{cmd: "-A INPUT -j LED --led-trigger-id abcdefghijklmnopq", err: "maximum length"},
		{cmd: "-t mangle -A PREROUTING -j HMARK --hmark-tuple src,dst,sport,dport,proto --hmark-mod 4 --hmark-rnd 0xdeadbeef --hmark-offset 100", err: "jhash", untranslated: true},
		{fam: v6, cmd: "-t mangle -A PREROUTING -j HMARK --hmark-src-prefix 64 --hmark-mod 4 --hmark-rnd 1", err: "jhash", untranslated: true},
		{cmd: "-t mangle -A PREROUTING -j HMARK --hmark-tuple src --hmark-rnd 1", err: "--hmark-mod is mandatory"},
		{cmd: "-t mangle -A PREROUTING -j HMARK --hmark-tuple src --hmark-mod 1", err: "--hmark-rnd is mandatory"},
		{cmd: "-t mangle -A PREROUTING -j HMARK --hmark-tuple src,bogus --hmark-mod 1 --hmark-rnd 1", err: `Bad type "bogus"`},
		{cmd: "-t mangle -A PREROUTING -j HMARK --hmark-tuple spi,sport --hmark-mod 1 --hmark-rnd 1", err: "at the same time"},
		{cmd: "-t mangle -A PREROUTING -j HMARK --hmark-mod 1 --hmark-rnd 1", err: "--hmark-tuple at least"},
		{cmd: "-t mangle -A PREROUTING -j HMARK --hmark-tuple src --hmark-mod 0 --hmark-rnd 1", err: "out of range"},
		{cmd: "-A INPUT -d 10.0.0.1 -j CLUSTERIP --new --hashmode sourceip --clustermac 01:00:5e:00:00:20 --total-nodes 2 --local-node 1", err: "CLUSTERIP", untranslated: true},
		{cmd: "-A INPUT -j CLUSTERIP --new --hashmode sourceip --clustermac 00:00:5e:00:00:20 --total-nodes 2 --local-node 1", err: "multicast"},
		{cmd: "-A INPUT -j CLUSTERIP --new --hashmode dest --clustermac 01:00:5e:00:00:20 --total-nodes 2 --local-node 1", err: "Unknown hashmode"},
		{cmd: "-A INPUT -j CLUSTERIP --new --hashmode sourceip", err: "Invalid parameter combination"},
		{cmd: "-A INPUT -j CLUSTERIP --hashmode sourceip", err: `also requires "--new"`},
		{fam: v6, cmd: "-A INPUT -j CLUSTERIP --new", err: "--new"}, // not an ip6tables target
		{fam: v6, cmd: "-t mangle -A POSTROUTING -o wan -j SNPT --src-pfx fd00::/64 --dst-pfx 2001:db8::/64", err: "prefix translation", untranslated: true},
		{fam: v6, cmd: "-t mangle -A PREROUTING -i wan -j DNPT --src-pfx 2001:db8::/64 --dst-pfx fd00::/64", err: "prefix translation", untranslated: true},
		{fam: v6, cmd: "-t mangle -A PREROUTING -j DNPT --src-pfx 2001:db8::/64", err: `"--dst-pfx" must be specified`},
		{fam: v6, cmd: "-A INPUT -j SNPT --src-pfx fd00::/64 --dst-pfx 2001:db8::/64", err: "only valid in mangle table"},
		{cmd: "-t mangle -A POSTROUTING -j SNPT --src-pfx 10.0.0.0/8 --dst-pfx 10.0.0.0/8", err: "unknown option"}, // not an iptables target
		{cmd: "-t mangle -A POSTROUTING -p tcp -j TCPOPTSTRIP --strip-options sack-permitted,timestamp,30", err: "cannot strip TCP options", untranslated: true},
		{cmd: "-t mangle -A POSTROUTING -p tcp -j TCPOPTSTRIP --strip-options mss,mss", err: "already specified"},
		{cmd: "-t mangle -A POSTROUTING -p tcp -j TCPOPTSTRIP --strip-options 1", err: "may not be 0 or 1"},
		{cmd: "-t mangle -A POSTROUTING -p tcp -j TCPOPTSTRIP --strip-options nope", err: "Bad TCP option value"},
		{cmd: "-t mangle -A POSTROUTING -j TCPOPTSTRIP --strip-options mss", err: "-p tcp"},
	})
}
