package iptparse

import (
	"math/rand"
	"strings"
	"testing"
)

// TestMayBeBaseLong: the filter before the look-up in baseLong lets
// every name of iptables' own long options through.
func TestMayBeBaseLong(t *testing.T) {
	for name := range baseLong {
		if !mayBeBaseLong(name) {
			t.Errorf("mayBeBaseLong(%q) = false", name)
		}
	}
	for _, name := range []string{"", "dport", "comment", "to-destination", strings.Repeat("x", 40)} {
		if mayBeBaseLong(name) {
			t.Errorf("mayBeBaseLong(%q) = true", name)
		}
	}
}

// TestChainFields: chainFields is the first three of strings.Fields.
func TestChainFields(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	parts := []string{" ", "\t", "\v", "\f", "\r", "\n", "A", "-", "[0:0]", "\u00a0", "\u0085", "é", "\u2003", "x"}
	inputs := []string{"", " ", "INPUT ACCEPT [0:0]", "X - [0:0]", "X -", "X", "a b c d e", "a\u00a0b c", "a b c\u00a0d", "a b c \u00a0"}
	for range 20000 {
		var b strings.Builder
		for n := r.Intn(10); n > 0; n-- {
			b.WriteString(parts[r.Intn(len(parts))])
		}
		inputs = append(inputs, b.String())
	}
	for _, s := range inputs {
		var want [3]string
		wantN := copy(want[:], strings.Fields(s))
		if got, n := chainFields(s); got != want || n != wantN {
			t.Fatalf("chainFields(%q) = %q, %d; want %q, %d", s, got, n, want, wantN)
		}
	}
}

// TestToLower: toLower is strings.ToLower.
func TestToLower(t *testing.T) {
	for _, s := range []string{"", "tcp", "TCP", "Tcp", "udplite", "ipv6-icmp", "conntrack", "É", "é", "x\xff", "a-Z", "@[`{"} {
		if got, want := toLower(s), strings.ToLower(s); got != want {
			t.Errorf("toLower(%q) = %q, want %q", s, got, want)
		}
	}
}
