package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// TestRuleChainAfterChange checks that a rule goes to the chain its name
// names when it comes, though the rule before was of a chain by that
// name that was renamed or deleted since (chainOf keeps the last rule's
// chain).
func TestRuleChainAfterChange(t *testing.T) {
	tr := New(Options{})
	tr.AddText("change.rules", `*filter
:A - [0:0]
:C - [0:0]
-A A -s 10.0.0.1 -j DROP
-E A B
:A - [0:0]
-A A -s 10.0.0.2 -j DROP
-A C -s 10.0.0.3 -j DROP
-F C
-X C
:C - [0:0]
-A C -s 10.0.0.4 -j DROP
COMMIT
`, iptparse.FamilyIPv4)
	rs := tr.Ruleset()
	count := func(name string) int {
		for _, tb := range rs.Tables {
			if c := tb.Chain(name); c != nil {
				return len(c.Rules)
			}
		}
		return -1
	}
	for name, want := range map[string]int{"A": 1, "B": 1, "C": 1} {
		if got := count(name); got != want {
			t.Errorf("chain %s has %d rules, want %d", name, got, want)
		}
	}
}
