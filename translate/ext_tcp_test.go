package translate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
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

// TestTCPFlagsFromBlocks checks ruleAlloc.tcpFlags against TCPFlagsExpr
// for every flag byte, past several blocks, and that its flag lists are
// trimmed (an append to one never writes over the next).
func TestTCPFlagsFromBlocks(t *testing.T) {
	var a ruleAlloc
	for round := range 20 {
		for b := range 256 {
			got, want := a.tcpFlags(uint8(b)), TCPFlagsExpr(uint8(b))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, bits %#x: got %#v, want %#v", round, b, got, want)
			}
			if f, ok := got.(*ir.FlagList); ok && cap(f.Flags) != len(f.Flags) {
				t.Fatalf("bits %#x: %d names with room for %d", b, len(f.Flags), cap(f.Flags))
			}
		}
	}
}

// TestParseTCPFlags checks parseTCPFlags against the strings.Split loop
// it replaced: the same bits, or the same error, for each list.
func TestParseTCPFlags(t *testing.T) {
	split := func(s string) (uint8, error) {
		var v uint8
		for _, part := range strings.Split(s, ",") {
			found := false
			for _, f := range tcpFlagBits {
				if strings.EqualFold(f.name, part) {
					v |= f.bits
					found = true
					break
				}
			}
			if !found {
				return 0, fmt.Errorf("Unknown TCP flag `%s'", part)
			}
		}
		return v, nil
	}
	for _, s := range []string{"SYN", "syn", "FIN,SYN,RST,ACK", "ALL", "NONE", "all,none", "SYN,ACK,URG,PSH",
		"", ",", "SYN,", ",SYN", "SYN,,ACK", "FOO", "SYN,FOO", "SYN ACK", "fin,syn,rst,psh,ack,urg"} {
		got, gotErr := parseTCPFlags(s)
		want, wantErr := split(s)
		if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("%q: got %#x, %v; want %#x, %v", s, got, gotErr, want, wantErr)
		}
	}
}
