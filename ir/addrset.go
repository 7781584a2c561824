package ir

import (
	"math"
	"net/netip"
)

// AddrSet is an anonymous set of IPv4 or IPv6 addresses and prefixes,
// every element with a counter or none: the set a blocklist chain ("-s
// ADDR -j DROP", a million times) is merged into. Its elements are those
// of the SetLit of Exprs, held by value: an IPv4 address with its counter
// values is 20 bytes here, 112 as an Elem in a SetLit (the interface, the
// Elem, its key and its counter), 74 MB for the mixed 1,000,000-rule
// dump's 662,000 addresses.
type AddrSet struct {
	// Addrs holds the elements' addresses in order, 4 bytes each, or 16
	// if Is6.
	Addrs []byte
	Is6   bool
	// Bits holds each element's prefix length, PlainAddr for a plain
	// address (an Addr key, not a Prefix); nil while every element is a
	// plain address.
	Bits []uint8
	// Counted is whether every element has a counter, HasValues whether
	// those have values (Counter.HasValues), which Values gives: Small
	// holds them (packets then bytes) while every one fits in 32 bits, 8
	// bytes an element where Counters takes 16 (5 MB less for a
	// blocklist of 660,000 counted addresses), else Counters does.
	Counted, HasValues bool
	Small              []uint32
	Counters           []CounterValues
	// Ports, if not nil, makes element i the concatenation "address .
	// Ports[i]", each port an Integer of Port's form (Base, Width): the
	// set of a chain of services ("-s A --dport N"), 180,000 elements
	// in the mixed 1,000,000-rule dump, 34 MB as a SetLit.
	Ports []uint64
	Port  Integer
	// Comments holds the elements' comments ("" for none), nil if none
	// has one.
	Comments []string
}

// CounterValues is a counter's packets and bytes.
type CounterValues struct {
	Packets, Bytes uint64
}

// PlainAddr in AddrSet.Bits marks a plain address.
const PlainAddr = 0xff

func (*AddrSet) expr() {}

// CanAdd reports whether key, an address or prefix, and counter c can be
// an element of s: an address of s's family, valid, without a zone, and a
// counter as s's elements have (none if s is not Counted).
func (s *AddrSet) CanAdd(key Expr, c *Counter) bool {
	if s.Counted && (c == nil || c.HasValues != s.HasValues || !c.HasValues && (c.Packets != 0 || c.Bytes != 0)) {
		return false
	}
	var a netip.Addr
	switch k := key.(type) {
	case *Addr:
		a = k.Addr
	case *Prefix:
		if !k.Prefix.IsValid() {
			return false
		}
		a = k.Prefix.Addr()
	default:
		return false
	}
	return a.IsValid() && a.Zone() == "" && a.Is6() == s.Is6
}

// Add appends an element: key, which CanAdd accepts, and when s is
// Counted the values of c.
func (s *AddrSet) Add(key Expr, c *Counter) {
	bits, a := uint8(PlainAddr), netip.Addr{}
	switch k := key.(type) {
	case *Addr:
		a = k.Addr
	case *Prefix:
		a, bits = k.Prefix.Addr(), uint8(k.Prefix.Bits())
	}
	s.addBits(bits)
	if s.Is6 {
		b := a.As16()
		s.Addrs = append(s.Addrs, b[:]...)
	} else {
		b := a.As4()
		s.Addrs = append(s.Addrs, b[:]...)
	}
	if s.HasValues {
		s.addValues(CounterValues{c.Packets, c.Bytes})
	}
}

// AddFrom appends element i of t, a set of s's family whose elements
// have values if s's have.
func (s *AddrSet) AddFrom(t *AddrSet, i int) {
	bits := uint8(PlainAddr)
	if t.Bits != nil {
		bits = t.Bits[i]
	}
	s.addBits(bits)
	w := s.width()
	s.Addrs = append(s.Addrs, t.Addrs[i*w:(i+1)*w]...)
	if s.HasValues {
		s.addValues(t.Values(i))
	}
}

// addBits appends an element's prefix length to Bits, made when the
// first prefix comes.
func (s *AddrSet) addBits(bits uint8) {
	if bits != PlainAddr && s.Bits == nil {
		s.Bits = make([]uint8, s.Len(), cap(s.Addrs)/s.width())
		for i := range s.Bits {
			s.Bits[i] = PlainAddr
		}
	}
	if s.Bits != nil {
		s.Bits = append(s.Bits, bits)
	}
}

// addValues appends an element's counter values, to Small while they fit.
func (s *AddrSet) addValues(v CounterValues) {
	if s.Counters == nil && v.Packets <= math.MaxUint32 && v.Bytes <= math.MaxUint32 {
		s.Small = append(s.Small, uint32(v.Packets), uint32(v.Bytes))
		return
	}
	if s.Counters == nil {
		s.Counters = make([]CounterValues, len(s.Small)/2, len(s.Small))
		for i := range s.Counters {
			s.Counters[i] = CounterValues{uint64(s.Small[2*i]), uint64(s.Small[2*i+1])}
		}
		s.Small = nil
	}
	s.Counters = append(s.Counters, v)
}

// Values is element i's counter values, if s HasValues.
func (s *AddrSet) Values(i int) CounterValues {
	if s.Counters == nil {
		return CounterValues{uint64(s.Small[2*i]), uint64(s.Small[2*i+1])}
	}
	return s.Counters[i]
}

// width is the bytes of an address in Addrs.
func (s *AddrSet) width() int {
	if s.Is6 {
		return 16
	}
	return 4
}

// Width is the bytes of an address in Addrs: 4, or 16 if Is6.
func (s *AddrSet) Width() int { return s.width() }

// Len is the number of elements.
func (s *AddrSet) Len() int { return len(s.Addrs) / s.width() }

// Addr is element i's address (a prefix's, as written).
func (s *AddrSet) Addr(i int) netip.Addr {
	if s.Is6 {
		return netip.AddrFrom16([16]byte(s.Addrs[16*i:]))
	}
	return netip.AddrFrom4([4]byte(s.Addrs[4*i:]))
}

// Prefix is element i's key as a prefix; plain reports that the key is
// a plain address (an Addr, not a Prefix of its full length).
func (s *AddrSet) Prefix(i int) (p netip.Prefix, plain bool) {
	a := s.Addr(i)
	if s.Bits == nil || s.Bits[i] == PlainAddr {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.PrefixFrom(a, int(s.Bits[i])), false
}

// Key is element i's key, made anew: an Addr or a Prefix.
func (s *AddrSet) Key(i int) Expr {
	p, plain := s.Prefix(i)
	if plain {
		return &Addr{Addr: p.Addr()}
	}
	return &Prefix{Prefix: p}
}

// Counter is element i's counter, made anew; nil if s is not Counted.
func (s *AddrSet) Counter(i int) *Counter {
	if !s.Counted {
		return nil
	}
	if !s.HasValues {
		return &Counter{}
	}
	v := s.Values(i)
	return &Counter{Packets: v.Packets, Bytes: v.Bytes, HasValues: true}
}

// Exprs makes the elements as a SetLit holds them: each an Elem with its
// key (a Concat if s has Ports), counter if s is Counted and comment, or
// the key if it has neither.
func (s *AddrSet) Exprs() []Expr {
	out := make([]Expr, s.Len())
	for i := range out {
		out[i] = s.Key(i)
		if s.Ports != nil {
			port := s.Port
			port.Value = s.Ports[i]
			out[i] = &Concat{Elems: []Expr{out[i], &port}}
		}
		comment := ""
		if s.Comments != nil {
			comment = s.Comments[i]
		}
		if s.Counted || comment != "" {
			out[i] = &Elem{Key: out[i], Counter: s.Counter(i), Comment: comment}
		}
	}
	return out
}
