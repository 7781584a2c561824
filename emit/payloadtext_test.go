package emit

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestPayloadTexts: a match on a payload is written the same whether
// its text is kept by the printer (payloadTexts) or not: payloads that
// share an entry, payloads equal to one kept but with other strings,
// words too long to keep, empty ones.
func TestPayloadTexts(t *testing.T) {
	heap := func(s string) string { return strings.Clone(s) } // same text, other pointer
	pls := []*ir.Payload{
		{Proto: "ip", Field: "saddr"},
		{Proto: "tcp", Field: "dport"},
		{Proto: "ip", Field: "daddr"},
		{Proto: "udp", Field: "dport"},
		{Proto: "ip6", Field: "saddr"},
		{Proto: "tcp", Field: "sport"},
		{Proto: "udp", Field: "sport"},
		{Proto: "ip6", Field: "daddr"},
		{Proto: "sctp", Field: "dport"},
		{Proto: "ip", Field: "protocol"},
		{Proto: "icmp", Field: "type"},
		{Proto: "icmpv6", Field: "type"},
		// sharing an entry: the same field and the same first letter and
		// length of the proto; the same proto and field's first letter;
		// a proto 8 bytes longer
		{Proto: "ix", Field: "daddr"},
		{Proto: "ip", Field: "dport"},
		{Proto: "ip", Field: "daddr"},
		{Proto: "ip-ip-ip-x", Field: "daddr"},
		{Proto: "ip", Field: "daddr"},
		{Proto: "ip", Field: "dscp"},
		{Proto: "sctp chunk", Field: "data"},  // 14 bytes: kept
		{Proto: "sctp chunk", Field: "flags"}, // 15: not kept
		{Proto: "sctp chunk data", Field: "flags"},
		{Proto: "rt0", Field: "addr[1]"},
		{Proto: "ip"}, // no field
		{Proto: heap("ip"), Field: heap("saddr")},
		{Proto: heap("tcp"), Field: heap("dport")},
		{Proto: "tcp", Field: "sport"},
		{Proto: "ip", Field: "saddr"},
	}
	p := &Printer{Style: Style{Upstream: true}}
	var got, want strings.Builder
	for round := range 3 {
		for i, pl := range pls {
			// alone, with a number and with an address, after the others
			for _, right := range []ir.Expr{&ir.Integer{Value: uint64(i + round)}, &ir.Addr{Addr: netip.AddrFrom4([4]byte{10, 0, byte(round), byte(i)})}} {
				m := &ir.Match{Left: pl, Op: ir.CmpEq, Right: right}
				got.WriteString(p.Stmt(m) + "\n")
				text := pl.Proto
				if pl.Field != "" {
					text += " " + pl.Field
				}
				want.WriteString(text + " " + (&Printer{}).Expr(right) + "\n")
			}
		}
	}
	if got.String() != want.String() {
		t.Errorf("got\n%s\nwant\n%s", got.String(), want.String())
	}
}
