package translate

import (
	"strings"

	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateConntrack(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -m conntrack --ctstate NEW,RELATED -j ACCEPT",
			"add rule ip filter INPUT ct state new,related counter accept",
			"ct state new,related counter accept"},
		{"-A INPUT -m conntrack ! --ctstate ESTABLISHED,RELATED,INVALID,UNTRACKED",
			"add rule ip filter INPUT ct state ! invalid,related,established,untracked counter",
			"ct state ! invalid,related,established,untracked counter"},
		// Abbreviated names, any case.
		{"-A INPUT -m conntrack --ctstate est,Rel,unt", "",
			"ct state related,established,untracked counter"},
		{"-A INPUT -m conntrack --ctproto UDP -j ACCEPT",
			"add rule ip filter INPUT ct original protocol 17 counter accept",
			"ct original protocol udp counter accept"},
		{"-A INPUT -m conntrack ! --ctproto 47",
			"add rule ip filter INPUT ct original protocol != 47 counter",
			"ct original protocol != gre counter"},
		{"-A INPUT -m conntrack --ctorigsrc 10.100.0.0/255.255.0.0 --ctrepldst 10.1.2.3",
			"add rule ip filter INPUT ct original saddr 10.100.0.0/16 ct reply daddr 10.1.2.3 counter",
			"ct original saddr 10.100.0.0/16 ct reply daddr 10.1.2.3 counter"},
		// Host bits: upstream keeps them, nft ignores them.
		{"-A INPUT -m conntrack ! --ctorigdst 10.100.2.131/16",
			"add rule ip filter INPUT ct original daddr != 10.100.2.131/16 counter",
			"ct original daddr != 10.100.0.0/16 counter"},
		// A mask that is not a prefix.
		{"-A INPUT -m conntrack --ctreplsrc 10.0.2.1/255.0.255.0",
			"add rule ip filter INPUT ct reply saddr & 255.0.255.0 == 10.0.2.0 counter",
			"ct reply saddr & 255.0.255.0 == 10.0.2.0 counter"},
		{"-A INPUT -m conntrack --ctproto tcp --ctorigsrcport 443:444 -j ACCEPT",
			"add rule ip filter INPUT ct original protocol 6 ct original proto-src 443-444 counter accept",
			"ct original protocol tcp ct original proto-src 443-444 counter accept"},
		{"-A INPUT -m conntrack --ctstate NEW --ctproto 17 --ctorigsrcport 68 --ctorigdstport 67 -j ACCEPT",
			"add rule ip filter INPUT ct original protocol 17 ct state new ct original proto-src 68 ct original proto-dst 67 counter accept",
			"ct original protocol udp ct state new ct original proto-src 68 ct original proto-dst 67 counter accept"},
		// Ports without --ctproto: nft needs the protocol from -p.
		{"-A INPUT -p udp -m conntrack ! --ctrepldstport 53",
			"add rule ip filter INPUT ip protocol udp ct reply proto-dst != 53 counter",
			"ip protocol udp ct reply proto-dst != 53 counter"},
		{"-A INPUT -p tcp -m conntrack --ctreplsrcport 22 -m tcp --dport 22",
			"add rule ip filter INPUT ct reply proto-src 22 tcp dport 22 counter",
			"meta l4proto tcp ct reply proto-src 22 tcp dport 22 counter"},
		{"-A INPUT -m conntrack --ctstatus EXPECTED -j ACCEPT",
			"add rule ip filter INPUT ct status expected counter accept",
			"ct status expected counter accept"},
		{"-A INPUT -m conntrack ! --ctstatus CONFIRMED,ASSURED,NONE -j ACCEPT",
			"add rule ip filter INPUT ct status ! assured,confirmed counter accept",
			"ct status ! assured,confirmed counter accept"},
		{"-A INPUT -m conntrack --ctstatus seen,exp", "",
			"ct status expected,seen-reply counter"},
		{"-A INPUT -m conntrack ! --ctstatus NONE", "",
			"ct state new,related,established counter"},
		// --ctexpire counts whole seconds, nft milliseconds.
		{"-A INPUT -m conntrack --ctexpire 3 -j ACCEPT",
			"add rule ip filter INPUT ct expiration 3s-3s999ms counter accept",
			"ct expiration 3s-3s999ms counter accept"},
		{"-A INPUT -m conntrack ! --ctexpire 3:10",
			"add rule ip filter INPUT ct expiration != 3s-10s999ms counter",
			"ct expiration != 3s-10s999ms counter"},
		{"-A INPUT -m conntrack --ctexpire 60:",
			"add rule ip filter INPUT ct expiration 60s-4294967s295ms counter",
			"ct expiration 60s-4294967s295ms counter"},
		{"-A INPUT -m conntrack --ctdir REPLY --ctproto tcp",
			"add rule ip filter INPUT ct direction reply ct reply protocol 6 counter",
			"ct direction reply ct reply protocol tcp counter"},
		{"-A INPUT -m conntrack --ctstate NEW --ctproto tcp --ctorigsrc 192.168.0.1 --ctorigdst 192.168.0.1 --ctreplsrc 192.168.0.1 --ctrepldst 192.168.0.1 --ctorigsrcport 12 --ctorigdstport 14 --ctreplsrcport 16 --ctrepldstport 18 --ctexpire 10 --ctstatus SEEN_REPLY --ctdir ORIGINAL -j ACCEPT",
			"add rule ip filter INPUT ct direction original ct original protocol 6 ct state new ct status seen-reply ct expiration 10s-10s999ms ct original saddr 192.168.0.1 ct original daddr 192.168.0.1 ct reply saddr 192.168.0.1 ct reply daddr 192.168.0.1 ct original proto-src 12 ct original proto-dst 14 ct reply proto-src 16 ct reply proto-dst 18 counter accept",
			"ct direction original ct original protocol tcp ct state new ct status seen-reply ct expiration 10s-10s999ms ct original saddr 192.168.0.1 ct original daddr 192.168.0.1 ct reply saddr 192.168.0.1 ct reply daddr 192.168.0.1 ct original proto-src 12 ct original proto-dst 14 ct reply proto-src 16 ct reply proto-dst 18 counter accept"},
		// SNAT/DNAT are ct status bits.
		{"-A INPUT -m conntrack --ctstate SNAT -j ACCEPT",
			"add rule ip filter INPUT ct status snat counter accept",
			"ct status snat counter accept"},
		{"-A INPUT -m conntrack --ctstate DNAT,SNAT",
			"add rule ip filter INPUT ct status snat,dnat counter",
			"ct status snat,dnat counter"},
		// Upstream drops the negation here.
		{"-A INPUT -m conntrack ! --ctstate DNAT",
			"add rule ip filter INPUT ct status ! dnat counter",
			// packets without a conntrack entry pass (ct status fails for them)
			"ct status ! dnat counter\nct state invalid,untracked counter"},
		// None of the states and none of the NAT bits (Kubernetes).
		{"-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
			"add rule ip filter KUBE-FIREWALL ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8 ct state ! related,established ct status ! dnat counter drop",
			"ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8 ct state ! related,established ct status ! dnat counter drop\n" +
				"ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8 ct state invalid,untracked counter drop"},
		// Upstream writes "ct status !=snat" for ctstatus's negation.
		{"-A INPUT -m conntrack --ctstate SNAT ! --ctstatus EXPECTED",
			"add rule ip filter INPUT ct status snat ct status ! expected counter",
			"ct status snat ct status ! expected counter"},
		{"-A INPUT -m state --state NEW,RELATED,ESTABLISHED -j ACCEPT",
			"add rule ip filter INPUT ct state new,related,established counter accept",
			"ct state new,related,established counter accept"},
		{"-A INPUT -m state ! --state INVALID",
			"add rule ip filter INPUT ct state ! invalid counter",
			"ct state ! invalid counter"},
	}
	bad := []badCase{
		{"-A INPUT -m conntrack", DiagError, "At least one option is required"},
		{"-A INPUT -m conntrack --ctstate NEW,BOGUS,RELATED", DiagError, `Bad ctstate "BOGUS,RELATED"`},
		{"-A INPUT -m conntrack --ctstate NEW,", DiagError, `Bad ctstate ""`},
		{"-A INPUT -m conntrack --ctstate NEWX", DiagError, `Bad ctstate "NEWX"`},
		{"-A INPUT -m conntrack --ctstatus BOGUS", DiagError, `Bad ctstatus "BOGUS"`},
		{"-A INPUT -m conntrack --ctproto all", DiagError, "rule would never match protocol"},
		{"-A INPUT -m conntrack ! --ctproto 0", DiagError, "condition would always match protocol"},
		{"-A INPUT -m conntrack --ctdir BOTH", DiagError, `Bad value for "--ctdir"`},
		{"-A INPUT -m conntrack ! --ctdir REPLY", DiagError, "cannot be inverted"},
		{"-A INPUT -m conntrack --ctorigsrcport 80:22", DiagError, ""},
		{"-A INPUT -m conntrack --ctstate NEW --ctstate NEW", DiagError, "only be used once"},
		{"-A INPUT -m conntrack --ctorigsrc example.com", DiagError, "not resolved"},
		{"-A INPUT -m state", DiagError, `"--state" must be specified`},
		{"-A INPUT -m state --state NEW,", DiagError, `"--state" requires a list of states`},
		{"-A INPUT -m state --state SNAT", DiagError, `Bad state "SNAT"`},
		{"-A INPUT -m conntrack --ctstatus NONE", DiagUntranslated, "never matches"},
		{"-A INPUT -m conntrack --ctexpire 4294968", DiagUntranslated, "cannot count beyond"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	// Exact mode prints upstream's text and warns where it differs.
	wantWarningMode(t, iptparse.FamilyIPv4, true, "-A INPUT -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT", "without a conntrack entry (state invalid or untracked)")
	wantWarningMode(t, iptparse.FamilyIPv4, true, "-A INPUT -m conntrack --ctstate INVALID --ctproto tcp", "without a conntrack entry (state invalid)")
	if _, err := xlate(t, iptparse.FamilyIPv4, true, "-A INPUT -m conntrack --ctstate NEW,DNAT"); err == nil || !strings.Contains(err.Error(), "either a state or NAT") {
		t.Errorf("exact NEW,DNAT: %v, want untranslated", err)
	}
	// Normal mode splits the rule: xt_conntrack decides packets without
	// an entry on the state alone, and a state or a NAT bit is an "or".
	checkNormal(t, iptparse.FamilyIPv4, []normalCase{
		{"-A INPUT -m conntrack --ctstate NEW,DNAT -j ACCEPT",
			"ct state new counter accept\nct state ! new ct status dnat counter accept"},
		{"-A INPUT -m conntrack --ctstate NEW,INVALID --ctproto tcp -j DROP",
			"ct original protocol tcp ct state new counter drop\nct state invalid counter drop"},
		{"-A INPUT -p tcp -m conntrack --ctstate INVALID --ctorigdst 10.0.0.1 -j LOG",
			"ip protocol tcp ct state invalid counter log"},
		{"-A INPUT -p tcp -m conntrack --ctstate INVALID,DNAT -j ACCEPT",
			"ip protocol tcp ct status dnat counter accept\nip protocol tcp ct state invalid counter accept"},
		{"-A INPUT -m conntrack ! --ctstate INVALID --ctstatus ASSURED -j ACCEPT",
			"ct status assured counter accept\nct state untracked counter accept"},
		{"-A INPUT -m conntrack --ctstate NEW,RELATED -m conntrack --ctstate NEW -j ACCEPT",
			"ct state new,related ct state new counter accept"},
		// A rule already split (two --ctstate splits) cannot split again.
		{"-A INPUT -m conntrack --ctstate NEW,DNAT -m conntrack --ctstate INVALID,SNAT -j ACCEPT", "untranslated"},
	})
	// Without any protocol nft cannot read the port value.
	got, err := xlate(t, iptparse.FamilyIPv4, true, "-A INPUT -m conntrack --ctorigdstport 53")
	if err != nil || got != "add rule ip filter INPUT ct original proto-dst 53 counter" {
		t.Errorf("exact ports without protocol: %q, %v", got, err)
	}
	if got, err := xlate(t, iptparse.FamilyIPv4, false, "-A INPUT -m conntrack ! --ctproto tcp --ctorigdstport 53"); err == nil {
		t.Errorf("normal ports without protocol: want untranslatable, got %q", got)
	}
}

func TestXlateConntrackIPv6(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -m conntrack ! --ctstate NEW,RELATED -j ACCEPT",
			"add rule ip6 filter INPUT ct state ! new,related counter accept",
			"ct state ! new,related counter accept"},
		{"-A INPUT -m conntrack --ctorigsrc 2001:db8::1/32 --ctreplsrc ::1 --ctproto ipv6-icmp --ctorigdstport 5",
			"add rule ip6 filter INPUT ct original protocol 58 ct original saddr 2001:db8::1/32 ct reply saddr ::1 ct original proto-dst 5 counter",
			"ct original protocol ipv6-icmp ct original saddr 2001:db8::/32 ct reply saddr ::1 ct original proto-dst 5 counter"},
		{"-A INPUT -m state --state ESTABLISHED",
			"add rule ip6 filter INPUT ct state established counter",
			"ct state established counter"},
	}
	checkMatchCases(t, iptparse.FamilyIPv6, cases, nil)
}
