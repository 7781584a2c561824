package iptparse

import (
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
