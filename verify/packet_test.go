package verify

import (
	"bytes"
	"net/netip"
	"testing"
)

// validChecksums checks the IPv4 header and transport checksums of a
// marshalled packet the way a receiver would: the sum comes out 0.
func validChecksums(t *testing.T, b []byte) {
	t.Helper()
	p, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	var l4 []byte
	if p.Src.Is4() {
		if c := checksum(b[:20], 0); c != 0 {
			t.Errorf("IPv4 header checksum does not verify (%#04x)", c)
		}
		l4 = b[20:]
	} else {
		l4 = b[40:]
	}
	switch p.Proto {
	case ProtoICMP:
		if c := checksum(l4, 0); c != 0 {
			t.Errorf("ICMP checksum does not verify (%#04x)", c)
		}
	case ProtoTCP, ProtoUDP, ProtoICMPv6:
		if c := checksum(l4, pseudoSum(p.Src, p.Dst, p.Proto, len(l4))); c != 0 {
			t.Errorf("%s checksum does not verify (%#04x)", ProtoName(p.Proto), c)
		}
	}
}

func TestPacketRoundTrip(t *testing.T) {
	a := netip.MustParseAddr
	inner := Packet{Src: a("10.0.0.2"), Dst: a("192.0.2.7"), Proto: ProtoUDP, SrcPort: 5000, DstPort: 53, Payload: []byte("q")}
	innerRaw, err := inner.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		p       Packet
		summary string
	}{
		{"tcp syn", Packet{Src: a("198.19.0.5"), Dst: a("198.18.0.1"), Proto: ProtoTCP, SrcPort: 40000, DstPort: 22, Flags: SYN, Seq: 7, MSS: 1460, TTL: 63, TOS: 0x28, DF: true},
			"tcp 198.19.0.5:40000 > 198.18.0.1:22 [S] mss 1460 ttl 63 tos 0x28 df"},
		{"udp6", Packet{Src: a("2001:db8::1"), Dst: a("2001:db8::2"), Proto: ProtoUDP, SrcPort: 546, DstPort: 547, Payload: []byte("hello"), FlowLabel: 0x12345},
			"udp [2001:db8::1]:546 > [2001:db8::2]:547 ttl 64 len 5"},
		{"echo", Packet{Src: a("198.19.0.5"), Dst: a("198.18.0.1"), Proto: ProtoICMP, Type: 8, Rest: 0xbeef0001, Payload: make([]byte, 12)},
			"icmp 198.19.0.5 > 198.18.0.1 type 8 code 0 id 48879 ttl 64 len 12"},
		{"echo6", Packet{Src: a("2001:db8::1"), Dst: a("2001:db8::2"), Proto: ProtoICMPv6, Type: 128, Rest: 0x00010001},
			"icmpv6 2001:db8::1 > 2001:db8::2 type 128 code 0 id 1 ttl 64"},
		{"icmp error", Packet{Src: a("192.0.2.7"), Dst: a("10.0.0.2"), Proto: ProtoICMP, Type: 3, Code: 3, Payload: innerRaw},
			"icmp 192.0.2.7 > 10.0.0.2 type 3 code 3 ttl 64 {udp 10.0.0.2:5000 > 192.0.2.7:53}"},
		{"sctp", Packet{Src: a("198.19.0.5"), Dst: a("198.18.0.1"), Proto: ProtoSCTP, SrcPort: 1, DstPort: 2, Seq: 9},
			"sctp 198.19.0.5:1 > 198.18.0.1:2 ttl 64 len 16"},
		{"esp", Packet{Src: a("198.19.0.5"), Dst: a("198.18.0.1"), Proto: 50, Payload: make([]byte, 8)},
			"esp 198.19.0.5 > 198.18.0.1 ttl 64 len 8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := c.p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			validChecksums(t, b)
			q, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Summary(); got != c.summary {
				t.Errorf("summary\n got %s\nwant %s", got, c.summary)
			}
			if (c.p.Proto != ProtoSCTP && q.Seq != c.p.Seq) || q.Rest != c.p.Rest || q.FlowLabel != c.p.FlowLabel {
				t.Errorf("seq/rest/flow label not kept: %+v", q)
			}
			if c.p.Inner == nil && c.name != "icmp error" && c.p.Proto != ProtoSCTP && !bytes.Equal(q.Payload, c.p.Payload) && len(c.p.Payload) > 0 {
				t.Errorf("payload %x, want %x", q.Payload, c.p.Payload)
			}
			f := frame(fwMAC(1), peerMAC(1), b)
			if !bytes.Equal(unframe(f), b) {
				t.Error("frame/unframe lost the packet")
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, b := range [][]byte{nil, {0x45}, {0x60, 0}, {0x20, 1, 2, 3}} {
		if _, err := Parse(b); err == nil {
			t.Errorf("Parse(%x): no error", b)
		}
	}
	// an IPv6 packet behind a hop-by-hop header (as MLD reports come)
	hbh := Packet{Src: netip.MustParseAddr("fe80::1"), Dst: netip.MustParseAddr("ff02::16"), Proto: 0,
		Payload: append([]byte{ProtoICMPv6, 0, 5, 2, 0, 0, 1, 0}, 143, 0, 0, 0, 0, 0, 0, 0)}
	b, err := hbh.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.Proto != ProtoICMPv6 || p.Type != 143 || len(p.ExtHeaders) != 1 || !noise(p) {
		t.Errorf("hop-by-hop not skipped: proto %d type %d ext %v", p.Proto, p.Type, p.ExtHeaders)
	}
}

func TestSamePortsRemapped(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"1: out eth1: tcp 198.18.0.1:6514 > 198.19.0.5:30034 [S] ttl 64 | 2: out eth0: tcp 198.19.0.5:30034 > 10.0.0.1:80 [SA]",
			"1: out eth1: tcp 198.18.0.1:50025 > 198.19.0.5:30034 [S] ttl 64 | 2: out eth0: tcp 198.19.0.5:30034 > 10.0.0.1:80 [SA]", true},
		// the chosen port reappears consistently
		{"out eth1: udp 198.18.0.1:1111 > 8.8.8.8:53; local eth1: udp 8.8.8.8:53 > 198.18.0.1:1111",
			"out eth1: udp 198.18.0.1:2222 > 8.8.8.8:53; local eth1: udp 8.8.8.8:53 > 198.18.0.1:2222", true},
		// inconsistently
		{"out eth1: udp 198.18.0.1:1111 > 8.8.8.8:53; local eth1: udp 8.8.8.8:53 > 198.18.0.1:1111",
			"out eth1: udp 198.18.0.1:2222 > 8.8.8.8:53; local eth1: udp 8.8.8.8:53 > 198.18.0.1:3333", false},
		// a different address is a difference
		{"out eth1: udp 198.18.0.1:1111 > 8.8.8.8:53", "out eth1: udp 198.18.0.7:1111 > 8.8.8.8:53", false},
		// a port that stays the same elsewhere cannot be remapped
		{"out eth1: tcp 10.0.0.1:80 > 10.0.0.2:81 | out eth0: tcp 10.0.0.1:80 > 10.0.0.2:81",
			"out eth1: tcp 10.0.0.1:80 > 10.0.0.2:81 | out eth0: tcp 10.0.0.1:90 > 10.0.0.2:81", false},
		{"{udp [2001:db8::1]:5 > [2001:db8::2]:53}", "{udp [2001:db8::1]:6 > [2001:db8::2]:53}", true},
		{"dropped", "out eth0: tcp 1.2.3.4:5 > 6.7.8.9:10", false},
		{"icmpv6 2001:db8::1 > 2001:db8::2", "icmpv6 2001:db8::1 > 2001:db8::3", false},
	}
	for _, c := range cases {
		if got := samePortsRemapped(c.a, c.b); got != c.want {
			t.Errorf("samePortsRemapped(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
