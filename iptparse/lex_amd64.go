package iptparse

// haveMasks tells whether masks64 can run: it needs SSSE3's PSHUFB,
// which nearly every amd64 processor has (those since 2006).
var haveMasks = hasSSSE3()

// masks64 classifies the first min(len(s), 64) bytes of s, len(s) >= 16,
// sixteen at a time: spaces has bit k set if byte k is a space, bad if it
// is neither a space nor a byte Quote leaves bare (notSpacedPlain); the
// bits of the bytes past s are clear in both. splitSpaced's loop over
// eight bytes at a time took some 35 instructions to tell the bytes it
// may split apart; masks64 takes about 20 for sixty-four.
//
//go:noescape
func masks64(s string) (spaces, bad uint64)

// hasSSSE3 reports whether the processor has SSSE3 (CPUID leaf 1).
func hasSSSE3() bool

// simdHints tells v6HintsIn to find its options by dashOptions (amd64
// has SSE2, all it needs); a variable for the tests.
var simdHints = true

// dashOptions marks the places k < min(len(s)-2, 64), len(s) >= 18,
// where s has an "-m", "-p" or "-j" followed by a byte up to ' ' (as a
// blank is): bit k for place k. These are the '-' where v6HintsIn may
// find a hint; most '-' of a dump are in other options and in names.
//
//go:noescape
func dashOptions(s string) uint64

// dottedQuad32 reads s with dottedQuad16 if it has 7 to 15 bytes and
// the sixteen from its start are in one page (so readable), and haveMasks;
// else with dottedQuadWords: 65 instructions an address (12 here, 53 in
// dottedQuad16) where dottedQuadWords took 163, which were 5 % of exact
// mode's instructions on a blocklist dump. In assembly, which Go calls
// directly: a Go function to choose was not inlined, and took 25.
//
//go:noescape
func dottedQuad32(s string) (uint32, bool)

// dottedQuad16 is dottedQuad32 of s, 7 to 15 bytes, reading the sixteen
// bytes from its start (which must be readable): by the places of its
// dots and its end (dqKey), a byte shuffle from dqPatterns puts the
// digits of each field in place for one multiply-add.
//
//go:noescape
func dottedQuad16(s string) (uint32, bool)

// dqPattern is how dottedQuad16 reads the address of one layout: the
// layout's key (the bits of its dots and of its end, dqKey), the shuffle
// that puts the hundreds, tens and ones of field k in bytes 4k to 4k+2
// (0x80: none, read as 0), and the least value of each field (that of
// more than one digit does not start with a 0: "01" is octal, left to
// numericToIPv4).
type dqPattern struct {
	shuffle [16]byte
	least   [4]uint16
	key     uint16
	_       [6]byte
}

// dqMul is the multiplier that hashes the 81 keys of dqPatterns to
// distinct bytes (the top byte of their 32-bit product), dqSlots.
const dqMul = 0x86e5b70d

// dqSlots has the index in dqPatterns of the layout whose key hashes to
// each byte (0: none; dqPatterns[0] has no key).
//
//lint:ignore U1000 read by dottedQuad16, in lex_amd64.s
var dqPatterns, dqSlots = func() (p [82]dqPattern, slots [256]uint8) {
	i := 1
	for l1 := 1; l1 <= 3; l1++ {
		for l2 := 1; l2 <= 3; l2++ {
			for l3 := 1; l3 <= 3; l3++ {
				for l4 := 1; l4 <= 3; l4++ {
					lens := [4]int{l1, l2, l3, l4}
					e := &p[i]
					start := 0
					for k, l := range lens {
						for b := range 4 {
							e.shuffle[4*k+b] = 0x80
						}
						for d := range l {
							e.shuffle[4*k+3-l+d] = byte(start + d)
						}
						e.least[k] = [4]uint16{0, 0, 10, 100}[l]
						start += l + 1
					}
					e.key = dqKey(lens)
					h := uint32(e.key) * dqMul >> 24
					if slots[h] != 0 {
						panic("iptparse: dqMul hashes two layouts alike")
					}
					slots[h] = uint8(i)
					i++
				}
			}
		}
	}
	return p, slots
}()

// dqKey is the key of the layout of fields of lens bytes: bit k set for
// a '.' at byte k, and for the end of the address.
//
//lint:ignore U1000 used by dqPatterns' initializer (see there)
func dqKey(lens [4]int) uint16 {
	var key uint16
	at := -1
	for _, l := range lens {
		at += l + 1
		key |= 1 << at
	}
	return key
}
