package evalcount

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

func ruleset(t *testing.T, dump string, optimize bool) *ir.Ruleset {
	t.Helper()
	f := iptparse.ParseFile("t", dump, translate.Registry{}, iptparse.FamilyIPv4)
	if errs := f.Errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	tr := translate.New(translate.Options{})
	tr.AddFile(f)
	rs := tr.Ruleset()
	if optimize {
		translate.Optimize(rs, translate.AllOpt())
	}
	return rs
}

const dump = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:BL - [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -j BL
-A FORWARD -p tcp -m tcp --dport 22 -j ACCEPT
-A FORWARD -p tcp -m tcp --dport 80 -j ACCEPT
-A FORWARD -p tcp -m tcp --dport 443 -j ACCEPT
-A BL -s 192.0.2.1/32 -j DROP
-A BL -s 192.0.2.2/32 -j DROP
-A BL -s 192.0.2.3/32 -j DROP
-A BL -s 198.51.100.0/24 -j RETURN
-A BL -s 192.0.2.4/32 -j DROP
COMMIT
`

func TestCount(t *testing.T) {
	pkt := func(src string, dport uint16, state string) Packet {
		return Packet{Hook: "forward", Iif: "eth1", Oif: "eth2", Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr("203.0.113.1"),
			Proto: 6, SPort: 40000, DPort: dport, CtState: state}
	}
	lit, opt := ruleset(t, dump, false), ruleset(t, dump, true)
	for _, c := range []struct {
		name     string
		p        Packet
		lit, opt int
		verdict  string
	}{
		// Literal: ct state, jump, 5 blocklist rules, back, 3 ports,
		// policy drop. Optimized: ct state, jump, one verdict map, back,
		// one set of ports.
		{"passes all", pkt("203.0.113.9", 8080, "new"), 2 + 5 + 3, 2 + 1 + 1, "drop"},
		{"established", pkt("203.0.113.9", 22, "established"), 1, 1, "accept"},
		{"listed", pkt("192.0.2.2", 22, "new"), 2 + 2, 2 + 1, "drop"},
		{"returned early", pkt("198.51.100.7", 443, "new"), 2 + 4 + 3, 2 + 1 + 1, "accept"},
		{"port 80", pkt("203.0.113.9", 80, "new"), 2 + 5 + 2, 2 + 1 + 1, "accept"},
	} {
		a, err := Count(lit, c.p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Count(opt, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if a.Rules != c.lit || b.Rules != c.opt || a.Verdict != c.verdict || b.Verdict != c.verdict {
			t.Errorf("%s: literal %d rules, %s; optimized %d rules, %s; want %d and %d, %s", c.name, a.Rules, a.Verdict, b.Rules, b.Verdict, c.lit, c.opt, c.verdict)
		}
	}
}

func TestUnknownIsAnError(t *testing.T) {
	rs := ruleset(t, "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m ttl --ttl-eq 5 -j DROP\nCOMMIT\n", false)
	_, err := Count(rs, Packet{Hook: "input", Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2"), Proto: 6})
	if err == nil || !strings.Contains(err.Error(), "selector") {
		t.Errorf("err = %v, want an unknown selector", err)
	}
}
