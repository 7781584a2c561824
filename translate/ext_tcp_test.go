package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// TestCheckTCPPortOrder checks checkTCP's rejection of a port range
// whose first port is above its last, for --sport and --dport (the
// parser rejects them first, so they are built here).
func TestCheckTCPPortOrder(t *testing.T) {
	opt := func(name string, lo, hi uint16, col int) *iptparse.Option {
		return &iptparse.Option{Name: name, Pos: iptparse.MakePos("f", 1, col), Value: &iptparse.PortRange{Lo: lo, Hi: hi}}
	}
	for _, c := range []struct {
		opts []*iptparse.Option
		want string // "": no error
	}{
		{[]*iptparse.Option{opt("sport", 4, 5, 3), opt("dport", 7, 7, 9)}, ""},
		{[]*iptparse.Option{opt("sport", 5, 4, 3)}, "f:1:3: -m tcp: invalid portrange (min > max)"},
		{[]*iptparse.Option{opt("sport", 4, 5, 3), opt("dport", 9, 3, 9)}, "f:1:9: -m tcp: invalid portrange (min > max)"},
		{[]*iptparse.Option{opt("dport", 9, 3, 9), opt("sport", 5, 4, 3)}, "f:1:3: -m tcp: invalid portrange (min > max)"},
	} {
		err := checkTCP(&iptparse.Ext{Name: "tcp", Kind: iptparse.KindMatch, Options: c.opts})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%+v: got %q, want %q", c.opts, got, c.want)
		}
	}
}
