package iptparse

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestParseDecimal checks parseDecimal against strconv.ParseFloat: the
// same value for every string it reads, and no reading of what it must
// leave to ParseFloat.
func TestParseDecimal(t *testing.T) {
	cases := []string{
		"0", "1", "0.5", "0.50000000000", "0.33333333349", "1.", ".5", "0.1", "0.3",
		"123456789012345", "12345678901234.5", ".000000000000001", "0.99999999999999",
		"9007199254740991", "1234567890123456", "0.000000000000001",
		"", ".", "..", "1.2.3", "1e3", "-0.5", "+0.5", "0x1p-2", "1_0", "inf", "NaN", " 1",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		n := 1 + r.IntN(16)
		point := r.IntN(n + 2)
		for i := range n {
			if i == point {
				b.WriteByte('.')
			}
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		cases = append(cases, b.String())
	}
	read := 0
	for _, s := range cases {
		v, ok := parseDecimal(s)
		want, err := strconv.ParseFloat(s, 64)
		plain := strings.Trim(s, "0123456789.") == "" && strings.Count(s, ".") <= 1 && len(strings.ReplaceAll(s, ".", "")) > 0 && len(strings.ReplaceAll(s, ".", "")) <= 15
		if ok != plain {
			t.Errorf("parseDecimal(%q) ok = %v, want %v", s, ok, plain)
			continue
		}
		if !ok {
			continue
		}
		read++
		if err != nil || v != want {
			t.Errorf("parseDecimal(%q) = %v, ParseFloat gives %v, %v", s, v, want, err)
		}
	}
	if read < len(cases)/2 {
		t.Errorf("parseDecimal read only %d of %d strings", read, len(cases))
	}
}
