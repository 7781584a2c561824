package verify

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Probes derives a probe set from an iptables-save dump (or a list of
// iptables commands) of one family (iptparse.FamilyAny: detect). It infers
// a topology from the rules (interfaces they name, the firewall's own
// addresses, where destinations lie), then makes for each rule a packet
// that satisfies it and variants at the edges and just outside of each of
// its constants (addresses, prefixes and ranges, ports and port ranges,
// interfaces, protocol, ICMP type and code, TCP flags, connection state,
// TTL, TOS, length, MAC), and fills up with random packets built from the
// same constants. At most n probes are returned (n<=0: 400); the same
// seed gives the same probes.
//
// ipsets are the sets the rules look up ("ipset save" files, as both
// sides are loaded with): rules with -m set --match-set then also get
// variants inside, at the edges of and just outside a seeded sample of at
// most 64 elements of each set, in the rule's directions (see
// setprobe.go). Without them, sets are probed only by chance.
func Probes(original string, fam iptparse.Family, n int, seed int64, ipsets ...*iptparse.IPSetFile) (*ProbeSet, error) {
	return generate(scanText(original, fam), n, seed, ipsets)
}

// ProbesFromFile is Probes for a parsed file.
func ProbesFromFile(f *iptparse.File, n int, seed int64, ipsets ...*iptparse.IPSetFile) (*ProbeSet, error) {
	if f == nil {
		return nil, errors.New("verify: no file")
	}
	return generate(scanFile(f), n, seed, ipsets)
}

// Paths a packet can take through the firewall.
const (
	pathIn  = iota // from the world to the firewall itself
	pathFwd        // from the world through the firewall
	pathOut        // from the firewall itself
)

var pathNames = []string{"input", "forward", "output"}

// Conversation kinds.
const (
	convNew         = iota // the packet alone
	convEst                // the packet answers a connection opened from the other end
	convRel                // an ICMP error about a connection opened from the other end
	convHandshake          // SYN, then the ACK that completes the handshake
	convInvalid            // a packet conntrack classes as INVALID
	convAnswered           // the packet, then the answer to what came out of it
	convAnsweredErr        // the packet, then an ICMP error about what came out of it
)

var convNames = []string{"new", "established", "related", "handshake", "invalid", "answered", "answered by an ICMP error"}

type spec struct {
	path int
	in   string
	pkt  Packet
	mac  [6]byte
	conv int
	why  string
}

type gen struct {
	rf     *ruleFile
	v6     bool
	topo   Topology
	wan    string
	rng    *rand.Rand
	sport  uint16
	count  uint32
	hooks  map[*ruleInfo][]int
	addrs  []netip.Addr
	ports  []uint16
	protos []uint8
	icmps  [][2]uint8
	tcp    map[uint16]bool
	udp    map[uint16]bool
	closed uint16
	sets   map[string][]setElem // sampled elements of the given ipsets
}

func generate(rf *ruleFile, n int, seed int64, ipsets []*iptparse.IPSetFile) (*ProbeSet, error) {
	if n <= 0 {
		n = 400
	}
	g := &gen{rf: rf, v6: rf.fam == iptparse.FamilyIPv6, rng: rand.New(rand.NewPCG(uint64(seed), 0x697074326e6674)),
		sport: 30000, tcp: map[uint16]bool{}, udp: map[uint16]bool{}}
	g.sets = sampleSets(ipsets, rf.rules, g.v6, seed)
	g.reach()
	g.inferTopology()
	g.pools()

	var bases, variants []spec
	for _, r := range rf.rules {
		for _, path := range g.paths(r) {
			b, ok := g.base(r, path)
			if !ok {
				continue
			}
			b.why = fmt.Sprintf("line %d (%s/%s, %s): %s", r.line, r.table, r.chain, pathNames[path], "satisfies the rule")
			bases = append(bases, b)
			for _, v := range g.variants(r, b) {
				v.why = fmt.Sprintf("line %d (%s/%s, %s): %s", r.line, r.table, r.chain, pathNames[path], v.why)
				variants = append(variants, v)
			}
		}
	}
	g.rng.Shuffle(len(variants), func(i, j int) { variants[i], variants[j] = variants[j], variants[i] })
	nRand := n / 10
	if len(bases)+len(variants) < n-nRand {
		nRand = n - len(bases) - len(variants)
	}
	ps := &ProbeSet{Topology: g.topo}
	seen := map[string]bool{}
	add := func(s spec) {
		if len(ps.Probes) >= n {
			return
		}
		p := g.build(s)
		key := p.Describe()
		if seen[key] {
			return
		}
		seen[key] = true
		ps.Probes = append(ps.Probes, p)
	}
	limit := n - nRand
	for _, b := range bases {
		if len(ps.Probes) >= limit {
			break
		}
		add(b)
	}
	for _, v := range variants {
		if len(ps.Probes) >= limit {
			break
		}
		add(v)
	}
	for i := 0; len(ps.Probes) < n && i < 4*n; i++ {
		s := g.random()
		s.why = fmt.Sprintf("random #%d (%s, %s)", i, pathNames[s.path], convNames[s.conv])
		add(s)
	}
	for p := range g.tcp {
		ps.TCPPorts = append(ps.TCPPorts, p)
	}
	for p := range g.udp {
		ps.UDPPorts = append(ps.UDPPorts, p)
	}
	slices.Sort(ps.TCPPorts)
	slices.Sort(ps.UDPPorts)
	return ps, nil
}

// Hooks, by the built-in chain names.
var builtinHooks = lazy.Of[map[string][]string]{New: func() map[string][]string {
	return map[string][]string{
		"PREROUTING": {"PREROUTING"}, "INPUT": {"INPUT"}, "FORWARD": {"FORWARD"},
		"OUTPUT": {"OUTPUT"}, "POSTROUTING": {"POSTROUTING"},
	}
}}

// reach finds the paths on which each rule can be reached, following
// jumps into user chains.
func (g *gen) reach() {
	type key struct{ table, chain string }
	hooks := map[key]map[string]bool{}
	for _, r := range g.rf.rules {
		k := key{r.table, r.chain}
		if hooks[k] == nil {
			hooks[k] = map[string]bool{}
		}
		if _, ok := builtinHooks.Get()[r.chain]; ok {
			hooks[k][r.chain] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, r := range g.rf.rules {
			if r.target == "" {
				continue
			}
			to := key{r.table, r.target}
			if _, builtin := builtinHooks.Get()[r.target]; builtin || hooks[to] == nil {
				continue
			}
			for h := range hooks[key{r.table, r.chain}] {
				if !hooks[to][h] {
					hooks[to][h] = true
					changed = true
				}
			}
		}
	}
	g.hooks = map[*ruleInfo][]int{}
	for _, r := range g.rf.rules {
		set := map[int]bool{}
		hs := hooks[key{r.table, r.chain}]
		if len(hs) == 0 { // unreachable user chain: still probe it
			hs = map[string]bool{"INPUT": true, "FORWARD": true}
		}
		for h := range hs {
			switch h {
			case "PREROUTING":
				set[pathIn], set[pathFwd] = true, true
			case "INPUT":
				set[pathIn] = true
			case "FORWARD":
				set[pathFwd] = true
			case "OUTPUT":
				set[pathOut] = true
			case "POSTROUTING":
				set[pathFwd], set[pathOut] = true, true
			}
		}
		for p := pathIn; p <= pathOut; p++ {
			if set[p] {
				g.hooks[r] = append(g.hooks[r], p)
			}
		}
	}
}

func (g *gen) paths(r *ruleInfo) []int { return g.hooks[r] }

func (g *gen) hasPath(r *ruleInfo, p int) bool { return slices.Contains(g.hooks[r], p) }

// ifaceMatch returns the topology's interface for a rule's -i/-o name
// (a '+' wildcard picks the first interface it matches).
func (g *gen) ifaceMatch(name string) string {
	if name == "" {
		return ""
	}
	if p, ok := strings.CutSuffix(name, "+"); ok {
		for _, ifc := range g.topo.Interfaces {
			if strings.HasPrefix(ifc.Name, p) {
				return ifc.Name
			}
		}
		return ""
	}
	if g.topo.Iface(name) != nil {
		return name
	}
	return ""
}

// ifaceNot returns an interface the rule's -i/-o name does not match.
func (g *gen) ifaceNot(name string) string {
	for _, ifc := range g.topo.Interfaces {
		if !ifaceMatches(name, ifc.Name) {
			return ifc.Name
		}
	}
	return ""
}

func ifaceMatches(pattern, name string) bool {
	if p, ok := strings.CutSuffix(pattern, "+"); ok {
		return strings.HasPrefix(name, p)
	}
	return pattern == name
}

func (g *gen) inferTopology() {
	var names []string
	addName := func(n string) {
		if n == "" || n == "lo" || n == "lo+" {
			return
		}
		if p, ok := strings.CutSuffix(n, "+"); ok {
			for _, have := range names {
				if strings.HasPrefix(have, p) {
					return
				}
			}
			n = p + "0"
			if len(n) > 15 {
				return
			}
		}
		if validIfname(n) && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	// the WAN (default route) first
	for _, r := range g.rf.rules {
		if r.table == "nat" && (r.target == "MASQUERADE" || r.target == "SNAT") && r.out != "" && !r.outNeg {
			addName(r.out)
		}
	}
	for _, r := range g.rf.rules {
		if r.table == "nat" && r.target == "DNAT" && r.in != "" && !r.inNeg {
			addName(r.in)
		}
	}
	for _, r := range g.rf.rules {
		if !strings.HasSuffix(r.in, "+") {
			addName(r.in)
		}
		if !strings.HasSuffix(r.out, "+") {
			addName(r.out)
		}
	}
	for _, r := range g.rf.rules {
		addName(r.in)
		addName(r.out)
	}
	for _, extra := range []string{"eth0", "eth1", "eth2"} {
		if len(names) >= 2 {
			break
		}
		addName(extra)
	}
	if len(names) > 12 {
		names = names[:12]
	}
	g.topo = Simple(names...)
	g.wan = names[0]
	lan := names[1]

	local := func(iface string, a netip.Addr) {
		if a.IsMulticast() || a.IsUnspecified() || a.IsLoopback() || (a.Is4() && a.As4()[3] == 255) {
			return
		}
		if !g.famOK(a) {
			return
		}
		if i := g.ifaceMatch(iface); i != "" {
			g.topo.AddAddr(i, a)
		} else {
			g.topo.AddAddr(g.wan, a)
		}
	}
	route := func(iface string, p netip.Prefix) {
		if p.Bits() == 0 || p.Addr().IsMulticast() || p.Addr().IsLoopback() || !g.famOK(p.Addr()) {
			return
		}
		if i := g.ifaceMatch(iface); i != "" {
			g.topo.AddRoute(i, p)
		}
	}
	hostOf := func(s *addrSet, maxBits int) []netip.Addr {
		if s == nil || s.neg {
			return nil
		}
		var r []netip.Addr
		for _, p := range s.prefixes {
			if p.Addr().BitLen()-p.Bits() <= maxBits {
				r = append(r, insideAddr(p))
			}
		}
		return r
	}
	// The firewall's own addresses: what INPUT rules match as
	// destination (a host inside a prefix, unless one is local already).
	for _, r := range g.rf.rules {
		if g.hasPath(r, pathIn) && !g.hasPath(r, pathFwd) && r.dst != nil && !r.dst.neg {
			for _, p := range r.dst.prefixes {
				if p.Bits() >= 8 && !slices.ContainsFunc(g.topoLocals(), p.Contains) {
					local(r.in, insideAddr(p))
				}
			}
		}
		if r.table == "nat" && r.chain == "PREROUTING" && (r.target == "DNAT" || r.target == "REDIRECT") {
			for _, a := range hostOf(r.dst, 0) {
				local(r.in, a)
			}
		}
		if r.target == "SNAT" {
			for _, a := range r.toAddrs {
				local(r.out, a)
			}
		}
		if g.hasPath(r, pathOut) && !g.hasPath(r, pathFwd) {
			for _, a := range hostOf(r.src, 0) {
				local(r.out, a)
			}
		}
		if g.hasPath(r, pathIn) && !g.hasPath(r, pathFwd) {
			for _, a := range g.setLocalAddrs(r) {
				local(r.in, a)
			}
		}
	}
	// Where other destinations lie (ipset elements as -s and -d).
	for _, r := range g.rf.rules {
		dsts, srcs := g.setPrefixes(r, "dst"), g.setPrefixes(r, "src")
		if r.dst != nil && !r.dst.neg {
			dsts = append(slices.Clip(r.dst.prefixes), dsts...)
		}
		if r.src != nil && !r.src.neg {
			srcs = append(slices.Clip(r.src.prefixes), srcs...)
		}
		if len(dsts) > 0 && (g.hasPath(r, pathFwd) || g.hasPath(r, pathOut)) {
			out := r.out
			if out == "" || r.outNeg {
				out = lan
				if in := g.ifaceMatch(r.in); in == lan && !r.inNeg {
					out = g.wan
				}
			}
			for _, p := range dsts {
				if !g.topo.IsLocal(p.Addr()) {
					route(out, p)
				}
			}
		}
		if len(srcs) > 0 && r.in != "" && !r.inNeg {
			for _, p := range srcs {
				if !g.topo.IsLocal(p.Addr()) {
					route(r.in, p)
				}
			}
		}
		if r.target == "DNAT" {
			for _, a := range r.toAddrs {
				if g.famOK(a) && !g.topo.IsLocal(a) {
					route(lan, netip.PrefixFrom(a, a.BitLen()))
				}
			}
		}
	}
}

func (g *gen) famOK(a netip.Addr) bool { return a.Is6() == g.v6 }

func (g *gen) topoLocals() []netip.Addr {
	var r []netip.Addr
	for _, ifc := range g.topo.Interfaces {
		for _, p := range ifc.Addrs {
			r = append(r, p.Addr())
		}
	}
	return r
}

// pools gathers the constants random probes are made of.
func (g *gen) pools() {
	addAddr := func(a netip.Addr) {
		if a.IsValid() && g.famOK(a) {
			g.addrs = append(g.addrs, a)
		}
	}
	addPort := func(p uint16) {
		g.ports = append(g.ports, p)
	}
	service := func(p uint16) {
		if p == 0 || (len(g.tcp) >= 200 && !g.tcp[p]) {
			return
		}
		g.tcp[p], g.udp[p] = true, true
	}
	for i, ifc := range g.topo.Interfaces {
		for _, p := range ifc.Addrs {
			addAddr(p.Addr())
		}
		for _, p := range RemoteNets(i) {
			addAddr(insideAddr(p))
		}
		for _, p := range ifc.Routes {
			if p.Bits() > 0 {
				addAddr(insideAddr(p))
			}
		}
	}
	g.protos = []uint8{ProtoTCP, ProtoUDP, g.icmpProto(), ProtoTCP, ProtoUDP, g.icmpProto(), ProtoSCTP, 50}
	for _, r := range g.rf.rules {
		for _, s := range []*addrSet{r.src, r.dst} {
			for _, a := range setValues(s) {
				addAddr(a)
			}
		}
		for _, a := range r.toAddrs {
			addAddr(a)
		}
		for _, p := range r.otherAddrs {
			addAddr(insideAddr(p))
		}
		for _, ps := range []*portSet{r.sports, r.dports, r.anyPorts} {
			if ps == nil {
				continue
			}
			for _, rg := range ps.ranges {
				for _, v := range portValues(rg) {
					addPort(v)
				}
				service(rg[0])
				service(rg[1])
			}
		}
		for _, rg := range r.toPorts {
			service(rg[0])
			service(rg[1])
			addPort(rg[0])
		}
		for _, p := range r.otherPorts {
			addPort(p)
		}
		if r.protoSet && !slices.Contains(g.protos, r.proto) {
			g.protos = append(g.protos, r.proto)
		}
		if r.icmp != nil && !r.icmp.anyType {
			g.icmps = append(g.icmps, [2]uint8{r.icmp.typ, r.icmp.code})
		}
	}
	g.setPools()
	service(22)
	service(80)
	for _, p := range []uint16{33434, 33435, 9, 7} {
		if !g.tcp[p] {
			g.closed = p
			break
		}
	}
	slices.SortFunc(g.addrs, func(a, b netip.Addr) int { return a.Compare(b) })
	g.addrs = slices.Compact(g.addrs)
	slices.Sort(g.ports)
	g.ports = slices.Compact(g.ports)
	if g.v6 {
		g.icmps = append(g.icmps, [2]uint8{128, 0}, [2]uint8{129, 0}, [2]uint8{1, 4}, [2]uint8{135, 0})
	} else {
		g.icmps = append(g.icmps, [2]uint8{8, 0}, [2]uint8{0, 0}, [2]uint8{3, 3}, [2]uint8{11, 0}, [2]uint8{13, 0})
	}
}

func (g *gen) icmpProto() uint8 {
	if g.v6 {
		return ProtoICMPv6
	}
	return ProtoICMP
}

// Address arithmetic.

func lastAddr(p netip.Prefix) netip.Addr {
	p = p.Masked()
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// insideAddr is a host inside the prefix that is neither its first nor
// its last address when the prefix has room.
func insideAddr(p netip.Prefix) netip.Addr {
	p = p.Masked()
	if p.Addr().BitLen()-p.Bits() < 2 {
		return p.Addr()
	}
	return p.Addr().Next()
}

// setValues are the addresses to probe a set with: inside, both edges and
// just outside each prefix or range.
func setValues(s *addrSet) []netip.Addr {
	if s == nil {
		return nil
	}
	var r []netip.Addr
	addr := func(a netip.Addr) {
		if a.IsValid() && !slices.Contains(r, a) {
			r = append(r, a)
		}
	}
	if s.lo.IsValid() {
		addr(s.lo)
		addr(s.hi)
		addr(s.lo.Prev())
		addr(s.hi.Next())
		return r
	}
	for _, p := range s.prefixes {
		if p.Bits() == 0 {
			continue
		}
		addr(insideAddr(p))
		addr(p.Masked().Addr())
		addr(lastAddr(p))
		addr(p.Masked().Addr().Prev())
		addr(lastAddr(p).Next())
	}
	return r
}

func setInside(s *addrSet) netip.Addr {
	if s.lo.IsValid() {
		return s.lo
	}
	return insideAddr(s.prefixes[0])
}

func setContains(s *addrSet, a netip.Addr) bool {
	if s.lo.IsValid() {
		return s.lo.Compare(a) <= 0 && a.Compare(s.hi) <= 0
	}
	for _, p := range s.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// setOutside is an address just outside the set.
func setOutside(s *addrSet) netip.Addr {
	for _, a := range setValues(s) {
		if !setContains(s, a) {
			return a
		}
	}
	return netip.Addr{}
}

func portValues(rg [2]uint16) []uint16 {
	var r []uint16
	add := func(v int) {
		if v >= 0 && v <= 65535 && !slices.Contains(r, uint16(v)) {
			r = append(r, uint16(v))
		}
	}
	lo, hi := int(rg[0]), int(rg[1])
	add(lo)
	add(hi)
	if hi-lo > 1 {
		add((lo + hi) / 2)
	}
	add(lo - 1)
	add(hi + 1)
	return r
}

func portsContain(ps *portSet, v uint16) bool {
	for _, rg := range ps.ranges {
		if rg[0] <= v && v <= rg[1] {
			return true
		}
	}
	return false
}

// portIn is a port inside the set (outside it when negated).
func portIn(ps *portSet) uint16 {
	if !ps.neg {
		return ps.ranges[0][0]
	}
	for _, rg := range ps.ranges {
		for _, v := range portValues(rg) {
			if !portsContain(ps, v) {
				return v
			}
		}
	}
	return 1
}

// remoteHost is a world host behind an interface.
func (g *gen) remoteHost(iface string) netip.Addr {
	for i, ifc := range g.topo.Interfaces {
		if ifc.Name == iface {
			for _, p := range RemoteNets(i) {
				if p.Addr().Is6() == g.v6 {
					return p.Addr().Next().Next().Next().Next().Next()
				}
			}
		}
	}
	return netip.Addr{}
}

// localAddr is the firewall's address on an interface.
func (g *gen) localAddr(iface string) netip.Addr {
	if ifc := g.topo.Iface(iface); ifc != nil {
		if a, ok := ifc.Addr(g.v6); ok {
			return a
		}
	}
	if g.v6 {
		return netip.IPv6Loopback()
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

func (g *gen) other(iface string) string {
	for _, ifc := range g.topo.Interfaces {
		if ifc.Name != iface {
			return ifc.Name
		}
	}
	return iface
}

func (g *gen) nextSport() uint16 {
	g.sport++
	if g.sport >= 60000 {
		g.sport = 30001
	}
	return g.sport
}

// base makes a packet that satisfies every constant of the rule, for one
// path. ok is false when the path cannot carry such a packet.
func (g *gen) base(r *ruleInfo, path int) (spec, bool) {
	s := spec{path: path}
	p := &s.pkt
	p.Proto = ProtoTCP
	if r.protoSet {
		p.Proto = r.proto
		if r.protoNeg {
			p.Proto = ProtoTCP
			if r.proto == ProtoTCP {
				p.Proto = ProtoUDP
			}
		}
	} else if r.icmp != nil {
		p.Proto = g.icmpProto()
	}
	// interfaces
	in, out := "", ""
	if r.in != "" {
		if r.inNeg {
			in = g.ifaceNot(r.in)
		} else {
			in = g.ifaceMatch(r.in)
		}
		if in == "" && r.in != "lo" && r.in != "lo+" {
			return s, false
		}
	}
	if r.out != "" {
		if r.outNeg {
			out = g.ifaceNot(r.out)
		} else {
			out = g.ifaceMatch(r.out)
		}
		if out == "" && r.out != "lo" && r.out != "lo+" {
			return s, false
		}
	}
	if r.in == "lo" && !r.inNeg {
		// only packets the firewall sends itself come in by lo
		if path != pathIn {
			return s, false
		}
		s.path, path = pathOut, pathOut
		p.Src = g.localAddr(g.wan)
		p.Dst = p.Src
	}
	if r.out == "lo" && !r.outNeg {
		if path != pathOut {
			return s, false
		}
		p.Src = g.localAddr(g.wan)
		p.Dst = p.Src
	}
	// addresses
	switch {
	case r.dst != nil && !r.dst.neg:
		p.Dst = setInside(r.dst)
	case r.dst != nil:
		p.Dst = setOutside(r.dst)
	}
	switch {
	case r.src != nil && !r.src.neg:
		p.Src = setInside(r.src)
	case r.src != nil:
		p.Src = setOutside(r.src)
	}
	switch path {
	case pathIn:
		if in == "" && p.Src.IsValid() {
			in = g.topo.Route(p.Src)
		}
		if in == "" {
			in = g.wan
		}
		if !p.Dst.IsValid() {
			p.Dst = g.localAddr(in)
		}
		if !p.Src.IsValid() {
			p.Src = g.remoteHost(in)
		}
	case pathFwd:
		if out == "" && p.Dst.IsValid() {
			out = g.topo.Route(p.Dst)
		}
		if in == "" {
			in = g.other(out)
			if out == "" {
				in = g.wan
			}
		}
		if out == "" {
			out = g.other(in)
		}
		if !p.Dst.IsValid() {
			p.Dst = g.remoteHost(out)
		}
		if !p.Src.IsValid() {
			p.Src = g.remoteHost(in)
		}
	case pathOut:
		if !p.Dst.IsValid() {
			if out == "" {
				out = g.wan
			}
			p.Dst = g.remoteHost(out)
		}
		if out == "" {
			out = g.topo.Route(p.Dst)
		}
		if !p.Src.IsValid() {
			if g.topo.IsLocal(p.Dst) {
				p.Src = p.Dst
			} else {
				p.Src = g.localAddr(out)
			}
		}
	}
	if !p.Src.IsValid() || !p.Dst.IsValid() || !g.famOK(p.Src) || !g.famOK(p.Dst) {
		return s, false
	}
	s.in = in
	// transport
	p.SrcPort, p.DstPort = g.nextSport(), 80
	if p.Proto == ProtoUDP {
		p.DstPort = 53
	}
	if r.dports != nil {
		p.DstPort = portIn(r.dports)
	}
	if r.sports != nil {
		p.SrcPort = portIn(r.sports)
	}
	if r.anyPorts != nil {
		p.DstPort = portIn(r.anyPorts)
	}
	if len(r.toPorts) > 0 && r.dports == nil && (r.target == "REDIRECT" || r.target == "DNAT") {
		p.DstPort = 80
	}
	p.Flags = SYN
	if r.tcpFlagsSet {
		p.Flags = r.tcpComp
		if r.tcpFlagsNeg {
			p.Flags = r.tcpComp ^ lowestBit(r.tcpMask)
		}
	}
	if r.icmp != nil && !r.icmp.anyType {
		p.Type, p.Code = r.icmp.typ, r.icmp.code
		if r.icmp.neg {
			p.Type = otherICMP(g.v6, r.icmp.typ)
		}
	} else if p.Proto == ProtoICMP {
		p.Type = 8
	} else if p.Proto == ProtoICMPv6 {
		p.Type = 128
	}
	if r.macSrc != nil {
		s.mac = *r.macSrc
	}
	if r.ttl != nil {
		switch r.ttl.op {
		case '=':
			p.TTL = r.ttl.val
		case '>':
			p.TTL = r.ttl.val + 1
		case '<':
			p.TTL = r.ttl.val - 1
		}
		if p.TTL == 0 {
			p.TTL = 1
		}
	}
	if r.tos != nil {
		p.TOS = *r.tos
	}
	s.conv = convNew
	if len(r.states) > 0 && !r.statesNeg {
		switch {
		case slices.Contains(r.states, "NEW"):
		case slices.Contains(r.states, "ESTABLISHED"):
			s.conv = convEst
		case slices.Contains(r.states, "RELATED"):
			s.conv = convRel
		case slices.Contains(r.states, "INVALID"):
			s.conv = convInvalid
		}
	}
	if r.length != nil {
		g.setLength(p, int(r.length[0]))
	}
	return s, true
}

func lowestBit(m uint8) uint8 {
	if m == 0 {
		return SYN
	}
	return m & -m
}

func otherICMP(v6 bool, t uint8) uint8 {
	if v6 {
		if t == 128 {
			return 129
		}
		return 128
	}
	if t == 8 {
		return 0
	}
	return 8
}

// setLength pads the payload so that the IP packet is n bytes long.
func (g *gen) setLength(p *Packet, n int) {
	q := *p
	q.Payload = nil
	g.fill(&q)
	b, err := q.Marshal()
	if err != nil {
		return
	}
	if pad := n - len(b) + len(q.Payload); pad >= 0 && n <= 1500 {
		p.Payload = make([]byte, pad)
	}
}

// variants are packets at the edges and just outside the rule's
// constants, each differing from the base in one respect.
func (g *gen) variants(r *ruleInfo, b spec) []spec {
	var vs []spec
	add := func(why string, f func(s *spec) bool) {
		s := b
		if f(&s) {
			s.why = why
			vs = append(vs, s)
		}
	}
	for _, a := range setValues(r.src) {
		add("source "+a.String(), func(s *spec) bool {
			s.pkt.Src = a
			return g.enterFrom(r, s)
		})
	}
	for _, a := range setValues(r.dst) {
		add("destination "+a.String(), func(s *spec) bool { s.pkt.Dst = a; return true })
	}
	for _, pv := range []struct {
		ps   *portSet
		name string
		set  func(*Packet, uint16)
	}{
		{r.dports, "destination port", func(p *Packet, v uint16) { p.DstPort = v }},
		{r.sports, "source port", func(p *Packet, v uint16) { p.SrcPort = v }},
		{r.anyPorts, "port", func(p *Packet, v uint16) { p.DstPort = v }},
		{r.anyPorts, "source port", func(p *Packet, v uint16) { p.SrcPort = v; p.DstPort = 80 }},
	} {
		if pv.ps == nil {
			continue
		}
		for _, rg := range pv.ps.ranges {
			for _, v := range portValues(rg) {
				add(fmt.Sprintf("%s %d", pv.name, v), func(s *spec) bool { pv.set(&s.pkt, v); return true })
			}
		}
	}
	if b.path != pathOut {
		for _, ifc := range g.topo.Interfaces {
			if ifc.Name == b.in {
				continue
			}
			add("entering by "+ifc.Name, func(s *spec) bool {
				if s.path == pathFwd && g.topo.Route(s.pkt.Dst) == ifc.Name {
					if r.dst != nil || r.out != "" {
						return false
					}
					// forward it elsewhere
					s.pkt.Dst = g.remoteHost(g.other(ifc.Name))
				}
				if r.src == nil {
					s.pkt.Src = g.remoteHost(ifc.Name)
				}
				s.in = ifc.Name
				return true
			})
		}
	}
	if b.path != pathIn && r.out != "" {
		for _, ifc := range g.topo.Interfaces {
			if ifc.Name == g.topo.Route(b.pkt.Dst) || ifc.Name == b.in {
				continue
			}
			add("leaving by "+ifc.Name, func(s *spec) bool {
				s.pkt.Dst = g.remoteHost(ifc.Name)
				return true
			})
		}
	}
	protos := []uint8{ProtoTCP, ProtoUDP, g.icmpProto(), ProtoSCTP, 50}
	if r.protoSet && !slices.Contains(protos, r.proto) {
		protos = append(protos, r.proto)
	}
	for _, pr := range protos {
		if pr == b.pkt.Proto {
			continue
		}
		add("protocol "+ProtoName(pr), func(s *spec) bool {
			s.pkt.Proto = pr
			switch pr {
			case ProtoICMP:
				s.pkt.Type = 8
			case ProtoICMPv6:
				s.pkt.Type = 128
			}
			return true
		})
	}
	if b.pkt.Proto == ProtoTCP {
		flags := []uint8{SYN, SYN | ACK, ACK, FIN | ACK, RST, PSH | ACK, SYN | FIN, 0, FIN | PSH | URG}
		if r.tcpFlagsSet {
			for bit := uint8(1); bit != 0 && bit <= 0x80; bit <<= 1 {
				if r.tcpMask&bit != 0 {
					flags = append(flags, r.tcpComp^bit)
				}
			}
			flags = append(flags, r.tcpComp)
		}
		for _, f := range flags {
			if f == b.pkt.Flags {
				continue
			}
			add("flags "+FlagString(f), func(s *spec) bool { s.pkt.Flags = f; return true })
		}
	}
	if r.icmp != nil && (b.pkt.Proto == ProtoICMP || b.pkt.Proto == ProtoICMPv6) {
		t := r.icmp.typ
		cands := [][2]uint8{{t, r.icmp.code + 1}, {otherICMP(g.v6, t), 0}}
		if r.icmp.code > 0 {
			cands = append(cands, [2]uint8{t, r.icmp.code - 1}, [2]uint8{t, 0})
		}
		if r.icmp.anyType {
			cands = [][2]uint8{{13, 0}, {3, 3}}
		}
		for _, c := range cands {
			add(fmt.Sprintf("icmp type %d code %d", c[0], c[1]), func(s *spec) bool {
				s.pkt.Type, s.pkt.Code = c[0], c[1]
				return true
			})
		}
	}
	for _, c := range []int{convNew, convEst, convRel, convInvalid, convHandshake, convAnswered, convAnsweredErr} {
		if c == b.conv {
			continue
		}
		if c == convHandshake && (b.path != pathIn || b.pkt.Proto != ProtoTCP) {
			continue
		}
		if (c == convAnswered || c == convAnsweredErr) && b.path == pathIn {
			continue
		}
		if len(r.states) == 0 && (c == convNew || c == convRel || c == convInvalid) {
			continue
		}
		add("state "+convNames[c], func(s *spec) bool { s.conv = c; return true })
	}
	if r.ttl != nil {
		for _, d := range []int{-1, 0, 1} {
			v := int(r.ttl.val) + d
			if v < 1 || v > 255 {
				continue
			}
			add(fmt.Sprintf("ttl %d", v), func(s *spec) bool { s.pkt.TTL = uint8(v); return true })
		}
	}
	if r.tos != nil {
		for _, v := range []uint8{0, *r.tos ^ 0x04, *r.tos ^ 0x80} {
			add(fmt.Sprintf("tos 0x%02x", v), func(s *spec) bool { s.pkt.TOS = v; return true })
		}
	}
	if r.length != nil {
		for _, v := range []int{int(r.length[0]) - 1, int(r.length[1]), int(r.length[1]) + 1} {
			add(fmt.Sprintf("length %d", v), func(s *spec) bool {
				s.pkt.Payload = nil
				g.setLength(&s.pkt, v)
				return true
			})
		}
	}
	if r.macSrc != nil {
		add("other source MAC", func(s *spec) bool { s.mac = [6]byte{0x02, 0xaa, 0, 0, 0, 1}; return true })
	}
	// A fresh source port for each variant that does not pin it.
	for i := range vs {
		if r.sports == nil && r.anyPorts == nil && vs[i].pkt.SrcPort == b.pkt.SrcPort {
			vs[i].pkt.SrcPort = g.nextSport()
		}
	}
	return append(vs, g.setVariants(r, b)...)
}

// enterFrom makes a packet of a variant whose source address changed
// come in by the interface that address lies behind (unless the rule
// names one); false when it would then be forwarded back out of it.
func (g *gen) enterFrom(r *ruleInfo, s *spec) bool {
	if s.path == pathIn || s.path == pathFwd {
		if i := g.topo.Route(s.pkt.Src); i != "" && r.in == "" {
			s.in = i
			if s.path == pathFwd && g.topo.Route(s.pkt.Dst) == i {
				return false
			}
		}
	}
	return true
}

// random makes a packet from the constant pools.
func (g *gen) random() spec {
	s := spec{path: g.rng.IntN(3)}
	p := &s.pkt
	ifs := g.topo.Names()
	pick := func(l []netip.Addr) netip.Addr { return l[g.rng.IntN(len(l))] }
	p.Proto = g.protos[g.rng.IntN(len(g.protos))]
	switch s.path {
	case pathIn:
		s.in = ifs[g.rng.IntN(len(ifs))]
		p.Src = pick(g.addrs)
		if g.rng.IntN(3) == 0 {
			p.Src = g.remoteHost(s.in)
		}
		p.Dst = g.localAddr(s.in)
		if g.rng.IntN(2) == 0 {
			var locals []netip.Addr
			for _, a := range g.addrs {
				if g.topo.IsLocal(a) {
					locals = append(locals, a)
				}
			}
			if len(locals) > 0 {
				p.Dst = pick(locals)
			}
		}
	case pathFwd:
		s.in = ifs[g.rng.IntN(len(ifs))]
		p.Src, p.Dst = pick(g.addrs), pick(g.addrs)
		if g.rng.IntN(3) == 0 {
			p.Src = g.remoteHost(s.in)
		}
		if g.rng.IntN(3) == 0 {
			p.Dst = g.remoteHost(ifs[g.rng.IntN(len(ifs))])
		}
		if g.v6 && g.topo.Route(p.Dst) == s.in {
			// no hairpin forwarding in IPv6: it can draw a redirect,
			// which the kernel rate-limits by time
			s.in = g.other(s.in)
		}
	case pathOut:
		p.Dst = pick(g.addrs)
		out := g.topo.Route(p.Dst)
		p.Src = g.localAddr(out)
		if g.topo.IsLocal(p.Dst) {
			p.Src = p.Dst
		}
	}
	p.SrcPort = g.nextSport()
	if len(g.ports) > 0 && g.rng.IntN(4) == 0 {
		p.SrcPort = g.ports[g.rng.IntN(len(g.ports))]
	}
	p.DstPort = uint16(1024 + g.rng.IntN(64000))
	if len(g.ports) > 0 && g.rng.IntN(4) != 0 {
		p.DstPort = g.ports[g.rng.IntN(len(g.ports))]
	}
	flags := []uint8{SYN, SYN, SYN, ACK, SYN | ACK, FIN | ACK, RST, PSH | ACK}
	p.Flags = flags[g.rng.IntN(len(flags))]
	if len(g.icmps) > 0 {
		c := g.icmps[g.rng.IntN(len(g.icmps))]
		p.Type, p.Code = c[0], c[1]
	}
	switch x := g.rng.IntN(20); {
	case x < 10:
		s.conv = convNew
	case x < 13:
		s.conv = convEst
	case x < 15:
		s.conv = convRel
	case x < 16:
		s.conv = convInvalid
	case x < 18 && s.path != pathIn:
		s.conv = convAnswered
	case x < 19 && s.path != pathIn:
		s.conv = convAnsweredErr
	case s.path == pathIn && p.Proto == ProtoTCP:
		s.conv = convHandshake
	}
	return s
}

// fill completes a packet's protocol fields for sending.
func (g *gen) fill(p *Packet) {
	g.count++
	p.ID = uint16(g.count)
	switch p.Proto {
	case ProtoTCP:
		p.Seq = g.count<<16 | 1
		if p.Flags&SYN != 0 && p.MSS == 0 {
			p.MSS = 1460
		}
		if p.Flags&ACK != 0 && p.Ack == 0 {
			p.Ack = 1
		}
		if p.Flags&PSH != 0 && p.Payload == nil {
			p.Payload = []byte("data")
		}
	case ProtoUDP:
		if p.Payload == nil {
			p.Payload = []byte("probe")
		}
	case ProtoICMP, ProtoICMPv6:
		g.fillICMP(p)
	case ProtoSCTP:
		p.Seq = g.count
	default:
		if p.Payload == nil {
			p.Payload = make([]byte, 8)
		}
	}
}

func (g *gen) fillICMP(p *Packet) {
	echo := (p.Proto == ProtoICMP && (p.Type == 0 || p.Type == 8 || p.Type == 13 || p.Type == 14 || p.Type == 17 || p.Type == 18)) ||
		(p.Proto == ProtoICMPv6 && (p.Type == 128 || p.Type == 129))
	switch {
	case echo:
		p.Rest = (g.count&0xffff)<<16 | 1
		if p.Payload == nil {
			p.Payload = make([]byte, 12)
		}
	case p.IsICMPError():
		if p.Payload == nil {
			inner := Packet{Src: p.Dst, Dst: p.Src, Proto: ProtoUDP, SrcPort: 33000, DstPort: 53, TTL: 1, Payload: []byte("x")}
			b, err := inner.Marshal()
			if err == nil {
				p.Payload = b
			}
		}
		if p.Proto == ProtoICMPv6 && p.Type == 2 {
			p.Rest = 1280
		}
	case p.Proto == ProtoICMPv6 && p.Type >= 133 && p.Type <= 137:
		if p.TTL == 0 {
			p.TTL = 255
		}
		switch p.Type {
		case 134:
			p.Rest = 64 << 24
			p.Payload = make([]byte, 8)
		case 135:
			t := p.Dst.As16()
			p.Payload = t[:]
		case 136:
			p.Rest = 0x60000000
			t := p.Src.As16()
			p.Payload = t[:]
		case 137:
			p.Payload = make([]byte, 32)
		}
	default:
		if p.Payload == nil {
			p.Payload = make([]byte, 8)
		}
	}
}

// opener is the packet that opens a connection for an answer: a TCP SYN,
// a UDP datagram, an ICMP echo request.
func (g *gen) opener(p Packet) Packet {
	o := Packet{Src: p.Dst, Dst: p.Src, Proto: p.Proto, SrcPort: p.DstPort, DstPort: p.SrcPort, TOS: p.TOS}
	switch p.Proto {
	case ProtoTCP:
		o.Flags = SYN
	case ProtoICMP:
		o.Type = 8
	case ProtoICMPv6:
		o.Type = 128
	}
	g.fill(&o)
	return o
}

// answerTemplate is the template of a Reverse step answering an opener.
func answerTemplate(p Packet) Packet {
	t := Packet{Proto: p.Proto, TTL: p.TTL, TOS: p.TOS}
	switch p.Proto {
	case ProtoTCP:
		t.Flags = SYN | ACK
		t.MSS = 1460
	case ProtoICMP:
		t.Type = 0
	case ProtoICMPv6:
		t.Type = 129
	case ProtoUDP:
		t.Payload = []byte("answer")
	}
	return t
}

// build turns a spec into the steps of a probe.
func (g *gen) build(s spec) Probe {
	p := s.pkt
	g.fill(&p)
	first := Step{In: s.in, Local: s.path == pathOut, Packet: p, SrcMAC: s.mac}
	probe := Probe{Name: s.why}
	errType, errCode := uint8(3), uint8(3)
	if g.v6 {
		errType, errCode = 1, 4
	}
	switch s.conv {
	case convNew:
		probe.Steps = []Step{first}
	case convHandshake:
		probe.Steps = []Step{first, {Reply: Reverse, Packet: Packet{Proto: ProtoTCP, Flags: ACK}}}
	case convAnswered:
		probe.Steps = []Step{first, {Reply: Reverse, Packet: answerTemplate(p)}}
		if p.Proto == ProtoTCP {
			probe.Steps = append(probe.Steps, Step{Reply: Reverse, Packet: Packet{Proto: ProtoTCP, Flags: ACK}})
		}
	case convAnsweredErr:
		probe.Steps = []Step{first, {Reply: ICMPError, Packet: Packet{Type: errType, Code: errCode}}}
	case convInvalid:
		if p.Proto == ProtoTCP {
			first.Packet.Flags = SYN | FIN
		} else {
			// an ICMP error that relates to no connection
			first.Packet = Packet{Src: p.Src, Dst: p.Dst, Proto: g.icmpProto(), Type: errType, Code: errCode, TTL: p.TTL, TOS: p.TOS}
			g.fill(&first.Packet)
		}
		probe.Steps = []Step{first}
	case convEst, convRel:
		var open Step
		switch s.path {
		case pathIn:
			open = Step{Local: true, Packet: g.opener(p)}
		case pathFwd:
			out := g.topo.Route(p.Dst)
			if out == "" {
				out = g.other(s.in)
			}
			open = Step{In: out, Packet: g.opener(p)}
		case pathOut:
			// the firewall answers a connection opened from outside
			in := g.topo.Route(p.Dst)
			if in == "" {
				in = g.wan
			}
			o := g.opener(p)
			if s.conv == convRel {
				// a datagram to a closed port draws a RELATED ICMP error
				o.Proto, o.DstPort, o.Flags, o.MSS, o.Type = ProtoUDP, g.closed, 0, 0, 0
				o.Payload = []byte("probe")
				probe.Steps = []Step{{In: in, Packet: o}}
				return probe
			}
			probe.Steps = []Step{{In: in, Packet: o}, {Reply: Reverse, Packet: Packet{Proto: p.Proto, Flags: ACK}}}
			if p.Proto != ProtoTCP {
				probe.Steps = probe.Steps[:1]
			}
			return probe
		}
		if s.conv == convRel {
			probe.Steps = []Step{open, {Reply: ICMPError, Packet: Packet{Type: errType, Code: errCode, TTL: p.TTL, TOS: p.TOS}}}
			return probe
		}
		probe.Steps = []Step{open, {Reply: Reverse, Packet: answerTemplate(p)}}
		if p.Proto == ProtoTCP && s.path == pathFwd {
			probe.Steps = append(probe.Steps, Step{Reply: Reverse, Packet: Packet{Proto: ProtoTCP, Flags: ACK}})
		}
	}
	return probe
}
