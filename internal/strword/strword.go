// Package strword reads a string's bytes a machine word at a time, for
// the scanners that test eight bytes at once (the parser's word
// splitter and counters, the printer's name and comment checks, the
// target table's names). One copy, so that each reads the same way.
package strword

// Load64 is s's first eight bytes as a little-endian number (one load).
// s must hold eight bytes. Cut to them (s[:8]), not checked by a look at
// s[7]: with the look, the word splitter that calls it in a loop ran 3.9
// M more instructions on the mixed 20,000-rule dump.
func Load64(s string) uint64 {
	s = s[:8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// Load32 is s's first four bytes as a little-endian number (one load).
// s must hold four bytes.
func Load32(s string) uint32 {
	s = s[:4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}
