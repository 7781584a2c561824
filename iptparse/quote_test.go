package iptparse

import (
	"math/rand"
	"strings"
	"testing"
)

// TestAllSafe: the byte table agrees with trimming the safe characters,
// as Quote did before, on ASCII and non-ASCII words.
func TestAllSafe(t *testing.T) {
	const safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/,+!=@%"
	pieces := []string{"a", "Z", "0", "_", "-", ".", ":", "/", ",", "+", "!", "=", "@", "%", " ", "\"", "\\", "'", "é", "\xff", "#", "$", "{"}
	r := rand.New(rand.NewSource(4))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := 1 + r.Intn(6); n > 0; n-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		s := b.String()
		if got, want := allSafe(s), strings.Trim(s, safe) == ""; got != want {
			t.Fatalf("allSafe(%q) = %v, want %v", s, got, want)
		}
	}
	if Quote(`a "b"`) != `"a \"b\""` || Quote("eth0") != "eth0" || Quote("") != `""` {
		t.Error("Quote")
	}
}

func TestLeadingCounters(t *testing.T) {
	for _, s := range []string{"[1:2] -A", "[1:2]-A", "[12:345]\t\t-A", "[:2] x", "[1:] x", "[1:2", "[1:2]", "[a:2] x", "[1:2:3] x",
		"[18446744073709551615:1] x", "[99999999999999999999:1] x", "[1:2] \v x", "[1:2]\n x", "[", "", "x[1:2]",
		"[9999999999999999999:1999999999999999999] x", "[10000000000000000000:0] x", "[0000000000000000000007:00012] x"} {
		c, n, ok := leadingCounters(s)
		m := countersRe.Get().FindStringSubmatch(s)
		if ok != (m != nil) {
			t.Errorf("%q: ok %v, the pattern says %v", s, ok, m != nil)
			continue
		}
		if ok && (n != len(m[0]) || c != *countersOf(m)) {
			t.Errorf("%q: %v, %d; the pattern says %v, %d", s, c, n, *countersOf(m), len(m[0]))
		}
	}
}
