package emit

import (
	"net/netip"
	"strconv"
	"testing"
)

// TestAppendAddr: appendAddr writes what netip's AppendTo does, every
// value of each byte of an IPv4 address included, and leaves other
// addresses to it.
func TestAppendAddr(t *testing.T) {
	addrs := []netip.Addr{
		netip.MustParseAddr("::ffff:192.0.2.1"),
		netip.MustParseAddr("2001:db8::1"),
		netip.MustParseAddr("fe80::1%eth0"),
	}
	for v := range 256 {
		b := byte(v)
		addrs = append(addrs,
			netip.AddrFrom4([4]byte{b, 0, 0, 0}), netip.AddrFrom4([4]byte{1, b, 10, 100}),
			netip.AddrFrom4([4]byte{255, 99, b, 9}), netip.AddrFrom4([4]byte{0, 200, 7, b}))
	}
	for _, a := range addrs {
		if got, want := string(appendAddr([]byte("x "), a)), "x "+a.String(); got != want {
			t.Errorf("appendAddr(%v) = %q; want %q", a, got, want)
		}
	}
}

// TestAppendDec: appendDec writes what strconv does, around each power of
// ten and the bound of its own path.
func TestAppendDec(t *testing.T) {
	vals := []uint64{0, 1, 9, 65535, 65536, 99999, 100000, 100001, 1<<64 - 1,
		1<<32 - 1, 1 << 32, 1<<32 + 1, 2147483647, 1073741824, 1234567890, 987654321, 100200300}
	for p := uint64(1); p <= 1e18; p *= 10 {
		vals = append(vals, p-1, p, p+1)
	}
	for v := range uint64(1000) {
		vals = append(vals, v)
	}
	// every number of up to six digits, and a stride through eight: each
	// lane of decDigits8 takes each of its values
	for v := uint64(1000); v < 1e6; v++ {
		vals = append(vals, v)
	}
	for v := uint64(1e6); v < 1e8+1000; v += 997 {
		vals = append(vals, v)
	}
	// and through nine and ten: each leading part (v/1e8) and each lane
	// of the last eight digits
	for v := uint64(1e8 - 1000); v < 1<<32+1000; v += 99991 {
		vals = append(vals, v)
	}
	for _, v := range vals {
		if got, want := string(appendDec([]byte("x "), v)), "x "+strconv.FormatUint(v, 10); got != want {
			t.Errorf("appendDec(%d) = %q; want %q", v, got, want)
		}
	}
}

// TestAppendCounterValues: a counter's numbers are written as strconv
// writes them, small, large and beyond 32 bits.
func TestAppendCounterValues(t *testing.T) {
	vals := []uint64{0, 7, 9, 10, 81, 99, 100, 847, 27887, 84059, 123456, 99999999, 1e8, 1<<32 - 1, 1 << 32, 1<<64 - 1}
	for _, p := range vals {
		for _, b := range vals {
			want := "counter packets " + strconv.FormatUint(p, 10) + " bytes " + strconv.FormatUint(b, 10)
			if got := string(appendCounterValues([]byte("counter"), p, b)); got != want {
				t.Errorf("appendCounterValues(%d, %d) = %q; want %q", p, b, got, want)
			}
		}
	}
}
