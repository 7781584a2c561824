package shim

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

// ipset elements as text. An element given on the command line or in a
// restore file is parsed for the set's type and written the way ipset
// lists it ("10.0.0.0/8,tcp:22"); ranges in a dimension that holds
// single values (hash:ip 10.0.0.0/30, hash:ip,port 1.2.3.4,tcp:80-82)
// are expanded into one element each, as ipset does; a range of
// addresses in a net dimension becomes the networks that cover it.
// Elements read back from the kernel are written the same way, so an
// element is found by its text.

// errOutOfRange is the kernel's refusal of a port outside a bitmap's
// range.
const errOutOfRange = "Element is out of the range of the set"

// maxExpand bounds the elements one argument expands into.
const maxExpand = 1 << 16

// ipsetErr is an ipset failure: its message (after "ipset v7.17: ") and
// exit status.
type ipsetErr struct {
	code int
	msg  string
}

// bareErr is a failure printed without "ipset vX: " (test's "is NOT in
// set"), exit status 1.
type bareErr struct{ msg string }

func (e *bareErr) Error() string { return e.msg }

func (e *ipsetErr) Error() string { return e.msg }

func syntaxErr(format string, args ...any) error {
	return &ipsetErr{1, "Syntax error: " + fmt.Sprintf(format, args...)}
}

// ipsetKind is what each dimension of a set type holds.
func ipsetKinds(typ string) []string {
	kind, dims, _ := strings.Cut(typ, ":")
	out := strings.Split(dims, ",")
	if kind == "bitmap" {
		for i, d := range out {
			if d == "port" {
				out[i] = "bport"
			}
		}
	}
	return out
}

// expandElem parses one element argument of set s into the texts of the
// elements it stands for.
func expandElem(s *iptparse.IPSet, arg string) ([]string, error) {
	kinds := ipsetKinds(s.Type)
	parts := strings.Split(arg, ",")
	if len(parts) < len(kinds) {
		ord := []string{"", "Second", "Third", "Fourth"}
		return nil, syntaxErr("%s element is missing from %s.", ord[min(len(parts), 3)], arg)
	}
	if len(parts) > len(kinds) {
		return nil, syntaxErr("Elem separator in %s, but settype %s supports none.", arg, s.Type)
	}
	out := []string{""}
	for i, k := range kinds {
		if err := plainAddr(s, i, k, parts[i]); err != nil {
			return nil, err
		}
		vals, err := expandDim(s, k, parts[i])
		if err != nil {
			return nil, err
		}
		var next []string
		for _, o := range out {
			for _, v := range vals {
				if o != "" {
					v = o + "," + v
				}
				next = append(next, v)
			}
		}
		if len(next) > maxExpand {
			return nil, &ipsetErr{1, "Hash is full, cannot add more elements"}
		}
		out = next
	}
	return out, nil
}

// plainAddr refuses what ipset's parser refuses in an address
// dimension: a range or network where a single address is wanted (an
// IPv6 address, the third dimension of hash:ip,port,ip), a range of
// IPv6 networks.
func plainAddr(s *iptparse.IPSet, i int, kind, p string) error {
	v6 := s.Family == iptparse.FamilyIPv6
	switch {
	case kind == "ip" && (v6 || s.Type == "hash:ip,port,ip" && i == 2):
		_, plen, cidr := strings.Cut(p, "/")
		if strings.Contains(p, "-") || cidr && plen != map[bool]string{true: "128", false: "32"}[v6] {
			return syntaxErr("plain IP address must be supplied: %s", p)
		}
	case kind == "net" && v6 && strings.Contains(p, "-"):
		return syntaxErr("IP address or IP/cidr must be specified: %s", p)
	}
	return nil
}

func addrFamilyName(fam iptparse.Family) string {
	if fam == iptparse.FamilyIPv6 {
		return "IPv6"
	}
	return "IPv4"
}

func parseIPSetAddr(s *iptparse.IPSet, p string) (netip.Addr, error) {
	a, err := iptparse.ParseHost(p, s.Family)
	if err != nil || (s.Family == iptparse.FamilyIPv4 && strings.Count(p, ".") != 3) {
		return netip.Addr{}, syntaxErr("cannot parse %s: resolving to %s address failed", p, addrFamilyName(s.Family))
	}
	return a, nil
}

func expandDim(s *iptparse.IPSet, kind, p string) ([]string, error) {
	switch kind {
	case "ip", "net":
		maxBits := 32
		if s.Family == iptparse.FamilyIPv6 {
			maxBits = 128
		}
		if lo, hi, ok := strings.Cut(p, "-"); ok && s.Family == iptparse.FamilyIPv4 {
			a, err := parseIPSetAddr(s, lo)
			if err != nil {
				return nil, err
			}
			b, err := parseIPSetAddr(s, hi)
			if err != nil {
				return nil, err
			}
			if b.Less(a) {
				a, b = b, a
			}
			if kind == "net" {
				return rangeToPrefixes(a, b), nil
			}
			return expandRange(a, b)
		}
		addr, plen, hasLen := strings.Cut(p, "/")
		a, err := parseIPSetAddr(s, addr)
		if err != nil {
			return nil, err
		}
		bits := maxBits
		if hasLen {
			n, err := strconv.Atoi(plen)
			if err != nil {
				return nil, syntaxErr("'%s' is invalid as number", plen)
			}
			if n < 0 || n > maxBits {
				return nil, syntaxErr("'%s' is out of range 0-%d", plen, maxBits)
			}
			if n == 0 {
				return nil, &ipsetErr{1, "The value of the CIDR parameter of the IP address is invalid"}
			}
			bits = n
		}
		pfx := netip.PrefixFrom(a, bits).Masked()
		if kind == "net" {
			return []string{prefixText(pfx)}, nil
		}
		if bits == maxBits {
			return []string{a.String()}, nil
		}
		if maxBits-bits > 16 {
			return nil, &ipsetErr{1, "Hash is full, cannot add more elements"}
		}
		return expandRange(pfx.Addr(), lastAddr(pfx))
	case "port", "bport":
		proto := "tcp"
		if pr, port, ok := strings.Cut(p, ":"); ok {
			proto, p = pr, port
		}
		lo, hi, isRange := strings.Cut(p, "-")
		a, ok := iptparse.ParsePort(lo)
		b := a
		bad := lo
		if ok && isRange {
			b, ok = iptparse.ParsePort(hi)
			bad = hi
		}
		if !ok {
			// ipset's three messages: the port as a number, the
			// protocol as a number, the port as a service
			why := fmt.Sprintf("'%s' is invalid as number", bad)
			if _, err := strconv.ParseUint(bad, 10, 64); err == nil {
				why = fmt.Sprintf("'%s' is out of range 0-65535", bad)
			}
			return nil, &ipsetErr{1, fmt.Sprintf("Syntax error: %s\nSyntax error: '%s' is invalid as number\ncannot parse '%s' as a %s port", why, proto, bad, proto)}
		}
		if b < a {
			a, b = b, a
		}
		if kind == "bport" {
			if proto != "tcp" && proto != "udp" {
				return nil, syntaxErr("cannot parse '%s' as a port", proto+":"+p)
			}
			rlo, rhi := bitmapRange(s)
			if a < rlo || b > rhi {
				return nil, &ipsetErr{1, errOutOfRange}
			}
		} else if _, ok := iptparse.ProtocolNumber(proto); !ok {
			return nil, syntaxErr("cannot parse '%s' as a protocol", proto)
		}
		var out []string
		for v := int(a); v <= int(b); v++ {
			if kind == "bport" {
				out = append(out, strconv.Itoa(v))
			} else {
				out = append(out, proto+":"+strconv.Itoa(v))
			}
		}
		return out, nil
	case "mac":
		m, ok := iptparse.ParseMAC(p)
		if !ok {
			return nil, syntaxErr("cannot parse %s as ethernet address", p)
		}
		return []string{strings.ToUpper(m.String())}, nil
	case "iface":
		if strings.HasPrefix(p, "physdev:") {
			return nil, &ipsetErr{1, "ipt2nft: physdev: interfaces (bridge ports) have no nftables equivalent in a set"}
		}
		if len(p) > 15 || p == "" {
			return nil, syntaxErr("Invalid interface name %s", p)
		}
		return []string{p}, nil
	}
	return nil, &ipsetErr{1, fmt.Sprintf("ipt2nft: ipset dimension %q is not supported", kind)}
}

// bitmapRange is a bitmap:port set's "range FROM-TO".
func bitmapRange(s *iptparse.IPSet) (uint16, uint16) {
	lo, hi, _ := strings.Cut(s.Options["range"], "-")
	a, _ := strconv.Atoi(lo)
	b, _ := strconv.Atoi(hi)
	return uint16(a), uint16(b)
}

func prefixText(p netip.Prefix) string {
	if p.Bits() == p.Addr().BitLen() {
		return p.Addr().String()
	}
	return p.String()
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func expandRange(a, b netip.Addr) ([]string, error) {
	var out []string
	for x := a; ; x = x.Next() {
		out = append(out, x.String())
		if len(out) > maxExpand {
			return nil, &ipsetErr{1, "Hash is full, cannot add more elements"}
		}
		if x == b {
			return out, nil
		}
	}
}

// rangeToPrefixes covers [a, b] with the fewest prefixes, as text.
func rangeToPrefixes(a, b netip.Addr) []string {
	var out []string
	for _, p := range translate.RangePrefixes(a, b) {
		out = append(out, prefixText(p))
	}
	return out
}

// Kernel keys back to text. Each field of a concatenation takes a
// multiple of 4 bytes; a single key its own size.

type keyField struct {
	kind string // ip, net, proto, port, mac, iface
	size int
}

func keyFields(s *iptparse.IPSet) []keyField {
	var out []keyField
	asz := 4
	if s.Family == iptparse.FamilyIPv6 {
		asz = 16
	}
	for _, k := range ipsetKinds(s.Type) {
		switch k {
		case "ip", "net":
			out = append(out, keyField{k, asz})
		case "port":
			out = append(out, keyField{"proto", 1}, keyField{"port", 2})
		case "bport":
			out = append(out, keyField{"port", 2})
		case "mac":
			out = append(out, keyField{"mac", 6})
		case "iface":
			out = append(out, keyField{"iface", 16})
		}
	}
	return out
}

// splitKey cuts a key into its fields.
func splitKey(fields []keyField, key []byte) ([][]byte, bool) {
	if len(fields) == 1 {
		if len(key) < fields[0].size {
			return nil, false
		}
		return [][]byte{key[:fields[0].size]}, true
	}
	var out [][]byte
	off := 0
	for _, f := range fields {
		if off+f.size > len(key) {
			return nil, false
		}
		out = append(out, key[off:off+f.size])
		off += (f.size + 3) &^ 3
	}
	return out, true
}

// elemText writes the element with the key [lo, hi] (hi == nil: a
// single key) as ipset lists it.
func elemText(s *iptparse.IPSet, lo, hi []byte) (string, bool) {
	fields := keyFields(s)
	a, ok := splitKey(fields, lo)
	if !ok {
		return "", false
	}
	b := a
	if hi != nil {
		if b, ok = splitKey(fields, hi); !ok {
			return "", false
		}
	}
	var parts []string
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		switch f.kind {
		case "ip", "net":
			x, _ := netip.AddrFromSlice(a[i])
			y, _ := netip.AddrFromSlice(b[i])
			if x == y {
				parts = append(parts, x.String())
				continue
			}
			ps := rangeToPrefixes(x, y)
			if len(ps) != 1 {
				parts = append(parts, x.String()+"-"+y.String())
			} else {
				parts = append(parts, ps[0])
			}
		case "proto":
			name := iptparse.ProtocolName(a[i][0])
			if name == "" {
				name = strconv.Itoa(int(a[i][0]))
			}
			i++
			parts = append(parts, name+":"+strconv.Itoa(int(binary.BigEndian.Uint16(a[i]))))
		case "port":
			parts = append(parts, strconv.Itoa(int(binary.BigEndian.Uint16(a[i]))))
		case "mac":
			m := a[i]
			parts = append(parts, strings.ToUpper(fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])))
		case "iface":
			parts = append(parts, strings.TrimRight(string(a[i]), "\x00"))
		}
	}
	return strings.Join(parts, ","), true
}

// kElem is a set element as the kernel lists it.
type kElem struct {
	Key, KeyEnd []byte
	End         bool
	Timeout     uint64 // ms
	Expires     uint64 // ms
	HasTimeout  bool
	Comment     string
	Counter     bool
	Packets     uint64
	Bytes       uint64
}

// pairIntervals turns the start and end elements of an interval set
// (not a concatenation) into elements with KeyEnd (inclusive).
func pairIntervals(es []*kElem) []*kElem {
	sort.SliceStable(es, func(i, j int) bool {
		if c := compareBytes(es[i].Key, es[j].Key); c != 0 {
			return c < 0
		}
		return es[i].End && !es[j].End // an end before a start at the same key
	})
	var out []*kElem
	for i := 0; i < len(es); i++ {
		e := es[i]
		if e.End {
			continue
		}
		if i+1 < len(es) && es[i+1].End {
			e.KeyEnd = decBytes(es[i+1].Key)
			i++
		} else {
			e.KeyEnd = make([]byte, len(e.Key))
			for j := range e.KeyEnd {
				e.KeyEnd[j] = 0xff
			}
		}
		out = append(out, e)
	}
	return out
}

func compareBytes(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

func decBytes(b []byte) []byte {
	r := append([]byte(nil), b...)
	for i := len(r) - 1; i >= 0; i-- {
		r[i]--
		if r[i] != 0xff {
			break
		}
	}
	return r
}

// elemDisplay is an element argument as ipset prints it after parsing
// ("is in set", "is NOT in set"): addresses written canonically, with
// their CIDR unless it is the full length (the address is not masked),
// ports with their protocol (tcp unless given) and as numbers, a
// bitmap:port port without one, an interface without "physdev:". The
// argument has been parsed by expandElem already.
func elemDisplay(s *iptparse.IPSet, arg string) string {
	kinds := ipsetKinds(s.Type)
	parts := strings.Split(arg, ",")
	if len(parts) != len(kinds) {
		return arg
	}
	addr := func(p string) string {
		if a, err := parseIPSetAddr(s, p); err == nil {
			return a.String()
		}
		return p
	}
	port := func(p string) string {
		if v, ok := iptparse.ParsePort(p); ok {
			return strconv.Itoa(int(v))
		}
		return p
	}
	for i, k := range kinds {
		p := parts[i]
		switch k {
		case "ip", "net":
			if lo, hi, ok := strings.Cut(p, "-"); ok {
				p = addr(lo) + "-" + addr(hi)
			} else if a, n, ok := strings.Cut(p, "/"); ok {
				p = addr(a)
				if bits, err := strconv.Atoi(n); err != nil || bits != map[bool]int{true: 128, false: 32}[s.Family == iptparse.FamilyIPv6] {
					p += "/" + n
				}
			} else {
				p = addr(p)
			}
		case "port", "bport":
			proto := "tcp"
			if pr, rest, ok := strings.Cut(p, ":"); ok {
				proto, p = pr, rest
			}
			if lo, hi, ok := strings.Cut(p, "-"); ok {
				p = port(lo) + "-" + port(hi)
			} else {
				p = port(p)
			}
			if k == "port" {
				p = proto + ":" + p
			}
		case "iface":
			p = strings.TrimPrefix(p, "physdev:")
		}
		parts[i] = p
	}
	return strings.Join(parts, ",")
}
