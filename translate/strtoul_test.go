package translate

import (
	"math"
	"testing"
)

// TestXtStrtoul checks xtStrtoul's reading of numbers, decimal ones
// read digit by digit among them, against what strtoul gives.
func TestXtStrtoul(t *testing.T) {
	for _, c := range []struct {
		s        string
		min, max uint64
		v        uint64
		rest     string
		ok       bool
	}{
		{"8080", 0, math.MaxUint16, 8080, "", true},
		{"65535-65536", 0, math.MaxUint16, 65535, "-65536", true},
		{"65536", 0, math.MaxUint16, 0, "", false},
		{" 12:", 0, math.MaxUint16, 12, ":", true},
		{"010", 0, math.MaxUint16, 8, "", true},
		{"0x1f", 0, math.MaxUint16, 31, "", true},
		{"-1", 0, math.MaxUint16, 0, "", false},
		{"9999999999999999999", 0, math.MaxUint64, 9999999999999999999, "", true},
		{"18446744073709551615", 0, math.MaxUint64, math.MaxUint64, "", true},
		{"18446744073709551616", 0, math.MaxUint64, 0, "", false},
		{"5", 10, 20, 0, "", false},
		{"x", 0, 10, 0, "x", false},
		{"22/80", 0, math.MaxUint16, 22, "/80", true},
		{"7", 0, math.MaxUint16, 7, "", true},
		{"123456789012345678901", 0, math.MaxUint64, 0, "", false},
		{"1234567890123456789x", 0, math.MaxUint64, 1234567890123456789, "x", true},
	} {
		v, rest, ok := xtStrtoul(c.s, c.min, c.max)
		if v != c.v || rest != c.rest || ok != c.ok {
			t.Errorf("xtStrtoul(%q, %d, %d) = %d, %q, %v, want %d, %q, %v", c.s, c.min, c.max, v, rest, ok, c.v, c.rest, c.ok)
		}
	}
}
