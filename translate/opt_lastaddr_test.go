package translate

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestLastAddr: lastAddr sets the host bits as setting them one by one
// does, for every length of IPv4, IPv6 and IPv4-mapped prefixes.
func TestLastAddr(t *testing.T) {
	byBits := func(p netip.Prefix) netip.Addr {
		b := p.Addr().AsSlice()
		for i := p.Bits(); i < len(b)*8; i++ {
			b[i/8] |= 0x80 >> (i % 8)
		}
		a, _ := netip.AddrFromSlice(b)
		return a
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		var b16 [16]byte
		for i := range b16 {
			b16[i] = byte(rng.Uint32())
		}
		var b4 [4]byte
		copy(b4[:], b16[:4])
		for _, a := range []netip.Addr{netip.AddrFrom4(b4), netip.AddrFrom16(b16), netip.AddrFrom16(netip.AddrFrom4(b4).As16())} {
			for bits := range a.BitLen() + 1 {
				p := netip.PrefixFrom(a, bits)
				for _, q := range []netip.Prefix{p, p.Masked()} {
					if got, want := lastAddr(q), byBits(q); got != want {
						t.Fatalf("lastAddr(%v) = %v; want %v", q, got, want)
					}
				}
			}
		}
	}
}
