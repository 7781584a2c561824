package verify

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

const setDump = `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m set --match-set nets src -j DROP
-A INPUT -m set --match-set mine dst -j ACCEPT
-A FORWARD -i eth1 -o eth0 -m set --match-set svc dst,dst -j ACCEPT
-A FORWARD -m recent --set --name src
COMMIT
`

const setSave = `create nets hash:net family inet hashsize 1024 maxelem 65536
add nets 10.0.0.0/8
add nets 10.1.0.0/16 nomatch
add nets 10.1.1.0/24
create mine hash:ip family inet
add mine 203.0.113.9
create svc hash:ip,port family inet
add svc 192.0.2.10,udp:53
add svc 192.0.2.20,tcp:8000-8010
create unused hash:ip family inet
add unused 172.16.5.5
`

// literals lists the first packet of each probe, with the probe's name.
func literals(ps *ProbeSet) []string {
	var l []string
	for _, p := range ps.Probes {
		if len(p.Steps) > 0 && p.Steps[0].Reply == Literal {
			l = append(l, p.Steps[0].Describe()+" | "+p.Name)
		}
	}
	return l
}

func has(l []string, sub ...string) bool {
	return slices.ContainsFunc(l, func(s string) bool {
		for _, x := range sub {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// TestProbesAimAtIPSetElements: with the sets given, rules that look
// them up get packets inside, at the edges of and just outside each
// element, in the rule's directions; without them, none of those.
func TestProbesAimAtIPSetElements(t *testing.T) {
	sets := iptparse.ParseIPSetSave("sets.save", setSave)
	if len(sets.Errors) > 0 {
		t.Fatal(sets.Errors)
	}
	ps, err := Probes(setDump, iptparse.FamilyIPv4, 2000, 1, sets)
	if err != nil {
		t.Fatal(err)
	}
	got := literals(ps)
	without, _ := Probes(setDump, iptparse.FamilyIPv4, 2000, 1)
	gotWithout := literals(without)
	for _, c := range []struct{ what, pkt string }{
		// 10.0.0.0/8: inside, edges, just outside
		{"10.0.0.0/8", " 10.0.0.1:"}, {"10.0.0.0/8", " 10.0.0.0:"}, {"10.0.0.0/8", " 10.255.255.255:"},
		{"10.0.0.0/8", " 9.255.255.255:"}, {"10.0.0.0/8", " 11.0.0.0:"},
		// the nomatch hole and the element inside it
		{"10.1.0.0/16", " 10.1.0.0:"}, {"10.1.0.0/16", " 10.1.255.255:"}, {"10.1.0.0/16", " 10.0.255.255:"}, {"10.1.0.0/16", " 10.2.0.0:"},
		{"10.1.1.0/24", " 10.1.1.0:"}, {"10.1.1.0/24", " 10.1.1.255:"}, {"10.1.1.0/24", " 10.1.0.255:"}, {"10.1.1.0/24", " 10.1.2.0:"},
	} {
		// a source address, into the INPUT rule of line 5
		if !has(got, "from eth", c.pkt, "> ", "line 5 ", "set nets element "+c.what) {
			t.Errorf("no probe from%s for element %s", c.pkt, c.what)
		}
		if has(gotWithout, c.pkt) {
			t.Errorf("without the sets, a probe from%s", c.pkt)
		}
	}
	// destination: the address of the firewall, and its neighbours
	for _, a := range []string{"203.0.113.9:", "203.0.113.8:", "203.0.113.10:"} {
		if !has(got, "> "+a, "line 6 ", "set mine element 203.0.113.9") {
			t.Errorf("no probe to %s", a)
		}
	}
	if !ps.Topology.IsLocal(netip.MustParseAddr("203.0.113.9")) || without.Topology.IsLocal(netip.MustParseAddr("203.0.113.9")) {
		t.Error("203.0.113.9 is the firewall's only when the set mine is given")
	}
	// ip,port with dst,dst: address and port (and protocol) of the element
	for _, want := range [][]string{
		{"udp ", "> 192.0.2.10:53 "}, {"udp ", "> 192.0.2.10:52 "}, {"udp ", "> 192.0.2.10:54 "},
		{"udp ", "> 192.0.2.9:53 "}, {"udp ", "> 192.0.2.11:53 "},
		{"tcp ", "> 192.0.2.20:8000 "}, {"tcp ", "> 192.0.2.20:8010 "}, {"tcp ", "> 192.0.2.20:7999 "}, {"tcp ", "> 192.0.2.20:8011 "},
	} {
		if !has(got, append(want, "from eth1", "line 7 ", "set svc element ")...) {
			t.Errorf("no probe %q", want)
		}
	}
	// where the elements lie: out of the rule's -o, as for -d
	for _, a := range []string{"192.0.2.10", "192.0.2.20"} {
		if got, before := ps.Topology.Route(netip.MustParseAddr(a)), without.Topology.Route(netip.MustParseAddr(a)); got != "eth0" || before == "eth0" {
			t.Errorf("route to %s: %s (without the sets: %s), want eth0", a, got, before)
		}
	}
	// a set no rule looks up, and -m recent --set, aim at nothing
	if has(got, "172.16.5.") || has(got, "set src") {
		t.Error("probes for a set no rule looks up")
	}

	// The same seed gives the same probes.
	again, _ := Probes(setDump, iptparse.FamilyIPv4, 2000, 1, sets)
	if !slices.Equal(literals(again), got) {
		t.Error("same seed, different probes")
	}
	// Sets no rule looks up change nothing.
	unused, _ := Probes(setDump, iptparse.FamilyIPv4, 2000, 1, iptparse.ParseIPSetSave("u", "create unused hash:ip family inet\nadd unused 172.16.5.5\n"))
	if !slices.Equal(literals(unused), gotWithout) {
		t.Error("a set no rule looks up changed the probes")
	}
}

// TestProbesIPSetBounded: of a big set, at most setSample elements are
// aimed at, chosen by the seed; the probe count stays n.
func TestProbesIPSetBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("create big hash:ip family inet maxelem 100000\n")
	for i := range 50000 {
		fmt.Fprintf(&b, "add big 10.%d.%d.%d\n", i>>16, i>>8&255, i&255)
	}
	sets := iptparse.ParseIPSetSave("big.save", b.String())
	src := "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set big src -j DROP\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"
	elements := func(n int, seed int64) ([]string, *ProbeSet) {
		ps, err := Probes(src, iptparse.FamilyIPv4, n, seed, sets)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps.Probes) > n {
			t.Fatalf("%d probes, more than %d", len(ps.Probes), n)
		}
		var els []string
		for _, p := range ps.Probes {
			if _, e, ok := strings.Cut(p.Name, "set big element "); ok {
				e, _, _ = strings.Cut(e, ":")
				if !slices.Contains(els, e) {
					els = append(els, e)
				}
			}
		}
		slices.Sort(els)
		return els, ps
	}
	a, psA := elements(5000, 3)
	if len(a) != setSample {
		t.Errorf("%d elements aimed at, want %d", len(a), setSample)
	}
	b2, psB := elements(5000, 3)
	c, _ := elements(5000, 4)
	if !slices.Equal(a, b2) || !slices.Equal(literals(psA), literals(psB)) {
		t.Error("same seed, different elements or probes")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds, the same elements")
	}
	// a set of 50,000 elements: the budget holds, and the set's probes
	// take part in it
	small, ps := elements(300, 3)
	if len(ps.Probes) != 300 || len(small) == 0 {
		t.Errorf("300 probes: %d, %d elements", len(ps.Probes), len(small))
	}
	for _, e := range small {
		if !slices.Contains(a, e) {
			t.Errorf("element %s is not in the sample", e)
		}
	}
}

func TestSampleIndices(t *testing.T) {
	if got := sampleIndices(3, 64, 1, "s"); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("small set: %v", got)
	}
	got := sampleIndices(1000, 64, 1, "s")
	if len(got) != 64 || !slices.IsSorted(got) || slices.Compact(slices.Clone(got))[63] != got[63] || got[0] < 0 || got[63] >= 1000 {
		t.Errorf("sample of 1000: %v", got)
	}
	if slices.Equal(got, sampleIndices(1000, 64, 1, "t")) {
		t.Error("two sets, the same sample")
	}
}

func TestParseSetElem(t *testing.T) {
	a := netip.MustParseAddr
	for _, c := range []struct {
		value, typ string
		v6         bool
		want       []elemPart
	}{
		{"10.0.0.0/8", "hash:net", false, []elemPart{{kind: 'a', lo: a("10.0.0.0"), hi: a("10.255.255.255")}}},
		{"10.0.0.5-10.0.0.9", "hash:net", false, []elemPart{{kind: 'a', lo: a("10.0.0.5"), hi: a("10.0.0.9")}}},
		{"192.0.2.1", "hash:ip", false, []elemPart{{kind: 'a', lo: a("192.0.2.1"), hi: a("192.0.2.1")}}},
		{"2001:db8::/64,udp:53-60", "hash:net,port", true, []elemPart{{kind: 'a', lo: a("2001:db8::"), hi: a("2001:db8::ffff:ffff:ffff:ffff")}, {kind: 'p', proto: ProtoUDP, plo: 53, phi: 60}}},
		{"192.0.2.1,80,192.0.2.9", "hash:ip,port,ip", false, []elemPart{{kind: 'a', lo: a("192.0.2.1"), hi: a("192.0.2.1")}, {kind: 'p', proto: ProtoTCP, plo: 80, phi: 80}, {kind: 'a', lo: a("192.0.2.9"), hi: a("192.0.2.9")}}},
		{"192.0.2.1,icmp:8/0", "hash:ip,port", false, []elemPart{{kind: 'a', lo: a("192.0.2.1"), hi: a("192.0.2.1")}, {}}},
		{"10.0.0.0/8,eth0", "hash:net,iface", false, []elemPart{{kind: 'a', lo: a("10.0.0.0"), hi: a("10.255.255.255")}, {}}},
		{"sctp:9", "bitmap:port", false, []elemPart{{kind: 'p', proto: ProtoSCTP, plo: 9, phi: 9}}},
	} {
		e, ok := parseSetElem(c.value, strings.Split(strings.SplitN(c.typ, ":", 2)[1], ","), c.v6)
		if !ok || !slices.Equal(e.parts, c.want) {
			t.Errorf("%s (%s): %v %+v, want %+v", c.value, c.typ, ok, e.parts, c.want)
		}
	}
	for _, c := range []struct{ value, dims string }{
		{"2001:db8::1", "ip"}, // another family
		{"10.0.0.9-10.0.0.1", "net"},
		{"02:00:00:00:00:01", "mac"},
		{"foo", "ip"},
	} {
		if e, ok := parseSetElem(c.value, strings.Split(c.dims, ","), false); ok {
			t.Errorf("%s: %+v", c.value, e)
		}
	}
	if v := (elemPart{kind: 'a', lo: a("10.1.1.0"), hi: a("10.1.1.255")}).addrValues(); !slices.Equal(v, []netip.Addr{a("10.1.1.1"), a("10.1.1.0"), a("10.1.1.255"), a("10.1.0.255"), a("10.1.2.0")}) {
		t.Errorf("values of 10.1.1.0/24: %v", v)
	}
	if v := (elemPart{kind: 'a', lo: a("0.0.0.0"), hi: a("0.0.0.0")}).addrValues(); !slices.Equal(v, []netip.Addr{a("0.0.0.0"), a("0.0.0.1")}) {
		t.Errorf("values of 0.0.0.0: %v", v)
	}
}

func TestScanMatchSet(t *testing.T) {
	r := scanRule(strings.Fields("-A INPUT -p tcp -m set ! --match-set a src,dst -m set --set b dst -m recent --set --name src -j DROP"), "filter", iptparse.FamilyIPv4)
	if r == nil || len(r.sets) != 2 || r.sets[0].name != "a" || !slices.Equal(r.sets[0].dirs, []string{"src", "dst"}) || r.sets[1].name != "b" || r.target != "DROP" {
		t.Errorf("%+v", r)
	}
}
