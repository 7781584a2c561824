package translate

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// The NAT targets of libxt_NAT.c (SNAT, DNAT, MASQUERADE, REDIRECT) share
// the parsing of addresses and ports and the translation of the range;
// this file holds what tg_SNAT.go, tg_DNAT.go, tg_MASQUERADE.go and
// tg_REDIRECT.go have in common.

// natRange is libxt_NAT.c's struct nf_nat_range2 as the options fill it.
type natRange struct {
	mapIPs   bool // NF_NAT_RANGE_MAP_IPS
	min, max netip.Addr
	// protoSpecified is NF_NAT_RANGE_PROTO_SPECIFIED: a port (range).
	protoSpecified      bool
	minPort, maxPort    uint16
	offset              bool // NF_NAT_RANGE_PROTO_OFFSET: "a-b/base"
	base                uint16
	random, fullyRandom bool
	persistent          bool
	// portOpt is the option that gave the port, for error positions.
	portOpt *iptparse.Option
}

// natOptions reads the options of a NAT target into r in the order they
// were given, like libxt_NAT.c's __NAT_parse. r is the caller's, so that
// it stays on the caller's stack: a DNAT forward list allocates it once
// a rule otherwise.
func (c *Ctx) natOptions(x *iptparse.Ext, r *natRange) error {
	for _, o := range x.Options {
		switch o.Name {
		case "to-source", "to-destination":
			if err := c.parseNATTo(x, o, r); err != nil {
				return err
			}
		case "to-ports":
			if err := c.parseNATPorts(x, o, o.Arg(), r); err != nil {
				return err
			}
		case "random":
			r.random = true
		case "random-fully":
			r.fullyRandom = true
		case "persistent":
			r.persistent = true
		}
	}
	return nil
}

// natPortOK is libxt_NAT.c's portok: a port may only be given after -p
// tcp, udp, sctp, dccp or icmp. iptables looks at the protocol when it
// parses the option, so -p must come first; a negated -p counts too.
func (c *Ctx) natPortOK(o *iptparse.Option) bool {
	p := c.Rule.Proto
	if p == nil || !posBefore(p.Pos, o.Pos) {
		return false
	}
	switch p.Num {
	case 6, 17, 132, 33, 1:
		return true
	}
	return false
}

// parseNATPorts is libxt_NAT.c's parse_ports: "port", "port-port" or
// "port-port/base". Numbers are read like strtoul with base 0; a single
// port may be a service name.
func (c *Ctx) parseNATPorts(x *iptparse.Ext, o *iptparse.Option, arg string, r *natRange) error {
	if !c.natPortOK(o) {
		return optError(x, o, "Need TCP, UDP, SCTP or DCCP with port specification")
	}
	r.protoSpecified = true
	r.portOpt = o
	port, end, ok := xtStrtoul(arg, 0, math.MaxUint16)
	if !ok {
		p, found := iptparse.ServicePort(arg)
		if !found {
			return optError(x, o, "Port `%s' not valid", arg)
		}
		port, end = uint64(p), ""
	}
	switch {
	case end == "":
		r.minPort, r.maxPort = uint16(port), uint16(port)
		return nil
	case end[0] == '-':
		arg = end[1:]
	case end[0] == ':':
		return optError(x, o, "Invalid port:port syntax - use dash")
	default:
		return optError(x, o, "Garbage after port value: `%s'", end)
	}
	maxPort, end, ok := xtStrtoul(arg, 0, math.MaxUint16)
	if !ok {
		return optError(x, o, "Port `%s' not valid", arg)
	}
	if maxPort < port {
		return optError(x, o, "Port range `%s' funky", arg)
	}
	r.minPort, r.maxPort = uint16(port), uint16(maxPort)
	switch {
	case end == "":
		return nil
	case end[0] == '/':
		arg = end[1:]
	default:
		return optError(x, o, "Garbage after port range: `%s'", end)
	}
	base, _, ok := xtStrtoul(arg, 1, math.MaxUint16)
	if !ok {
		p, found := iptparse.ServicePort(arg)
		if !found {
			return optError(x, o, "Port `%s' not valid", arg)
		}
		base = uint64(p)
	}
	r.offset, r.base = true, uint16(base)
	return nil
}

// parseNATTo is libxt_NAT.c's parse_to:
// [<ipaddr>[-<ipaddr>]][:port[-port[/base]]], IPv6 addresses in brackets
// when a port follows.
func (c *Ctx) parseNATTo(x *iptparse.Ext, o *iptparse.Option, r *natRange) error {
	arg := o.Arg()
	start, end := 0, len(arg)
	colon := -1
	if i := strings.IndexByte(arg, '['); i < 0 {
		// One colon is port information, more make an IPv6 address.
		colon = strings.IndexByte(arg, ':')
		if colon >= 0 && strings.IndexByte(arg[colon+1:], ':') >= 0 {
			colon = -1
		}
	} else {
		start = i + 1
		j := strings.IndexByte(arg[start:], ']')
		if j < 0 || c.Family != iptparse.FamilyIPv6 {
			return optError(x, o, "Invalid address format")
		}
		end = start + j
		if k := strings.IndexByte(arg[end+1:], ':'); k >= 0 {
			colon = end + 1 + k
		}
	}
	if colon >= 0 {
		if err := c.parseNATPorts(x, o, arg[colon+1:], r); err != nil {
			return err
		}
		// No address before the colon ("...:port" or "[]:port"). Like
		// iptables, any two characters before the colon count as none.
		if colon == 0 || colon == 2 {
			return nil
		}
		if colon < end {
			end = colon
		}
	}
	r.mapIPs = true
	addrs := arg[start:end]
	lo, hi, dash := strings.Cut(addrs, "-")
	var err error
	if r.min, err = inetPton(c.Family, lo); err != nil {
		return optError(x, o, "Bad IP address \"%s\"", lo)
	}
	r.max = r.min
	if dash {
		if r.max, err = inetPton(c.Family, hi); err != nil {
			return optError(x, o, "Bad IP address \"%s\"", hi)
		}
	}
	return nil
}

// inetPton parses an address the way inet_pton does: dotted quad for
// IPv4, no zone for IPv6.
func inetPton(fam iptparse.Family, s string) (netip.Addr, error) {
	if fam != iptparse.FamilyIPv6 {
		if a, ok := iptparse.DottedQuad(s); ok {
			return a, nil
		}
	}
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		return a, err
	case a.Zone() != "":
		return a, fmt.Errorf("zone not allowed")
	case fam == iptparse.FamilyIPv6 && !a.Is6():
		return a, fmt.Errorf("not an IPv6 address")
	case fam != iptparse.FamilyIPv6 && !a.Is4():
		return a, fmt.Errorf("not an IPv4 address")
	}
	return a, nil
}

// xtStrtoul is xtables_strtoul_base(s, &end, &v, min, max, 0): strtoumax
// with base 0 (0x.. hex, 0.. octal), rest is what follows the number. It
// fails when there is no number or the value is out of range.
func xtStrtoul(s string, min, max uint64) (v uint64, rest string, ok bool) {
	// A decimal number without spaces, sign or leading zero, as a port
	// nearly always is, read here: the general path's look for each of
	// them took 190 instructions a DNAT rule's port. Up to 19 digits fit.
	if len(s) > 0 && s[0]-'1' < 9 {
		j := 0
		for ; j < len(s) && j < 19 && s[j]-'0' <= 9; j++ {
			v = v*10 + uint64(s[j]-'0')
		}
		if j == len(s) || s[j]-'0' > 9 {
			if v < min || v > max {
				return 0, s[j:], false
			}
			return v, s[j:], true
		}
		v = 0
	}
	i := 0
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := 10
	switch {
	case i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && isHexDigit(s[i+2]):
		base, i = 16, i+2
	case i < len(s) && s[i] == '0':
		base = 8
	}
	j := i
	for j < len(s) && digitVal(s[j]) < base {
		j++
	}
	if j == i {
		return 0, s, false
	}
	if base == 10 && j-i <= 19 {
		// At most 19 decimal digits fit: read here, not by ParseUint,
		// as a port always is.
		for k := i; k < j; k++ {
			v = v*10 + uint64(s[k]-'0')
		}
	} else {
		var err error
		if v, err = strconv.ParseUint(s[i:j], base, 64); err != nil {
			return 0, s[j:], false
		}
	}
	if neg && v != 0 {
		// strtoumax negates in unsigned arithmetic: out of any range.
		return 0, s[j:], false
	}
	if v < min || v > max {
		return 0, s[j:], false
	}
	return v, s[j:], true
}

func isHexDigit(b byte) bool { return digitVal(b) < 16 }

func digitVal(b byte) int {
	switch {
	case b >= '0' && b <= '9':
		return int(b - '0')
	case b >= 'a' && b <= 'f':
		return int(b-'a') + 10
	case b >= 'A' && b <= 'F':
		return int(b-'A') + 10
	}
	return 99
}

// addNAT appends the nat statement for a range, like libxt_NAT.c's
// __NAT_xlate.
func (c *Ctx) addNAT(x *iptparse.Ext, kind ir.NatKind, r *natRange) error {
	if r.offset {
		return c.Untranslatable(x, "shifted port maps (\"ports/base\") have no nftables equivalent")
	}
	s := c.tr.alloc.nats.new()
	*s = ir.Nat{Kind: kind}
	if r.mapIPs {
		if r.min != r.max {
			s.Addr = &ir.Range{Lo: ir.IP(r.min), Hi: ir.IP(r.max)}
		} else {
			// from the blocks, as the statement and the port: a NAT
			// rule's allocations
			a := c.tr.alloc.addrs.new()
			*a = ir.Addr{Addr: r.min}
			s.Addr = a
		}
	}
	if r.protoSpecified {
		s.Port = c.intOrRange(uint64(r.minPort), uint64(r.maxPort))
	}
	if r.random {
		s.Flags = append(s.Flags, "random")
	}
	if r.fullyRandom {
		s.Flags = append(s.Flags, "fully-random")
	}
	if r.persistent {
		s.Flags = append(s.Flags, "persistent")
	}
	if r.protoSpecified && !c.Exact {
		c.natTransportContext()
	}
	c.Add(s)
	return nil
}

// natTransportContext makes a port mapping loadable after a negated -p.
// nft refuses "transport protocol mapping is only valid after transport
// protocol match" unless a match on the transport protocol precedes the
// mapping; "! -p tcp" does not count. iptables maps the ports of every
// other protocol, so the rule gets the equivalent set of all the other
// protocol numbers, which nft accepts. (A positive -p always gives nft the
// context it needs.)
func (c *Ctx) natTransportContext() {
	p := c.Rule.Proto
	if p == nil || !p.Neg {
		return
	}
	var elems []ir.Expr
	for n := 0; n <= 255; n++ {
		if n != int(p.Num) {
			elems = append(elems, ir.Int(uint64(n)))
		}
	}
	c.Add(ir.Eq(&ir.Meta{Key: "l4proto"}, &ir.SetLit{Elems: elems}))
}
