package iptparse

import (
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// TestParseUintBase checks the decimal shortcut of parseUintBase against
// strconv.
func TestParseUintBase(t *testing.T) {
	inputs := []string{"0", "00", "07", "08", "010", "1", "+1", " 12", "\t+7", "255", "1_000", "0x1f", "0X", "0x",
		"9999999999999999999", "18446744073709551615", "18446744073709551616", "99999999999999999999",
		"1a", "a1", "-1", "", " ", "+", "1 ", "0b101", "0o17", "١", "tcp", "x", "\xff1", "9\xff", "~1", "9", "19", "91x",
		"1234567890123456789", "12345678901234567890", "0000000000000000000001"}
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 20000; i++ {
		b := make([]byte, r.Intn(22))
		for j := range b {
			b[j] = "0123456789+ x_"[r.Intn(14)]
		}
		inputs = append(inputs, string(b))
	}
	for _, s := range inputs {
		for _, base := range []int{0, 10, 16} {
			v, ok := parseUintBase(s, base)
			// the original: strconv on the trimmed text
			wv, wok := uint64(0), false
			if s != "" {
				t := strings.TrimPrefix(strings.TrimLeft(s, " \t\n"), "+")
				switch {
				case t == "" || t[0] == '-':
				case (base == 0 || base == 10) && (t[0] < '0' || t[0] > '9'):
				default:
					var err error
					wv, err = strconv.ParseUint(t, base, 64)
					wok = err == nil
					if err != nil {
						wv = 0
						if base == 0 && (t == "0x" || t == "0X") {
							wok = true
						}
					}
				}
			}
			if v != wv || ok != wok {
				t.Fatalf("parseUintBase(%q, %d) = %d, %v; want %d, %v", s, base, v, ok, wv, wok)
			}
		}
	}
}
