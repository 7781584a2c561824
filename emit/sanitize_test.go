package emit

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestNeedsSanitizing: needsSanitizing finds the characters SanitizeString
// changes, byte by byte, as strings.ContainsAny finds them rune by rune.
func TestNeedsSanitizing(t *testing.T) {
	const changed = "\"\n\r\t\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"
	var inputs []string
	for c := 0; c < 256; c++ {
		b := string([]byte{byte(c)})
		inputs = append(inputs, string(rune(c)), b, "log "+b+" é", "é"+string(rune(c)))
		// at each place of a longer string (read eight bytes at a time)
		for at := range 20 {
			long := []byte("ns/svc-0:http clusté")
			long[at] = byte(c)
			inputs = append(inputs, string(long))
		}
		// strings of 8 to 24 bytes, the byte last (after the words)
		for n := 8; n <= 24; n++ {
			s := []byte("abcdefghijklmnopqrstuvwx"[:n])
			s[n-1] = byte(c)
			inputs = append(inputs, string(s))
		}
	}
	for _, s := range inputs {
		if got, want := needsSanitizing(s), strings.ContainsAny(s, changed); got != want {
			t.Errorf("needsSanitizing(%q) = %v, want %v", s, got, want)
		}
		if !needsSanitizing(s) && SanitizeString(s) != s {
			t.Errorf("SanitizeString(%q) = %q, though nothing needed sanitizing", s, SanitizeString(s))
		}
	}
}

// TestUpperIdent: upperIdent, Ident's quick look at names like
// KUBE-SEP-..., takes only names ir.IsBareIdent takes, and takes such
// names of every length from 8 bytes: any byte at any place of them.
func TestUpperIdent(t *testing.T) {
	const name = "KUBE-SEP-0A_Z9-XYZ012"
	for n := 1; n <= len(name); n++ {
		for at := range n {
			for c := range 256 {
				b := []byte(name[:n])
				b[at] = byte(c)
				s := string(b)
				if upperIdent(s) && !ir.IsBareIdent(s) {
					t.Errorf("upperIdent(%q) = true, not a bare name", s)
				}
				upper := c >= 'A' && c <= 'Z' || at > 0 && (c >= '0' && c <= '9' || strings.IndexByte("-./_", byte(c)) >= 0)
				if want := n >= 8 && upper; upperIdent(s) != want {
					t.Errorf("upperIdent(%q) = %v, want %v", s, !want, want)
				}
			}
		}
	}
}
