package verify

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Probes aimed at the elements of ipsets. When the sets a dump's rules
// look up are given (Probes' ipsets: "ipset save" files), each rule with
// "-m set --match-set NAME DIRS" gets variants at the elements of NAME:
// for a sample of at most setSample elements (seeded), per address
// dimension a host inside the element, its first and last address and
// the addresses just outside it, and per port dimension the ends of the
// port (range) and the ports just outside, with the element's protocol,
// each put where the rule's directions say (src: the source address or
// port, dst: the destination). One dimension changes at a time; the
// others keep the inside value. The values also join the pools random
// probes are made of, and the elements place addresses and routes in the
// topology as the prefixes of -d and -s do. Like every variant they are sampled to fit the
// probe budget.

// setSample is the most elements of one set probes are aimed at.
const setSample = 64

// setLocals is the most elements of one set a destination lookup in an
// INPUT-only rule makes addresses of the firewall.
const setLocals = 8

// setMatch is one "--match-set NAME DIRS" of a rule.
type setMatch struct {
	name string
	dirs []string
	neg  bool // ! --match-set
}

// elemPart is one dimension of a set element: an address range, a port
// range with its protocol, or something probes do not aim at (kind 0:
// an interface, a MAC, a mark, a port of a protocol without ports).
type elemPart struct {
	kind   byte // 'a' address, 'p' port, 0 other
	lo, hi netip.Addr
	proto  uint8
	plo    uint16
	phi    uint16
}

// setElem is a parsed element, with its text for probe names.
type setElem struct {
	text  string
	parts []elemPart
}

// sampleSets parses a seeded sample of at most setSample elements of each
// set of the files that a rule looks up (the first definition of a name
// wins), keeping the address parts of the family v6.
func sampleSets(files []*iptparse.IPSetFile, rules []*ruleInfo, v6 bool, seed int64) map[string][]setElem {
	out := map[string][]setElem{}
	used := map[string]bool{}
	for _, r := range rules {
		for _, m := range r.sets {
			used[m.name] = true
		}
	}
	for _, f := range files {
		if f == nil {
			continue
		}
		for _, s := range f.Sets {
			if _, ok := out[s.Name]; ok || !used[s.Name] {
				continue
			}
			dims := s.Dims()
			var elems []setElem
			for _, i := range sampleIndices(len(s.Elements), setSample, seed, s.Name) {
				if e, ok := parseSetElem(s.Elements[i].Value, dims, v6); ok {
					elems = append(elems, e)
				}
			}
			out[s.Name] = elems
		}
	}
	return out
}

// sampleIndices picks k of n indices (all when n <= k), in order, the
// same for the same seed and name (Floyd's algorithm: no list of n).
func sampleIndices(n, k int, seed int64, name string) []int {
	if n <= k {
		r := make([]int, n)
		for i := range r {
			r[i] = i
		}
		return r
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	rng := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
	chosen := make(map[int]bool, k)
	for j := n - k; j < n; j++ {
		t := rng.IntN(j + 1)
		if chosen[t] {
			t = j
		}
		chosen[t] = true
	}
	r := make([]int, 0, k)
	for i := range chosen {
		r = append(r, i)
	}
	slices.Sort(r)
	return r
}

// parseSetElem reads an element value ("10.0.0.0/8", "10.0.0.1-10.0.0.9",
// "192.0.2.1,tcp:80", "2001:db8::/64,udp:53-60,192.0.2.9") by the set
// type's dimensions. ok is false when no part is something to aim at.
func parseSetElem(value string, dims []string, v6 bool) (setElem, bool) {
	e := setElem{text: value}
	vals := strings.Split(value, ",")
	useful := false
	for i, d := range dims {
		var p elemPart
		if i < len(vals) {
			switch d {
			case "ip", "net":
				p = parseElemAddr(vals[i], v6)
			case "port":
				p = parseElemPort(vals[i])
			}
		}
		useful = useful || p.kind != 0
		e.parts = append(e.parts, p)
	}
	return e, useful
}

func parseElemAddr(s string, v6 bool) elemPart {
	var lo, hi netip.Addr
	if l, h, ok := strings.Cut(s, "-"); ok {
		a, e1 := netip.ParseAddr(l)
		b, e2 := netip.ParseAddr(h)
		if e1 != nil || e2 != nil || b.Less(a) {
			return elemPart{}
		}
		lo, hi = a, b
	} else if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return elemPart{}
		}
		lo, hi = p.Masked().Addr(), lastAddr(p)
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return elemPart{}
		}
		lo, hi = a, a
	}
	if lo.Is4() == v6 || hi.Is4() == v6 || lo.Is4In6() || hi.Is4In6() {
		return elemPart{}
	}
	return elemPart{kind: 'a', lo: lo, hi: hi}
}

// parseElemPort reads "[PROTO:]PORT[-PORT]"; without a protocol the
// port is TCP, as ipset reads it. Protocols without ports (icmp:TYPE...)
// are not aimed at.
func parseElemPort(s string) elemPart {
	proto := ProtoTCP
	if name, port, ok := strings.Cut(s, ":"); ok {
		switch strings.ToLower(name) {
		case "tcp":
		case "udp":
			proto = ProtoUDP
		case "sctp":
			proto = ProtoSCTP
		default:
			return elemPart{}
		}
		s = port
	}
	l, h, rng := strings.Cut(s, "-")
	lo, ok := iptparse.ParsePort(l)
	if !ok {
		return elemPart{}
	}
	hi := lo
	if rng {
		if hi, ok = iptparse.ParsePort(h); !ok || hi < lo {
			return elemPart{}
		}
	}
	return elemPart{kind: 'p', proto: uint8(proto), plo: lo, phi: hi}
}

// inside is a host inside an address part: neither its first nor its
// last address when it has room (as insideAddr for a prefix).
func (p elemPart) inside() netip.Addr {
	if n := p.lo.Next(); n.IsValid() && n.Less(p.hi) {
		return n
	}
	return p.lo
}

// addrValues are the addresses to aim at: inside, first, last, and just
// outside.
func (p elemPart) addrValues() []netip.Addr {
	var r []netip.Addr
	for _, a := range []netip.Addr{p.inside(), p.lo, p.hi, p.lo.Prev(), p.hi.Next()} {
		if a.IsValid() && !slices.Contains(r, a) {
			r = append(r, a)
		}
	}
	return r
}

// setVariants are a rule's variants at the elements of the sets it looks
// up: per element, every dimension at its inside value but one, which
// takes each of its values in turn (so the first variant of an element
// is the element itself).
func (g *gen) setVariants(r *ruleInfo, b spec) []spec {
	var vs []spec
	// put makes the variant with value k[d] in dimension d.
	put := func(m setMatch, e setElem, k []int) (spec, bool) {
		s := b
		src := false
		for d := range k {
			part := e.parts[d]
			switch {
			case part.kind == 'a' && m.dirs[d] == "dst":
				s.pkt.Dst = part.addrValues()[k[d]]
			case part.kind == 'a':
				s.pkt.Src, src = part.addrValues()[k[d]], true
			case part.kind == 'p':
				v := portValues([2]uint16{part.plo, part.phi})[k[d]]
				s.pkt.Proto = part.proto
				if m.dirs[d] == "src" {
					s.pkt.SrcPort = v
				} else {
					s.pkt.DstPort = v
				}
			}
		}
		return s, !src || g.enterFrom(r, &s)
	}
	for _, m := range r.sets {
		for _, e := range g.sets[m.name] {
			k := make([]int, min(len(m.dirs), len(e.parts)))
			if s, ok := put(m, e, k); ok {
				s.why = fmt.Sprintf("set %s element %s", m.name, e.text)
				vs = append(vs, s)
			}
			for d := range k {
				part := e.parts[d]
				count := 0
				switch part.kind {
				case 'a':
					count = len(part.addrValues())
				case 'p':
					count = len(portValues([2]uint16{part.plo, part.phi}))
				}
				for v := 1; v < count; v++ {
					k[d] = v
					if s, ok := put(m, e, k); ok {
						s.why = fmt.Sprintf("set %s element %s: %s", m.name, e.text, dimValue(s.pkt, part, m.dirs[d]))
						vs = append(vs, s)
					}
				}
				k[d] = 0
			}
		}
	}
	// A fresh source port for each variant that does not pin it.
	for i := range vs {
		if r.sports == nil && r.anyPorts == nil && vs[i].pkt.SrcPort == b.pkt.SrcPort {
			vs[i].pkt.SrcPort = g.nextSport()
		}
	}
	return vs
}

func dimValue(p Packet, part elemPart, dir string) string {
	switch {
	case part.kind == 'a' && dir == "dst":
		return "destination " + p.Dst.String()
	case part.kind == 'a':
		return "source " + p.Src.String()
	case dir == "src":
		return fmt.Sprintf("source port %s/%d", ProtoName(p.Proto), p.SrcPort)
	}
	return fmt.Sprintf("destination port %s/%d", ProtoName(p.Proto), p.DstPort)
}

// setPools adds the values aimed at to the pools random probes are made of.
func (g *gen) setPools() {
	names := make([]string, 0, len(g.sets))
	for name := range g.sets {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, e := range g.sets[name] {
			for _, p := range e.parts {
				switch p.kind {
				case 'a':
					g.addrs = append(g.addrs, p.addrValues()...)
				case 'p':
					g.ports = append(g.ports, portValues([2]uint16{p.plo, p.phi})...)
				}
			}
		}
	}
}

// setLocalAddrs are hosts inside the first elements (within one /8) of
// the sets a rule looks up by destination, for an INPUT-only rule: they
// are the firewall's own, as the hosts of its -d prefixes are.
func (g *gen) setLocalAddrs(r *ruleInfo) []netip.Addr {
	var out []netip.Addr
	for _, m := range r.sets {
		if m.neg {
			continue
		}
		k := 0
		for _, e := range g.sets[m.name] {
			if k == setLocals {
				break
			}
			for d, p := range e.parts {
				if d >= len(m.dirs) || m.dirs[d] != "dst" || p.kind != 'a' || p.lo.AsSlice()[0] != p.hi.AsSlice()[0] {
					continue
				}
				in := func(a netip.Addr) bool { return p.lo.Compare(a) <= 0 && a.Compare(p.hi) <= 0 }
				if !slices.ContainsFunc(g.topoLocals(), in) && !slices.ContainsFunc(out, in) {
					out = append(out, p.inside())
				}
				k++
				break
			}
		}
	}
	return out
}

// setPrefixes are the elements (those that are one prefix) of the sets a
// rule looks up (not negated) in direction dir: where they lie is
// inferred as for the prefixes of -s and -d.
func (g *gen) setPrefixes(r *ruleInfo, dir string) []netip.Prefix {
	var out []netip.Prefix
	for _, m := range r.sets {
		if m.neg {
			continue
		}
		for _, e := range g.sets[m.name] {
			for d, p := range e.parts {
				if d < len(m.dirs) && m.dirs[d] == dir && p.kind == 'a' {
					if pfx, ok := rangePrefix(p.lo, p.hi); ok {
						out = append(out, pfx)
					}
				}
			}
		}
	}
	return out
}

// rangePrefix is the prefix that is exactly lo..hi, if there is one.
func rangePrefix(lo, hi netip.Addr) (netip.Prefix, bool) {
	for b := lo.BitLen(); b >= 0; b-- {
		p := netip.PrefixFrom(lo, b)
		if p.Masked().Addr() != lo {
			break
		}
		if l := lastAddr(p); l == hi {
			return p, true
		} else if hi.Less(l) {
			break
		}
	}
	return netip.Prefix{}, false
}
