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
		checkLeadingCounters(t, s)
	}
	// counters of every length, followed by any byte
	r := rand.New(rand.NewSource(3))
	digits := func() string {
		b := make([]byte, r.Intn(23))
		for i := range b {
			b[i] = byte('0' + r.Intn(10))
		}
		return string(b)
	}
	tails := []string{"", " -A X", "x", "\xb5 -A", "\xff", "9", ":", "]", " ", "\x00\x00\x00\x00\x00\x00\x00\x00"}
	for range 20000 {
		s := "[" + digits() + ":" + digits() + "]" + tails[r.Intn(len(tails))]
		if r.Intn(8) == 0 {
			s = s[:r.Intn(len(s)+1)]
		}
		if r.Intn(4) == 0 && len(s) > 1 {
			// a byte amid the digits
			b := []byte(s)
			b[1+r.Intn(len(b)-1)] = "\xb5\xff\xaf\xba/9:] \x00a"[r.Intn(11)]
			s = string(b)
		}
		checkLeadingCounters(t, s)
	}
}

// checkLeadingCounters checks leadingCounters of s against countersRe.
func checkLeadingCounters(t *testing.T, s string) {
	t.Helper()
	c, n, ok := leadingCounters(s)
	m := countersRe.Get().FindStringSubmatch(s)
	if ok != (m != nil) {
		t.Errorf("%q: ok %v, the pattern says %v", s, ok, m != nil)
		return
	}
	if ok && (n != len(m[0]) || c != *countersOf(m)) {
		t.Errorf("%q: %v, %d; the pattern says %v, %d", s, c, n, *countersOf(m), len(m[0]))
	}
}
