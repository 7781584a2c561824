package verify

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestUDPEchoNoLoop: a local datagram from one UDP service port to another
// used to make the two echo sockets answer each other until the
// namespaces were deleted (every later step waited its full time, and the
// captured packets piled up).
func TestUDPEchoNoLoop(t *testing.T) {
	h := newHarness(t)
	topo := Simple("eth0", "eth1")
	fw, _ := topo.Interfaces[0].Addr(false)
	ps := &ProbeSet{Topology: topo, UDPPorts: []uint16{1000, 2000}, TCPPorts: []uint16{1000, 2000}}
	for i := 0; i < 5; i++ {
		ps.Probes = append(ps.Probes, Probe{Name: "service to service", Steps: []Step{{Local: true,
			Packet: Packet{Src: fw, Dst: fw, Proto: ProtoUDP, SrcPort: 1000, DstPort: 2000, Payload: []byte("x")}}}})
	}
	ps.Probes = append(ps.Probes, Probe{Name: "from the world", Steps: []Step{{In: "eth0",
		Packet: Packet{Src: netip.MustParseAddr("198.19.0.5"), Dst: fw, Proto: ProtoUDP, SrcPort: 3000, DstPort: 2000, Payload: []byte("x")}}}})
	start := time.Now()
	empty := Ruleset{Nft: "table ip t {\n}\n"}
	res := compare(t, h, empty, empty, ps)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("6 probes took %v", d)
	}
	for _, p := range res.Probes {
		if n := strings.Count(p.A.String(), "local "); n > 2 {
			t.Errorf("%s: %d deliveries (the echo sockets answer each other)", p.Probe.Name, n)
		}
	}
	// A datagram from elsewhere is still echoed.
	if last := res.Probes[len(res.Probes)-1].A.String(); !strings.Contains(last, "out eth0: udp "+fw.String()+":2000 > 198.19.0.5:3000") {
		t.Errorf("no echo: %s", last)
	}
}
