package translate_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

// TestShadowedRules: rules an earlier chain-ending rule always takes first
// are reported as never matching, and only those.
func TestShadowedRules(t *testing.T) {
	const dump = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 192.0.0.0/24 -j DROP
-A INPUT -s 192.0.0.0/29 -j DROP
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j DROP
-A INPUT -i eth+ -j RETURN
-A INPUT -i eth0 -p udp -j ACCEPT
-A INPUT -i ppp0 -p udp -j ACCEPT
-A INPUT -p udp -m limit --limit 1/s -j ACCEPT
-A INPUT -i ppp0 -p udp -m limit --limit 1/s -j ACCEPT
-A INPUT -s 10.0.0.2/32 -j LOG
-A INPUT -s 10.0.0.2/32 -j LOG
-A INPUT -m conntrack --ctstate INVALID -j DROP
-A INPUT -p tcp -m conntrack --ctstate INVALID -m tcp --dport 80 -j DROP
-A INPUT -j ACCEPT
-A INPUT -s 10.0.0.3/32 -j DROP
COMMIT
`
	// 6: /29 inside /24; 8: port 22 already accepted; 10: eth0 returned by
	// eth+; 11: ppp0 follows the limited rule, which lets packets through
	// (not shadowed), 13: shadowed by 11 (a limit only narrows rule 13);
	// 15: a LOG does not end the chain; 17: INVALID already dropped;
	// 19: after an unconditional verdict — findDead's case.
	f := iptparse.ParseFile("shadow.rules", dump, translate.Registry{}, iptparse.FamilyIPv4)
	tr := translate.New(translate.Options{})
	tr.AddFile(f)
	rep := translate.Optimize(tr.Ruleset(), translate.AllOpt())
	var got []int
	for _, d := range rep.Dead {
		got = append(got, int(d.Rule.Origin[0].Line))
	}
	slices.Sort(got)
	want := []int{6, 8, 10, 13, 17, 19}
	if !slices.Equal(got, want) {
		t.Errorf("never matching: lines %v, want %v", got, want)
	}
}

// TestShadowedRulesLongChain: the rules looked back at keep their values
// however many rules come between (their memory is reused only once they
// are no longer looked back at), and a covering rule is looked back at
// until shadowLookback chain-ending rules have come after it.
func TestShadowedRulesLongChain(t *testing.T) {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n")
	line := 2
	add := func(format string, args ...any) int {
		fmt.Fprintf(&b, format+"\n", args...)
		line++
		return line
	}
	add("-A INPUT -s 10.9.0.0/16 -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10 -j DROP")
	for i := range 500 {
		// They do not end the chain; their values take the memory
		// a rule looked back at might have been given again.
		add("-A INPUT -s 10.1.%d.%d -p udp -m multiport --dports 1,%d,%d,%d -j LOG", i/250, i%250, 100+i, 200+i, 300+i)
	}
	covered := []int{add("-A INPUT -s 10.9.1.0/24 -p tcp -m multiport --dports 3 -j DROP")}
	for i := range 7 {
		add("-A INPUT -s 172.16.%d.0/24 -p tcp -m multiport --dports 20,21,22,%d -j ACCEPT", i, 1000+i)
	}
	covered = append(covered, add("-A INPUT -s 10.9.0.0/16 -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10 -j DROP"))
	add("-A INPUT -s 172.16.7.0/24 -j ACCEPT")
	add("-A INPUT -s 10.9.0.0/16 -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10 -j DROP") // eight enders later: not looked back at
	b.WriteString("COMMIT\n")

	tr := translate.New(translate.Options{})
	tr.AddFile(iptparse.ParseFile("long.rules", b.String(), translate.Registry{}, iptparse.FamilyIPv4))
	rep := translate.Optimize(tr.Ruleset(), translate.OptOptions{})
	var got []int
	for _, d := range rep.Dead {
		got = append(got, int(d.Rule.Origin[0].Line))
	}
	slices.Sort(got)
	if !slices.Equal(got, covered) {
		t.Errorf("never matching: lines %v, want %v", got, covered)
	}
}

// TestShadowedRulesSameNumber: a rule with one number for a field is
// covered by a rule of that field and number, also when the number is
// written more than once, and not by one testing another field (at the
// same place in its rule) with that number.
func TestShadowedRulesSameNumber(t *testing.T) {
	const dump = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -p tcp -m multiport --dports 22,22 -j DROP
-A INPUT -s 10.0.0.5/32 -j DROP
-A INPUT -s 10.0.0.5/32 -p udp -j DROP
-A INPUT -p udp -m udp --sport 53 -j ACCEPT
-A INPUT -p udp -m udp --dport 53 -j DROP
-A INPUT -d 10.0.0.6/32 -j ACCEPT
-A INPUT -s 10.0.0.6/32 -j DROP
-A INPUT -p tcp -m tcp --dport 23 -j ACCEPT
-A INPUT -p tcp -m tcp --dport 24 -j ACCEPT
-A INPUT -i eth0 -j ACCEPT
-A INPUT -o eth0 -j DROP
-A INPUT -i eth1 -j ACCEPT
-A INPUT -i eth1 -p tcp -j DROP
-A FORWARD -p tcp -m tcp --sport 80 -j ACCEPT
-A FORWARD -p tcp -m tcp --dport 80 -j ACCEPT
-A FORWARD -p tcp -m tcp --sport 80 -m comment --comment again -j DROP
COMMIT
`
	// 5: 22 twice is 22; 7: the host dropped before; 9: a source port
	// is no destination port; 11: nor a source address a destination;
	// 13: another port; 15: another interface direction; 17: the same
	// interface; 20: the same source port, two rules later.
	f := iptparse.ParseFile("same.rules", dump, translate.Registry{}, iptparse.FamilyIPv4)
	tr := translate.New(translate.Options{})
	tr.AddFile(f)
	rep := translate.Optimize(tr.Ruleset(), translate.OptOptions{})
	var got []int
	for _, d := range rep.Dead {
		got = append(got, int(d.Rule.Origin[0].Line))
	}
	slices.Sort(got)
	want := []int{5, 7, 17, 20}
	if !slices.Equal(got, want) {
		t.Errorf("never matching: lines %v, want %v", got, want)
	}
}
