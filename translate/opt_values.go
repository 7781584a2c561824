package translate

import (
	"encoding/binary"
	"math"
	"net/netip"
	"strings"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Values and selectors the set and map passes may combine.

// mergeableSelector reports whether rules comparing this selector for
// equality may be combined into a set or map. Bitmask selectors (tcp flags,
// ct state) are excluded: in nft "tcp flags syn" tests a bit, while
// "tcp flags { syn, ack }" compares the whole value.
func mergeableSelector(e ir.Expr) bool {
	switch e := e.(type) {
	case *ir.Payload:
		// by protocol, then field: no string is built for the pair (the
		// passes ask this of every match of every rule)
		switch e.Proto {
		case "ip":
			switch e.Field {
			case "saddr", "daddr", "protocol", "dscp":
				return true
			}
		case "ip6":
			switch e.Field {
			case "saddr", "daddr", "dscp":
				return true
			}
		case "tcp", "udp", "sctp", "dccp", "udplite", "th":
			return e.Field == "sport" || e.Field == "dport"
		case "icmp", "icmpv6":
			return e.Field == "type" || e.Field == "code"
		case "ether":
			return e.Field == "saddr" || e.Field == "daddr"
		case "ah", "esp":
			return e.Field == "spi"
		}
	case *ir.Meta:
		switch e.Key {
		case "l4proto", "nfproto", "iifname", "oifname", "iif", "oif", "mark", "skuid", "skgid",
			"pkttype", "iifgroup", "oifgroup", "cpu", "length", "protocol":
			return true
		}
	case *ir.Ct:
		switch e.Key {
		case "mark", "saddr", "daddr", "proto-src", "proto-dst", "protocol", "zone":
			return true
		}
	case *ir.Fib:
		// address types (addrtype --src-type/--dst-type): one value each
		return e.Result == "type"
	}
	return false
}

// interval is the range of values an element covers, as comparable
// keys: a type tag and the value.
type interval struct {
	lo, hi ikey // tag 0 for non-numeric values
	// text is a non-numeric value's text, or for an interface name
	// ending in '*' (which covers every name that starts with the rest)
	// globMark and that prefix: one string for both keeps an interval
	// at 64 bytes instead of 80 (the sets pass holds one per selector
	// of every rule it looks at). No name or symbol holds a NUL byte.
	text string
}

// globMark starts the text of an interval that is a name prefix.
const globMark = '\x00'

// exactInterval is the name or symbol s.
func exactInterval(s string) interval { return interval{text: s} }

// globInterval is every name starting with p. An empty p stays the
// empty name, as a lone "*" always was here.
func globInterval(p string) interval {
	if p == "" {
		return interval{}
	}
	return interval{text: string(globMark) + p}
}

// prefix is the name prefix a glob covers, "" for other values.
func (x *interval) prefix() string {
	if len(x.text) > 0 && x.text[0] == globMark {
		return x.text[1:]
	}
	return ""
}

// exact is a non-numeric value's text, "" for a glob.
func (x *interval) exact() string {
	if len(x.text) > 0 && x.text[0] == globMark {
		return ""
	}
	return x.text
}

// ikey is a numeric value with its type tag ('n' integer, '4' and '6'
// addresses, 'e' ethernet address): keys order as the tag, then the
// value, a value's big-endian bytes being hi then lo. Keys with the same
// tag have values of the same width.
type ikey struct {
	tag    byte
	hi, lo uint64
}

// numeric reports whether an interval holds numeric keys.
func (x *interval) numeric() bool { return x.lo.tag != 0 }

// cmpKey compares two keys as their tag and big-endian bytes.
func cmpKey(a, b ikey) int {
	switch {
	case a.tag != b.tag:
		if a.tag < b.tag {
			return -1
		}
		return 1
	case a.hi != b.hi:
		if a.hi < b.hi {
			return -1
		}
		return 1
	case a.lo != b.lo:
		if a.lo < b.lo {
			return -1
		}
		return 1
	}
	return 0
}

// keyLE is cmpKey(a, b) <= 0, in a form the compiler inlines: the
// interval comparisons of the sets and shadow passes make it millions of
// times on big rulesets.
func keyLE(a, b ikey) bool {
	if a.tag != b.tag {
		return a.tag < b.tag
	}
	if a.hi != b.hi {
		return a.hi < b.hi
	}
	return a.lo <= b.lo
}

func u64Key(tag byte, v uint64) ikey { return ikey{tag: tag, lo: v} }

func addrKey(a netip.Addr) ikey {
	b := a.As16()
	tag := byte('6')
	if a.Is4() {
		tag = '4'
	}
	return ikey{tag: tag, hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:])}
}

// valueInterval describes a plain value; ok is false for anything the
// passes do not combine.
func valueInterval(e ir.Expr) (interval, bool) {
	switch e := e.(type) {
	case *ir.Integer:
		k := u64Key('n', e.Value)
		return interval{lo: k, hi: k}, true
	case *ir.Addr:
		k := addrKey(e.Addr)
		return interval{lo: k, hi: k}, true
	case *ir.Prefix:
		p := e.Prefix.Masked()
		last := lastAddr(p)
		return interval{lo: addrKey(p.Addr()), hi: addrKey(last)}, true
	case *ir.Range:
		lo, ok1 := valueInterval(e.Lo)
		hi, ok2 := valueInterval(e.Hi)
		if !ok1 || !ok2 || !lo.numeric() || !hi.numeric() || lo.lo.tag != hi.hi.tag {
			return interval{}, false
		}
		return interval{lo: lo.lo, hi: hi.hi}, true
	case *ir.EtherAddr:
		var v uint64
		for _, c := range e.Addr {
			v = v<<8 | uint64(c)
		}
		k := u64Key('e', v)
		return interval{lo: k, hi: k}, true
	case *ir.String:
		if strings.HasSuffix(e.Value, "*") && !strings.HasSuffix(e.Value, `\*`) {
			return globInterval(strings.TrimSuffix(e.Value, "*")), true
		}
		return exactInterval(strings.ReplaceAll(e.Value, `\*`, "*")), true
	case *ir.Symbol:
		return exactInterval("sym:" + e.Name), true
	case *ir.FlagList:
		// The flags under a mask (maskedFlags): a value each.
		return exactInterval("flags:" + strings.Join(e.Flags, ",")), true
	}
	return interval{}, false
}

// maskedFlags reports whether e is TCP flags under a mask ("tcp flags &
// (fin | syn | rst | ack)"), as --tcp-flags tests them: rules comparing
// it with different values merge into a set ("tcp flags & (...) == {
// fin | syn, 0x0 }"), one selector alone (no concatenation) and with the
// values as TCPFlagsExpr writes them, a flag list or 0x0, so that equal
// values are written alike.
func maskedFlags(e ir.Expr) bool {
	b, ok := e.(*ir.Binary)
	if !ok || b.Op != ir.OpAnd {
		return false
	}
	p, ok := b.Left.(*ir.Payload)
	_, mask := b.Right.(*ir.FlagList)
	return ok && mask && p.Proto == "tcp" && p.Field == "flags"
}

// setSelector reports whether the sets pass merges rules comparing e for
// equality: a mergeable selector, or masked TCP flags.
func setSelector(e ir.Expr) bool { return mergeableSelector(e) || maskedFlags(e) }

// lastAddr is the last address of the valid prefix p (without a zone):
// its host bits are set a word at a time (a bit at a time was 1.9 M
// instructions of the mixed 20,000-rule dump, 64 steps an IPv6 /64).
func lastAddr(p netip.Prefix) netip.Addr {
	a, bits := p.Addr(), p.Bits()
	if a.Is4() {
		b := a.As4()
		binary.BigEndian.PutUint32(b[:], binary.BigEndian.Uint32(b[:])|math.MaxUint32>>bits)
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	if bits < 64 {
		hi, lo = hi|math.MaxUint64>>bits, math.MaxUint64
	} else {
		lo |= math.MaxUint64 >> (bits - 64)
	}
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	return netip.AddrFrom16(b)
}

// overlap reports whether two values can match the same packet.
func overlap(a, b interval) bool {
	switch {
	case a.numeric() && b.numeric():
		return keyLE(a.lo, b.hi) && keyLE(b.lo, a.hi)
	case a.numeric() || b.numeric():
		return false // different kinds of value never meet
	}
	ap, bp := a.prefix(), b.prefix()
	switch {
	case ap == "" && bp == "":
		return a.text == b.text
	case ap == "":
		return strings.HasPrefix(a.text, bp)
	case bp == "":
		return strings.HasPrefix(b.text, ap)
	}
	return strings.HasPrefix(ap, bp) || strings.HasPrefix(bp, ap)
}

// elements lists the values of a match's right side (a value or a set).
func elements(e ir.Expr) []ir.Expr {
	if s, ok := e.(*ir.SetLit); ok {
		return s.Elems
	}
	return []ir.Expr{e}
}

// bareValue strips element attributes.
func bareValue(e ir.Expr) ir.Expr {
	if el, ok := e.(*ir.Elem); ok {
		return el.Key
	}
	return e
}

// plainValues reports whether every element of a match's right side is a
// value the passes understand, and returns their intervals.
func plainValues(e ir.Expr) ([]interval, bool) {
	var out []interval
	if s, ok := e.(*ir.SetLit); ok && len(s.Elems) > 0 {
		out = make([]interval, 0, len(s.Elems))
	}
	for _, el := range elements(e) {
		iv, ok := valueInterval(bareValue(el))
		if !ok {
			return nil, false
		}
		out = append(out, iv)
	}
	return out, true
}

// plainValuesIn is plainValues for values used at once: a single value's
// interval is put in one, not in a new slice (a verdict map's keys, one
// a rule: the dispatch dump's 4,000 took some 500 instructions each).
func plainValuesIn(e ir.Expr, one *[1]interval) ([]interval, bool) {
	if _, ok := e.(*ir.SetLit); ok {
		return plainValues(e)
	}
	iv, ok := valueInterval(bareValue(e))
	if !ok {
		return nil, false
	}
	one[0] = iv
	return one[:], true
}

// anyOverlap reports whether a value of b overlaps one of a.
func anyOverlap(a, b []interval) bool {
	for _, x := range a {
		for _, y := range b {
			if overlap(x, y) {
				return true
			}
		}
	}
	return false
}
