package iptparse

import (
	"net/netip"
	"testing"
)

// TestPrefixMask checks the masks against netip's own prefixes, and the
// clamping of lengths out of range.
func TestPrefixMask(t *testing.T) {
	for _, fam := range []struct {
		bits int
		all  netip.Addr
	}{
		{32, netip.MustParseAddr("255.255.255.255")},
		{128, netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")},
	} {
		for n := -1; n <= fam.bits+1; n++ {
			want := netip.PrefixFrom(fam.all, min(max(n, 0), fam.bits)).Masked().Addr()
			if got := makePrefixMask(n, fam.bits); got != want {
				t.Errorf("makePrefixMask(%d, %d) = %v, want %v", n, fam.bits, got, want)
			}
			if n < 0 || n > fam.bits {
				continue
			}
			if got := prefixMask(n, fam.bits); got != want {
				t.Errorf("prefixMask(%d, %d) = %v, want %v", n, fam.bits, got, want)
			}
		}
	}
}
