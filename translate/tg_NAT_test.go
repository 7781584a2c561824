package translate

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/shlex"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Tests for SNAT, DNAT, MASQUERADE, REDIRECT (tg_SNAT.go ... and
// natrange.go) and NETMAP.

var natCases = []tgCase{
	// upstream's cases (in user chains, where hooks are not checked)
	{0, "-t nat -N prerouting", "add chain ip nat prerouting", ""},
	{0, "-t nat -N postrouting", "add chain ip nat postrouting", ""},
	{0, "-t nat -A prerouting -p tcp -o eth0 -j DNAT --to-destination 1.2.3.4",
		`add rule ip nat prerouting oifname "eth0" ip protocol tcp counter dnat to 1.2.3.4`,
		`oifname "eth0" ip protocol tcp counter dnat to 1.2.3.4`},
	{0, "-t nat -A prerouting -p tcp -d 15.45.23.67 --dport 80 -j DNAT --to-destination 192.168.1.1-192.168.1.10",
		"add rule ip nat prerouting ip daddr 15.45.23.67 tcp dport 80 counter dnat to 192.168.1.1-192.168.1.10",
		"ip daddr 15.45.23.67 tcp dport 80 counter dnat to 192.168.1.1-192.168.1.10"},
	{0, "-t nat -A prerouting -p tcp -o eth0 -j DNAT --to-destination 1.2.3.4:1-1023",
		`add rule ip nat prerouting oifname "eth0" ip protocol tcp counter dnat to 1.2.3.4:1-1023`,
		`oifname "eth0" ip protocol tcp counter dnat to 1.2.3.4:1-1023`},
	{0, "-t nat -A prerouting -p tcp -o eth0 -j DNAT --to-destination 1.2.3.4 --random --persistent",
		`add rule ip nat prerouting oifname "eth0" ip protocol tcp counter dnat to 1.2.3.4 random,persistent`,
		`oifname "eth0" ip protocol tcp counter dnat to 1.2.3.4 random,persistent`},
	{0, "-t nat -A postrouting -o eth0 -j SNAT --to 1.2.3.4-1.2.3.6",
		`add rule ip nat postrouting oifname "eth0" counter snat to 1.2.3.4-1.2.3.6`,
		`oifname "eth0" counter snat to 1.2.3.4-1.2.3.6`},
	{0, "-t nat -A postrouting -o eth0 -j SNAT --to 1.2.3.4 --random-fully --random --persistent",
		`add rule ip nat postrouting oifname "eth0" counter snat to 1.2.3.4 random,fully-random,persistent`,
		`oifname "eth0" counter snat to 1.2.3.4 random,fully-random,persistent`},
	// built-in chains
	{0, "-t nat -A PREROUTING -i eth0 -p tcp -m tcp --dport 2222 -j DNAT --to-destination 10.0.0.5:22",
		`add rule ip nat PREROUTING iifname "eth0" tcp dport 2222 counter dnat to 10.0.0.5:22`,
		`iifname "eth0" tcp dport 2222 counter dnat to 10.0.0.5:22`},
	{0, "-t nat -A OUTPUT -p udp -j DNAT --to :53",
		"add rule ip nat OUTPUT ip protocol udp counter dnat to :53",
		"ip protocol udp counter dnat to :53"},
	{0, "-t nat -A INPUT -p sctp -j SNAT --to-source 10.0.0.1:0x50-0121",
		"add rule ip nat INPUT ip protocol sctp counter snat to 10.0.0.1:80-81",
		"ip protocol sctp counter snat to 10.0.0.1:80-81"},
	{0, "-t nat -A INPUT -p sctp -j SNAT --to-source 10.0.0.1:0x50-0120",
		"add rule ip nat INPUT ip protocol sctp counter snat to 10.0.0.1:80",
		"ip protocol sctp counter snat to 10.0.0.1:80"},
	{0, "-t nat -A POSTROUTING -p dccp -j SNAT --to-source 10.0.0.1:http",
		"add rule ip nat POSTROUTING ip protocol dccp counter snat to 10.0.0.1:80",
		"ip protocol dccp counter snat to 10.0.0.1:80"},
	{0, "-t nat -A PREROUTING -p icmp -j DNAT --to-destination 10.0.0.1:7",
		"add rule ip nat PREROUTING ip protocol icmp counter dnat to 10.0.0.1:7",
		"ip protocol icmp counter dnat to 10.0.0.1:7"},
	{0, "-t nat -A POSTROUTING -o eth1 -p tcp -j MASQUERADE --to-ports 1024-65535",
		`add rule ip nat POSTROUTING oifname "eth1" ip protocol tcp counter masquerade to :1024-65535`,
		`oifname "eth1" ip protocol tcp counter masquerade to :1024-65535`},
	{0, "-t nat -A POSTROUTING -j MASQUERADE --random-fully",
		"add rule ip nat POSTROUTING counter masquerade fully-random",
		"counter masquerade fully-random"},
	{0, "-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080 --random",
		"add rule ip nat PREROUTING tcp dport 80 counter redirect to :8080 random",
		"tcp dport 80 counter redirect to :8080 random"},
	{0, "-t nat -A OUTPUT -d 127.0.0.1/32 -p udp -m udp --dport 53 -j REDIRECT --to-port 5353",
		"add rule ip nat OUTPUT ip daddr 127.0.0.1 udp dport 53 counter redirect to :5353",
		"ip daddr 127.0.0.1 udp dport 53 counter redirect to :5353"},
	{0, "-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 0",
		"add rule ip nat PREROUTING tcp dport 80 counter redirect to :0",
		"tcp dport 80 counter redirect to :0"},
	{0, "-t nat -A PREROUTING -p tcp --dport 81 -j REDIRECT --to-ports 0-65535",
		"add rule ip nat PREROUTING tcp dport 81 counter redirect to :0-65535",
		"tcp dport 81 counter redirect to :0-65535"},
	{0, "-t nat -A OUTPUT -j REDIRECT",
		"add rule ip nat OUTPUT counter redirect",
		"counter redirect"},
	// "any two characters before the colon" mean no address, as in iptables
	{0, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination 12:80",
		"add rule ip nat PREROUTING ip protocol tcp counter dnat to :80",
		"ip protocol tcp counter dnat to :80"},
	// ! -p: nft needs a protocol context for the port mapping; normal mode
	// adds the set of all other protocols (see natTransportContext)
	{0, "-t nat -A PREROUTING ! -p tcp -j DNAT --to-destination 10.0.0.1:53",
		"add rule ip nat PREROUTING ip protocol != tcp counter dnat to 10.0.0.1:53",
		"ip protocol != tcp counter meta l4proto " + allProtosBut(6) + " dnat to 10.0.0.1:53"},
	{0, "-t nat -A PREROUTING ! -p udp -j DNAT --to-destination 10.0.0.1",
		"add rule ip nat PREROUTING ip protocol != udp counter dnat to 10.0.0.1",
		"ip protocol != udp counter dnat to 10.0.0.1"},

	// IPv6
	{v6, "-t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination fec0::1234-fec0::2000",
		"add rule ip6 nat PREROUTING tcp dport 8080 counter dnat to fec0::1234-fec0::2000",
		"tcp dport 8080 counter dnat to fec0::1234-fec0::2000"},
	{v6, "-t nat -A PREROUTING -i eth1 -p tcp --dport 8080 -j DNAT --to-destination [fec0::1234]:80",
		`add rule ip6 nat PREROUTING iifname "eth1" tcp dport 8080 counter dnat to [fec0::1234]:80`,
		`iifname "eth1" tcp dport 8080 counter dnat to [fec0::1234]:80`},
	{v6, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination [fec0::1234-fec0::2000]:1-20 --random --persistent",
		"add rule ip6 nat PREROUTING meta l4proto tcp counter dnat to [fec0::1234-fec0::2000]:1-20 random,persistent",
		"meta l4proto tcp counter dnat to [fec0::1234]-[fec0::2000]:1-20 random,persistent"},
	{v6, "-t nat -A PREROUTING -p udp -j DNAT --to-destination []:53",
		"add rule ip6 nat PREROUTING meta l4proto udp counter dnat to :53",
		"meta l4proto udp counter dnat to :53"},
	{v6, "-t nat -A PREROUTING -p udp -j DNAT --to-destination [::1]",
		"add rule ip6 nat PREROUTING meta l4proto udp counter dnat to ::1",
		"meta l4proto udp counter dnat to ::1"},
	{v6, "-t nat -A POSTROUTING -o eth0 -p tcp -j SNAT --to [fec0::1234]:123 --random-fully --persistent",
		`add rule ip6 nat POSTROUTING oifname "eth0" meta l4proto tcp counter snat to [fec0::1234]:123 fully-random,persistent`,
		`oifname "eth0" meta l4proto tcp counter snat to [fec0::1234]:123 fully-random,persistent`},
	{v6, "-t nat -A POSTROUTING -p tcp -j MASQUERADE --to-ports 10-20 --random",
		"add rule ip6 nat POSTROUTING meta l4proto tcp counter masquerade to :10-20 random",
		"meta l4proto tcp counter masquerade to :10-20 random"},
	{v6, "-t nat -A PREROUTING -p icmp -j DNAT --to-destination [::2]:7",
		"add rule ip6 nat PREROUTING meta l4proto icmp counter dnat to [::2]:7",
		"meta l4proto icmp counter dnat to [::2]:7"},
	{v6, "-t nat -A OUTPUT ! -p udp -j REDIRECT --to-ports 99",
		"add rule ip6 nat OUTPUT meta l4proto != udp counter redirect to :99",
		"meta l4proto != udp counter meta l4proto " + allProtosBut(17) + " redirect to :99"},
}

func allProtosBut(n int) string {
	var b strings.Builder
	b.WriteString("{ ")
	first := true
	for i := 0; i <= 255; i++ {
		if i == n {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(itoa(i))
	}
	b.WriteString(" }")
	return b.String()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestTargetNAT(t *testing.T) {
	checkCases(t, natCases)
	checkBad(t, []tgBad{
		// iptables reads -p when it parses the option: it must come first
		{0, "-t nat -A PREROUTING -j DNAT --to-destination 1.2.3.4:80 -p tcp", false, "Need TCP, UDP, SCTP or DCCP with port specification"},
		{0, "-t nat -A PREROUTING -j DNAT --to-destination 1.2.3.4:80", false, "Need TCP, UDP"},
		{0, "-t nat -A PREROUTING -p esp -j DNAT --to-destination 1.2.3.4:80", false, "Need TCP, UDP"},
		{0, "-t nat -A POSTROUTING -j MASQUERADE --to-ports 80", false, "Need TCP, UDP"},
		{0, "-t nat -A PREROUTING -j DNAT", false, `"--to-destination" must be specified`},
		{0, "-t nat -A PREROUTING -j DNAT --to-destination 1.2.3.4 --random-fully", false, "unknown option"},
		{0, "-t nat -A PREROUTING -j REDIRECT --persistent", false, "unknown option"},
		{0, "-t nat -A PREROUTING -j DNAT --to-destination 1.2.3", false, `Bad IP address "1.2.3"`},
		{0, "-t nat -A PREROUTING -j DNAT --to-destination 1.2.3.4-x", false, `Bad IP address "x"`},
		{0, "-t nat -A PREROUTING -j DNAT --to-destination fec0::1", false, "Bad IP address"},
		{0, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination [1.2.3.4]:80", false, "Invalid address format"},
		{v6, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination [fec0::1:80", false, "Invalid address format"},
		{v6, "-t nat -A PREROUTING -j DNAT --to-destination 1.2.3.4", false, "Bad IP address"},
		{v6, "-t nat -A PREROUTING -j DNAT --to-destination fe80::1%eth0", false, "Bad IP address"},
		{v6, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination [::1]:80:90", false, "Invalid port:port syntax - use dash"},
		// two colons make an IPv6 address
		{0, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80:90", false, `Bad IP address "1.2.3.4:80:90"`},
		{0, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:90-80", false, "Port range `80' funky"},
		{0, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80x", false, "Garbage after port value: `x'"},
		{0, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80-90x", false, "Garbage after port range: `x'"},
		{0, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:http-90", false, "Port `http-90' not valid"},
		{0, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:65536", false, "Port `65536' not valid"},
		{0, "-t nat -A PREROUTING -p tcp -j REDIRECT --to-ports $port", false, "Port `$port' not valid"},
		{0, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4 --to-destination 1.2.3.5", false, "only be used once"},
		// shifted port maps: REDIRECT refuses them, nft has none
		{0, "-t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 1000-2000/80", false, "Shifted portmap ranges not supported"},
		{0, "-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:1000-2000/80", true, "shifted port maps"},
		{0, "-t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:1000-2000/80", true, "shifted port maps"},
		{v6, "-t nat -A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000/http", true, "shifted port maps"},
		// where the kernel accepts the targets
		{0, "-A INPUT -j DNAT --to-destination 1.2.3.4", false, "DNAT target: only valid in nat table, not filter"},
		{0, "-t mangle -A PREROUTING -j SNAT --to-source 1.2.3.4", false, "only valid in nat table"},
		{0, "-t nat -A PREROUTING -j SNAT --to-source 1.2.3.4", false, "SNAT target: used from chain PREROUTING, but only valid from INPUT/POSTROUTING"},
		{0, "-t nat -A POSTROUTING -j DNAT --to-destination 1.2.3.4", false, "only valid from PREROUTING/OUTPUT"},
		{v6, "-t nat -A OUTPUT -j MASQUERADE", false, "only valid from POSTROUTING"},
		{0, "-t nat -A INPUT -j REDIRECT", false, "only valid from PREROUTING/OUTPUT"},
		// kubernetes dumps written by a mismatched iptables-save
		{0, "-t nat -A KUBE-SEP-X -p tcp -m tcp -j DNAT --to-destination  --random --to-destination  --random --to-destination 0.0.0.0:0", false, ""},
	})
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(natCases, iptparse.FamilyIPv4)...)
	loadNative(t, v6, nativeCmds(natCases, v6)...)
}

var netmapCases = []tgCase{
	{0, "-t nat -A PREROUTING -d 1.2.3.0/24 -j NETMAP --to 10.0.0.0/24",
		"add rule ip nat PREROUTING ip daddr 1.2.3.0/24 counter dnat prefix to 10.0.0.0/24",
		"ip daddr 1.2.3.0/24 counter dnat prefix to 10.0.0.0/24"},
	{0, "-t nat -A POSTROUTING -s 10.0.0.0/24 -j NETMAP --to 1.2.3.77/24",
		"add rule ip nat POSTROUTING ip saddr 10.0.0.0/24 counter snat prefix to 1.2.3.0/24",
		"ip saddr 10.0.0.0/24 counter snat prefix to 1.2.3.0/24"},
	{0, "-t nat -A OUTPUT -j NETMAP --to 10.1.2.3",
		"add rule ip nat OUTPUT counter dnat prefix to 10.1.2.3/32",
		"counter dnat prefix to 10.1.2.3/32"},
	{0, "-t nat -A INPUT -j NETMAP --to 10.1.2.3/255.0.255.0",
		"add rule ip nat INPUT counter snat prefix to 10.0.2.0-10.255.2.255",
		"counter snat prefix to 10.0.2.0-10.255.2.255"},
	{v6, "-t nat -A PREROUTING -d 2001:db8::/64 -j NETMAP --to fd00::/64",
		"add rule ip6 nat PREROUTING ip6 daddr 2001:db8::/64 counter dnat prefix to fd00::/64",
		"ip6 daddr 2001:db8::/64 counter dnat prefix to fd00::/64"},
	{v6, "-t nat -A POSTROUTING -j NETMAP --to fd00::1:2/112",
		"add rule ip6 nat POSTROUTING counter snat prefix to fd00::1:0/112",
		"counter snat prefix to fd00::1:0/112"},
}

func TestTargetNETMAP(t *testing.T) {
	checkCases(t, netmapCases)
	checkBad(t, []tgBad{
		{0, "-t nat -A PREROUTING -j NETMAP", false, `"--to" must be specified`},
		{0, "-t mangle -A PREROUTING -j NETMAP --to 10.0.0.0/8", false, "NETMAP target: only valid in nat table, not mangle"},
		{0, "-t nat -A PREROUTING -j NETMAP --to example.com/24", false, "not resolved"},
		{v6, "-t nat -A PREROUTING -j NETMAP --to 10.0.0.0/8", false, ""},
	})
	// in a user chain, the direction depends on the calling hook
	tr := New(Options{})
	for _, cl := range [][]string{{"-t", "nat", "-N", "m"}, {"-t", "nat", "-A", "m", "-j", "NETMAP", "--to", "10.0.0.0/8"}} {
		p := &iptparse.Parser{Registry: Registry{}, Family: iptparse.FamilyIPv4}
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs(cl, "test"))
		if err != nil {
			t.Fatal(err)
		}
		tr.AddCommand(cmd)
	}
	if s := tr.Stats(); s.Untranslated != 1 {
		t.Errorf("NETMAP in a user chain: %+v, want 1 untranslated", s)
	}
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(netmapCases, iptparse.FamilyIPv4)...)
	loadNative(t, v6, nativeCmds(netmapCases, v6)...)
}

// NETMAP and the NAT targets in the kernel (iptables-legacy) and as
// ipt2nft's nat statements must map the same addresses: one UDP packet
// from 10.0.0.1 to 10.1.2.3 goes through OUTPUT and POSTROUTING, and a
// check table after NAT records its addresses. (Non-contiguous NETMAP
// masks are left out: the installed iptables-legacy 1.8.9 reads
// "/255.0.255.0" as /32, while 1.8.11, which ipt2nft follows, keeps the
// mask.)
func TestTargetNETMAPInKernel(t *testing.T) {
	if _, err := exec.LookPath("iptables-legacy"); err != nil {
		t.Skip("skipped: needs iptables-legacy as the reference")
	}
	const check = `table ip ipt2nft_check {
	set seen {
		type ipv4_addr . ipv4_addr . inet_service
		flags dynamic
	}
	chain post {
		type filter hook postrouting priority 200; policy accept;
		meta l4proto udp add @seen { ip saddr . ip daddr . udp dport }
	}
}
`
	for _, rule := range []string{
		"-t nat -A OUTPUT -p udp --dport 9 -j NETMAP --to 192.168.0.0/16",
		"-t nat -A OUTPUT -p udp --dport 9 -j NETMAP --to 10.9.9.9",
		"-t nat -A POSTROUTING -p udp --dport 9 -j NETMAP --to 10.200.0.0/16",
		"-t nat -A OUTPUT -p udp --dport 9 -j DNAT --to-destination 10.7.7.7-10.7.7.7:99",
		"-t nat -A POSTROUTING -p udp --dport 9 -j SNAT --to-source 10.0.0.2",
		"-t nat -A POSTROUTING -p udp --dport 9 -j SNAT --to-source 10.0.0.5-10.0.0.5:1000-1000",
		"-t nat -A POSTROUTING -p udp --dport 9 -j MASQUERADE --to-ports 2000",
	} {
		var res [2]string
		for i, ours := range []bool{false, true} {
			ns := testutil.NewNetns(t)
			for _, c := range [][]string{
				{"ip", "link", "set", "lo", "up"},
				{"ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"},
				{"ip", "link", "set", "v0", "up"},
				{"ip", "link", "set", "v1", "up"},
				{"ip", "addr", "add", "10.0.0.1/8", "dev", "v0"},
				{"ip", "route", "add", "default", "dev", "v0"},
			} {
				if out, err := ns.Exec("", c...); err != nil {
					t.Fatalf("%v: %v %s", c, err, out)
				}
			}
			rs := check
			if ours {
				rs += nativeRuleset(t, iptparse.FamilyIPv4, rule)
			} else {
				args, _ := shlex.Split(rule)
				if out, err := ns.Exec("", append([]string{"iptables-legacy"}, args...)...); err != nil {
					t.Fatalf("iptables-legacy %s: %v\n%s", rule, err, out)
				}
			}
			if err := ns.NftLoad(rs); err != nil {
				t.Fatalf("%v\n%s", err, rs)
			}
			if out, err := ns.Exec("", "env", "IPT2NFT_HELPER_SEND_UDP=10.1.2.3:9", os.Args[0], "-test.run=^TestHelperSendUDP$"); err != nil {
				t.Fatalf("sending: %v\n%s", err, out)
			}
			out, err := ns.Exec("", "nft", "list", "set", "ip", "ipt2nft_check", "seen")
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if m := seenRe.FindStringSubmatch(out); m != nil {
				res[i] = m[1]
			}
		}
		if res[0] == "" || res[0] != res[1] {
			t.Errorf("%s: kernel sends %q, the nft translation %q", rule, res[0], res[1])
		}
	}
}
