package iptparse

import (
	"math/rand"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// numericToIPv4Slow is numericToIPv4 without its dottedQuad fast path.
func numericToIPv4Slow(s string, isMask bool) (netip.Addr, bool) {
	if len(s) > 19 {
		s = s[:19]
	}
	var b [4]byte
	parts := strings.SplitN(s, ".", 4)
	if isMask && len(parts) != 4 {
		return netip.Addr{}, false
	}
	for i, p := range parts {
		v, ok := ParseUint(p, 0, 0, 255)
		if !ok {
			return netip.Addr{}, false
		}
		b[i] = byte(v)
	}
	return netip.AddrFrom4(b), true
}

// TestDottedQuad: where dottedQuad reads a string, it reads the address
// numericToIPv4 reads without it, and it reads the common forms.
func TestDottedQuad(t *testing.T) {
	inputs := []string{
		"192.0.2.1", "0.0.0.0", "255.255.255.255", "10.0.0.010", "010.0.0.1", "1.2.3", "1.2.3.4.5",
		"256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "1..2.3", ".1.2.3", "1.2.3.", "+1.2.3.4", "0x1.2.3.4",
		"1.2.3.4000000000000000", "00.0.0.0", "1.2.3.255", "1.2.3.256", "",
	}
	r := rand.New(rand.NewSource(1))
	bytes := []string{"0", "1", "9", "25", "99", "100", "199", "255", "256", "00", "07", "08", "010", "", "x", " 1", "+1", "0x1"}
	seps := []string{".", ".", ".", ".", ".", "..", ""}
	for range 100000 {
		var b strings.Builder
		n := 2 + r.Intn(4)
		for i := range n {
			b.WriteString(bytes[r.Intn(len(bytes))])
			if i < n-1 {
				b.WriteString(seps[r.Intn(len(seps))])
			}
		}
		inputs = append(inputs, b.String())
	}
	fast := 0
	for _, s := range inputs {
		a, ok := DottedQuad(s)
		// it reads exactly the addresses written as netip writes them
		if want, wok := numericToIPv4Slow(s, false); ok != (wok && want.String() == s) {
			t.Errorf("%q: dottedQuad reads it: %v; numericToIPv4 reads %v, %v", s, ok, want, wok)
		}
		if !ok {
			continue
		}
		fast++
		for _, mask := range []bool{false, true} {
			if want, wok := numericToIPv4Slow(s, mask); !wok || want != a {
				t.Errorf("%q (mask %v): dottedQuad reads %v, numericToIPv4 %v, %v", s, mask, a, want, wok)
			}
		}
	}
	for _, s := range []string{"192.0.2.1", "0.0.0.0", "255.255.255.255", "10.1.2.3"} {
		if _, ok := DottedQuad(s); !ok {
			t.Errorf("dottedQuad does not read %q", s)
		}
	}
	if fast < 200 {
		t.Errorf("only %d random strings were dotted quads", fast)
	}
}

// TestDottedQuadBytes: dottedQuad reads an address of each length of
// each byte, and no string one byte off one: any byte changed (a '/'
// next to '.', bytes with the top bit, '0' leading a byte, '6' making
// 256), dropped or added anywhere, a field too long or empty, too
// many dots or too few, in the first eight bytes, the last eight or
// where they overlap. With dottedQuadWords and, where haveMasks,
// dottedQuad16.
func TestDottedQuadBytes(t *testing.T) {
	defer func(m bool) { haveMasks = m }(haveMasks)
	for _, haveMasks = range []bool{false, haveMasks} {
		testDottedQuadBytes(t)
	}
}

func testDottedQuadBytes(t *testing.T) {
	check := func(s string) {
		t.Helper()
		a, ok := DottedQuad(s)
		want, wok := numericToIPv4Slow(s, false)
		if ok != (wok && want.String() == s) || ok && a != want {
			t.Errorf("%q: dottedQuad reads %v, %v; numericToIPv4 %v, %v", s, a, ok, want, wok)
		}
	}
	r := rand.New(rand.NewSource(3))
	// a byte of n digits: each of the nine bytes 0-255 of n digits, at
	// random
	field := func(n int) string {
		for {
			v := r.Intn(256)
			if v == 255 && r.Intn(2) == 0 {
				v = [3]int{9, 99, 200}[n-1] // the largest byte of n digits but 255
			}
			if s := strconv.Itoa(v); len(s) == n {
				return s
			}
		}
	}
	for l := range 81 {
		for range 3 {
			s := field(l%3+1) + "." + field(l/3%3+1) + "." + field(l/9%3+1) + "." + field(l/27+1)
			if _, ok := DottedQuad(s); !ok {
				t.Errorf("dottedQuad does not read %q", s)
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
			check(s + ".1")
			check("1." + s)
			check(s + s)
		}
	}
	for _, s := range []string{
		"1.2.3.4", "0.0.0.0", "9.9.9.9", "1.2.3.a", "1.2.3.", "1.2..3", "1,2.3.4", "1.2.3/4", "1.2.3.45",
		"1.2.3.4.", "123.123.123.123", "1234.1.1.1", "1.1.1.1234", "1.1.1234.1", "1.1234.1.1", "12345678",
		"1.2.3.4.5.6.7.8", "........", "123.123.123.1234", "0.0.0.00", "00.0.0.0", "0.00.0.0", "0.0.00.0",
		"255.255.255.256", "256.255.255.255", "255.256.255.255", "255.255.256.255", "300.1.1.1", "1.1.1.300",
		"999.999.999.999", "1.2.3.4\x00", "\x001.2.3.4", "1.2.3.4 ", "01.2.3.4", "1.02.3.4", "1.2.03.4", "1.2.3.04",
	} {
		check(s)
	}
}

// TestOneIPv4: where oneIPv4 reads an -s/-d argument, parseAddrs reads
// the same one address from it, for either IPv4 family.
func TestOneIPv4(t *testing.T) {
	inputs := []string{
		"10.0.0.1", "10.0.0.0/8", "10.0.0.1/32", "10.0.0.1/0", "10.0.0.1/33", "10.0.0.1/08", "10.0.0.1/00",
		"10.0.0.1/", "/8", "10.0.0.1//8", "10.0.0.1/8/8", "10.1/16", "010.0.0.1/8", "10.0.0.1/255.0.0.0",
		"10.0.0.1,10.0.0.2", "10.0.0.1/8,10.0.0.2/8", " 10.0.0.1", "10.0.0.1 /8", "10.0.0.1/ 8", "10.0.0.1/+8",
		"10.0.0.1/0x8", "any/0", "10.0.0.255/24", "192.168.1.77/30", "1.2.3.4/9a", "", "/", "//", "/1/", "1/1", "1.2.3.4/1/",
		"1.2.3/4/8", "1.2.3.4/8/", "1.2.3.4//", "1.2.3.4/39", "1.2.3.4/33", "1.2.3.4/4/", "1.2/3.4", "1.2.3.4/3/2",
	}
	r := rand.New(rand.NewSource(2))
	addrs := []string{"10.0.0.1", "192.168.255.77", "0.0.0.0", "255.255.255.255", "10.1", "010.0.0.1", "256.0.0.1", "x", ""}
	masks := []string{"", "/0", "/1", "/8", "/9", "/10", "/24", "/29", "/30", "/32", "/33", "/40", "/01", "/0x1", "/255.255.0.0", "/", "/3a"}
	for range 20000 {
		s := addrs[r.Intn(len(addrs))] + masks[r.Intn(len(masks))]
		if r.Intn(8) == 0 {
			s += "," + addrs[r.Intn(len(addrs))]
		}
		inputs = append(inputs, s)
	}
	// the forms it is for, which it must read
	for _, s := range []string{"10.0.0.1", "10.0.0.0/8", "192.168.1.77/30", "1.2.3.4/0", "1.2.3.4/9", "1.2.3.4/10",
		"1.2.3.4/32", "255.255.255.255/31"} {
		if am := (AddrMask{}); !oneIPv4(&am, s) {
			t.Errorf("%q: oneIPv4 reports false", s)
		}
	}
	for _, fam := range []Family{FamilyIPv4, FamilyAny} {
		for _, s := range inputs {
			// a sentinel, which a false oneIPv4 must leave as it is
			// (the slot of the arena it fills in is then not handed out)
			am := AddrMask{Bits: -7}
			if !oneIPv4(&am, s) {
				if am != (AddrMask{Bits: -7}) {
					t.Errorf("%q: oneIPv4 reports false but wrote %v", s, am)
				}
				continue
			}
			st := parseState{p: &Parser{Family: fam}}
			sel, err := st.parseAddrs(&Word{Text: s})
			if err != nil || len(sel.Addrs) != 1 || sel.Addrs[0] != am {
				t.Errorf("%q (%v): oneIPv4 gives %v; parseAddrs %v, %v", s, fam, am, sel, err)
			}
		}
	}
}
