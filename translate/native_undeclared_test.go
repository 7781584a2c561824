package translate

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// TestUndeclaredChainsInJumpOrder: chains rules jump to without declaring
// them are declared in the order of the first jump to each, the same on
// every run (they were once taken from a map, in random order).
func TestUndeclaredChainsInJumpOrder(t *testing.T) {
	names := []string{"zeta", "alpha", "mid", "beta", "omega", "gamma", "kappa", "delta"}
	dump := "*filter\n:INPUT ACCEPT [0:0]\n"
	for i, n := range names {
		dump += fmt.Sprintf("-A INPUT -p tcp --dport %d -j %s\n", 1000+i, n)
	}
	dump += "COMMIT\n"
	declared := regexp.MustCompile(`(?m)^\tchain (\w+) \{\n\t\}`)
	var first string
	for run := range 20 {
		tr := New(Options{})
		tr.AddFile(iptparse.ParseFile("rules.v4", dump, Registry{}, iptparse.FamilyIPv4))
		var b strings.Builder
		(&emit.Printer{}).WriteRuleset(&b, tr.Ruleset(), emit.RulesetOptions{})
		out := b.String()
		var got []string
		for _, m := range declared.FindAllStringSubmatch(out, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, " ") != strings.Join(names, " ") {
			t.Fatalf("run %d: empty chains declared in the order %v, want the jumps' order %v\n%s", run, got, names, out)
		}
		if run == 0 {
			first = out
		} else if out != first {
			t.Fatalf("run %d differs from the first:\n%s\n---\n%s", run, out, first)
		}
	}
}
