package translate

import (
	"fmt"
	"os/user"
	"strconv"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// canonSaver prints an extension's options like its iptables save
// function; false falls back to printing them as written.
type canonSaver func(b *canonBuf, x *iptparse.Ext) bool

// canonSavers are built on first use: only the shim writes rules in
// iptables' canonical form (CanonicalRule).
var canonSavers = lazy.Of[map[string]canonSaver]{New: newCanonSavers}

func newCanonSavers() map[string]canonSaver {
	m := map[string]canonSaver{
		"tcp":         saveTCP,
		"udp":         savePorts,
		"udplite":     savePorts,
		"icmp":        saveICMP,
		"icmp6":       saveICMP6,
		"multiport":   saveMultiport,
		"state":       saveState,
		"conntrack":   saveConntrack,
		"comment":     saveComment,
		"limit":       saveLimit,
		"mark":        saveMarkMatch,
		"connmark":    saveMarkMatch,
		"mac":         saveMAC,
		"length":      saveRangeOpt("length"),
		"tcpmss":      saveRangeOpt("mss"),
		"pkttype":     savePkttype,
		"-j LOG":      saveLOG,
		"-j REJECT":   saveREJECT,
		"-j MARK":     saveMARK,
		"-j CONNMARK": saveCONNMARK,
		"-j NFQUEUE":  saveNFQUEUE,
		"-j NFLOG":    saveNFLOG,
		"-j TCPMSS":   saveTCPMSS,
	}
	for k, s := range moreCanonSavers.Get() {
		m[k] = s
	}
	return m
}

func portRange(v any) (string, bool) {
	pr, ok := v.(*iptparse.PortRange)
	if !ok {
		return "", false
	}
	if pr.Lo != pr.Hi {
		return strconv.Itoa(int(pr.Lo)) + ":" + strconv.Itoa(int(pr.Hi)), true
	}
	return strconv.Itoa(int(pr.Lo)), true
}

// savePorts is udp_save (and the port part of tcp_save).
func savePorts(b *canonBuf, x *iptparse.Ext) bool {
	for _, name := range []string{"sport", "dport"} {
		if o := x.Opt(name); o != nil {
			s, ok := portRange(o.Value)
			if !ok {
				return false
			}
			b.opt(o.Neg, name, s)
		}
	}
	return true
}

// printTCPFlags is print_tcpf.
func printTCPFlags(v uint8) string {
	var names []string
	for i, n := range []string{"FIN", "SYN", "RST", "PSH", "ACK", "URG"} {
		if v&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "NONE"
	}
	return strings.Join(names, ",")
}

func saveTCP(b *canonBuf, x *iptparse.Ext) bool {
	if !savePorts(b, x) {
		return false
	}
	b.num(x, "tcp-option")
	if o := x.Opt("syn"); o != nil {
		b.opt(o.Neg, "tcp-flags", "FIN,SYN,RST,ACK", "SYN")
	}
	if o := x.Opt("tcp-flags"); o != nil {
		mask, err1 := parseTCPFlags(o.Args[0].Text)
		cmp, err2 := parseTCPFlags(o.Args[1].Text)
		if err1 != nil || err2 != nil {
			return false
		}
		b.opt(o.Neg, "tcp-flags", printTCPFlags(mask), printTCPFlags(cmp))
	}
	return true
}

// listPorts is print_ports of tcp and udp: " spt:22", " dpts:!1:2".
func listPortOpt(b *strings.Builder, x *iptparse.Ext, l listCtx, proto string) bool {
	for _, name := range []string{"sport", "dport"} {
		o := x.Opt(name)
		if o == nil {
			continue
		}
		pr, ok := o.Value.(*iptparse.PortRange)
		if !ok {
			return false
		}
		if pr.Lo == 0 && pr.Hi == 0xffff && !o.Neg {
			continue
		}
		inv := ""
		if o.Neg {
			inv = "!"
		}
		label := name[:1] + "pt"
		if pr.Lo == pr.Hi {
			b.WriteString(" " + label + ":" + inv + listPort(pr.Lo, l, proto))
		} else {
			b.WriteString(" " + label + "s:" + inv + listPort(pr.Lo, l, proto) + ":" + listPort(pr.Hi, l, proto))
		}
	}
	return true
}

// listTCP is tcp_print.
func listTCP(b *strings.Builder, x *iptparse.Ext, l listCtx) bool {
	b.WriteString(" tcp")
	if !listPortOpt(b, x, l, "tcp") {
		return false
	}
	if o := x.Opt("tcp-option"); o != nil {
		inv := ""
		if o.Neg {
			inv = "!"
		}
		b.WriteString(" option=" + inv + strconv.FormatUint(o.Value.(uint64), 10))
	}
	if o := x.Opt("tcp-flags"); o != nil {
		mask, err1 := parseTCPFlags(o.Args[0].Text)
		cmp, err2 := parseTCPFlags(o.Args[1].Text)
		if err1 != nil || err2 != nil {
			return false
		}
		b.WriteString(" flags:")
		if o.Neg {
			b.WriteString("!")
		}
		if l.numeric {
			fmt.Fprintf(b, "0x%02X/0x%02X", mask, cmp)
		} else {
			b.WriteString(printTCPFlags(mask) + "/" + printTCPFlags(cmp))
		}
	}
	return true
}

// listUDP is udp_print.
func listUDP(b *strings.Builder, x *iptparse.Ext, l listCtx) bool {
	b.WriteString(" udp")
	return listPortOpt(b, x, l, "udp")
}

func saveICMPType(b *canonBuf, x *iptparse.Ext, codes []icmpName, opt, kind string, v6 bool) bool {
	o := x.Opt(opt)
	if o == nil {
		return false
	}
	spec, err := parseICMPType(codes, kind, o.Arg())
	if err != nil {
		return false
	}
	if !v6 && spec.typ == 0xFF {
		b.opt(o.Neg, opt, "any")
		return true
	}
	s := strconv.Itoa(int(spec.typ))
	if spec.cmin != 0 || spec.cmax != 0xFF {
		s += "/" + strconv.Itoa(int(spec.cmin))
	}
	b.opt(o.Neg, opt, s)
	return true
}

func saveICMP(b *canonBuf, x *iptparse.Ext) bool {
	return saveICMPType(b, x, icmpCodes, "icmp-type", "ICMP", false)
}

// listICMP is icmp_print (print_icmptype); listICMP6 icmp6_print.
var (
	listICMP  = listICMPType(icmpCodes, "icmp-type", "ICMP", " icmp")
	listICMP6 = listICMPType(icmpv6Codes, "icmpv6-type", "ICMPv6", " ipv6-icmp")
)

func listICMPType(codes []icmpName, opt, kind, label string) listPrinter {
	return func(b *strings.Builder, x *iptparse.Ext, l listCtx) bool {
		o := x.Opt(opt)
		if o == nil {
			return false
		}
		spec, err := parseICMPType(codes, kind, o.Arg())
		if err != nil {
			return false
		}
		b.WriteString(label)
		inv := ""
		if o.Neg {
			inv = "!"
		}
		if !l.numeric {
			for _, c := range codes {
				if c.typ == spec.typ && c.cmin == spec.cmin && c.cmax == spec.cmax {
					b.WriteString(" " + inv + c.name)
					return true
				}
			}
		}
		if o.Neg {
			b.WriteString(" !")
		}
		fmt.Fprintf(b, "type %d", spec.typ)
		if spec.cmin == spec.cmax {
			fmt.Fprintf(b, " code %d", spec.cmin)
		} else if spec.cmin != 0 || spec.cmax != 0xFF {
			fmt.Fprintf(b, " codes %d-%d", spec.cmin, spec.cmax)
		}
		return true
	}
}

func saveICMP6(b *canonBuf, x *iptparse.Ext) bool {
	return saveICMPType(b, x, icmpv6Codes, "icmpv6-type", "ICMPv6", true)
}

func saveMultiport(b *canonBuf, x *iptparse.Ext) bool {
	for _, o := range x.Options {
		var buf [multiPorts]portSpan
		spans, err := parseMultiPorts(o.Arg(), &buf)
		if err != nil {
			return false
		}
		var parts []string
		for _, s := range spans {
			p := strconv.Itoa(int(s.lo))
			if s.hi != s.lo {
				p += ":" + strconv.Itoa(int(s.hi))
			}
			parts = append(parts, p)
		}
		b.opt(o.Neg, o.Name, strings.Join(parts, ","))
	}
	return true
}

// listMultiport is multiport_print (revision 1).
func listMultiport(b *strings.Builder, x *iptparse.Ext, l listCtx) bool {
	if len(x.Options) != 1 {
		return false
	}
	o := x.Options[0]
	var buf [multiPorts]portSpan
	spans, err := parseMultiPorts(o.Arg(), &buf)
	if err != nil {
		return false
	}
	b.WriteString(" multiport " + o.Name + " ")
	if o.Neg {
		b.WriteString(" !")
	}
	proto := ruleProto(l)
	for i, s := range spans {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(listPort(s.lo, l, proto))
		if s.hi != s.lo {
			b.WriteString(":" + listPort(s.hi, l, proto))
		}
	}
	return true
}

// stateList is print_state: the states in iptables' order.
func stateList(mask int) string {
	var names []string
	for _, s := range []struct {
		bit  int
		name string
	}{{ctsInvalid, "INVALID"}, {ctsNew, "NEW"}, {ctsRelated, "RELATED"}, {ctsEstablished, "ESTABLISHED"},
		{ctsUntracked, "UNTRACKED"}, {ctsSNAT, "SNAT"}, {ctsDNAT, "DNAT"}} {
		if mask&s.bit != 0 {
			names = append(names, s.name)
		}
	}
	return strings.Join(names, ",")
}

func saveState(b *canonBuf, x *iptparse.Ext) bool {
	o := x.Opt("state")
	mask, err := parseStates(o.Arg(), true)
	if err != nil {
		return false
	}
	b.opt(o.Neg, "state", stateList(mask))
	return true
}

// listState is state_print (the state match is conntrack's alias).
func listState(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	o := x.Opt("state")
	mask, err := parseStates(o.Arg(), true)
	if err != nil {
		return false
	}
	if o.Neg {
		b.WriteString(" !")
	}
	b.WriteString(" state " + stateList(mask))
	return true
}

// saveConntrack is conntrack_dump (revision 3) for the options it
// prints, in its order.
func saveConntrack(b *canonBuf, x *iptparse.Ext) bool {
	for _, name := range []string{"ctstate", "ctproto", "ctorigsrc", "ctorigdst", "ctreplsrc", "ctrepldst",
		"ctorigsrcport", "ctorigdstport", "ctreplsrcport", "ctrepldstport", "ctstatus", "ctexpire", "ctdir"} {
		o := x.Opt(name)
		if o == nil {
			continue
		}
		switch name {
		case "ctstate":
			mask, err := parseStates(o.Arg(), false)
			if err != nil {
				return false
			}
			b.opt(o.Neg, name, stateList(mask))
		case "ctstatus":
			mask, err := parseStatuses(o.Arg())
			if err != nil {
				return false
			}
			var names []string
			for _, s := range ctStatuses[1:] {
				if mask&s.bit != 0 {
					names = append(names, s.name)
				}
			}
			if len(names) == 0 {
				names = []string{"NONE"}
			}
			b.opt(o.Neg, name, strings.Join(names, ","))
		case "ctproto":
			b.opt(o.Neg, name, strconv.Itoa(int(o.Value.(uint8))))
		case "ctorigsrc", "ctorigdst", "ctreplsrc", "ctrepldst":
			a, ok := o.Value.(iptparse.AddrMask)
			if !ok {
				return false
			}
			// conntrack_dump_addr: the address as given (the kernel
			// keeps it unmasked), no length for a host.
			if a.Bits < 0 {
				return false
			}
			s := fmt.Sprintf("%s/%d", a.Addr, a.Bits)
			if a.Bits == a.Addr.BitLen() {
				s = a.Addr.String()
			}
			b.opt(o.Neg, name, s)
		case "ctorigsrcport", "ctorigdstport", "ctreplsrcport", "ctrepldstport":
			s, ok := portRange(o.Value)
			if !ok {
				return false
			}
			b.opt(o.Neg, name, s)
		case "ctexpire":
			r, ok := o.Value.(iptparse.Range)
			if !ok {
				return false
			}
			s := strconv.FormatUint(r.Lo, 10)
			if r.Hi != r.Lo {
				s += ":" + strconv.FormatUint(r.Hi, 10)
			}
			b.opt(o.Neg, name, s)
		case "ctdir":
			b.opt(false, name, strings.ToUpper(o.Arg()))
		}
	}
	return true
}

func saveComment(b *canonBuf, x *iptparse.Ext) bool {
	b.opt(false, "comment", saveString(commentText(x)))
	return true
}

// listComment is comment_print.
func listComment(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	b.WriteString(" /* " + commentText(x) + " */")
	return true
}

var limitRates = []struct {
	name string
	mult uint64
}{{"day", limitScale * 24 * 60 * 60}, {"hour", limitScale * 60 * 60}, {"min", limitScale * 60}, {"sec", limitScale}}

// limitPeriod is parse_rate: the average period in 1/10000 s.
func limitPeriod(s string) (uint64, bool) {
	num, unit, hasUnit := strings.Cut(s, "/")
	mult := uint64(limitScale)
	if hasUnit {
		switch {
		case unit == "":
			return 0, false
		case strings.HasPrefix("second", unit) || unit == "sec":
			mult = limitScale
		case strings.HasPrefix("minute", unit) || unit == "min":
			mult = limitScale * 60
		case strings.HasPrefix("hour", unit):
			mult = limitScale * 60 * 60
		case strings.HasPrefix("day", unit):
			mult = limitScale * 24 * 60 * 60
		default:
			return 0, false
		}
	}
	r, err := strconv.ParseUint(num, 10, 32)
	if err != nil || r == 0 || r > mult {
		return 0, false
	}
	return mult / r, true
}

// printRate is print_rate.
func printRate(period uint64) string {
	i := 1
	for ; i < len(limitRates); i++ {
		if period > limitRates[i].mult || limitRates[i].mult/period < limitRates[i].mult%period {
			break
		}
	}
	return strconv.FormatUint(limitRates[i-1].mult/period, 10) + "/" + limitRates[i-1].name
}

func saveLimit(b *canonBuf, x *iptparse.Ext) bool {
	period := uint64(limitScale * 60 * 60 / 3) // 3/hour
	if o := x.Opt("limit"); o != nil {
		p, ok := limitPeriod(o.Arg())
		if !ok {
			return false
		}
		period = p
	}
	b.opt(false, "limit", printRate(period))
	if o := x.Opt("limit-burst"); o != nil && o.Value.(uint64) != 5 {
		b.opt(false, "limit-burst", strconv.FormatUint(o.Value.(uint64), 10))
	}
	return true
}

// listLimit is limit_print.
func listLimit(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	period := uint64(limitScale * 60 * 60 / 3)
	if o := x.Opt("limit"); o != nil {
		p, ok := limitPeriod(o.Arg())
		if !ok {
			return false
		}
		period = p
	}
	burst := uint64(5)
	if o := x.Opt("limit-burst"); o != nil {
		burst = o.Value.(uint64)
	}
	b.WriteString(" limit: avg " + printRate(period) + " burst " + strconv.FormatUint(burst, 10))
	return true
}

func saveMarkMatch(b *canonBuf, x *iptparse.Ext) bool {
	o := x.Opt("mark")
	vm, ok := o.Value.(iptparse.ValueMask)
	if !ok {
		return false
	}
	m := uint64(0xffffffff)
	if vm.HasMask {
		m = vm.Mask
	}
	b.opt(o.Neg, "mark", markMask(vm.Value, m))
	return true
}

// listMark is mark_mt_print and connmark_mt_print: LABEL [!] 0xV[/0xM].
func listMark(label string) listPrinter {
	return func(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
		o := x.Opt("mark")
		vm, ok := o.Value.(iptparse.ValueMask)
		if !ok {
			return false
		}
		m := uint64(0xffffffff)
		if vm.HasMask {
			m = vm.Mask
		}
		b.WriteString(" " + label)
		if o.Neg {
			b.WriteString(" !")
		}
		b.WriteString(" " + markMask(vm.Value, m))
		return true
	}
}

func saveMAC(b *canonBuf, x *iptparse.Ext) bool {
	o := x.Opt("mac-source")
	m, ok := o.Value.(iptparse.MAC)
	if !ok {
		return false
	}
	b.opt(o.Neg, "mac-source", m.String())
	return true
}

// listMAC is mac_print.
func listMAC(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	o := x.Opt("mac-source")
	m, ok := o.Value.(iptparse.MAC)
	if !ok {
		return false
	}
	b.WriteString(" MAC")
	if o.Neg {
		b.WriteString(" !")
	}
	b.WriteString(" " + m.String())
	return true
}

func saveRangeOpt(name string) canonSaver {
	return func(b *canonBuf, x *iptparse.Ext) bool {
		o := x.Opt(name)
		r, ok := o.Value.(iptparse.Range)
		if !ok {
			return false
		}
		s := strconv.FormatUint(r.Lo, 10)
		if r.Hi != r.Lo {
			s += ":" + strconv.FormatUint(r.Hi, 10)
		}
		b.opt(o.Neg, name, s)
		return true
	}
}

// listRangeOpt is length_print and tcpmss_print: LABEL[!]lo[:hi].
func listRangeOpt(name, label string) listPrinter {
	return func(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
		o := x.Opt(name)
		r, ok := o.Value.(iptparse.Range)
		if !ok {
			return false
		}
		b.WriteString(label)
		if o.Neg {
			b.WriteString("!")
		}
		b.WriteString(strconv.FormatUint(r.Lo, 10))
		if r.Hi != r.Lo {
			b.WriteString(":" + strconv.FormatUint(r.Hi, 10))
		}
		return true
	}
}

func savePkttype(b *canonBuf, x *iptparse.Ext) bool {
	o := x.Opt("pkt-type")
	b.opt(o.Neg, "pkt-type", strings.ToLower(o.Arg()))
	return true
}

// listPkttype is pkttype_print.
func listPkttype(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	o := x.Opt("pkt-type")
	op := "="
	if o.Neg {
		op = "!="
	}
	b.WriteString(" PKTTYPE " + op + " " + strings.ToLower(o.Arg()))
	return true
}

func saveLOG(b *canonBuf, x *iptparse.Ext) bool {
	if o := x.Opt("log-prefix"); o != nil && o.Arg() != "" {
		b.opt(false, "log-prefix", saveString(o.Arg()))
	}
	if o := x.Opt("log-level"); o != nil {
		lvl, ok := o.Value.(uint8)
		if !ok {
			return false
		}
		if lvl != 4 {
			b.opt(false, "log-level", strconv.Itoa(int(lvl)))
		}
	}
	for _, f := range []string{"log-tcp-sequence", "log-tcp-options", "log-ip-options", "log-uid", "log-macdecode"} {
		if x.Has(f) {
			b.opt(false, f)
		}
	}
	return true
}

var logLevelNames = []string{"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}

// listLOG is LOG_print.
func listLOG(b *strings.Builder, x *iptparse.Ext, l listCtx) bool {
	lvl := uint8(4)
	if o := x.Opt("log-level"); o != nil {
		v, ok := o.Value.(uint8)
		if !ok || v > 7 {
			return false
		}
		lvl = v
	}
	b.WriteString(" LOG")
	flags := []struct {
		opt, name string
		bit       int
	}{{"log-tcp-sequence", "tcp-sequence", 1}, {"log-tcp-options", "tcp-options", 2}, {"log-ip-options", "ip-options", 4},
		{"log-uid", "uid", 8}, {"log-macdecode", "macdecode", 0x20}}
	if l.numeric {
		n := 0
		for _, f := range flags {
			if x.Has(f.opt) {
				n |= f.bit
			}
		}
		fmt.Fprintf(b, " flags %d level %d", n, lvl)
	} else {
		b.WriteString(" level " + logLevelNames[lvl])
		for _, f := range flags {
			if x.Has(f.opt) {
				b.WriteString(" " + f.name)
			}
		}
	}
	if o := x.Opt("log-prefix"); o != nil && o.Arg() != "" {
		fmt.Fprintf(b, " prefix \"%s\"", o.Arg())
	}
	return true
}

func saveREJECT(b *canonBuf, x *iptparse.Ext) bool {
	types := rejectTypes4
	def := "icmp-port-unreachable"
	if b.fam == iptparse.FamilyIPv6 {
		types, def = rejectTypes6, "icmp6-port-unreachable"
	}
	with := def
	if o := x.Opt("reject-with"); o != nil {
		found := false
		for _, t := range types {
			if strings.HasPrefix(t.name, o.Arg()) || t.alias == o.Arg() {
				with, found = t.name, true
				break
			}
		}
		if !found {
			return false
		}
	}
	b.opt(false, "reject-with", with)
	return true
}

// listREJECT is REJECT_print.
func listREJECT(b *strings.Builder, x *iptparse.Ext, l listCtx) bool {
	var cb canonBuf
	cb.fam = l.fam
	if !saveREJECT(&cb, x) {
		return false
	}
	b.WriteString(" reject-with " + strings.TrimPrefix(cb.String(), " --reject-with "))
	return true
}

// markOp turns MARK/CONNMARK's set-xmark, set-mark, and-mark, or-mark,
// xor-mark into the value and mask the kernel keeps.
func markOp(x *iptparse.Ext) (v, m uint64, ok bool) {
	for _, o := range x.Options {
		switch o.Name {
		case "set-xmark", "set-mark":
			vm, good := o.Value.(iptparse.ValueMask)
			if !good {
				return 0, 0, false
			}
			mask := uint64(0xffffffff)
			if vm.HasMask {
				mask = vm.Mask
			}
			if o.Name == "set-mark" {
				mask |= vm.Value
			}
			return vm.Value, mask & 0xffffffff, true
		case "and-mark":
			return 0, ^o.Value.(uint64) & 0xffffffff, true
		case "or-mark":
			return o.Value.(uint64), o.Value.(uint64), true
		case "xor-mark":
			return o.Value.(uint64), 0, true
		}
	}
	return 0, 0, false
}

func saveMARK(b *canonBuf, x *iptparse.Ext) bool {
	v, m, ok := markOp(x)
	if !ok {
		return false
	}
	b.opt(false, "set-xmark", hex32(v)+"/"+hex32(m))
	return true
}

// markWords is mark_tg_print's and connmark_tg_print's choice of words.
func markWords(v, m uint64) string {
	switch {
	case v == 0:
		return "and " + hex32(^m&0xffffffff)
	case v == m:
		return "or " + hex32(v)
	case m == 0:
		return "xor " + hex32(v)
	case m == 0xffffffff:
		return "set " + hex32(v)
	}
	return "xset " + hex32(v) + "/" + hex32(m)
}

// listMARK is mark_tg_print (revision 2).
func listMARK(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	v, m, ok := markOp(x)
	if !ok {
		return false
	}
	b.WriteString(" MARK " + markWords(v, m))
	return true
}

func saveCONNMARK(b *canonBuf, x *iptparse.Ext) bool {
	if x.Has("left-shift-mark") || x.Has("right-shift-mark") {
		return false
	}
	mode := ""
	for _, m := range []string{"save-mark", "restore-mark"} {
		if x.Has(m) {
			mode = m
		}
	}
	if mode == "" {
		v, m, ok := markOp(x)
		if !ok {
			return false
		}
		b.opt(false, "set-xmark", hex32(v)+"/"+hex32(m))
		return true
	}
	nf, ct := connmarkMasks(x)
	b.opt(false, mode)
	b.opt(false, "nfmask", hex32(nf))
	b.opt(false, "ctmask", hex32(ct))
	return true
}

// listCONNMARK is connmark_tg_print (revision 1).
func listCONNMARK(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	if x.Has("left-shift-mark") || x.Has("right-shift-mark") {
		return false
	}
	mode := ""
	for _, m := range []string{"save", "restore"} {
		if x.Has(m + "-mark") {
			mode = m
		}
	}
	if mode == "" {
		v, m, ok := markOp(x)
		if !ok {
			return false
		}
		b.WriteString(" CONNMARK " + markWords(v, m))
		return true
	}
	nf, ct := connmarkMasks(x)
	b.WriteString(" CONNMARK " + mode)
	switch {
	case nf == 0xffffffff && ct == 0xffffffff:
	case nf == ct:
		b.WriteString(" mask " + hex32(nf))
	case mode == "save":
		b.WriteString(" nfmask " + hex32(nf) + " ctmask ~" + hex32(ct))
	default:
		b.WriteString(" ctmask " + hex32(ct) + " nfmask ~" + hex32(nf))
	}
	return true
}

func saveNFQUEUE(b *canonBuf, x *iptparse.Ext) bool {
	if x.Has("queue-balance") || x.Has("queue-bypass") || x.Has("queue-cpu-fanout") {
		return false
	}
	n := uint64(0)
	if o := x.Opt("queue-num"); o != nil {
		n = o.Value.(uint64)
	}
	b.opt(false, "queue-num", strconv.FormatUint(n, 10))
	return true
}

func saveTCPMSS(b *canonBuf, x *iptparse.Ext) bool {
	if x.Has("clamp-mss-to-pmtu") {
		b.opt(false, "clamp-mss-to-pmtu")
		return true
	}
	if o := x.Opt("set-mss"); o != nil {
		b.opt(false, "set-mss", strconv.FormatUint(o.Value.(uint64), 10))
		return true
	}
	return false
}

// listTCPMSS is TCPMSS_print.
func listTCPMSS(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	if x.Has("clamp-mss-to-pmtu") {
		b.WriteString(" TCPMSS clamp to PMTU")
		return true
	}
	if o := x.Opt("set-mss"); o != nil {
		b.WriteString(" TCPMSS set " + strconv.FormatUint(o.Value.(uint64), 10))
		return true
	}
	return false
}

// saveNFLOG is NFLOG_save (nflog_print with "--").
func saveNFLOG(b *canonBuf, x *iptparse.Ext) bool {
	if o := x.Opt("nflog-prefix"); o != nil && o.Arg() != "" {
		b.opt(false, "nflog-prefix", saveString(o.Arg()))
	}
	if o := x.Opt("nflog-group"); o != nil && o.Value.(uint64) != 0 {
		b.opt(false, "nflog-group", strconv.FormatUint(o.Value.(uint64), 10))
	}
	if o := x.Opt("nflog-size"); o != nil {
		b.opt(false, "nflog-size", strconv.FormatUint(o.Value.(uint64), 10))
	} else if o := x.Opt("nflog-range"); o != nil {
		b.opt(false, "nflog-range", strconv.FormatUint(o.Value.(uint64), 10))
	}
	if o := x.Opt("nflog-threshold"); o != nil && o.Value.(uint64) != 1 {
		b.opt(false, "nflog-threshold", strconv.FormatUint(o.Value.(uint64), 10))
	}
	return true
}

// -L printers of extensions without a saver (their canonical text is
// their options as written).

// listIPRange is iprange_mt4_print.
func listIPRange(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	for _, o := range x.Options {
		label := map[string]string{"src-range": " source IP range", "dst-range": " destination IP range"}[o.Name]
		if label == "" {
			return false
		}
		b.WriteString(label)
		if o.Neg {
			b.WriteString(" !")
		}
		b.WriteString(" " + o.Arg())
	}
	return true
}

// listSet is set_print_v4: [!] match-set NAME DIRS and the flags.
func listSet(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	for _, o := range x.Options {
		if o.Neg {
			b.WriteString(" !")
		}
		b.WriteString(" " + o.Name)
		for _, a := range o.Args {
			b.WriteString(" " + a.Text)
		}
	}
	return true
}

// listOwner is owner_mt_print: socket, UID, GID, in that order.
func listOwner(b *strings.Builder, x *iptparse.Ext, l listCtx) bool {
	for _, it := range []struct{ opt, label string }{
		{"socket-exists", "owner socket exists"}, {"uid-owner", "owner UID match"}, {"gid-owner", "owner GID match"}, {"suppl-groups", "incl. suppl. groups"},
	} {
		o := x.Opt(it.opt)
		if o == nil {
			continue
		}
		if o.Neg {
			b.WriteString(" !")
		}
		b.WriteString(" " + it.label)
		if it.opt == "uid-owner" || it.opt == "gid-owner" {
			b.WriteString(" " + ownerName(o.Arg(), it.opt == "gid-owner", l.numeric))
		}
	}
	return len(x.Options) > 0
}

// ownerName is the user or group name of a single id unless numeric
// (owner_mt_print uses getpwuid/getgrgid; ranges stay numbers).
func ownerName(id string, group, numeric bool) string {
	if numeric || strings.Contains(id, "-") {
		return id
	}
	if group {
		if g, err := user.LookupGroupId(id); err == nil {
			return g.Name
		}
	} else if u, err := user.LookupId(id); err == nil {
		return u.Username
	}
	return id
}

var addrTypeOrder = []string{"UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"}

// listAddrtype is addrtype_print_v1.
func listAddrtype(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	b.WriteString(" ADDRTYPE match")
	for _, name := range []string{"src-type", "dst-type"} {
		o := x.Opt(name)
		if o == nil {
			continue
		}
		have := map[string]bool{}
		for _, t := range strings.Split(strings.ToUpper(o.Arg()), ",") {
			have[t] = true
		}
		var types []string
		for _, t := range addrTypeOrder {
			if have[t] {
				types = append(types, t)
			}
		}
		b.WriteString(" " + name + " ")
		if o.Neg {
			b.WriteString("!")
		}
		b.WriteString(strings.Join(types, ","))
	}
	if x.Has("limit-iface-in") {
		b.WriteString(" limit-in")
	}
	if x.Has("limit-iface-out") {
		b.WriteString(" limit-out")
	}
	return true
}

// listNAT is DNAT_print and SNAT_print: to:RANGE and the flags.
func listNAT(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	for _, o := range x.Options {
		if o.Name == "to-destination" || o.Name == "to-source" {
			b.WriteString(" to:" + o.Arg())
		}
	}
	for _, f := range []string{"random", "random-fully", "persistent"} {
		if x.Has(f) {
			b.WriteString(" " + f)
		}
	}
	return true
}

// listPorts is MASQUERADE_print and REDIRECT_print.
func listPorts(label string) listPrinter {
	return func(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
		if o := x.Opt("to-ports"); o != nil {
			b.WriteString(label + " " + o.Arg())
		}
		for _, f := range []string{"random", "random-fully"} {
			if x.Has(f) {
				b.WriteString(" " + f)
			}
		}
		return true
	}
}

// listCT is ct_print for notrack, helper and zone.
func listCT(b *strings.Builder, x *iptparse.Ext, _ listCtx) bool {
	b.WriteString(" CT")
	for _, o := range x.Options {
		switch o.Name {
		case "notrack":
			b.WriteString(" notrack")
		case "helper", "zone":
			b.WriteString(" " + o.Name + " " + o.Arg())
		default:
			return false
		}
	}
	return true
}

// connmarkMasks are CONNMARK's --nfmask and --ctmask (--mask sets both).
func connmarkMasks(x *iptparse.Ext) (nf, ct uint64) {
	nf, ct = 0xffffffff, 0xffffffff
	if o := x.Opt("mask"); o != nil {
		nf, ct = o.Value.(uint64), o.Value.(uint64)
	}
	if o := x.Opt("nfmask"); o != nil {
		nf = o.Value.(uint64)
	}
	if o := x.Opt("ctmask"); o != nil {
		ct = o.Value.(uint64)
	}
	return nf, ct
}
