package translate

import (
	"slices"
	"testing"
)

// TestIsBuiltinChain checks isBuiltinChain's switch against the
// builtinChains table.
func TestIsBuiltinChain(t *testing.T) {
	chains := []string{"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING", "input", "KUBE-SERVICES", ""}
	for _, table := range []string{"raw", "mangle", "nat", "filter", "security", "bogus", ""} {
		for _, chain := range chains {
			want := slices.Contains(builtinChains[table], chain)
			if got := isBuiltinChain(table, chain); got != want {
				t.Errorf("isBuiltinChain(%q, %q) = %v, want %v", table, chain, got, want)
			}
		}
	}
}
