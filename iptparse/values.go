package iptparse

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/internal/strword"
)

// Typed option values. The parser stores one of these in Option.Value,
// according to the option's OptType.

// Range is an integer range "lo[:hi]". N is the number of components given
// (1 for "5", 2 for "5:7" or ":7").
type Range struct {
	Lo, Hi uint64
	N      int
}

// ValueMask is "value[/mask]" as used by marks and TOS. HasMask tells
// whether a mask was written.
type ValueMask struct {
	Value, Mask uint64
	HasMask     bool
}

// AddrMask is an address with a netmask that need not be contiguous.
// Bits is the prefix length, or -1 when the mask is not a prefix.
type AddrMask struct {
	Addr netip.Addr
	Mask netip.Addr
	Bits int
}

// IsPrefix reports whether the mask is a contiguous prefix.
func (a AddrMask) IsPrefix() bool { return a.Bits >= 0 }

// Prefix returns the masked address as a prefix (only if IsPrefix).
func (a AddrMask) Prefix() netip.Prefix {
	p, _ := a.Addr.Prefix(a.Bits)
	return p
}

// Masked returns Addr & Mask.
func (a AddrMask) Masked() netip.Addr { return andAddr(a.Addr, a.Mask) }

func (a AddrMask) String() string {
	if a.Bits >= 0 {
		return fmt.Sprintf("%s/%d", a.Addr, a.Bits)
	}
	return fmt.Sprintf("%s/%s", a.Addr, a.Mask)
}

// PortRange is "port[:port]"; a missing bound defaults to 0 or 65535.
// Option.Value holds a *PortRange, which the parser takes from its
// arena: a PortRange in an interface would be an allocation a --dport.
type PortRange struct {
	Lo, Hi uint16
	N      int
}

// MAC is an Ethernet address.
type MAC [6]byte

func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// MACMask is an Ethernet address with a mask.
type MACMask struct {
	Addr, Mask MAC
}

// Plen is a prefix length, or a dotted mask (Bits -1 if not contiguous).
type Plen struct {
	Bits int
	Mask netip.Addr
}

// parseUintBase mimics strtoull(s, &end, base) followed by a check that the
// whole string was consumed: base 0 accepts 0x hex and leading-0 octal.
func parseUintBase(s string, base int) (uint64, bool) {
	if len(s) == 0 || len(s) > 19 || s[0] < '1' || s[0] > '9' || base != 10 && base != 0 {
		if len(s) > 0 && s[0] > '9' && (base == 10 || base == 0) {
			return 0, false // a name (as parseUintAny finds)
		}
		return parseUintAny(s, base)
	}
	// Decimal digits without a leading 0, as most numbers are: read
	// them at once, without the checks for what else strtoull takes.
	var v uint64
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return parseUintAny(s, base)
		}
		v = v*10 + uint64(d)
	}
	return v, true
}

// parseUintAny is parseUintBase for any string.
func parseUintAny(s string, base int) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	t := s
	for t != "" && (t[0] == ' ' || t[0] == '\t' || t[0] == '\n') {
		t = t[1:]
	}
	t = strings.TrimPrefix(t, "+")
	if t == "" || t[0] == '-' {
		return 0, false
	}
	if (base == 0 || base == 10) && (t[0] < '0' || t[0] > '9') {
		return 0, false // a name: spare strconv's error
	}
	if (base == 10 || base == 0 && (t[0] != '0' || len(t) == 1)) && len(t) <= 19 {
		// A decimal number that cannot overflow: no need for strconv.
		var v uint64
		i := 0
		for ; i < len(t) && '0' <= t[i] && t[i] <= '9'; i++ {
			v = v*10 + uint64(t[i]-'0')
		}
		if i == len(t) {
			return v, true
		}
	}
	v, err := strconv.ParseUint(t, base, 64)
	if err != nil {
		if base == 0 && (t == "0x" || t == "0X") {
			return 0, true
		}
		return 0, false
	}
	return v, true
}

// ParseUint parses an integer like libxtables' xtables_strtoul_base.
func ParseUint(s string, base int, min, max uint64) (uint64, bool) {
	v, ok := parseUintBase(s, base)
	if !ok || v < min || v > max {
		return 0, false
	}
	return v, true
}

// typeMax is the upper bound of an integer option type.
func typeMax(t OptType) uint64 {
	switch t {
	case TypeUint8, TypeUint8RC:
		return math.MaxUint8
	case TypeUint16, TypeUint16RC:
		return math.MaxUint16
	case TypeUint32, TypeUint32RC:
		return math.MaxUint32
	}
	return math.MaxUint64
}

// parseDecimal is strconv.ParseFloat(s, 64) for a plain decimal of at
// most 15 digits, as options are given (a kube-proxy dump's
// probabilities, "0.33333333349"): those digits and the power of ten
// they are divided by are exact float64s, and their quotient, one
// correctly rounded division, is ParseFloat's value (its exact case), at
// a fifth of ParseFloat's cost. ok is false for anything else, which is
// ParseFloat's to read.
func parseDecimal(s string) (v float64, ok bool) {
	var mant uint64
	digits, point := 0, -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
		case c == '.' && point < 0:
			point = digits
		default:
			return 0, false
		}
	}
	if digits == 0 || digits >= len(pow10) {
		return 0, false
	}
	if point < 0 {
		point = digits
	}
	return float64(mant) / pow10[digits-point], true
}

// pow10 are the powers of ten parseDecimal divides by; its digits are
// fewer than these, so under 2^53, exact in a float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// ParseValue converts an option argument to its typed value. fam matters
// for addresses. The error message follows libxtables' wording.
func ParseValue(ext string, o *OptionSpec, arg string, fam Family) (any, error) {
	switch o.Type {
	case TypeNone, TypeRaw:
		return nil, nil
	case TypeUint8, TypeUint16, TypeUint32, TypeUint64:
		lmin, lmax := o.Min, typeMax(o.Type)
		if o.Max != 0 {
			lmax = o.Max
		}
		v, ok := ParseUint(arg, o.Base, lmin, lmax)
		if !ok {
			return nil, fmt.Errorf("bad value for option \"--%s\", or out of range (%d-%d)", o.Name, lmin, lmax)
		}
		return v, nil
	case TypeUint8RC, TypeUint16RC, TypeUint32RC, TypeUint64RC:
		return parseMint(o, arg)
	case TypeDouble:
		v, ok := parseDecimal(arg)
		var err error
		if !ok {
			v, err = strconv.ParseFloat(arg, 64)
		}
		if err != nil || (o.Min != o.Max && (v < float64(o.Min) || v > float64(o.Max))) {
			return nil, fmt.Errorf("bad value for option \"--%s\", or out of range (%d-%d)", o.Name, o.Min, o.Max)
		}
		return v, nil
	case TypeString:
		if err := checkString(o, arg); err != nil {
			return nil, err
		}
		return arg, nil
	case TypeTOSMask:
		return parseTOSMask(o, arg)
	case TypeMarkMask32:
		return ParseMarkMask(arg)
	case TypeSyslogLevel:
		return ParseSyslogLevel(arg)
	case TypeHost:
		a, err := ParseHost(arg, fam)
		if err != nil {
			return nil, err
		}
		return a, nil
	case TypeHostMask:
		return ParseAddrMask(arg, fam)
	case TypeProtocol:
		n, ok := ProtocolNumber(arg)
		if !ok {
			return nil, fmt.Errorf("unknown protocol \"%s\" specified", arg)
		}
		return n, nil
	case TypePort:
		p, ok := ParsePort(arg)
		if !ok {
			return nil, fmt.Errorf("Port \"%s\" does not resolve to anything", arg)
		}
		return p, nil
	case TypePortRC:
		r, err := ParsePortRange(arg)
		if err != nil {
			return nil, err
		}
		return &r, nil
	case TypePlen, TypePlenMask:
		return ParsePlen(arg, fam)
	case TypeEtherMAC:
		m, ok := ParseMAC(arg)
		if !ok {
			return nil, fmt.Errorf("Invalid MAC address specified")
		}
		return m, nil
	case TypeEtherMACMask:
		return parseMACMask(arg)
	}
	return nil, fmt.Errorf("option \"--%s\" has an unknown type", o.Name)
}

// checkString checks the length of a TypeString option's argument.
func checkString(o *OptionSpec, arg string) error {
	if o.Min != 0 && uint64(len(arg)) < o.Min {
		return fmt.Errorf("argument must have a minimum length of %d characters", o.Min)
	}
	if o.Max != 0 && uint64(len(arg)) > o.Max {
		return fmt.Errorf("argument must have a maximum length of %d characters", o.Max)
	}
	return nil
}

func parseMint(o *OptionSpec, arg string) (Range, error) {
	lmax := typeMax(o.Type)
	if o.Max != 0 && o.Max < lmax {
		lmax = o.Max
	}
	lmin := o.Min
	parts, nparts := splitColon(arg)
	if nparts > 2 {
		return Range{}, fmt.Errorf("Too many components for option \"--%s\" (max: 2)", o.Name)
	}
	r := Range{N: nparts}
	vals := [2]uint64{}
	for i, p := range parts[:nparts] {
		if p == "" {
			if i == 1 {
				vals[i] = lmax
			} else {
				vals[i] = lmin
			}
			continue
		}
		v, ok := ParseUint(p, 0, lmin, lmax)
		if !ok {
			return Range{}, fmt.Errorf("bad value for option \"--%s\" near \"%s\", or out of range (%d-%d)", o.Name, p, lmin, lmax)
		}
		vals[i] = v
		lmin = v
	}
	r.Lo = vals[0]
	r.Hi = vals[0]
	if nparts == 2 {
		r.Hi = vals[1]
	}
	return r, nil
}

// ParseMarkMask parses "value[/mask]" like xtables_parse_mark_mask: the mask
// defaults to 0xffffffff.
func ParseMarkMask(arg string) (ValueMask, error) {
	val, mask, has := arg, "", false
	if i := strings.IndexByte(arg, '/'); i >= 0 {
		val, mask, has = arg[:i], arg[i+1:], true
	}
	v, ok := ParseUint(val, 0, 0, math.MaxUint32)
	if !ok {
		return ValueMask{}, fmt.Errorf("Bad mark value \"%s\"", arg)
	}
	m := uint64(math.MaxUint32)
	if has {
		m, ok = ParseUint(mask, 0, 0, math.MaxUint32)
		if !ok {
			return ValueMask{}, fmt.Errorf("Bad mask \"%s\"", arg)
		}
	}
	return ValueMask{Value: v, Mask: m, HasMask: has}, nil
}

var tosSymbols = []struct {
	Name  string
	Value uint64
}{
	{"Minimize-Delay", 0x10}, {"Maximize-Throughput", 0x08},
	{"Maximize-Reliability", 0x04}, {"Minimize-Cost", 0x02},
	{"Normal-Service", 0x00},
}

func parseTOSMask(o *OptionSpec, arg string) (ValueMask, error) {
	first := arg
	if i := strings.IndexByte(arg, '/'); i >= 0 {
		first = arg[:i]
	}
	if _, ok := ParseUint(first, 0, 0, math.MaxUint8); ok {
		vm := ValueMask{Mask: math.MaxUint8}
		v, _ := ParseUint(first, 0, 0, math.MaxUint8)
		vm.Value = v
		if first != arg {
			m, ok := ParseUint(arg[len(first)+1:], 0, 0, math.MaxUint8)
			if !ok {
				return ValueMask{}, fmt.Errorf("Illegal value: \"%s\"", arg)
			}
			vm.Mask, vm.HasMask = m, true
		}
		return vm, nil
	}
	for _, s := range tosSymbols {
		if strings.EqualFold(s.Name, arg) {
			return ValueMask{Value: s.Value, Mask: o.Max}, nil
		}
	}
	return ValueMask{}, fmt.Errorf("Symbolic name \"%s\" is unknown", arg)
}

var syslogLevels = lazy.Of[map[string]uint8]{New: func() map[string]uint8 {
	return map[string]uint8{
		"alert": 1, "crit": 2, "debug": 7, "emerg": 0, "error": 3,
		"info": 6, "notice": 5, "panic": 0, "warning": 4,
	}
}}

// ParseSyslogLevel parses a level name or number 0..7.
func ParseSyslogLevel(arg string) (uint8, error) {
	if v, ok := ParseUint(arg, 0, 0, 7); ok {
		return uint8(v), nil
	}
	if v, ok := syslogLevels.Get()[arg]; ok {
		return v, nil
	}
	return 0, fmt.Errorf("log level \"%s\" unknown", arg)
}

// ParsePort parses a port number or service name.
func ParsePort(arg string) (uint16, bool) {
	if v, ok := ParseUint(arg, 10, 0, math.MaxUint16); ok && !strings.HasPrefix(arg, "+") {
		return uint16(v), true
	}
	return ServicePort(arg)
}

// splitColon splits s at its first colon, and reports how many parts
// strings.Split(s, ":") would give.
func splitColon(s string) (parts [2]string, n int) {
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return [2]string{s}, 1
	}
	return [2]string{s[:i], s[i+1:]}, 2 + strings.Count(s[i+1:], ":")
}

// ParsePortRange parses "port[:port]" like xtopt_parse_mport.
func ParsePortRange(arg string) (PortRange, error) {
	r := PortRange{Lo: 0, Hi: math.MaxUint16}
	parts, nparts := splitColon(arg)
	if nparts > 2 {
		return r, fmt.Errorf("too many components in port range \"%s\"", arg)
	}
	prev := 0
	for i, p := range parts[:nparts] {
		if p == "" {
			continue
		}
		v, ok := ParsePort(p)
		if !ok {
			return r, fmt.Errorf("Port \"%s\" does not resolve to anything", p)
		}
		if int(v) < prev {
			return r, fmt.Errorf("Port range %d-%d is negative", prev, v)
		}
		prev = int(v)
		if i == 0 {
			r.Lo = v
		} else {
			r.Hi = v
		}
	}
	r.N = nparts
	if r.N == 1 {
		r.Hi = r.Lo
	}
	return r, nil
}

// ParseHost parses a single numeric address of the family. Host names are
// an error: ipt2nft never resolves names at translation time.
func ParseHost(arg string, fam Family) (netip.Addr, error) {
	if fam != FamilyIPv6 {
		if a, ok := numericToIPv4(arg, false); ok {
			return a, nil
		}
		if fam == FamilyIPv4 {
			return netip.Addr{}, fmt.Errorf("host/network `%s' not found: host names are not resolved (use a numeric address)", arg)
		}
	}
	a, err := netip.ParseAddr(arg)
	if err != nil || a.Zone() != "" || !a.Is6() {
		return netip.Addr{}, fmt.Errorf("host/network `%s' not found: host names are not resolved (use a numeric address)", arg)
	}
	return a, nil
}

// numericToIPv4 is libxtables' __numeric_to_ipaddr: up to four dot
// separated bytes, each parsed like strtoul with base 0 (so "010" is octal).
// A short address is a network address: "10.1" is 10.1.0.0. Masks must
// have all four bytes.
func numericToIPv4(s string, isMask bool) (netip.Addr, bool) {
	if a, ok := DottedQuad(s); ok {
		return a, true
	}
	if len(s) > 19 {
		s = s[:19]
	}
	var b [4]byte
	// the parts of strings.SplitN(s, ".", 4)
	var parts [4]string
	n := 0
	for ; n < 3; n++ {
		i := strings.IndexByte(s, '.')
		if i < 0 {
			break
		}
		parts[n], s = s[:i], s[i+1:]
	}
	parts[n] = s
	n++
	if isMask && n != 4 {
		return netip.Addr{}, false
	}
	for i, p := range parts[:n] {
		v, ok := ParseUint(p, 0, 0, 255)
		if !ok {
			return netip.Addr{}, false
		}
		b[i] = byte(v)
	}
	return netip.AddrFrom4(b), true
}

// DottedQuad reads the common form of an IPv4 address, four decimal
// bytes without leading zeros ("192.0.2.1"), for which numericToIPv4
// (and netip.ParseAddr) gives the same address; it reports !ok for any
// other string, which numericToIPv4 then reads: some 160 instructions
// an address (dottedQuad32), against netip's 390.
func DottedQuad(s string) (netip.Addr, bool) {
	v, ok := dottedQuad32(s)
	if !ok {
		return netip.Addr{}, false
	}
	return addrFrom32(v), true
}

// dottedQuad32 is dottedQuad's address as a number, for oneIPv4 to
// mask without going through netip: on amd64 dottedQuad16 where it may
// read sixteen bytes from the address's start, else dottedQuadWords.

// dottedQuadWords is dottedQuad32 without SIMD. An address of 8 to 15
// bytes (the common ones) is read as two 8-byte words, the first and
// the last eight bytes (overlapping), for a fraction of the instructions
// of reading it byte by byte.
func dottedQuadWords(s string) (uint32, bool) {
	n := len(s)
	if n < 8 || n > 15 {
		if n == 7 { // "1.2.3.4"
			a, b, c, d := s[0]-'0', s[2]-'0', s[4]-'0', s[6]-'0'
			if a > 9 || b > 9 || c > 9 || d > 9 || s[1] != '.' || s[3] != '.' || s[5] != '.' {
				return 0, false
			}
			return uint32(a)<<24 | uint32(b)<<16 | uint32(c)<<8 | uint32(d), true
		}
		return 0, false // "0.0.0.0" to "255.255.255.255"
	}
	const (
		tops = 0x80 * ones
		lows = 0x7f * ones
	)
	// digits become their values, '.' 0x1e
	lo, hi := strword.Load64(s)^'0'*ones, strword.Load64(s[n-8:])^'0'*ones
	// the top bit of each byte that is not a digit (above 9), and of
	// each that is a '.' (0 after ^0x1e)
	notDigitLo := ((lo & lows) + (0x80-10)*ones | lo) & tops
	notDigitHi := ((hi & lows) + (0x80-10)*ones | hi) & tops
	uLo, uHi := lo^0x1e*ones, hi^0x1e*ones
	dotLo := ^((uLo & lows) + lows | uLo) & tops
	dotHi := ^((uHi & lows) + lows | uHi) & tops
	if notDigitLo != dotLo || notDigitHi != dotHi {
		return 0, false // a byte neither a digit nor a '.'
	}
	// dots has bit i set for a '.' at s[i] (the top bits gathered by
	// a multiply; the words overlap in s[n-8:8])
	const gather = 0x0002040810204081
	dots := uint32(dotLo*gather>>56) | uint32(dotHi*gather>>56)<<uint(n-8)
	p1 := bits.TrailingZeros32(dots)
	dots &= dots - 1
	p2 := bits.TrailingZeros32(dots)
	dots &= dots - 1
	p3 := bits.TrailingZeros32(dots)
	if dots&(dots-1) != 0 {
		return 0, false // more than three dots
	}
	// The bytes of each field: with three dots 0 to 14, with fewer
	// (p3 32) l4&15 is 7 to 14; fieldLeast rejects all but 1 to 3.
	l1, l2, l3, l4 := p1&15, (p2-p1-1)&15, (p3-p2-1)&15, (n-p3-1)&15
	// The three bytes up to the end of each field, hundreds in the low
	// byte, and the field's bytes of them (fields 1 and 2 end by s[7],
	// 3 and 4 after s[n-9]), two fields to a word, the first in the high
	// half.
	f12 := lo<<((64-8*p1)&63)>>40&fieldBytes[l1]<<32 | lo<<((64-8*p2)&63)>>40&fieldBytes[l2]
	f34 := hi<<((8*(n-p3))&63)>>40&fieldBytes[l3]<<32 | hi>>40&fieldBytes[l4]
	v12, v34 := threeDigits2(f12), threeDigits2(f34)
	// Each field at most 255, and at least fieldLeast: one of more than
	// one digit starts with a non-zero one ("01" is octal: left to
	// numericToIPv4); the top bit of each half stays set unless the half
	// is less than its least.
	const halfTops = 1<<31 | 1<<63
	least12 := fieldLeast[l1]<<32 | fieldLeast[l2]
	least34 := fieldLeast[l3]<<32 | fieldLeast[l4]
	if (v12|v34)&^(0xff|0xff<<32) != 0 || ((v12|halfTops)-least12)&((v34|halfTops)-least34)&halfTops != halfTops {
		return 0, false
	}
	// fields 1 to 4 in bytes 6, 2, 4 and 0 of v
	v := v12<<16 | v34
	return uint32(v | v>>24), true
}

// fieldBytes keeps, of the three bytes before the end of a field of
// dottedQuad32, those of a field of n bytes.
var fieldBytes = [16]uint64{1: 0xff0000, 2: 0xffff00, 3: 0xffffff}

// fieldLeast is the least value of a field of dottedQuad32 of n digits
// (that does not start with a 0); above any field for other n.
var fieldLeast = [16]uint64{0x400, 0, 10, 100, 0x400, 0x400, 0x400, 0x400, 0x400, 0x400, 0x400, 0x400, 0x400, 0x400, 0x400, 0x400}

// threeDigits2 is the numbers of three digit values in each 32-bit half
// of f, the first (hundreds) in its low byte.
func threeDigits2(f uint64) uint64 {
	const low = 0xff | 0xff<<32
	return f&low*100 + f>>8&low*10 + f>>16&low
}

// addrFrom32 is the IPv4 address of a, most significant byte first.
// The bytes go through memory, where AddrFrom4's reads of them combine
// into one: split and joined in registers they took 16 instructions.
func addrFrom32(a uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], a)
	return netip.AddrFrom4(b)
}

// ParsePlen parses a prefix length or a dotted (possibly non-contiguous) mask.
func ParsePlen(arg string, fam Family) (Plen, error) {
	maxBits := 32
	if fam == FamilyIPv6 {
		maxBits = 128
	}
	if v, ok := ParseUint(arg, 0, 0, uint64(maxBits)); ok {
		return Plen{Bits: int(v), Mask: prefixMask(int(v), maxBits)}, nil
	}
	if maxBits == 32 {
		if m, ok := numericToIPv4(arg, true); ok {
			return Plen{Bits: maskBits(m), Mask: m}, nil
		}
	} else if m, err := netip.ParseAddr(arg); err == nil && m.Is6() && m.Zone() == "" {
		return Plen{Bits: maskBits(m), Mask: m}, nil
	}
	return Plen{}, fmt.Errorf("invalid mask `%s' specified", arg)
}

// ParseAddrMask parses "addr[/mask]" where mask is a prefix length or a
// dotted mask. Without a mask the full host mask is used.
func ParseAddrMask(arg string, fam Family) (AddrMask, error) {
	addr, mask := arg, ""
	if i := strings.IndexByte(arg, '/'); i >= 0 {
		addr, mask = arg[:i], arg[i+1:]
	}
	a, err := ParseHost(addr, fam)
	if err != nil {
		return AddrMask{}, err
	}
	maxBits := a.BitLen()
	if mask == "" {
		if strings.Contains(arg, "/") {
			return AddrMask{}, fmt.Errorf("invalid mask `%s' specified", mask)
		}
		return AddrMask{Addr: a, Mask: prefixMask(maxBits, maxBits), Bits: maxBits}, nil
	}
	p, err := ParsePlen(mask, fam)
	if err != nil {
		return AddrMask{}, err
	}
	return AddrMask{Addr: a, Mask: p.Mask, Bits: p.Bits}, nil
}

func prefixMask(n, maxBits int) netip.Addr {
	switch {
	case maxBits == 32 && 0 <= n && n <= 32:
		return prefixMasks4[n]
	case maxBits == 128 && 0 <= n && n <= 128:
		return prefixMasks6[n]
	}
	return makePrefixMask(n, maxBits)
}

// prefixMasks4 and prefixMasks6 are the masks of every prefix length.
// They are filled in place by an init function: returned by a function
// from a variable's initializer, the 3.9 KB of the two arrays went
// through the package init's stack frame, which then needed more than
// the 8 KB stack the main goroutine has by then (growing it walks and
// copies the stack, and faults in pages of a new stack size's span).
// No package-level initializer parses an address.
var (
	prefixMasks4 [33]netip.Addr
	prefixMasks6 [129]netip.Addr
)

func init() {
	for n := range prefixMasks4 {
		prefixMasks4[n] = makePrefixMask(n, 32)
	}
	for n := range prefixMasks6 {
		prefixMasks6[n] = makePrefixMask(n, 128)
	}
}

// makePrefixMask is the mask of the first n bits of an IPv4 address
// (maxBits 32) or an IPv6 one, n clamped to the address's size. It
// shifts words rather than setting bit by bit: it fills the mask tables
// of every process at start-up.
func makePrefixMask(n, maxBits int) netip.Addr {
	ones := ^uint64(0)
	if maxBits == 32 {
		n = min(max(n, 0), 32)
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(ones<<(64-n)>>32))
		return netip.AddrFrom4(b)
	}
	n = min(max(n, 0), 128)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], ones<<(64-min(n, 64)))
	binary.BigEndian.PutUint64(b[8:], ones<<(128-max(n, 64)))
	return netip.AddrFrom16(b)
}

// maskBits returns the prefix length of a contiguous mask, or -1.
func maskBits(m netip.Addr) int {
	b := m.AsSlice()
	n := 0
	seenZero := false
	for _, x := range b {
		if seenZero && x != 0 {
			return -1
		}
		ones := bits.LeadingZeros8(^x)
		if ones < 8 {
			if x<<ones != 0 {
				return -1
			}
			seenZero = true
		}
		n += ones
	}
	return n
}

func andAddr(a, m netip.Addr) netip.Addr {
	if a.Is4() && m.Is4() {
		x, y := a.As4(), m.As4()
		for i := range x {
			x[i] &= y[i]
		}
		return netip.AddrFrom4(x)
	}
	x, y := a.AsSlice(), m.AsSlice()
	if len(x) != len(y) {
		return a
	}
	for i := range x {
		x[i] &= y[i]
	}
	r, _ := netip.AddrFromSlice(x)
	return r
}

// ParseMAC parses "xx:xx:xx:xx:xx:xx" (one or two hex digits per byte).
func ParseMAC(s string) (MAC, bool) {
	var m MAC
	if strings.Count(s, ":") != 5 {
		return m, false
	}
	for i := range m {
		p := s
		if j := strings.IndexByte(s, ':'); j >= 0 {
			p, s = s[:j], s[j+1:]
		}
		if len(p) == 0 || len(p) > 2 {
			return m, false
		}
		v, err := strconv.ParseUint(p, 16, 8)
		if err != nil {
			return m, false
		}
		m[i] = byte(v)
	}
	return m, true
}

func parseMACMask(arg string) (MACMask, error) {
	mm := MACMask{Mask: MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	addr, mask := arg, ""
	if i := strings.IndexByte(arg, '/'); i >= 0 {
		addr, mask = arg[:i], arg[i+1:]
	}
	var ok bool
	if mm.Addr, ok = ParseMAC(addr); !ok {
		return mm, fmt.Errorf("Invalid MAC/mask address specified")
	}
	if mask != "" {
		if mm.Mask, ok = ParseMAC(mask); !ok {
			return mm, fmt.Errorf("Invalid MAC/mask address specified")
		}
	}
	return mm, nil
}
