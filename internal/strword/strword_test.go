package strword

import (
	"encoding/binary"
	"testing"
)

// TestLoad: the words are encoding/binary's little-endian reads of the
// same bytes, and a string too short panics.
func TestLoad(t *testing.T) {
	s := "ab\x00\xff\x80cdefghij"
	for i := 0; i+8 <= len(s); i++ {
		if got, want := Load64(s[i:]), binary.LittleEndian.Uint64([]byte(s[i:])); got != want {
			t.Errorf("Load64(%q) = %#x, want %#x", s[i:], got, want)
		}
		if got, want := Load32(s[i:]), binary.LittleEndian.Uint32([]byte(s[i:])); got != want {
			t.Errorf("Load32(%q) = %#x, want %#x", s[i:], got, want)
		}
	}
	for _, f := range []func(){func() { t.Logf("%x", Load64("1234567")) }, func() { t.Logf("%x", Load32("123")) }} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a short string did not panic")
				}
			}()
			f()
		}()
	}
}
