package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// canon parses one iptables command line and returns its canonical text.
func canon(t *testing.T, fam iptparse.Family, cmdline string) string {
	t.Helper()
	cmd, err := parseLine(t, fam, cmdline)
	if err != nil {
		t.Fatalf("%s: %v", cmdline, err)
	}
	return CanonicalRule(cmd)
}

// TestCanonicalMoreSavers: rules written in another order or spelling
// than iptables prints them, and what iptables-legacy 1.8.9 -S prints
// (taken from its output, see shim/random_ext_test.go).
func TestCanonicalMoreSavers(t *testing.T) {
	v4 := []struct{ in, want string }{
		{"-A INPUT -m dscp --dscp 10 -j ACCEPT", "-m dscp --dscp 0x0a -j ACCEPT"},
		{"-A INPUT -m dscp ! --dscp-class EF -j ACCEPT", "-m dscp ! --dscp 0x2e -j ACCEPT"},
		{"-A INPUT -m tos --tos 0x10 -j ACCEPT", "-m tos --tos 0x10/0xff -j ACCEPT"},
		{"-A INPUT -m tos ! --tos 8/63 -j ACCEPT", "-m tos ! --tos 0x08/0x3f -j ACCEPT"},
		{"-A INPUT -m tos --tos Minimize-Delay -j ACCEPT", "-m tos --tos 0x10/0x3f -j ACCEPT"},
		{"-A INPUT -m iprange --dst-range 10.0.0.1-10.0.0.5 --src-range 10.1.0.1-10.1.0.2 -j ACCEPT",
			"-m iprange --src-range 10.1.0.1-10.1.0.2 --dst-range 10.0.0.1-10.0.0.5 -j ACCEPT"},
		{"-A INPUT -m addrtype --limit-iface-in ! --dst-type unicast,local --src-type local -j ACCEPT",
			"-m addrtype --src-type LOCAL ! --dst-type UNICAST,LOCAL --limit-iface-in -j ACCEPT"},
		{"-A INPUT -p tcp -m connlimit --connlimit-above 10 -j ACCEPT",
			"-p tcp -m connlimit --connlimit-above 10 --connlimit-mask 32 --connlimit-saddr -j ACCEPT"},
		{"-A INPUT -p tcp -m connlimit --connlimit-daddr --connlimit-mask 24 --connlimit-upto 5 -j ACCEPT",
			"-p tcp -m connlimit --connlimit-upto 5 --connlimit-mask 24 --connlimit-daddr -j ACCEPT"},
		{"-A INPUT -m statistic --probability 0.5 --mode random -j ACCEPT",
			"-m statistic --mode random --probability 0.50000000000 -j ACCEPT"},
		{"-A INPUT -m statistic --packet 1 --every 3 --mode nth -j ACCEPT",
			"-m statistic --mode nth --every 3 --packet 1 -j ACCEPT"},
		{"-A INPUT -m connbytes --connbytes-mode bytes --connbytes-dir both --connbytes 10:100 -j ACCEPT",
			"-m connbytes --connbytes 10:100 --connbytes-mode bytes --connbytes-dir both -j ACCEPT"},
		{"-A INPUT -m policy --pol ipsec --dir in -j ACCEPT", "-m policy --dir in --pol ipsec -j ACCEPT"},
		{"-A INPUT -m realm --realm 1 -j ACCEPT", "-m realm --realm 0x1 -j ACCEPT"},
		{"-A INPUT -m devgroup --src-group 1 -j ACCEPT", "-m devgroup --src-group 0x1 -j ACCEPT"},
		{"-A PREROUTING -m rpfilter --validmark --loose -j ACCEPT", "-m rpfilter --loose --validmark -j ACCEPT"},
		{"-A INPUT -p ah -m ah --ahspi 100:100 -j ACCEPT", "-p ah -m ah --ahspi 100 -j ACCEPT"},
		{"-A INPUT -m time --weekdays 1,2 --timestop 17:00:00 --timestart 8:00 -j ACCEPT",
			"-m time --timestart 08:00:00 --timestop 17:00:00 --weekdays Mon,Tue --datestop 2038-01-19T03:14:07 -j ACCEPT"},
		{"-A INPUT -m time --kerneltz --weekdays 7,6 -j ACCEPT",
			"-m time --weekdays Sat,Sun --datestop 2038-01-19T03:14:07 --kerneltz -j ACCEPT"},
		{"-A INPUT -m time --datestop 2030-01-01T00:00:00 --datestart 2020-01-01 -j ACCEPT",
			"-m time --datestart 2020-01-01T00:00:00 --datestop 2030-01-01T00:00:00 -j ACCEPT"},
		{"-A INPUT -m hashlimit --hashlimit-name h1 --hashlimit-mode srcip --hashlimit-burst 20 --hashlimit-upto 10/second -j ACCEPT",
			"-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 20 --hashlimit-mode srcip --hashlimit-name h1 -j ACCEPT"},
		{"-A INPUT -m hashlimit --hashlimit-htable-expire 30000 --hashlimit-name h3 --hashlimit-mode dstip,srcip --hashlimit-upto 5/h -j ACCEPT",
			"-m hashlimit --hashlimit-upto 5/hour --hashlimit-burst 5 --hashlimit-mode srcip,dstip --hashlimit-name h3 --hashlimit-htable-expire 30000 -j ACCEPT"},
		{"-A INPUT -m hashlimit --hashlimit-mode srcip --hashlimit-name hb --hashlimit-upto 1024b/s -j ACCEPT",
			"-m hashlimit --hashlimit-upto 1kb/s --hashlimit-mode srcip --hashlimit-name hb -j ACCEPT"},
		{"-A INPUT -m string --string foo --to 13 --from 10 --algo bm -j ACCEPT",
			`-m string --string "foo" --algo bm --from 10 --to 13 -j ACCEPT`},
		{`-A INPUT -m string --to 22 --from 20 --hex-string "|4142|" --algo kmp -j ACCEPT`,
			`-m string --string "AB" --algo kmp --from 20 --to 22 -j ACCEPT`},
		{"-A OUTPUT -m owner --gid-owner root --uid-owner 0-10 -j ACCEPT", "-m owner --uid-owner 0-10 --gid-owner 0 -j ACCEPT"},
		{"-A INPUT -p tcp -m ecn --ecn-ip-ect 1 ! --ecn-tcp-ece -j ACCEPT", "-p tcp -m ecn ! --ecn-tcp-ece --ecn-ip-ect 1 -j ACCEPT"},
		{"-A INPUT -p tcp -m u32 --u32 0>>22&0x3C@0>>16=0x50 -j ACCEPT", `-p tcp -m u32 --u32 "0x0>>0x16&0x3c@0x0>>0x10=0x50" -j ACCEPT`},
		{"-A INPUT -m conntrack --ctorigsrc 10.1.2.3/8 --ctrepldst 10.0.0.1/32 -j ACCEPT", "-m conntrack --ctorigsrc 10.1.2.3/8 --ctrepldst 10.0.0.1 -j ACCEPT"},
		{"-A INPUT -m cluster --cluster-hash-seed 0xdeadbeef --cluster-local-node 1 --cluster-total-nodes 2 -j ACCEPT",
			"-m cluster --cluster-local-nodemask 0x00000001 --cluster-total-nodes 2 --cluster-hash-seed 0xdeadbeef -j ACCEPT"},
		{"-A INPUT -p dccp -m dccp --dport 80 --sport 1000 -j ACCEPT", "-p dccp -m dccp --sport 1000 --dport 80 -j ACCEPT"},
		{"-A INPUT -p tcp --syn -j SYNPROXY --timestamp --sack-perm --wscale 7 --mss 1460",
			"-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460"},
		{"-A OUTPUT -m cgroup --cgroup 0x100001 -j ACCEPT", "-m cgroup --cgroup 1048577 -j ACCEPT"},
		{"-A PREROUTING -p tcp -j TPROXY --tproxy-mark 1/1 --on-port 8080", "-p tcp -j TPROXY --on-port 8080 --on-ip 0.0.0.0 --tproxy-mark 0x1/0x1"},
		{"-A PREROUTING -p tcp -j TPROXY --on-ip 127.0.0.1 --on-port 8080", "-p tcp -j TPROXY --on-port 8080 --on-ip 127.0.0.1 --tproxy-mark 0x0/0x0"},
		{"-A PREROUTING -m socket --nowildcard --transparent -j ACCEPT", "-m socket --transparent --nowildcard -j ACCEPT"},
		{"-A PREROUTING -p tcp -j CT --zone 0x10 --helper ftp", "-p tcp -j CT --helper ftp --zone 16"},
		{"-A PREROUTING -j CT --zone-orig 0 --notrack", "-j CT --notrack"},
		{"-A PREROUTING -j DSCP --set-dscp-class AF11", "-j DSCP --set-dscp 0x0a"},
		{"-A PREROUTING -j TOS --and-tos 3", "-j TOS --set-tos 0x00/0xfc"},
		{"-A PREROUTING -j TOS --set-tos 0x10", "-j TOS --set-tos 0x10/0xff"},
		{"-A OUTPUT -j AUDIT --type DROP", "-j AUDIT --type drop"},
		{"-A POSTROUTING -j CLASSIFY --set-class 1:10", "-j CLASSIFY --set-class 0001:0010"},
		{"-A INPUT -j SET --timeout 10 --exist --add-set s src", "-j SET --add-set s src --exist --timeout 10"},
		{"-A PREROUTING -j DNAT --persistent --to-destination 192.0.2.1-192.0.2.3", "-j DNAT --to-destination 192.0.2.1-192.0.2.3 --persistent"},
		{"-A POSTROUTING -p tcp -j MASQUERADE --random --to-ports 1000-2000", "-p tcp -j MASQUERADE --to-ports 1000-2000 --random"},
	}
	for _, c := range v4 {
		if got := canon(t, iptparse.FamilyIPv4, c.in); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	v6 := []struct{ in, want string }{
		{"-A INPUT -p tcp -m connlimit --connlimit-above 10 -j ACCEPT",
			"-p tcp -m connlimit --connlimit-above 10 --connlimit-mask 128 --connlimit-saddr -j ACCEPT"},
		{"-A INPUT -m iprange --src-range 2001:db8::1-2001:db8::9 -j ACCEPT", "-m iprange --src-range 2001:db8::1-2001:db8::9 -j ACCEPT"},
		{"-A INPUT -p mh -m mh --mh-type home-test-init -j ACCEPT", "-p mobility-header -m mh --mh-type 1 -j ACCEPT"},
		{"-A INPUT -m rt --rt-segsleft 2 --rt-type 0 -j ACCEPT", "-m rt --rt-type 0 --rt-segsleft 2 -j ACCEPT"},
		{"-A INPUT -m frag --fragfirst --fragid 5 -j ACCEPT", "-m frag --fragid 5 --fragfirst -j ACCEPT"},
		{"-A INPUT -m ipv6header --header frag --soft -j ACCEPT", "-m ipv6header --header ipv6-frag --soft -j ACCEPT"},
	}
	for _, c := range v6 {
		if got := canon(t, iptparse.FamilyIPv6, c.in); got != c.want {
			t.Errorf("ip6 %s:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}
