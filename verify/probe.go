package verify

import (
	"fmt"
	"strings"
)

// ReplyKind tells how a step's packet is made.
type ReplyKind uint8

const (
	// Literal sends Step.Packet as it is.
	Literal ReplyKind = iota
	// Reverse answers the first packet the previous step made leave the
	// firewall towards the world (forwarded, NATed, or the firewall's own
	// answer): addresses and ports swapped, TCP sequence numbers
	// following on, flags, ICMP type and payload taken from Step.Packet.
	// It enters on the interface that packet left by. This is how
	// ESTABLISHED state is made: each side answers its own output, so NAT
	// rewrites and conntrack entries are whatever that side made.
	Reverse
	// ICMPError answers the previous step's first output with an ICMP
	// error (Step.Packet's type and code) quoting it, as the destination
	// host would: conntrack sees it as RELATED.
	ICMPError
)

// Step is one packet of a probe.
type Step struct {
	// In is the interface the packet enters the firewall by, from its
	// peer in the world namespace. Ignored for Local and reply steps.
	In string
	// Local sends the packet from inside the firewall namespace (a raw
	// socket), so it takes the OUTPUT path like a packet the firewall
	// host makes itself.
	Local bool
	// Reply makes the packet from the previous step's output.
	Reply ReplyKind
	// Packet is the packet (Literal) or the template of the answer.
	Packet Packet
	// SrcMAC, when not zero, is the Ethernet source of an injected frame
	// (for -m mac rules); otherwise the world peer's address is used.
	SrcMAC [6]byte
}

// Probe is a short conversation: its steps run one after the other on
// both sides, with the conntrack table flushed before the first.
type Probe struct {
	// Name says what the probe is for (the rule and the value it
	// exercises); it is for reports only.
	Name  string
	Steps []Step
}

// ProbeSet is what a comparison runs: the topology of the firewall
// namespaces, the local services listening there, and the probes.
type ProbeSet struct {
	Topology Topology
	// TCPPorts and UDPPorts get a listening socket in the firewall
	// namespace (both families, every address). TCP listeners answer a
	// SYN with a SYN-ACK; UDP sockets echo each datagram back from the
	// address it was sent to. Other ports are closed: the stack answers
	// with RST or ICMP port unreachable. All those answers take the
	// firewall's OUTPUT path.
	TCPPorts, UDPPorts []uint16
	Probes             []Probe
}

// Describe prints a probe on one line.
func (p *Probe) Describe() string {
	var b strings.Builder
	for i, s := range p.Steps {
		if i > 0 {
			b.WriteString(" ; ")
		}
		b.WriteString(s.Describe())
	}
	return b.String()
}

// Describe prints a step.
func (s *Step) Describe() string {
	switch s.Reply {
	case Reverse:
		if s.Packet.Proto == ProtoTCP {
			return fmt.Sprintf("reply [%s]", FlagString(s.Packet.Flags))
		}
		if s.Packet.Proto == ProtoICMP || s.Packet.Proto == ProtoICMPv6 {
			return fmt.Sprintf("reply type %d", s.Packet.Type)
		}
		return "reply"
	case ICMPError:
		return fmt.Sprintf("icmp error %d/%d", s.Packet.Type, s.Packet.Code)
	}
	from := "from " + s.In
	if s.Local {
		from = "local"
	}
	p := s.Packet
	p.TTL = s.ttl()
	return from + ": " + p.Summary()
}

func (s *Step) ttl() uint8 {
	if s.Packet.TTL == 0 {
		return 64
	}
	return s.Packet.TTL
}
