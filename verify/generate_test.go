package verify

import (
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

func TestScanRule(t *testing.T) {
	words := strings.Fields(`-A FORWARD -s 192.168.1.0/24 ! -d 10.0.0.0/8 -i eth1 -o ppp+ -p tcp -m multiport --dports 80,443,8000:8080 -m tcp --tcp-flags SYN,RST,ACK SYN -m conntrack --ctstate NEW,ESTABLISHED -m ttl --ttl-gt 5 -j DNAT --to-destination 192.168.1.10:8080`)
	r := scanRule(words, "nat", iptparse.FamilyIPv4)
	if r == nil {
		t.Fatal("not a rule")
	}
	if r.chain != "FORWARD" || r.table != "nat" || r.in != "eth1" || r.out != "ppp+" || r.proto != ProtoTCP {
		t.Errorf("selectors: %+v", r)
	}
	if r.src == nil || r.src.neg || r.src.prefixes[0] != netip.MustParsePrefix("192.168.1.0/24") {
		t.Errorf("source: %+v", r.src)
	}
	if r.dst == nil || !r.dst.neg {
		t.Errorf("destination: %+v", r.dst)
	}
	if r.dports == nil || len(r.dports.ranges) != 3 || r.dports.ranges[2] != [2]uint16{8000, 8080} {
		t.Errorf("ports: %+v", r.dports)
	}
	if r.tcpMask != SYN|RST|ACK || r.tcpComp != SYN || !slices.Equal(r.states, []string{"NEW", "ESTABLISHED"}) {
		t.Errorf("flags %x/%x states %v", r.tcpMask, r.tcpComp, r.states)
	}
	if r.ttl == nil || r.ttl.op != '>' || r.ttl.val != 5 {
		t.Errorf("ttl: %+v", r.ttl)
	}
	if r.target != "DNAT" || len(r.toAddrs) != 1 || r.toPorts[0] != [2]uint16{8080, 8080} {
		t.Errorf("target: %s %v %v", r.target, r.toAddrs, r.toPorts)
	}
	if scanRule(strings.Fields("-P INPUT DROP"), "filter", iptparse.FamilyIPv4) != nil {
		t.Error("policy taken for a rule")
	}
	if m := parseICMP("port-unreachable", true); m == nil || m.typ != 1 || m.code != 4 || m.anyCode {
		t.Errorf("icmpv6 port-unreachable: %+v", m)
	}
	if m := parseICMP("3/13", false); m == nil || m.typ != 3 || m.code != 13 {
		t.Errorf("icmp 3/13: %+v", m)
	}
}

func TestInferTopology(t *testing.T) {
	ps, err := Probes(readTestdata(t, "router.rules"), iptparse.FamilyIPv4, 200, 1)
	if err != nil {
		t.Fatal(err)
	}
	topo := ps.Topology
	if got := topo.Names(); !slices.Equal(got, []string{"eth0", "eth1"}) {
		t.Fatalf("interfaces %v", got)
	}
	for addr, want := range map[string]string{
		"8.8.8.8":      "eth0", // default route: the masquerading uplink
		"192.168.1.77": "eth1", // the LAN, from -s ... -i eth1
		"192.168.1.10": "eth1", // a DNAT target
		"198.19.1.9":   "eth1",
	} {
		if got := topo.Route(netip.MustParseAddr(addr)); got != want {
			t.Errorf("route to %s: %s, want %s", addr, got, want)
		}
	}
	if !topo.IsLocal(netip.MustParseAddr("198.18.0.1")) {
		t.Error("198.18.0.1 should be the firewall's")
	}
	for _, p := range []uint16{8080, 3128, 3129, 5000, 5010} {
		if !slices.Contains(ps.TCPPorts, p) {
			t.Errorf("no listener on %d: %v", p, ps.TCPPorts)
		}
	}
}

func TestProbesDeterministic(t *testing.T) {
	src := readTestdata(t, "server.rules")
	a, _ := Probes(src, iptparse.FamilyAny, 150, 7)
	b, _ := Probes(src, iptparse.FamilyAny, 150, 7)
	c, _ := Probes(src, iptparse.FamilyAny, 150, 8)
	if len(a.Probes) != 150 {
		t.Fatalf("%d probes, want 150", len(a.Probes))
	}
	same := func(x, y *ProbeSet) bool {
		for i := range x.Probes {
			if x.Probes[i].Describe() != y.Probes[i].Describe() {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("same seed, different probes")
	}
	if same(a, c) {
		t.Error("different seeds, same probes")
	}
	// every rule gets a probe that satisfies it
	for _, line := range []int{7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20} {
		found := false
		for _, p := range a.Probes {
			if strings.HasPrefix(p.Name, "line "+strconv.Itoa(line)+" ") && strings.HasSuffix(p.Name, "satisfies the rule") {
				found = true
			}
		}
		if !found {
			t.Errorf("no probe satisfies the rule on line %d", line)
		}
	}
	// edges and just outside of 192.0.2.0/24 and 8000:8080
	want := []string{"192.0.2.0:", "192.0.2.255:", "192.0.1.255:", "192.0.3.0:", ":7999 ", ":8081 ", ":8080 ", ":8000 "}
	big, _ := Probes(src, iptparse.FamilyAny, 2000, 7)
	_ = big
	all := ""
	for _, p := range big.Probes {
		all += p.Describe() + "\n"
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no probe with %q", w)
		}
	}
}

func TestProbesFromFile(t *testing.T) {
	src := readTestdata(t, "host6.rules")
	f := iptparse.ParseFile("host6.rules", src, translate.Registry{}, iptparse.FamilyAny)
	ps, err := ProbesFromFile(f, 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Probes) != 100 {
		t.Fatalf("%d probes", len(ps.Probes))
	}
	for _, p := range ps.Probes {
		for _, s := range p.Steps {
			if s.Reply == Literal && (s.Packet.Src.Is4() || s.Packet.Dst.Is4()) {
				t.Fatalf("IPv4 packet in an IPv6 probe set: %s", p.Describe())
			}
		}
	}
}

func TestUnavailable(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := Available()
	if err == nil || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Available() = %v, want ErrUnavailable", err)
	}
	t.Logf("without tools: %v", err)
	if err := (Ruleset{IptablesSave: "*filter\nCOMMIT\n"}).check(); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "iptables-legacy-restore") {
		t.Errorf("check without iptables-legacy-restore: %v", err)
	}
}

func TestQueueRefused(t *testing.T) {
	for _, r := range []Ruleset{
		{IptablesSave: "*filter\n-A INPUT -p tcp -j NFQUEUE --queue-num 3\nCOMMIT\n"},
		{Nft: "table ip t {\n\tchain c {\n\t\ttype filter hook input priority 0;\n\t\tqueue num 3\n\t}\n}\n"},
	} {
		if err := r.check(); !errors.Is(err, ErrQueue) || !errors.Is(err, ErrUnavailable) {
			t.Errorf("%+v: %v, want ErrQueue", r, err)
		}
	}
	if err := (Ruleset{Nft: "table ip t {\n\tchain c {\n\t\tlog group 1 queue-threshold 2 # queue\n\t}\n}\n"}).check(); err != nil {
		t.Errorf("log queue-threshold taken for a queue rule: %v", err)
	}
}
