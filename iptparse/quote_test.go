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
