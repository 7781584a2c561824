package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateHashlimit(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		// upstream's libxt_hashlimit.txlate, without -m state.
		{"-A OUTPUT -m tcp -p tcp --dport 443 -m hashlimit --hashlimit-above 20kb/s --hashlimit-burst 1mb --hashlimit-mode dstip --hashlimit-name https --hashlimit-dstmask 24 -j DROP",
			"add rule ip filter OUTPUT tcp dport 443 meter https { ip daddr and 255.255.255.0 timeout 60s limit rate over 20 kbytes/second burst 1 mbytes } counter drop",
			// 1 MiB rounded up to whole 20 KiB steps, as the kernel does.
			"tcp dport 443 update @hashlimit_https { ip daddr & 255.255.255.0 limit rate over 20 kbytes/second burst 1040 kbytes } counter drop"},
		{"-A OUTPUT -m tcp -p tcp --dport 443 -m hashlimit --hashlimit-upto 300 --hashlimit-burst 15 --hashlimit-mode srcip,dstip --hashlimit-name https --hashlimit-htable-expire 300000 -j DROP",
			"add rule ip filter OUTPUT tcp dport 443 meter https { ip daddr . ip saddr timeout 300s limit rate 300/second burst 15 packets } counter drop",
			"tcp dport 443 update @hashlimit_https { ip daddr . ip saddr limit rate 300/second burst 15 packets } counter drop"},
		// One-second expiry: upstream leaves the timeout out.
		{"-A INPUT -m hashlimit --hashlimit-above 1000/sec --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name ic -j DROP",
			"add rule ip filter INPUT meter ic { ip saddr timeout 1s limit rate over 1000/second } counter drop",
			"update @hashlimit_ic { ip saddr limit rate over 1000/second } counter drop"},
		{"-A INPUT -m hashlimit --hashlimit 10/min --hashlimit-mode srcip --hashlimit-name old --hashlimit-htable-expire 1500 -j ACCEPT",
			"add rule ip filter INPUT meter old { ip saddr timeout 1s500ms limit rate 10/minute } counter accept",
			"update @hashlimit_old { ip saddr limit rate 10/minute } counter accept"},
		{"-A INPUT -m hashlimit ! --hashlimit-above 2/h --hashlimit-mode dstip --hashlimit-name h -j ACCEPT",
			"add rule ip filter INPUT meter h { ip daddr timeout 3600s limit rate 2/hour } counter accept",
			""},
		{"-A INPUT -m hashlimit ! --hashlimit-upto 1/day --hashlimit-mode srcip --hashlimit-name d",
			"add rule ip filter INPUT meter d { ip saddr timeout 86400s limit rate over 1/day } counter",
			""},
		// Ports follow the rule's protocol.
		{"-A INPUT -p udp -m hashlimit --hashlimit-upto 7/min --hashlimit-mode srcip,dstport,srcport --hashlimit-name u --hashlimit-srcmask 16 -j ACCEPT",
			"add rule ip filter INPUT ip protocol udp meter u { udp dport . ip saddr and 255.255.0.0 . udp sport timeout 60s limit rate 7/minute } counter accept",
			"ip protocol udp update @hashlimit_u { udp dport . ip saddr & 255.255.0.0 . udp sport limit rate 7/minute } counter accept"},
		// ICMP has no ports: the kernel uses 0, a constant.
		{"-A INPUT -p icmp -m hashlimit --hashlimit-upto 5/s --hashlimit-mode srcip,dstport --hashlimit-name i",
			"add rule ip filter INPUT ip protocol icmp meter i { ip saddr timeout 1s limit rate 5/second } counter",
			""},
		// No mode: one bucket.
		{"-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-name any",
			"add rule ip filter INPUT meter any { ip version timeout 1s limit rate 5/second } counter",
			"update @hashlimit_any { meta protocol limit rate 5/second } counter"},
		{"-A INPUT -m hashlimit --hashlimit-upto 1mb/s --hashlimit-mode srcip --hashlimit-name b",
			"add rule ip filter INPUT meter b { ip saddr timeout 15s limit rate 1 mbytes/second } counter",
			"update @hashlimit_b { ip saddr limit rate 1 mbytes/second } counter"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-mode srcip --hashlimit-name r --hashlimit-rate-match",
			"!--hashlimit-rate-match", "!--hashlimit-rate-match"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-mode dstport --hashlimit-name p",
			"!needs the rule to match one protocol", "!needs the rule to match one protocol"},
		{"-A INPUT -p esp -m hashlimit --hashlimit-upto 10/s --hashlimit-mode dstport --hashlimit-name p",
			"!SPI", "!SPI"},
		// Errors iptables reports.
		{"-A INPUT -m hashlimit --hashlimit-mode srcip --hashlimit-name x", "!You have to specify --hashlimit", "!You have to specify"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10/s", "!--hashlimit-name\" must be specified", "!must be specified"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10/fortnight --hashlimit-name x", "!Bad value for option \"--hashlimit-upto\"", "!Bad value"},
		{"-A INPUT -m hashlimit --hashlimit-upto 0 --hashlimit-name x", "!Bad value", "!Bad value"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10000000/s --hashlimit-name x", "!Rate too fast", "!Rate too fast"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-burst 1000001 --hashlimit-name x", "!out of range (1-1000000)", "!out of range"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-burst 0 --hashlimit-name x", "!out of range (1-1000000)", "!out of range"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-mode srcip,bogus --hashlimit-name x", "!--hashlimit-mode", "!--hashlimit-mode"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-above 5/s --hashlimit-name x", "!cannot be used together", "!cannot be used together"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10kb/s --hashlimit-burst 100 --hashlimit-name x", "!burst cannot be smaller than 10240b", "!burst cannot be smaller"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-srcmask 255.0.255.0 --hashlimit-name x", "!prefix length", "!prefix length"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-name a/b", "!invalid --hashlimit-name", "!invalid"},
		{"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-name x --hashlimit-htable-expire 0", "!must not be 0", "!must not be 0"},
	})
	runXCases(t, iptparse.FamilyIPv6, []xcase{
		{"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-mode srcip --hashlimit-srcmask 64 --hashlimit-name v6",
			"add rule ip6 filter INPUT meter v6 { ip6 saddr and ffff:ffff:ffff:ffff:0000:0000:0000:0000 timeout 1s limit rate 10/second } counter",
			"update @hashlimit_v6 { ip6 saddr & ffff:ffff:ffff:ffff:: limit rate 10/second } counter"},
	})
}

// The kernel keeps one table per --hashlimit-name: the first rule defines
// it and later rules share its buckets.
func TestHashlimitSharedName(t *testing.T) {
	cmds := []string{
		"-A INPUT -m hashlimit --hashlimit-above 1000/sec --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name limit-icmp-src- -j DROP",
		"-A INPUT -m hashlimit --hashlimit-above 1000/sec --hashlimit-burst 5 --hashlimit-mode dstip --hashlimit-name limit-icmp-dst- -j DROP",
		"-A INPUT -m hashlimit --hashlimit-above 125/sec --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name limit-icmp-src- -j DROP",
		"-A INPUT -m hashlimit --hashlimit-above 125/sec --hashlimit-burst 5 --hashlimit-mode dstip --hashlimit-name limit-icmp-dst- -j DROP",
		"-A FORWARD -p tcp -m hashlimit --hashlimit-above 200/sec --hashlimit-burst 1000 --hashlimit-mode srcip,dstport --hashlimit-name syn --hashlimit-htable-size 2097152 --hashlimit-srcmask 24 --hashlimit-htable-gcinterval 500 -j DROP",
	}
	tr, rs := translateAll(t, iptparse.FamilyIPv4, cmds...)
	for _, want := range []string{
		"set hashlimit_limit-icmp-src- {\n\t\ttype ipv4_addr\n\t\tflags dynamic,timeout\n\t\ttimeout 1s\n\t\tsize 65536\n\t}",
		"set hashlimit_syn {\n\t\ttype inet_service . ipv4_addr\n\t\tflags dynamic,timeout\n\t\ttimeout 1s\n\t\tgc-interval 500ms\n\t\tsize 16777216\n\t}",
		// The 125/sec rules use the first definition, like the kernel.
		"update @hashlimit_limit-icmp-src- { ip saddr limit rate over 1000/second } counter drop\n\t\tupdate @hashlimit_limit-icmp-dst- { ip daddr limit rate over 1000/second } counter drop\n\t\tupdate @hashlimit_limit-icmp-src- { ip saddr limit rate over 1000/second } counter drop",
		"ip protocol tcp update @hashlimit_syn { tcp dport . ip saddr & 255.255.255.0 limit rate over 200/second burst 1000 packets } counter drop",
	} {
		if !strings.Contains(rs, want) {
			t.Errorf("ruleset lacks\n%s\n---\n%s", want, rs)
		}
	}
	if strings.Count(rs, "set hashlimit_limit-icmp-src-") != 1 {
		t.Errorf("set declared more than once:\n%s", rs)
	}
	if !diagsContain(tr, DiagWarning, "was defined at") {
		t.Errorf("no warning about the redefined name: %v", tr.Diags())
	}
	nftLoads(t, iptparse.FamilyIPv4, cmds...)

	// Opposite directions cannot share one set.
	tr, _ = translateAll(t, iptparse.FamilyIPv4,
		"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-mode srcip --hashlimit-name x -j ACCEPT",
		"-A INPUT -m hashlimit --hashlimit-above 10/s --hashlimit-mode srcip --hashlimit-name x -j DROP")
	if !diagsContain(tr, DiagUntranslated, "opposite") {
		t.Errorf("want an untranslated rule: %v", tr.Diags())
	}
}

func TestHashlimitLoads(t *testing.T) {
	nftLoads(t, iptparse.FamilyIPv4,
		"-A OUTPUT -m tcp -p tcp --dport 443 -m hashlimit --hashlimit-above 20kb/s --hashlimit-burst 1mb --hashlimit-mode dstip --hashlimit-name https --hashlimit-dstmask 24 -j DROP",
		"-A INPUT -p udp -m hashlimit --hashlimit-upto 7/min --hashlimit-mode srcip,dstport,srcport --hashlimit-name u --hashlimit-srcmask 16 -j ACCEPT",
		"-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-name any",
		"-A INPUT -m hashlimit --hashlimit-upto 1mb/s --hashlimit-mode srcip --hashlimit-name b --hashlimit-htable-max 100 --hashlimit-htable-expire 1500",
	)
	nftLoads(t, iptparse.FamilyIPv6,
		"-A INPUT -m hashlimit --hashlimit-upto 10/s --hashlimit-mode srcip --hashlimit-srcmask 64 --hashlimit-name v6",
		"-A INPUT -p tcp -m hashlimit --hashlimit-upto 5/s --hashlimit-mode dstip,dstport --hashlimit-name v6b",
		"-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-name all6",
	)
}
