package iptparse

import (
	"strings"
	"testing"
	"unicode"
)

// TestHasSpace: hasSpace is strings.IndexFunc(s, unicode.IsSpace) >= 0.
func TestHasSpace(t *testing.T) {
	chars := []string{"a", "-", " ", "\t", "\n", "\v", "\f", "\r", "\x08", "\x0e", "\u0085", "\u00a0", "\u2003", "é", "\xff", "\xc2", "\x85"}
	var inputs []string
	for _, a := range chars {
		for _, b := range chars {
			inputs = append(inputs, a+b, "ACCEPT"+a+b, a+"x"+b)
		}
	}
	for _, s := range inputs {
		if got, want := hasSpace(s), strings.IndexFunc(s, unicode.IsSpace) >= 0; got != want {
			t.Errorf("hasSpace(%q) = %v, want %v", s, got, want)
		}
	}
}
