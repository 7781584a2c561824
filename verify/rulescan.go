package verify

import (
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// The probe generator reads the constants of each rule from its words. It
// does not need the extension option tables: any option it does not know
// is skipped, and an address-looking argument still joins the address
// pool. So the generator keeps working on rules the translator rejects.

// addrSet is a non-empty set of addresses: prefixes or one range.
type addrSet struct {
	neg      bool
	prefixes []netip.Prefix
	lo, hi   netip.Addr // iprange; valid when lo.IsValid()
}

type portSet struct {
	neg    bool
	ranges [][2]uint16
}

type icmpMatch struct {
	neg        bool
	typ        uint8
	code       uint8
	anyCode    bool
	anyType    bool
	recognized bool
}

type numCmp struct {
	op  byte // '=', '>', '<'
	val uint8
}

// ruleInfo is what the generator knows about one rule.
type ruleInfo struct {
	line          int
	text          string
	table, chain  string
	src, dst      *addrSet
	in, out       string
	inNeg, outNeg bool
	proto         uint8
	protoSet      bool
	protoNeg      bool
	sports        *portSet
	dports        *portSet
	anyPorts      *portSet // multiport --ports
	icmp          *icmpMatch
	tcpMask       uint8
	tcpComp       uint8
	tcpFlagsSet   bool
	tcpFlagsNeg   bool
	states        []string
	statesNeg     bool
	macSrc        *[6]byte
	ttl           *numCmp
	tos           *uint8
	length        *[2]uint16
	target        string
	toAddrs       []netip.Addr // DNAT/SNAT --to-destination/--to-source
	toPorts       [][2]uint16  // --to-destination/--to-source/--to-ports ports
	otherAddrs    []netip.Prefix
	otherPorts    []uint16
	sets          []setMatch // -m set --match-set
}

// ruleFile is the scanned ruleset.
type ruleFile struct {
	fam      iptparse.Family
	rules    []*ruleInfo
	userDecl map[string]bool // table/chain of user chains
}

func isProgram(w string) bool {
	b := path.Base(w)
	for _, p := range []string{"iptables", "ip6tables", "iptables-legacy", "ip6tables-legacy", "iptables-nft", "ip6tables-nft"} {
		if b == p {
			return true
		}
	}
	return false
}

// ruleWords splits a rule line of a dump into words, after its
// "[packets:bytes]" counters, and returns the line without them.
func ruleWords(line string, lineNo int) (words []iptparse.Word, rest string, ok bool) {
	if m := countersPrefix(line); m > 0 {
		line = strings.TrimSpace(line[m:])
	}
	words, _, err := iptparse.SplitLine(line, "", lineNo)
	return words, line, err == nil
}

// scanText scans an iptables-save dump or a list of iptables commands.
func scanText(src string, fam iptparse.Family) *ruleFile {
	if fam == iptparse.FamilyAny {
		fam = iptparse.DetectFamily(src)
	}
	f := &ruleFile{fam: fam, userDecl: map[string]bool{}}
	table := "filter"
	for i, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(raw)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || line == "COMMIT":
			continue
		case strings.HasPrefix(line, "*"):
			table = strings.TrimSpace(line[1:])
			continue
		case strings.HasPrefix(line, ":"):
			fs := strings.Fields(line[1:])
			if len(fs) >= 2 && fs[1] == "-" {
				f.userDecl[table+"/"+fs[0]] = true
			}
			continue
		}
		words, line, ok := ruleWords(line, i+1)
		if !ok {
			continue
		}
		texts := make([]string, len(words))
		for j, w := range words {
			texts[j] = w.Text
		}
		if len(texts) > 0 && texts[0] == "sudo" {
			texts = texts[1:]
		}
		tbl := table
		if len(texts) > 0 && isProgram(texts[0]) {
			tbl = "filter"
			texts = texts[1:]
		}
		if r := scanRule(texts, tbl, f.fam); r != nil {
			r.line, r.text = i+1, line
			f.rules = append(f.rules, r)
		} else if ch := newChainCmd(texts); ch != "" {
			f.userDecl[tableOf(texts, tbl)+"/"+ch] = true
		}
	}
	return f
}

// scanFile scans a parsed file: the words of each command, and the text
// of lines the parser could not read.
func scanFile(file *iptparse.File) *ruleFile {
	f := &ruleFile{fam: file.Family, userDecl: map[string]bool{}}
	for _, it := range file.Items {
		switch x := it.(type) {
		case *iptparse.ChainDecl:
			if x.Policy == "-" {
				f.userDecl[x.Table+"/"+x.Name] = true
			}
		case *iptparse.CommandLine:
			texts := make([]string, len(x.Words))
			for j, w := range x.Words {
				texts[j] = w.Text
			}
			if x.Op == iptparse.OpNewChain {
				f.userDecl[x.Table+"/"+x.Chain] = true
				continue
			}
			fam := x.Family
			if fam == iptparse.FamilyAny {
				fam = file.Family
			}
			if r := scanRule(texts, x.Table, fam); r != nil {
				r.line, r.text = int(x.Pos.Line), x.Line
				f.rules = append(f.rules, r)
			}
		case *iptparse.BadLine:
			words, _, err := iptparse.SplitLine(x.Text, "", int(x.Pos.Line))
			if err != nil {
				continue
			}
			texts := make([]string, len(words))
			for j, w := range words {
				texts[j] = w.Text
			}
			if r := scanRule(texts, "filter", file.Family); r != nil {
				r.line, r.text = int(x.Pos.Line), x.Text
				f.rules = append(f.rules, r)
			}
		}
	}
	return f
}

func countersPrefix(line string) int {
	if !strings.HasPrefix(line, "[") {
		return 0
	}
	i := strings.IndexByte(line, ']')
	if i < 0 {
		return 0
	}
	return i + 1
}

func newChainCmd(w []string) string {
	for i := 0; i+1 < len(w); i++ {
		if w[i] == "-N" || w[i] == "--new-chain" {
			return w[i+1]
		}
	}
	return ""
}

func tableOf(w []string, def string) string {
	for i := 0; i+1 < len(w); i++ {
		if w[i] == "-t" || w[i] == "--table" {
			return w[i+1]
		}
	}
	return def
}

// scanRule reads the constants of a rule (-A/-I/-R), or returns nil.
func scanRule(w []string, table string, fam iptparse.Family) *ruleInfo {
	r := &ruleInfo{table: table}
	isRule := false
	neg := false
	arg := func(i *int) string {
		if *i+1 < len(w) {
			*i++
			a := w[*i]
			if a == "!" && *i+1 < len(w) { // old syntax: -s ! addr
				neg = true
				*i++
				a = w[*i]
			}
			return a
		}
		return ""
	}
	for i := 0; i < len(w); i++ {
		opt := w[i]
		if opt == "!" {
			neg = true
			continue
		}
		n := neg
		neg = false
		switch opt {
		case "-t", "--table":
			r.table = arg(&i)
		case "-A", "--append", "-I", "--insert", "-R", "--replace":
			isRule = true
			r.chain = arg(&i)
			if (opt == "-I" || opt == "--insert" || opt == "-R" || opt == "--replace") && i+1 < len(w) {
				if _, err := strconv.Atoi(w[i+1]); err == nil {
					i++
				}
			}
		case "-s", "--source", "--src":
			a := arg(&i)
			r.src = parseAddrList(a, fam)
			if r.src != nil {
				r.src.neg = n || neg
			}
		case "-d", "--destination", "--dst":
			a := arg(&i)
			r.dst = parseAddrList(a, fam)
			if r.dst != nil {
				r.dst.neg = n || neg
			}
		case "--src-range", "--dst-range":
			a := arg(&i)
			lo, hi, ok := strings.Cut(a, "-")
			l, e1 := netip.ParseAddr(lo)
			h, e2 := netip.ParseAddr(hi)
			if !ok || e1 != nil || e2 != nil || l.Is4() != (fam != iptparse.FamilyIPv6) {
				continue
			}
			s := &addrSet{neg: n || neg, lo: l, hi: h}
			if opt == "--src-range" {
				r.src = s
			} else {
				r.dst = s
			}
		case "-i", "--in-interface":
			r.in, r.inNeg = arg(&i), n || neg
		case "-o", "--out-interface":
			r.out, r.outNeg = arg(&i), n || neg
		case "-p", "--protocol":
			a := strings.ToLower(arg(&i))
			if num, ok := protoNumber(a, fam); ok {
				r.proto, r.protoSet, r.protoNeg = num, num != 0, n || neg
			}
		case "--dport", "--destination-port", "--dports", "--destination-ports":
			r.dports = parsePortList(arg(&i), n || neg)
		case "--sport", "--source-port", "--sports", "--source-ports":
			r.sports = parsePortList(arg(&i), n || neg)
		case "--ports":
			r.anyPorts = parsePortList(arg(&i), n || neg)
		case "--icmp-type", "--icmpv6-type":
			r.icmp = parseICMP(arg(&i), fam == iptparse.FamilyIPv6)
			if r.icmp != nil {
				r.icmp.neg = n || neg
			}
		case "--tcp-flags":
			m := arg(&i)
			c := arg(&i)
			r.tcpMask, r.tcpComp, r.tcpFlagsSet, r.tcpFlagsNeg = parseFlags(m), parseFlags(c), true, n || neg
		case "--syn":
			r.tcpMask, r.tcpComp, r.tcpFlagsSet, r.tcpFlagsNeg = SYN|RST|ACK|FIN, SYN, true, n || neg
		case "--state", "--ctstate":
			r.states = strings.Split(strings.ToUpper(arg(&i)), ",")
			r.statesNeg = n || neg
		case "--mac-source":
			if m, ok := iptparse.ParseMAC(arg(&i)); ok {
				mm := [6]byte(m)
				r.macSrc = &mm
			}
		case "--ttl-eq", "--hl-eq":
			r.ttl = parseNumCmp(arg(&i), '=')
		case "--ttl-gt", "--hl-gt":
			r.ttl = parseNumCmp(arg(&i), '>')
		case "--ttl-lt", "--hl-lt":
			r.ttl = parseNumCmp(arg(&i), '<')
		case "--tos":
			if v, err := strconv.ParseUint(strings.SplitN(arg(&i), "/", 2)[0], 0, 8); err == nil {
				t := uint8(v)
				r.tos = &t
			}
		case "--dscp":
			if v, err := strconv.ParseUint(arg(&i), 0, 8); err == nil && v < 64 {
				t := uint8(v) << 2
				r.tos = &t
			}
		case "--length":
			if pr, err := iptparse.ParsePortRange(arg(&i)); err == nil {
				r.length = &[2]uint16{pr.Lo, pr.Hi}
			}
		case "--match-set", "--set": // -m set (--set: its old name)
			if i+2 < len(w) && !strings.HasPrefix(w[i+1], "-") && dirsRE.Get().MatchString(w[i+2]) {
				r.sets = append(r.sets, setMatch{name: w[i+1], dirs: strings.Split(w[i+2], ","), neg: n})
				i += 2
			}
		case "-j", "--jump", "-g", "--goto":
			r.target = arg(&i)
		case "--to-destination", "--to-source", "--to":
			a, p := parseNATTo(arg(&i), fam)
			r.toAddrs = append(r.toAddrs, a...)
			r.toPorts = append(r.toPorts, p...)
		case "--to-ports", "--to-port":
			if ps := parsePortList(strings.ReplaceAll(arg(&i), "-", ":"), false); ps != nil {
				r.toPorts = append(r.toPorts, ps.ranges...)
			}
		default:
			if strings.HasPrefix(opt, "-") && i+1 < len(w) && !strings.HasPrefix(w[i+1], "-") {
				a := w[i+1]
				if s := parseAddrList(a, fam); s != nil && strings.ContainsAny(a, ".:") {
					r.otherAddrs = append(r.otherAddrs, s.prefixes...)
					i++
				} else if strings.Contains(opt, "port") {
					if ps := parsePortList(a, false); ps != nil {
						for _, rg := range ps.ranges {
							r.otherPorts = append(r.otherPorts, rg[0], rg[1])
						}
						i++
					}
				}
			}
		}
	}
	if !isRule || r.chain == "" {
		return nil
	}
	return r
}

func parseAddrList(s string, fam iptparse.Family) *addrSet {
	set := &addrSet{}
	for _, part := range strings.Split(s, ",") {
		if p, err := iptparse.ParseAddrMask(part, fam); err == nil && p.IsPrefix() {
			set.prefixes = append(set.prefixes, p.Prefix())
		}
	}
	if len(set.prefixes) == 0 {
		return nil
	}
	return set
}

func parsePortList(s string, neg bool) *portSet {
	ps := &portSet{neg: neg}
	for _, part := range strings.Split(s, ",") {
		pr, err := iptparse.ParsePortRange(part)
		if err != nil {
			continue
		}
		ps.ranges = append(ps.ranges, [2]uint16{pr.Lo, pr.Hi})
	}
	if len(ps.ranges) == 0 {
		return nil
	}
	return ps
}

func parseNATTo(s string, fam iptparse.Family) ([]netip.Addr, [][2]uint16) {
	var addrs []netip.Addr
	var ports [][2]uint16
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]"); i > 0 {
			host, port = s[1:i], strings.TrimPrefix(s[i+1:], ":")
		}
	} else if fam != iptparse.FamilyIPv6 || strings.Count(s, ":") == 0 {
		host, port, _ = strings.Cut(s, ":")
	}
	for _, h := range strings.Split(host, "-") {
		if a, err := netip.ParseAddr(h); err == nil {
			addrs = append(addrs, a)
		}
	}
	if port != "" {
		if ps := parsePortList(strings.ReplaceAll(port, "-", ":"), false); ps != nil {
			ports = append(ports, ps.ranges...)
		}
	}
	return addrs, ports
}

func parseNumCmp(s string, op byte) *numCmp {
	v, err := strconv.ParseUint(s, 0, 8)
	if err != nil {
		return nil
	}
	return &numCmp{op: op, val: uint8(v)}
}

var tcpFlagNames = lazy.Of[map[string]uint8]{New: func() map[string]uint8 {
	return map[string]uint8{"FIN": FIN, "SYN": SYN, "RST": RST, "PSH": PSH, "ACK": ACK, "URG": URG, "ECE": ECE, "CWR": CWR}
}}

func parseFlags(s string) uint8 {
	var f uint8
	for _, n := range strings.Split(strings.ToUpper(s), ",") {
		switch n {
		case "ALL":
			f |= 0x3f // iptables: ALL is FIN..URG
		case "NONE":
		default:
			f |= tcpFlagNames.Get()[n]
		}
	}
	return f
}

func protoNumber(s string, fam iptparse.Family) (uint8, bool) {
	switch s {
	case "all", "0":
		return 0, true
	case "icmpv6", "ipv6-icmp":
		return ProtoICMPv6, true
	case "icmp":
		if fam == iptparse.FamilyIPv6 {
			return ProtoICMPv6, true
		}
		return ProtoICMP, true
	}
	if n, ok := iptparse.ProtocolNumber(s); ok {
		return n, true
	}
	return 0, false
}

type icmpName struct {
	name      string
	typ, code uint8
	anyCode   bool
}

var icmp4Names = []icmpName{
	{"any", 255, 0, true}, {"echo-reply", 0, 0, true}, {"pong", 0, 0, true},
	{"destination-unreachable", 3, 0, true}, {"network-unreachable", 3, 0, false},
	{"host-unreachable", 3, 1, false}, {"protocol-unreachable", 3, 2, false},
	{"port-unreachable", 3, 3, false}, {"fragmentation-needed", 3, 4, false},
	{"source-route-failed", 3, 5, false}, {"network-unknown", 3, 6, false},
	{"host-unknown", 3, 7, false}, {"network-prohibited", 3, 9, false},
	{"host-prohibited", 3, 10, false}, {"TOS-network-unreachable", 3, 11, false},
	{"TOS-host-unreachable", 3, 12, false}, {"communication-prohibited", 3, 13, false},
	{"host-precedence-violation", 3, 14, false}, {"precedence-cutoff", 3, 15, false},
	{"source-quench", 4, 0, true}, {"redirect", 5, 0, true},
	{"network-redirect", 5, 0, false}, {"host-redirect", 5, 1, false},
	{"TOS-network-redirect", 5, 2, false}, {"TOS-host-redirect", 5, 3, false},
	{"echo-request", 8, 0, true}, {"ping", 8, 0, true},
	{"router-advertisement", 9, 0, true}, {"router-solicitation", 10, 0, true},
	{"time-exceeded", 11, 0, true}, {"ttl-exceeded", 11, 0, true},
	{"ttl-zero-during-transit", 11, 0, false}, {"ttl-zero-during-reassembly", 11, 1, false},
	{"parameter-problem", 12, 0, true}, {"ip-header-bad", 12, 0, false},
	{"required-option-missing", 12, 1, false}, {"timestamp-request", 13, 0, true},
	{"timestamp-reply", 14, 0, true}, {"address-mask-request", 17, 0, true},
	{"address-mask-reply", 18, 0, true},
}

var icmp6Names = []icmpName{
	{"destination-unreachable", 1, 0, true}, {"no-route", 1, 0, false},
	{"communication-prohibited", 1, 1, false}, {"beyond-scope", 1, 2, false},
	{"address-unreachable", 1, 3, false}, {"port-unreachable", 1, 4, false},
	{"failed-policy", 1, 5, false}, {"reject-route", 1, 6, false},
	{"packet-too-big", 2, 0, true}, {"time-exceeded", 3, 0, true}, {"ttl-exceeded", 3, 0, true},
	{"ttl-zero-during-transit", 3, 0, false}, {"ttl-zero-during-reassembly", 3, 1, false},
	{"parameter-problem", 4, 0, true}, {"bad-header", 4, 0, false},
	{"unknown-header-type", 4, 1, false}, {"unknown-option", 4, 2, false},
	{"echo-request", 128, 0, true}, {"ping", 128, 0, true},
	{"echo-reply", 129, 0, true}, {"pong", 129, 0, true},
	{"mld-listener-query", 130, 0, true}, {"mld-listener-report", 131, 0, true},
	{"mld-listener-done", 132, 0, true}, {"mld-listener-reduction", 132, 0, true},
	{"router-solicitation", 133, 0, true}, {"router-advertisement", 134, 0, true},
	{"neighbour-solicitation", 135, 0, true}, {"neighbor-solicitation", 135, 0, true},
	{"neighbour-advertisement", 136, 0, true}, {"neighbor-advertisement", 136, 0, true},
	{"redirect", 137, 0, true},
}

func parseICMP(s string, v6 bool) *icmpMatch {
	names := icmp4Names
	if v6 {
		names = icmp6Names
	}
	for _, n := range names {
		if strings.EqualFold(n.name, s) {
			return &icmpMatch{typ: n.typ, code: n.code, anyCode: n.anyCode, anyType: n.typ == 255 && !v6, recognized: true}
		}
	}
	t, c, hasCode := strings.Cut(s, "/")
	tv, err := strconv.ParseUint(t, 10, 8)
	if err != nil {
		return nil
	}
	m := &icmpMatch{typ: uint8(tv), anyCode: !hasCode, recognized: true}
	if hasCode {
		cv, err := strconv.ParseUint(c, 10, 8)
		if err != nil {
			return nil
		}
		m.code = uint8(cv)
	}
	return m
}
