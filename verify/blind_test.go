package verify

import (
	"reflect"
	"strings"
	"testing"
)

func TestRuleBlindSpots(t *testing.T) {
	for _, c := range []struct {
		rule string
		want []string
	}{
		{"-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", nil},
		{"-A INPUT -m limit --limit 5/min -j LOG --log-prefix x", []string{"logging", "time and rate"}},
		{"-A PREROUTING -j NFQUEUE --queue-num 0", []string{"queues"}},
		{"-A PREROUTING -j MARK --set-mark 1", []string{"marks"}},
		{"-A INPUT -f -j DROP", []string{"unprobed packets"}},
		{"-A POSTROUTING -o eth0 -j MASQUERADE --random", []string{"random NAT ports"}},
		{"-A POSTROUTING -o eth0 -j SNAT --to-source 1.2.3.4:1000-2000", []string{"random NAT ports"}},
		{"-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1:80", nil},
		{"-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1]:80-90", []string{"random NAT ports"}},
		{"-A PREROUTING -p tcp -j REDIRECT --to-ports 3128", nil},
		{"-A PREROUTING -p tcp -j CT --helper ftp", []string{"unprobed packets"}},
		{"-A INPUT -m set --match-set s src -j DROP", []string{"ipsets"}},
		{"-A INPUT -j SET --add-set s src", []string{"ipsets"}},
	} {
		if got := RuleBlindSpots(c.rule); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.rule, got, c.want)
		}
	}
	// With the sets given (verify --ipset), a rule whose sets are all
	// given is not in the ipsets blind spot.
	for _, c := range []struct {
		rule  string
		given []string
		want  []string
	}{
		{"-A INPUT -m set --match-set s src -j DROP", []string{"t", "s"}, nil},
		{"-A INPUT -m set --match-set s src -m set ! --match-set u dst -j DROP", []string{"s"}, []string{"ipsets"}},
		{"-A INPUT -m set --match-set s src -j SET --add-set u src", []string{"s"}, []string{"ipsets"}},
		{"-A INPUT -m set --match-set s src -j SET --add-set u src", []string{"s", "u"}, nil},
		{"-A INPUT -m owner --uid-owner 0 -m set --match-set s src -j DROP", []string{"s"}, []string{"unprobed packets"}},
	} {
		if got := RuleBlindSpots(c.rule, c.given...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s given %v: %v, want %v", c.rule, c.given, got, c.want)
		}
	}
	for _, b := range BlindSpots {
		if b.Name == "unprobed packets" && strings.Contains(b.What, "ipset") {
			t.Errorf("ipsets are their own blind spot: %s", b.What)
		}
		if b.Name == "ipsets" && !strings.Contains(b.What, "no --ipset file defines") {
			t.Errorf("the ipsets blind spot does not say when it applies: %s", b.What)
		}
	}
	names := map[string]bool{}
	for _, b := range BlindSpots {
		names[b.Name] = true
	}
	for w, b := range blindWords.Get() {
		if !names[b] {
			t.Errorf("%s: unknown blind spot %q", w, b)
		}
	}
}
