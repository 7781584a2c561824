package translate

import (
	"net/netip"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// TestDottedQuadAsNetip: every string iptparse.DottedQuad (inetPton's
// fast path) takes netip.ParseAddr takes as
// the same IPv4 address, and it takes the dotted quads of plain decimal
// bytes. The strings are all those of up to 8 bytes over "0159.-", and
// some longer.
func TestDottedQuadAsNetip(t *testing.T) {
	check := func(s string) bool {
		got, ok := iptparse.DottedQuad(s)
		want, err := netip.ParseAddr(s)
		if ok && (err != nil || got != want) {
			t.Errorf("DottedQuad(%q) = %v; netip: %v, %v", s, got, want, err)
		}
		return ok
	}
	alphabet := "0159.-"
	var walk func(s string)
	walk = func(s string) {
		check(s)
		if len(s) < 8 {
			for i := range len(alphabet) {
				walk(s + alphabet[i:i+1])
			}
		}
	}
	walk("")
	for _, s := range []string{"192.168.1.1", "0.0.0.0", "255.255.255.255", "10.0.0.10", "1.2.3.4", "100.200.250.199"} {
		if !check(s) {
			t.Errorf("DottedQuad(%q) not taken", s)
		}
	}
	for _, s := range []string{"256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..3.4", "1.2.3.4 ", "::1", "1.2.3.4%eth0", "1000.1.1.1", ".1.2.3", "1.2.3."} {
		if check(s) {
			t.Errorf("DottedQuad(%q) taken", s)
		}
	}
}
