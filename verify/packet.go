package verify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/netip"
	"strings"
)

// IP protocol numbers used by the harness.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
	ProtoSCTP   = 132
)

// TCP flag bits.
const (
	FIN = 0x01
	SYN = 0x02
	RST = 0x04
	PSH = 0x08
	ACK = 0x10
	URG = 0x20
	ECE = 0x40
	CWR = 0x80
)

// Packet is an IPv4 or IPv6 packet with at most one transport header, as
// the harness crafts and parses it. The family follows from Src/Dst.
type Packet struct {
	Src, Dst  netip.Addr
	Proto     uint8
	TTL       uint8  // hop limit for IPv6; 0 means 64 when building
	TOS       uint8  // IPv4 TOS byte / IPv6 traffic class
	ID        uint16 // IPv4 identification
	FlowLabel uint32 // IPv6
	// ExtHeaders lists the IPv6 extension headers a parsed packet had
	// before its upper-layer header (Marshal does not write any).
	ExtHeaders []uint8
	DF         bool // IPv4 don't-fragment

	SrcPort, DstPort uint16 // TCP, UDP
	Seq, Ack         uint32 // TCP
	Flags            uint8  // TCP flags
	Window           uint16 // TCP; 0 means 65535 when building
	MSS              uint16 // TCP MSS option; 0: none

	Type, Code uint8  // ICMP / ICMPv6
	Rest       uint32 // ICMP: the 4 bytes after the checksum (echo id/seq, MTU, pointer)

	// Payload follows the transport header (for ICMP, after Rest). For
	// ICMP errors it holds the quoted packet.
	Payload []byte

	// Inner is the packet quoted by an ICMP error, when it parses.
	Inner *Packet
}

// Is6 reports whether the packet is IPv6.
func (p *Packet) Is6() bool { return p.Dst.Is6() && !p.Dst.Is4In6() }

// EchoID and EchoSeq are the identifier and sequence of an ICMP echo.
func (p *Packet) EchoID() uint16  { return uint16(p.Rest >> 16) }
func (p *Packet) EchoSeq() uint16 { return uint16(p.Rest) }

// IsICMPError reports whether the packet is an ICMP or ICMPv6 error message.
func (p *Packet) IsICMPError() bool {
	switch p.Proto {
	case ProtoICMP:
		switch p.Type {
		case 3, 4, 5, 11, 12:
			return true
		}
	case ProtoICMPv6:
		return p.Type < 128
	}
	return false
}

// hasPorts reports whether the protocol carries 16-bit ports the harness
// understands (TCP, UDP, UDP-Lite, SCTP, DCCP).
func hasPorts(proto uint8) bool {
	switch proto {
	case ProtoTCP, ProtoUDP, 136, 132, 33:
		return true
	}
	return false
}

// Marshal serializes the packet (from the IP header on), computing lengths
// and checksums.
func (p *Packet) Marshal() ([]byte, error) {
	if !p.Src.IsValid() || !p.Dst.IsValid() {
		return nil, errors.New("packet without addresses")
	}
	if p.Src.Is4() != p.Dst.Is4() {
		return nil, fmt.Errorf("mixed address families %s > %s", p.Src, p.Dst)
	}
	l4 := p.marshalL4()
	ttl := p.TTL
	if ttl == 0 {
		ttl = 64
	}
	if p.Src.Is4() {
		h := make([]byte, 20, 20+len(l4))
		h[0] = 0x45
		h[1] = p.TOS
		binary.BigEndian.PutUint16(h[2:], uint16(20+len(l4)))
		binary.BigEndian.PutUint16(h[4:], p.ID)
		if p.DF {
			h[6] = 0x40
		}
		h[8] = ttl
		h[9] = p.Proto
		s, d := p.Src.As4(), p.Dst.As4()
		copy(h[12:], s[:])
		copy(h[16:], d[:])
		binary.BigEndian.PutUint16(h[10:], checksum(h, 0))
		p.l4Checksum(l4)
		return append(h, l4...), nil
	}
	h := make([]byte, 40, 40+len(l4))
	binary.BigEndian.PutUint32(h[0:], 6<<28|uint32(p.TOS)<<20|p.FlowLabel&0xfffff)
	binary.BigEndian.PutUint16(h[4:], uint16(len(l4)))
	h[6] = p.Proto
	h[7] = ttl
	s, d := p.Src.As16(), p.Dst.As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	p.l4Checksum(l4)
	return append(h, l4...), nil
}

func (p *Packet) marshalL4() []byte {
	switch {
	case p.Proto == ProtoTCP:
		hl := 20
		if p.MSS != 0 {
			hl += 4
		}
		b := make([]byte, hl, hl+len(p.Payload))
		binary.BigEndian.PutUint16(b[0:], p.SrcPort)
		binary.BigEndian.PutUint16(b[2:], p.DstPort)
		binary.BigEndian.PutUint32(b[4:], p.Seq)
		binary.BigEndian.PutUint32(b[8:], p.Ack)
		b[12] = byte(hl/4) << 4
		b[13] = p.Flags
		w := p.Window
		if w == 0 {
			w = 65535
		}
		binary.BigEndian.PutUint16(b[14:], w)
		if p.MSS != 0 {
			b[20], b[21] = 2, 4
			binary.BigEndian.PutUint16(b[22:], p.MSS)
		}
		return append(b, p.Payload...)
	case p.Proto == ProtoUDP:
		b := make([]byte, 8, 8+len(p.Payload))
		binary.BigEndian.PutUint16(b[0:], p.SrcPort)
		binary.BigEndian.PutUint16(b[2:], p.DstPort)
		binary.BigEndian.PutUint16(b[4:], uint16(8+len(p.Payload)))
		return append(b, p.Payload...)
	case p.Proto == ProtoICMP || p.Proto == ProtoICMPv6:
		b := make([]byte, 8, 8+len(p.Payload))
		b[0], b[1] = p.Type, p.Code
		binary.BigEndian.PutUint32(b[4:], p.Rest)
		return append(b, p.Payload...)
	case p.Proto == ProtoSCTP:
		// common header and one INIT chunk (verification tag 0)
		b := make([]byte, 32, 32+len(p.Payload))
		binary.BigEndian.PutUint16(b[0:], p.SrcPort)
		binary.BigEndian.PutUint16(b[2:], p.DstPort)
		b[12] = 1 // INIT
		binary.BigEndian.PutUint16(b[14:], 20)
		binary.BigEndian.PutUint32(b[16:], p.Seq|1) // initiate tag
		binary.BigEndian.PutUint32(b[20:], 65535)   // a_rwnd
		binary.BigEndian.PutUint16(b[24:], 1)
		binary.BigEndian.PutUint16(b[26:], 1)
		binary.BigEndian.PutUint32(b[28:], p.Seq)
		binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
		return b
	case hasPorts(p.Proto):
		// DCCP, UDP-Lite: ports first, then a zeroed header; the harness
		// does not compute their checksums, so a local stack or conntrack
		// that checks them drops the packet (the same on both sides).
		b := make([]byte, 16, 16+len(p.Payload))
		binary.BigEndian.PutUint16(b[0:], p.SrcPort)
		binary.BigEndian.PutUint16(b[2:], p.DstPort)
		return append(b, p.Payload...)
	}
	return append([]byte(nil), p.Payload...)
}

// l4Checksum fills in the transport checksum of b (TCP, UDP, ICMP, ICMPv6).
func (p *Packet) l4Checksum(b []byte) {
	var off int
	switch p.Proto {
	case ProtoTCP:
		off = 16
	case ProtoUDP:
		off = 6
	case ProtoICMP:
		binary.BigEndian.PutUint16(b[2:], checksum(b, 0))
		return
	case ProtoICMPv6:
		off = 2
	default:
		return
	}
	sum := pseudoSum(p.Src, p.Dst, p.Proto, len(b))
	c := checksum(b, sum)
	if c == 0 && p.Proto == ProtoUDP {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(b[off:], c)
}

func pseudoSum(src, dst netip.Addr, proto uint8, n int) uint32 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
	}
	if src.Is4() {
		s, d := src.As4(), dst.As4()
		add(s[:])
		add(d[:])
	} else {
		s, d := src.As16(), dst.As16()
		add(s[:])
		add(d[:])
	}
	sum += uint32(proto) + uint32(n)
	return sum
}

// checksum is the Internet checksum of b, starting from a partial sum.
func checksum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// Parse decodes a packet from its IP header on. Truncated transport
// headers (as quoted in ICMP errors) are decoded as far as they go.
func Parse(b []byte) (*Packet, error) {
	if len(b) < 1 {
		return nil, errors.New("empty packet")
	}
	p := &Packet{}
	var l4 []byte
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 {
			return nil, errors.New("short IPv4 header")
		}
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 || len(b) < ihl {
			return nil, errors.New("bad IPv4 header length")
		}
		p.TOS = b[1]
		p.ID = binary.BigEndian.Uint16(b[4:])
		p.DF = b[6]&0x40 != 0
		p.TTL = b[8]
		p.Proto = b[9]
		p.Src = netip.AddrFrom4([4]byte(b[12:16]))
		p.Dst = netip.AddrFrom4([4]byte(b[16:20]))
		end := int(binary.BigEndian.Uint16(b[2:]))
		if end > len(b) || end < ihl {
			end = len(b)
		}
		l4 = b[ihl:end]
	case 6:
		if len(b) < 40 {
			return nil, errors.New("short IPv6 header")
		}
		v := binary.BigEndian.Uint32(b)
		p.TOS = uint8(v >> 20)
		p.FlowLabel = v & 0xfffff
		p.Proto = b[6]
		p.TTL = b[7]
		p.Src = netip.AddrFrom16([16]byte(b[8:24]))
		p.Dst = netip.AddrFrom16([16]byte(b[24:40]))
		end := 40 + int(binary.BigEndian.Uint16(b[4:]))
		if end > len(b) {
			end = len(b)
		}
		l4 = b[40:end]
		// Skip hop-by-hop, routing and destination options headers:
		// Proto is the upper-layer protocol, as ip6tables -p sees it.
		for (p.Proto == 0 || p.Proto == 43 || p.Proto == 60) && len(l4) >= 8 {
			n := 8 + int(l4[1])*8
			if n > len(l4) {
				break
			}
			p.ExtHeaders = append(p.ExtHeaders, p.Proto)
			p.Proto = l4[0]
			l4 = l4[n:]
		}
	default:
		return nil, fmt.Errorf("not an IP packet (version %d)", b[0]>>4)
	}
	p.parseL4(l4)
	return p, nil
}

func (p *Packet) parseL4(b []byte) {
	switch {
	case p.Proto == ProtoTCP:
		if len(b) >= 4 {
			p.SrcPort = binary.BigEndian.Uint16(b[0:])
			p.DstPort = binary.BigEndian.Uint16(b[2:])
		}
		if len(b) >= 8 {
			p.Seq = binary.BigEndian.Uint32(b[4:])
		}
		if len(b) < 20 {
			return
		}
		p.Ack = binary.BigEndian.Uint32(b[8:])
		p.Flags = b[13]
		p.Window = binary.BigEndian.Uint16(b[14:])
		hl := int(b[12]>>4) * 4
		if hl < 20 || hl > len(b) {
			return
		}
		opts := b[20:hl]
		for i := 0; i < len(opts); {
			k := opts[i]
			if k == 0 {
				break
			}
			if k == 1 {
				i++
				continue
			}
			if i+1 >= len(opts) || opts[i+1] < 2 || i+int(opts[i+1]) > len(opts) {
				break
			}
			if k == 2 && opts[i+1] == 4 {
				p.MSS = binary.BigEndian.Uint16(opts[i+2:])
			}
			i += int(opts[i+1])
		}
		p.Payload = b[hl:]
	case p.Proto == ProtoUDP:
		if len(b) >= 4 {
			p.SrcPort = binary.BigEndian.Uint16(b[0:])
			p.DstPort = binary.BigEndian.Uint16(b[2:])
		}
		if len(b) >= 8 {
			p.Payload = b[8:]
		}
	case p.Proto == ProtoICMP || p.Proto == ProtoICMPv6:
		if len(b) >= 2 {
			p.Type, p.Code = b[0], b[1]
		}
		if len(b) < 8 {
			return
		}
		p.Rest = binary.BigEndian.Uint32(b[4:])
		p.Payload = b[8:]
		if p.IsICMPError() {
			if in, err := Parse(p.Payload); err == nil {
				p.Inner = in
			}
		}
	case hasPorts(p.Proto):
		if len(b) >= 4 {
			p.SrcPort = binary.BigEndian.Uint16(b[0:])
			p.DstPort = binary.BigEndian.Uint16(b[2:])
		}
		p.Payload = b[min(len(b), 16):]
	default:
		p.Payload = b
	}
}

// ProtoName names an IP protocol the way nft does.
func ProtoName(n uint8) string {
	switch n {
	case ProtoICMP:
		return "icmp"
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	case ProtoICMPv6:
		return "icmpv6"
	case 47:
		return "gre"
	case 50:
		return "esp"
	case 51:
		return "ah"
	case 132:
		return "sctp"
	case 33:
		return "dccp"
	case 136:
		return "udplite"
	}
	return fmt.Sprintf("proto-%d", n)
}

// FlagString writes TCP flags like tcpdump: S, SA, R, RA, F, P, A, U, E, C.
func FlagString(f uint8) string {
	if f == 0 {
		return "none"
	}
	var b strings.Builder
	for _, x := range []struct {
		bit uint8
		c   byte
	}{{FIN, 'F'}, {SYN, 'S'}, {RST, 'R'}, {PSH, 'P'}, {ACK, 'A'}, {URG, 'U'}, {ECE, 'E'}, {CWR, 'C'}} {
		if f&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	return b.String()
}

func hostPort(a netip.Addr, port uint16, ports bool) string {
	if !ports {
		return a.String()
	}
	if a.Is6() {
		return fmt.Sprintf("[%s]:%d", a, port)
	}
	return fmt.Sprintf("%s:%d", a, port)
}

// Summary describes the packet by the fields a firewall can match or
// rewrite, leaving out what differs from run to run (IPv4 ID of locally
// made packets, TCP sequence numbers, checksums, window). Two packets with
// the same summary are the same for the comparison.
func (p *Packet) Summary() string {
	var b strings.Builder
	ports := hasPorts(p.Proto)
	fmt.Fprintf(&b, "%s %s > %s", ProtoName(p.Proto), hostPort(p.Src, p.SrcPort, ports), hostPort(p.Dst, p.DstPort, ports))
	switch {
	case p.Proto == ProtoTCP:
		fmt.Fprintf(&b, " [%s]", FlagString(p.Flags))
		if p.MSS != 0 {
			fmt.Fprintf(&b, " mss %d", p.MSS)
		}
	case p.Proto == ProtoICMP || p.Proto == ProtoICMPv6:
		fmt.Fprintf(&b, " type %d code %d", p.Type, p.Code)
		if (p.Proto == ProtoICMP && (p.Type == 0 || p.Type == 8)) || (p.Proto == ProtoICMPv6 && (p.Type == 128 || p.Type == 129)) {
			fmt.Fprintf(&b, " id %d", p.EchoID())
		}
	}
	for _, h := range p.ExtHeaders {
		fmt.Fprintf(&b, " exthdr %d", h)
	}
	fmt.Fprintf(&b, " ttl %d", p.TTL)
	if p.TOS != 0 {
		fmt.Fprintf(&b, " tos 0x%02x", p.TOS)
	}
	if p.DF {
		b.WriteString(" df")
	}
	if n := len(p.Payload); n > 0 && p.Inner == nil {
		fmt.Fprintf(&b, " len %d", n)
	}
	if p.Inner != nil {
		in := p.Inner
		fmt.Fprintf(&b, " {%s %s > %s", ProtoName(in.Proto), hostPort(in.Src, in.SrcPort, hasPorts(in.Proto)), hostPort(in.Dst, in.DstPort, hasPorts(in.Proto)))
		if in.Proto == ProtoICMP || in.Proto == ProtoICMPv6 {
			fmt.Fprintf(&b, " type %d", in.Type)
		}
		b.WriteString("}")
	}
	return b.String()
}

// Ethernet framing.

const (
	ethIPv4 = 0x0800
	ethIPv6 = 0x86dd
)

// frame wraps an IP packet in an Ethernet header.
func frame(dst, src [6]byte, l3 []byte) []byte {
	b := make([]byte, 14, 14+len(l3))
	copy(b[0:], dst[:])
	copy(b[6:], src[:])
	if len(l3) > 0 && l3[0]>>4 == 6 {
		binary.BigEndian.PutUint16(b[12:], ethIPv6)
	} else {
		binary.BigEndian.PutUint16(b[12:], ethIPv4)
	}
	return append(b, l3...)
}

// unframe returns the IP packet in an Ethernet frame, or nil for other
// frames (ARP and the like).
func unframe(b []byte) []byte {
	if len(b) < 14 {
		return nil
	}
	switch binary.BigEndian.Uint16(b[12:]) {
	case ethIPv4, ethIPv6:
		return b[14:]
	}
	return nil
}
