package translate

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// ipsets given with --ipset become named nft sets of the right type, with
// their elements, timeouts, counters and comments; -m set and -j SET refer
// to them.

// AddIPSets makes the sets of an "ipset save" file known to the
// translation. Sets are declared in the output when a rule uses them, or
// all of them with DeclareAllIPSets.
func (t *Translator) AddIPSets(f *iptparse.IPSetFile) {
	for _, e := range f.Errors {
		t.diag(Diag{Pos: e.Pos, Kind: DiagError, Ext: e.Ext, Msg: e.Msg})
	}
	for _, w := range f.Warnings {
		t.diag(Diag{Pos: w.Pos, Kind: DiagWarning, Msg: w.Msg})
	}
	if t.ipsets == nil {
		t.ipsets = map[string]*iptparse.IPSet{}
	}
	for _, s := range f.Sets {
		if _, dup := t.ipsets[s.Name]; !dup {
			t.ipsetOrder = append(t.ipsetOrder, s.Name)
		}
		t.ipsets[s.Name] = s
	}
}

// declareIPSets puts every given ipset into the table of its family, so
// that tools adding to them (fail2ban, DOM) find them.
func (l *nativeLayout) declareIPSets() {
	for _, name := range l.t.ipsetOrder {
		s := l.t.ipsets[name]
		tbl := l.table(s.Family)
		nftName := ipsetNftName(name, l.t.opt.QuoteNames)
		if tbl.Set(nftName) != nil {
			continue
		}
		set, notes, err := ipsetToNft(s)
		if err != nil {
			l.t.diag(Diag{Pos: s.Pos, Kind: DiagUntranslated, Ext: "ipset " + name, Msg: err.Error()})
			continue
		}
		l.t.noteIPSet(s, notes)
		set.Name = nftName
		tbl.Sets = append(tbl.Sets, set)
	}
}

// noteIPSet reports, once per set, what ipsetToNft noted of it.
func (t *Translator) noteIPSet(s *iptparse.IPSet, notes []string) {
	if len(notes) == 0 {
		return
	}
	if t.ext == nil {
		t.ext = map[string]any{}
	}
	key := "ipset-noted/" + s.Name
	if _, done := t.ext[key]; done {
		return
	}
	t.ext[key] = true
	for _, n := range notes {
		t.diag(Diag{Pos: s.Pos, Kind: DiagNote, Ext: "ipset " + s.Name, Msg: n})
	}
}

// IPSet returns the definition of a named ipset, if one was given.
func (c *Ctx) IPSet(name string) *iptparse.IPSet { return c.tr.ipsets[name] }

// ipsetPart is one dimension of an ipset type as nft sees it.
type ipsetPart struct {
	kind  string   // ip, net, port, mac, mark, iface
	types []string // nft data types of its parts
}

func ipsetParts(s *iptparse.IPSet) ([]ipsetPart, error) {
	kindOf, _, _ := strings.Cut(s.Type, ":")
	addr := "ipv4_addr"
	if s.Family == iptparse.FamilyIPv6 {
		addr = "ipv6_addr"
	}
	var dims []ipsetPart
	for _, d := range s.Dims() {
		switch d {
		case "ip", "net":
			dims = append(dims, ipsetPart{d, []string{addr}})
		case "port":
			if kindOf == "bitmap" {
				dims = append(dims, ipsetPart{"bport", []string{"inet_service"}})
			} else {
				dims = append(dims, ipsetPart{d, []string{"inet_proto", "inet_service"}})
			}
		case "mac":
			dims = append(dims, ipsetPart{d, []string{"ether_addr"}})
		case "mark":
			dims = append(dims, ipsetPart{d, []string{"mark"}})
		case "iface":
			dims = append(dims, ipsetPart{d, []string{"ifname"}})
		default:
			return nil, fmt.Errorf("ipset type %s has no nftables equivalent", s.Type)
		}
	}
	return dims, nil
}

// IPSetToNft converts an ipset definition into a named nft set.
func IPSetToNft(s *iptparse.IPSet) (*ir.Set, error) {
	set, _, err := ipsetToNft(s)
	return set, err
}

// ipsetToNft is IPSetToNft, with notes on what the nft set does not
// keep as the ipset had it: nomatch elements folded into the intervals
// (ipset_nomatch.go), elements inside others left out
// (ipset_overlap.go), the elements' skbinfo.
func ipsetToNft(s *iptparse.IPSet) (*ir.Set, []string, error) {
	dims, err := ipsetParts(s)
	if err != nil {
		return nil, nil, err
	}
	var types []string
	for _, d := range dims {
		types = append(types, d.types...)
	}
	set := &ir.Set{Name: s.Name, Type: strings.Join(types, " . "), Origin: []iptparse.Pos{s.Pos}}
	interval := false
	for _, d := range dims {
		if d.kind == "net" {
			interval = true
		}
	}
	if v, ok := s.Options["timeout"]; ok {
		set.Flags = append(set.Flags, "timeout")
		if v != "0" {
			set.Timeout = v + "s"
		}
	}
	if v, ok := s.Options["maxelem"]; ok {
		if n, err := strconv.ParseUint(v, 10, 32); err == nil {
			set.Size = uint32(n)
		}
	}
	if _, ok := s.Options["counters"]; ok {
		set.Counter = true
	}
	var notes []string
	if n := skbinfoElements(s); n > 0 {
		notes = append(notes, fmt.Sprintf("the skbinfo (skbmark, skbprio, skbqueue) of %d element(s) is not kept: nft set elements hold no such data; only -j SET --map-set reads it, and that is untranslatable", n))
	}
	if el := firstNomatch(s); el != nil {
		f, err := foldNomatch(s, dims, set, el, false)
		if err != nil {
			return nil, nil, err
		}
		return set, append(notes, f.String()), nil
	}
	for _, el := range s.Elements {
		key, ranged, err := ipsetElement(dims, el.Value, s.Family)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: element %q: %v", el.Pos, el.Value, err)
		}
		interval = interval || ranged
		e := &ir.Elem{Key: key, Comment: el.Options["comment"]}
		if v, ok := el.Options["timeout"]; ok && v != "0" {
			e.Times = &ir.ElemTimes{Timeout: v + "s"}
		}
		if p, ok := el.Options["packets"]; ok {
			pk, _ := strconv.ParseUint(p, 10, 64)
			by, _ := strconv.ParseUint(el.Options["bytes"], 10, 64)
			e.Counter = &ir.Counter{Packets: pk, Bytes: by, HasValues: true}
		}
		if e.Comment == "" && e.Times == nil && e.Counter == nil {
			set.Elements = append(set.Elements, key)
		} else {
			set.Elements = append(set.Elements, e)
		}
	}
	if interval {
		set.Flags = append([]string{"interval"}, set.Flags...)
		if len(dims) == 1 && (dims[0].kind == "ip" || dims[0].kind == "net") {
			covered, err := dropCoveredElements(set)
			if err != nil {
				return nil, nil, err
			}
			if covered != "" {
				notes = append(notes, covered)
			}
		}
	}
	return set, notes, nil
}

// skbinfoElements counts the elements that carry skbinfo data.
func skbinfoElements(s *iptparse.IPSet) int {
	n := 0
	for _, el := range s.Elements {
		for _, o := range []string{"skbmark", "skbprio", "skbqueue"} {
			if _, ok := el.Options[o]; ok {
				n++
				break
			}
		}
	}
	return n
}

// ipsetElement parses one element ("10.0.0.0/8,tcp:80").
func ipsetElement(dims []ipsetPart, value string, fam iptparse.Family) (ir.Expr, bool, error) {
	parts := strings.Split(value, ",")
	if len(parts) != len(dims) {
		return nil, false, fmt.Errorf("want %d parts", len(dims))
	}
	var elems []ir.Expr
	ranged := false
	for i, d := range dims {
		p := parts[i]
		switch d.kind {
		case "ip", "net":
			e, r, err := ipsetAddr(p, fam, d.kind == "net")
			if err != nil {
				return nil, false, err
			}
			ranged = ranged || r
			elems = append(elems, e)
		case "port", "bport":
			proto := "tcp"
			if pr, port, ok := strings.Cut(p, ":"); ok {
				proto, p = pr, port
			}
			if proto != "tcp" && proto != "udp" && proto != "sctp" && proto != "udplite" {
				return nil, false, fmt.Errorf("protocol %q in an ipset port has no nftables equivalent here", proto)
			}
			lo, hi, isRange := strings.Cut(p, "-")
			a, ok1 := iptparse.ParsePort(lo)
			b := a
			ok2 := true
			if isRange {
				b, ok2 = iptparse.ParsePort(hi)
				ranged = true
			}
			if !ok1 || !ok2 {
				return nil, false, fmt.Errorf("bad port %q", p)
			}
			if d.kind == "port" {
				elems = append(elems, ir.Sym(proto))
			}
			elems = append(elems, intOrRange(uint64(a), uint64(b)))
		case "mac":
			m, ok := iptparse.ParseMAC(p)
			if !ok {
				return nil, false, fmt.Errorf("bad MAC address %q", p)
			}
			elems = append(elems, &ir.EtherAddr{Addr: m})
		case "mark":
			v, ok := iptparse.ParseUint(p, 0, 0, 1<<32-1)
			if !ok {
				return nil, false, fmt.Errorf("bad mark %q", p)
			}
			elems = append(elems, ir.Hex(v))
		case "iface":
			if strings.HasPrefix(p, "physdev:") {
				return nil, false, fmt.Errorf("physdev interfaces have no nftables equivalent")
			}
			elems = append(elems, ir.Str(p))
		}
	}
	if len(elems) == 1 {
		return elems[0], ranged, nil
	}
	return &ir.Concat{Elems: elems}, ranged, nil
}

func ipsetAddr(p string, fam iptparse.Family, isNet bool) (ir.Expr, bool, error) {
	if lo, hi, ok := strings.Cut(p, "-"); ok {
		a, err1 := iptparse.ParseHost(lo, fam)
		b, err2 := iptparse.ParseHost(hi, fam)
		if err1 != nil || err2 != nil {
			return nil, false, fmt.Errorf("bad address range %q", p)
		}
		return &ir.Range{Lo: ir.IP(a), Hi: ir.IP(b)}, true, nil
	}
	am, err := iptparse.ParseAddrMask(p, fam)
	if err != nil {
		return nil, false, err
	}
	if am.Bits < 0 {
		return nil, false, fmt.Errorf("non-contiguous mask")
	}
	if am.Bits == am.Addr.BitLen() {
		return ir.IP(am.Addr), isNet, nil
	}
	return &ir.Prefix{Prefix: netip.PrefixFrom(am.Masked(), am.Bits)}, true, nil
}

// IPSetKey builds the lookup key of "-m set --match-set NAME FLAGS" for a
// known ipset: "ip saddr . meta l4proto . th dport" and so on.
func IPSetKey(s *iptparse.IPSet, flags []string, l3 string) (ir.Expr, error) {
	dims, err := ipsetParts(s)
	if err != nil {
		return nil, err
	}
	if len(flags) < len(dims) {
		return nil, fmt.Errorf("set %s has %d dimensions but the rule gives %d directions", s.Name, len(dims), len(flags))
	}
	var keys []ir.Expr
	for i, d := range dims {
		src := flags[i] == "src"
		pick := func(a, b string) string {
			if src {
				return a
			}
			return b
		}
		switch d.kind {
		case "ip", "net":
			keys = append(keys, &ir.Payload{Proto: l3, Field: pick("saddr", "daddr")})
		case "port":
			keys = append(keys, &ir.Meta{Key: "l4proto"}, &ir.Payload{Proto: "th", Field: pick("sport", "dport")})
		case "bport":
			keys = append(keys, &ir.Payload{Proto: "th", Field: pick("sport", "dport")})
		case "mac":
			keys = append(keys, &ir.Payload{Proto: "ether", Field: pick("saddr", "daddr")})
		case "mark":
			keys = append(keys, &ir.Meta{Key: "mark"})
		case "iface":
			keys = append(keys, &ir.Meta{Key: pick("iifname", "oifname")})
		}
	}
	if len(keys) == 1 {
		return keys[0], nil
	}
	return &ir.Concat{Elems: keys}, nil
}

// ipsetNftName is the nft name of an ipset: the same, unless nft cannot
// read it unquoted and quoted names are not allowed.
func ipsetNftName(name string, quote bool) string {
	if ir.IsBareIdent(name) || quote {
		return name
	}
	return "ipset_" + nftSafeName(name)
}
