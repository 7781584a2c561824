package iptparse

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// checkSplitFast checks that splitFast, where it takes a line, splits it
// as splitLine splits the line with the bytes before from blanked out.
func checkSplitFast(t *testing.T, line string, from int) {
	t.Helper()
	for _, a := range []*arena{nil, {}} {
		words, comment, ok := splitFast(a, line, from, "f", 3)
		if !ok {
			return
		}
		want, wantComment, err := splitLine(strings.Repeat(" ", from)+line[from:], "f", 3)
		if err != nil || comment != wantComment || !reflect.DeepEqual(words, want) {
			t.Fatalf("%q from %d: splitFast gives %q, %v; splitLine %q, %v, %v", line, from, words, comment, want, wantComment, err)
		}
	}
}

func TestSplitFast(t *testing.T) {
	lines := []string{
		"", " ", "-A INPUT -j ACCEPT", "\t-A\tINPUT  -j ACCEPT\r",
		`-A INPUT -m comment --comment "a b" -j ACCEPT`, `--comment 'a b'"c d"e`, `x"" ''`, `"unterminated`,
		`-j ACCEPT # tail`, `-j ACCEPT#x`, `# all`, `a\ b`, "caf\u00e9", "a\nb", `"#x" '#' #`,
		"[1:2] -A INPUT -j ACCEPT", "[1:2]-A X",
	}
	r := rand.New(rand.NewSource(1))
	parts := []string{" ", "\t", "\r", "a", "-A", "#", `"`, "'", `"q q"`, "'s s'", "\\", "é", "\f", "\v", "[1:2]"}
	for i := 0; i < 5000; i++ {
		var b strings.Builder
		for n := r.Intn(12); n > 0; n-- {
			b.WriteString(parts[r.Intn(len(parts))])
		}
		lines = append(lines, b.String())
	}
	for _, l := range lines {
		for from := 0; from <= len(l) && from < 6; from++ {
			checkSplitFast(t, l, from)
		}
	}
}
