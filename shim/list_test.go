package shim_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

// listRules exercise the -L printer of every extension the shim prints
// in iptables' words.
var listRules = []string{
	"-A INPUT -p tcp --dport 22 -j ACCEPT",
	"-A INPUT -p tcp --sport 1024:65535 --dport 80:90 --tcp-flags SYN,ACK SYN -j DROP",
	"-A INPUT -p tcp ! --dport 23 --syn --tcp-option 2 -j DROP",
	"-A INPUT -p tcp ! --tcp-flags ALL NONE -j DROP",
	"-A INPUT -p udp --sport 53 -j ACCEPT",
	"-A INPUT -p udp ! --sport 1:2 -j ACCEPT",
	"-A INPUT -p icmp --icmp-type echo-request -j ACCEPT",
	"-A INPUT -p icmp ! --icmp-type 3/4 -j ACCEPT",
	"-A INPUT -p icmp --icmp-type any -j ACCEPT",
	"-A INPUT -p icmp --icmp-type 3 -j ACCEPT",
	"-A INPUT -p tcp -m multiport --dports 80,443,8000:8080 -j ACCEPT",
	"-A INPUT -p udp -m multiport ! --sports 53,123 -j ACCEPT",
	"-A INPUT -p tcp -m multiport --ports 1,2 -j ACCEPT",
	"-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
	"-A INPUT -m state ! --state INVALID -j ACCEPT",
	"-A INPUT -m conntrack --ctstate NEW,INVALID --ctstatus ASSURED --ctproto tcp --ctorigsrc 10.0.0.0/8 --ctorigdstport 80 --ctdir REPLY -j DROP",
	"-A INPUT -m conntrack ! --ctstate NEW -j DROP",
	"-A INPUT -m comment --comment 'hello world' -j ACCEPT",
	"-A INPUT -m mark --mark 0x10/0xf0 -j ACCEPT",
	"-A INPUT -m mark ! --mark 5 -j ACCEPT",
	"-A INPUT -m connmark --mark 7 -j ACCEPT",
	"-A INPUT -m limit --limit 5/min --limit-burst 10 -j LOG --log-prefix 'x ' --log-level 6",
	"-A INPUT -m limit --limit 100/sec -j ACCEPT",
	"-A INPUT -m limit --limit 2/hour -j ACCEPT",
	"-A INPUT -m mac --mac-source aa:bb:cc:dd:ee:ff -j ACCEPT",
	"-A INPUT -m mac ! --mac-source 00:11:22:33:44:55 -j ACCEPT",
	"-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 -j ACCEPT",
	"-A INPUT -m iprange ! --dst-range 10.0.0.1-10.0.0.9 -j ACCEPT",
	"-A INPUT -m set --match-set s src -j DROP",
	"-A INPUT -m set ! --match-set s src,dst -j DROP",
	"-A OUTPUT -m owner --uid-owner 0 -j ACCEPT",
	"-A OUTPUT -m owner ! --uid-owner 1000-2000 --gid-owner 5 -j ACCEPT",
	"-A INPUT -m addrtype --dst-type LOCAL -j ACCEPT",
	"-A INPUT -m addrtype ! --src-type BROADCAST,MULTICAST --limit-iface-in -j ACCEPT",
	"-A INPUT -m length --length 100:200 -j DROP",
	"-A INPUT -m length ! --length 50 -j DROP",
	"-A INPUT -m pkttype --pkt-type broadcast -j DROP",
	"-A INPUT -p tcp -m tcpmss --mss 1000:1500 -j DROP",
	"-A INPUT -j LOG",
	"-A INPUT -j LOG --log-prefix 'fw: ' --log-level info --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode",
	"-A INPUT -j REJECT",
	"-A INPUT -p tcp -j REJECT --reject-with tcp-reset",
	"-A INPUT -j REJECT --reject-with icmp-host-prohibited",
	"-A INPUT -j NFLOG --nflog-group 3 --nflog-prefix x --nflog-threshold 2",
	"-A INPUT -j NFLOG",
	"-A INPUT -j SET --add-set s src --exist",
	"-A INPUT -j SET --del-set s src,dst",
	"-A INPUT -s 10.0.0.0/8 ! -d 1.2.3.4 -i eth0 -f -j RETURN",
	"-A INPUT -p 47 -j ACCEPT",
	"-A INPUT ! -p udp -j ACCEPT",
	"-N USER",
	"-A INPUT -j USER",
	"-A INPUT -g USER",
	"-A INPUT",
	"-t mangle -A PREROUTING -j MARK --set-mark 5",
	"-t mangle -A PREROUTING -j MARK --set-xmark 0x5/0xff",
	"-t mangle -A PREROUTING -j MARK --and-mark 0xf",
	"-t mangle -A PREROUTING -j MARK --or-mark 0x100",
	"-t mangle -A PREROUTING -j MARK --xor-mark 0x3",
	"-t mangle -A PREROUTING -j CONNMARK --restore-mark --mask 0xff",
	"-t mangle -A PREROUTING -j CONNMARK --save-mark",
	"-t mangle -A PREROUTING -j CONNMARK --set-mark 4/0xf",
	"-t mangle -A PREROUTING -j CONNMARK --set-mark 4",
	"-t mangle -A POSTROUTING -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu",
	"-t mangle -A POSTROUTING -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400",
	"-t nat -A POSTROUTING -o eth0 -j MASQUERADE",
	"-t nat -A POSTROUTING -o eth0 -p tcp -j MASQUERADE --to-ports 1000-2000 --random",
	"-t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.2:8080",
	"-t nat -A PREROUTING -p tcp --dport 81 -j DNAT --to-destination 10.0.0.2-10.0.0.5",
	"-t nat -A PREROUTING -p tcp --dport 82 -j DNAT --to-destination 10.0.0.2:80-90 --random --persistent",
	"-t nat -A POSTROUTING -j SNAT --to-source 1.2.3.4",
	"-t nat -A POSTROUTING -p udp -j SNAT --to-source 1.2.3.4:1000-2000 --random-fully",
	"-t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 3128",
	"-t nat -A PREROUTING -p tcp -j REDIRECT",
	"-t raw -A PREROUTING -j NOTRACK",
	"-t raw -A PREROUTING -j CT --notrack",
}

// TestListLikeLegacy loads the same rules into the shim and into
// iptables-legacy and compares -L in every table: numeric with counters
// and line numbers (-n -v -x --line-numbers), and with names (-v:
// services, ICMP types, LOG levels).
func TestListLikeLegacy(t *testing.T) {
	bin := tools(t)
	legacy := ipsetSide{ns: testutil.NewNetns(t)}
	ours := ipsetSide{ns: testutil.NewNetns(t), dir: bin}
	for _, s := range []ipsetSide{legacy, ours} {
		if _, e, c := s.run("", "ipset", "create", "s", "hash:ip"); c != 0 {
			t.Fatalf("ipset create: %s", e)
		}
		for _, r := range listRules {
			if _, e, c := s.run("", "iptables", splitArgs(r)...); c != 0 {
				t.Fatalf("iptables %s (%s): %s", r, s.dir, e)
			}
		}
	}
	v6 := []string{
		"-A INPUT -p icmpv6 --icmpv6-type echo-request -j ACCEPT",
		"-A INPUT -p icmpv6 ! --icmpv6-type 1/3 -j ACCEPT",
		"-A INPUT -p icmpv6 --icmpv6-type 135 -j ACCEPT",
		"-A INPUT -s 2001:db8::/32 -p tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT",
		"-A INPUT -p tcp -j REJECT --reject-with tcp-reset",
		"-A INPUT -j REJECT",
	}
	for _, s := range []ipsetSide{legacy, ours} {
		for _, r := range v6 {
			if _, e, c := s.run("", "ip6tables", splitArgs(r)...); c != 0 {
				t.Fatalf("ip6tables %s (%s): %s", r, s.dir, e)
			}
		}
	}
	for _, flags := range [][]string{{"-n", "-v", "-x", "--line-numbers"}, {"-v"}} {
		args := append([]string{"-L"}, flags...)
		want, _, wc := legacy.run("", "ip6tables", args...)
		got, _, gc := ours.run("", "ip6tables", args...)
		if wc != 0 || gc != 0 || want != got {
			t.Errorf("ip6tables %s: exit %d (legacy %d), output differs:\n%s", strings.Join(args, " "), gc, wc, testutil.LineDiff(want, got))
		}
	}
	for _, table := range []string{"filter", "mangle", "nat", "raw"} {
		for _, flags := range [][]string{{"-n", "-v", "-x", "--line-numbers"}, {"-v"}, {"-n"}} {
			args := append([]string{"-t", table, "-L"}, flags...)
			want, _, wc := legacy.run("", "iptables", args...)
			got, _, gc := ours.run("", "iptables", args...)
			if wc != 0 || gc != 0 || want != got {
				t.Errorf("iptables %s: exit %d (legacy %d), output differs:\n%s", strings.Join(args, " "), gc, wc, testutil.LineDiff(want, got))
			}
		}
	}
}

// TestListZero: -L -Z lists the counters, then zeroes them (with -v
// saying so); the next -L shows zeros. Two datagrams to a closed port on lo make the counters.
func TestListZero(t *testing.T) {
	bin := tools(t)
	legacy := ipsetSide{ns: testutil.NewNetns(t)}
	ours := ipsetSide{ns: testutil.NewNetns(t), dir: bin}
	for _, s := range []ipsetSide{legacy, ours} {
		for _, r := range []string{"-A INPUT -p udp -j ACCEPT", "-A INPUT -p icmp -j ACCEPT", "-A OUTPUT -p udp -j ACCEPT", "-A OUTPUT -p icmp -j ACCEPT", "-N X", "-A X -j RETURN"} {
			if _, e, c := s.run("", "iptables", splitArgs(r)...); c != 0 {
				t.Fatalf("iptables %s: %s", r, e)
			}
		}
		if _, e, c := run(s.ns, "", "bash", "-c", "ip link set lo up && echo x >/dev/udp/127.0.0.1/9 && echo yy >/dev/udp/127.0.0.1/9"); c != 0 {
			t.Fatalf("udp: %s", e)
		}
	}
	counted := regexp.MustCompile(`(?m)^ +[1-9][0-9]* +[0-9]+ ACCEPT `)
	for i, args := range [][]string{
		{"-L", "-Z", "-n", "-v", "-x"},
		{"-L", "-n", "-v", "-x"},
		{"-Z", "INPUT", "-L", "INPUT", "-v", "-n"},
		{"-L", "-Z", "X", "-n"},
	} {
		want, we, wc := legacy.run("", "iptables", args...)
		got, ge, gc := ours.run("", "iptables", args...)
		if wc != gc || want != got {
			t.Errorf("iptables %s: exit %d (legacy %d), output differs:\n%s\n%s%s", strings.Join(args, " "), gc, wc, testutil.LineDiff(want, got), we, ge)
		}
		if i == 0 && !counted.MatchString(got) {
			t.Errorf("-L -Z listed no counted rule:\n%s", got)
		}
		if i == 1 && counted.MatchString(got) {
			t.Errorf("-L after -L -Z still counts:\n%s", got)
		}
		if i == 2 && !strings.Contains(got, "Zeroing chain `INPUT'") {
			t.Errorf("-Z -L -v did not say it zeroes:\n%s", got)
		}
	}
}
