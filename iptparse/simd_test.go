//go:build amd64 && linux

package iptparse

import (
	"math/rand"
	"strconv"
	"syscall"
	"testing"
	"unsafe"
)

// TestDottedQuadTables: dqPatterns and dqSlots are the layouts of an
// address, fields of 1 to 3 bytes, and dqMul hashes their keys apart.
func TestDottedQuadTables(t *testing.T) {
	var (
		p     [82]dqPattern
		slots [256]uint8
	)
	i := 1
	for l1 := 1; l1 <= 3; l1++ {
		for l2 := 1; l2 <= 3; l2++ {
			for l3 := 1; l3 <= 3; l3++ {
				for l4 := 1; l4 <= 3; l4++ {
					e := &p[i]
					start, end := 0, -1
					for k, l := range [4]int{l1, l2, l3, l4} {
						for b := range 4 {
							e.shuffle[4*k+b] = 0x80
						}
						for d := range l {
							e.shuffle[4*k+3-l+d] = byte(start + d)
						}
						e.least[k] = [4]uint16{0, 0, 10, 100}[l]
						start += l + 1
						end += l + 1
						e.key |= 1 << end // a '.', and the end
					}
					h := uint32(e.key) * dqMul >> 24
					if slots[h] != 0 {
						t.Fatalf("dqMul hashes layouts %d and %d alike", slots[h], i)
					}
					slots[h] = uint8(i)
					i++
				}
			}
		}
	}
	if p != dqPatterns {
		for i := range p {
			if p[i] != dqPatterns[i] {
				t.Errorf("dqPatterns[%d] = %+v; want %+v", i, dqPatterns[i], p[i])
			}
		}
	}
	if slots != dqSlots {
		t.Errorf("dqSlots = %v; want %v", dqSlots, slots)
	}
}

// TestDottedQuad16: dottedQuad16 reads what dottedQuadWords reads, of
// every layout of an address and every string one byte off one,
// whatever bytes follow the string in the sixteen it reads.
func TestDottedQuad16(t *testing.T) {
	if !haveMasks {
		t.Skip("no SSSE3")
	}
	r := rand.New(rand.NewSource(4))
	var buf [16]byte
	tail := []byte("0123456789..../ \x00\xff")
	check := func(s string) {
		t.Helper()
		if len(s) < 7 || len(s) > 15 {
			return
		}
		n := copy(buf[:], s)
		for i := n; i < len(buf); i++ {
			buf[i] = tail[r.Intn(len(tail))]
		}
		a, ok := dottedQuad16(unsafe.String(&buf[0], n))
		wa, wok := dottedQuadWords(s)
		if a != wa || ok != wok {
			t.Errorf("%q (then %q): dottedQuad16 reads %#x, %v; dottedQuadWords %#x, %v", s, buf[n:], a, ok, wa, wok)
		}
	}
	field := func(n int) string {
		for {
			if s := strconv.Itoa(r.Intn(256)); len(s) == n {
				return s
			}
		}
	}
	for l := range 81 {
		for _, s := range []string{
			field(l%3+1) + "." + field(l/3%3+1) + "." + field(l/9%3+1) + "." + field(l/27+1),
			[3]string{"0", "99", "255"}[l%3] + "." + [3]string{"9", "10", "100"}[l/3%3] + "." +
				[3]string{"1", "25", "199"}[l/9%3] + "." + [3]string{"5", "50", "250"}[l/27],
		} {
			if n := copy(buf[:], s); !must16(unsafe.String(&buf[0], n)) {
				t.Errorf("dottedQuad16 does not read %q", s)
			}
			for i := 0; i <= len(s); i++ {
				for c := range 256 {
					if i < len(s) {
						check(s[:i] + string([]byte{byte(c)}) + s[i+1:])
					}
					check(s[:i] + string([]byte{byte(c)}) + s[i:])
				}
				if i < len(s) {
					check(s[:i] + s[i+1:])
				}
			}
		}
	}
	for _, s := range []string{"256.1.1.1", "1.1.1.256", "00.1.1.1", "1.1.1.00", "1.1.1.01", "999.999.999.99", "1.2.3.4.5"} {
		check(s)
	}
}

// must16 reports whether dottedQuad16 reads s, as dottedQuadWords does.
func must16(s string) bool {
	a, ok := dottedQuad16(s)
	wa, wok := dottedQuadWords(s)
	return ok && wok && a == wa
}

// TestMasks64Page: masks64 of s whose sixty-four bytes from its start
// are in one page, followed by bytes it must not tell apart, and of s
// that ends where the page ends, before one it may not read.
func TestMasks64Page(t *testing.T) {
	if !haveMasks {
		t.Skip("no masks64 here")
	}
	mem := pageBeforeNone(t)
	r := rand.New(rand.NewSource(8))
	common := []byte("aZ09-./: \"\t!_=#%@\x80")
	for n := 16; n <= 64; n++ {
		for _, at := range []int{0, 4096 - 64 - n, 4096 - 64, 4096 - n} {
			for range 200 {
				for i := at; i < 4096; i++ {
					mem[i] = common[r.Intn(len(common))]
				}
				s := unsafe.String(&mem[at], n)
				var spaces, bad uint64
				for k := range n {
					if s[k] == ' ' {
						spaces |= 1 << k
					}
					if notSpacedPlain[s[k]] != 0 {
						bad |= 1 << k
					}
				}
				if gs, gb := masks64(s); gs != spaces || gb != bad {
					t.Fatalf("masks64(%q) at %d = %#x, %#x; want %#x, %#x", s, at, gs, gb, spaces, bad)
				}
			}
		}
	}
}

// pageBeforeNone returns a page of memory followed by one that may not
// be read.
func pageBeforeNone(t *testing.T) []byte {
	mem, err := syscall.Mmap(-1, 0, 2*4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[4096:], syscall.PROT_NONE); err != nil {
		t.Skip(err)
	}
	return mem[:4096]
}

// TestDottedQuadPageEnd: dottedQuad32 reads an address that ends at the
// end of a page, before one it may not read (it does not read sixteen
// bytes there).
func TestDottedQuadPageEnd(t *testing.T) {
	mem := pageBeforeNone(t)
	for _, s := range []string{"1.2.3.4", "10.20.30.40", "192.168.100.200"} {
		for end := 4096 - 16; end <= 4096; end++ {
			copy(mem[end-len(s):], s)
			a, ok := dottedQuad32(unsafe.String(&mem[end-len(s)], len(s)))
			if wa, _ := dottedQuadWords(s); !ok || a != wa {
				t.Errorf("%q ending at %d: %#x, %v", s, end, a, ok)
			}
		}
	}
}
