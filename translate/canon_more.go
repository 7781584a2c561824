package translate

import (
	"fmt"
	"math"
	"net/netip"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// More savers (see canon_ext.go): extensions whose iptables save
// function prints options in its own order or spelling, found by
// shim/random_ext_test.go against iptables-legacy 1.8.9.
var moreCanonSavers = lazy.Of[map[string]canonSaver]{New: func() map[string]canonSaver {
	return map[string]canonSaver{
		"dscp":          saveDSCPMatch,
		"tos":           saveTOSMatch,
		"iprange":       saveIPRange,
		"addrtype":      saveAddrtype,
		"connlimit":     saveConnlimit,
		"statistic":     saveStatistic,
		"connbytes":     saveConnbytes,
		"policy":        savePolicy,
		"realm":         saveValMask("realm", "rt_realms", "realm"),
		"devgroup":      saveValMask("devgroup", "group", "src-group", "dst-group"),
		"time":          saveTime,
		"hashlimit":     saveHashlimit,
		"string":        saveStringMatch,
		"owner":         saveOwner,
		"ecn":           saveECN,
		"rt":            saveRT,
		"frag":          saveFrag,
		"ipv6header":    saveIPv6Header,
		"u32":           saveU32,
		"-j CT":         saveCT,
		"socket":        saveFlagsInOrder("transparent", "nowildcard", "restore-skmark"),
		"cgroup":        saveCgroup,
		"-j TPROXY":     saveTPROXY,
		"cluster":       saveCluster,
		"mh":            saveMH,
		"dccp":          saveDCCP,
		"-j SYNPROXY":   saveSYNPROXY,
		"rpfilter":      saveFlagsInOrder("loose", "validmark", "accept-local", "invert"),
		"ah":            saveSPI("ahspi"),
		"esp":           saveSPI("espspi"),
		"-j DSCP":       saveDSCPTarget,
		"-j TOS":        saveTOSTarget,
		"-j AUDIT":      saveAUDIT,
		"-j CLASSIFY":   saveCLASSIFY,
		"-j SET":        saveSETTarget,
		"-j DNAT":       saveNAT,
		"-j SNAT":       saveNAT,
		"-j MASQUERADE": saveNAT,
		"-j REDIRECT":   saveNAT,
	}
}}

// saveDSCPMatch is dscp_save: the value in hex, also for a class name.
func saveDSCPMatch(b *canonBuf, x *iptparse.Ext) bool {
	v, neg := dscpValue(x, "dscp", "dscp-class")
	b.opt(neg, "dscp", fmt.Sprintf("0x%02x", v))
	return true
}

// saveDSCPTarget is DSCP_save.
func saveDSCPTarget(b *canonBuf, x *iptparse.Ext) bool {
	if len(x.Options) == 0 {
		return false
	}
	v, _ := dscpValue(x, "set-dscp", "set-dscp-class")
	b.opt(false, "set-dscp", fmt.Sprintf("0x%02x", v))
	return true
}

// saveTOSMatch is tos_mt_save: value/mask in hex.
func saveTOSMatch(b *canonBuf, x *iptparse.Ext) bool {
	o := x.Opt("tos")
	vm, ok := o.Value.(iptparse.ValueMask)
	if !ok {
		return false
	}
	b.opt(o.Neg, "tos", fmt.Sprintf("0x%02x/0x%02x", vm.Value, vm.Mask))
	return true
}

// saveTOSTarget is tos_tg_save: every action as --set-tos value/mask.
func saveTOSTarget(b *canonBuf, x *iptparse.Ext) bool {
	if len(x.Options) != 1 {
		return false
	}
	v, m := tosValueMask(x.Options[0])
	b.opt(false, "set-tos", fmt.Sprintf("0x%02x/0x%02x", v, m))
	return true
}

// saveIPRange is iprange_mt4_save/iprange_mt6_save: source first.
func saveIPRange(b *canonBuf, x *iptparse.Ext) bool {
	for _, name := range []string{"src-range", "dst-range"} {
		o := x.Opt(name)
		if o == nil {
			continue
		}
		lo, hi, err := parseIPRange(o.Arg(), b.fam, name)
		if err != nil {
			return false
		}
		b.opt(o.Neg, name, lo.String()+"-"+hi.String())
	}
	return true
}

// saveAddrtype is addrtype_save_v1: types upper case in the kernel's
// order, source first, then the interface limits.
func saveAddrtype(b *canonBuf, x *iptparse.Ext) bool {
	for _, name := range []string{"src-type", "dst-type"} {
		o := x.Opt(name)
		if o == nil {
			continue
		}
		mask, err := parseAddrTypes(o.Arg())
		if err != nil {
			return false
		}
		var types []string
		for i, t := range addrTypeOrder {
			if mask&(1<<i) != 0 {
				types = append(types, t)
			}
		}
		b.opt(o.Neg, name, strings.Join(types, ","))
	}
	for _, name := range []string{"limit-iface-in", "limit-iface-out"} {
		if x.Has(name) {
			b.opt(false, name)
		}
	}
	return true
}

// saveConnlimit is connlimit_save4/6 (revision 1): the limit as
// --connlimit-upto or --connlimit-above, the mask length, the address.
func saveConnlimit(b *canonBuf, x *iptparse.Ext) bool {
	upto := false
	var limit uint64
	if o := x.Opt("connlimit-above"); o != nil {
		limit, upto = o.Value.(uint64), o.Neg
	}
	if o := x.Opt("connlimit-upto"); o != nil {
		limit, upto = o.Value.(uint64), !o.Neg
	}
	if upto {
		b.opt(false, "connlimit-upto", strconv.FormatUint(limit, 10))
	} else {
		b.opt(false, "connlimit-above", strconv.FormatUint(limit, 10))
	}
	bits := 32
	if b.fam == iptparse.FamilyIPv6 {
		bits = 128
	}
	if o := x.Opt("connlimit-mask"); o != nil {
		p, ok := o.Value.(iptparse.Plen)
		if !ok {
			return false
		}
		bits = p.Bits
	}
	b.opt(false, "connlimit-mask", strconv.Itoa(bits))
	if x.Has("connlimit-daddr") {
		b.opt(false, "connlimit-daddr")
	} else {
		b.opt(false, "connlimit-saddr")
	}
	return true
}

// saveStatistic is statistic_save (print_match with "--"): the
// negation after the mode, the probability as the kernel keeps it.
func saveStatistic(b *canonBuf, x *iptparse.Ext) bool {
	neg := ""
	if statisticNeg(x) {
		neg = " !"
	}
	switch x.Opt("mode").Arg() {
	case "random":
		p, ok := x.Opt("probability").Value.(float64)
		if !ok {
			return false
		}
		k := uint32(math.Round(0x80000000 * p))
		fmt.Fprintf(b, " --mode random%s --probability %.11f", neg, float64(k)/0x80000000)
	case "nth":
		every, ok := optUint(x, "every")
		if !ok {
			return false
		}
		packet, _ := optUint(x, "packet")
		fmt.Fprintf(b, " --mode nth%s --every %d --packet %d", neg, every, packet)
	default:
		return false
	}
	return true
}

// saveConnbytes is connbytes_save: the range (a negated one is kept
// reversed and printed with "!"), mode, direction.
func saveConnbytes(b *canonBuf, x *iptparse.Ext) bool {
	o := x.Opt("connbytes")
	r, ok := o.Value.(iptparse.Range)
	if !ok {
		return false
	}
	from, to := r.Lo, uint64(math.MaxUint64)
	if r.N == 2 {
		to = r.Hi
	}
	s := strconv.FormatUint(from, 10)
	if to != 0 && to < math.MaxUint64 {
		s += ":" + strconv.FormatUint(to, 10)
	}
	b.opt(o.Neg && from != to, "connbytes", s)
	b.opt(false, "connbytes-mode", x.Opt("connbytes-mode").Arg())
	b.opt(false, "connbytes-dir", x.Opt("connbytes-dir").Arg())
	return true
}

// savePolicy is policy4_save/policy6_save for a match without elements
// (the shim stores no others): --dir, --pol, --strict.
func savePolicy(b *canonBuf, x *iptparse.Ext) bool {
	for _, o := range x.Options {
		switch o.Name {
		case "dir", "pol", "strict":
		default:
			return false
		}
	}
	dir := "out"
	if o := x.Opt("dir"); o != nil && o.Arg() == "in" {
		dir = "in"
	}
	pol := "ipsec"
	if o := x.Opt("pol"); o != nil && o.Arg() == "none" {
		pol = "none"
	}
	b.opt(false, "dir", dir)
	b.opt(false, "pol", pol)
	if x.Has("strict") {
		b.opt(false, "strict")
	}
	return true
}

// saveValMask is xtables_print_val_mask for realm and devgroup: the
// name from /etc/iproute2 for a value without mask that has one, else
// 0xV or 0xV/0xM; a name written is looked up there.
func saveValMask(ext, file string, opts ...string) canonSaver {
	return func(b *canonBuf, x *iptparse.Ext) bool {
		names := iproute2Names(file)
		for _, name := range opts {
			o := x.Opt(name)
			if o == nil {
				continue
			}
			v, m, word, err := parseValMask(ext, name, o.Arg())
			if err != nil {
				return false
			}
			if word != "" {
				found := false
				for id, n := range names {
					if n == word {
						v, m, found = id, 0xffffffff, true
					}
				}
				if !found {
					return false
				}
			}
			s := hex32(v)
			if m != 0xffffffff {
				s += "/" + hex32(m)
			} else if n, ok := names[v]; ok {
				s = n
			}
			b.opt(o.Neg, name, s)
		}
		return true
	}
}

// iproute2Names reads /etc/iproute2/FILE ("id name" lines), as
// xtables_lmap_init does for iptables' printing.
func iproute2Names(file string) map[uint64]string {
	data, err := os.ReadFile("/etc/iproute2/" + file)
	names := map[uint64]string{}
	if err != nil {
		return names
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		id, ok := iptparse.ParseUint(f[0], 0, 0, 0xffffffff)
		if !ok {
			continue
		}
		if _, dup := names[id]; !dup {
			names[id] = f[1]
		}
	}
	return names
}

// saveTime is time_save: times of day with seconds, month days and
// week days from their masks (a negation is folded into the mask), the
// dates (iptables 1.8.9 prints the default stop date too: it compares
// it with LONG_MAX, not INT_MAX), the flags.
func saveTime(b *canonBuf, x *iptparse.Ext) bool {
	ti, err := parseTime(x)
	if err != nil {
		return false
	}
	if ti.hasDaytime {
		b.opt(false, "timestart", hms(ti.dayStart))
		b.opt(false, "timestop", hms(ti.dayStop))
	}
	if ti.monthdays != timeAllMonthdays {
		var days []string
		for i := 1; i <= 31; i++ {
			if ti.monthdays&(1<<i) != 0 {
				days = append(days, strconv.Itoa(i))
			}
		}
		b.opt(false, "monthdays", strings.Join(days, ","))
	}
	if ti.weekdays != timeAllWeekdays {
		var days []string
		for i := 1; i <= 7; i++ {
			if ti.weekdays&(1<<i) != 0 {
				days = append(days, weekDayNames[i])
			}
		}
		b.opt(false, "weekdays", strings.Join(days, ","))
	}
	for _, d := range []struct {
		name string
		v    uint64
	}{{"datestart", ti.dateStart}, {"datestop", ti.dateStop}} {
		if d.v != 0 {
			b.opt(false, d.name, time.Unix(int64(d.v), 0).UTC().Format("2006-01-02T15:04:05"))
		}
	}
	if ti.kernelTZ {
		b.opt(false, "kerneltz")
	}
	if ti.contiguous {
		b.opt(false, "contiguous")
	}
	return true
}

// saveHashlimit is hashlimit_mt_save (revision 3) for packet rates.
func saveHashlimit(b *canonBuf, x *iptparse.Ext) bool {
	cfg, err := parseHashlimit(x)
	if err != nil || cfg.avg == 0 {
		return false
	}
	if cfg.invert {
		b.WriteString(" --hashlimit-above")
	} else {
		b.WriteString(" --hashlimit-upto")
	}
	var quantum uint64
	if cfg.bytes {
		quantum = hlPrintBytes(b, cfg)
	} else {
		quantum = hlPrintRate(b, cfg)
	}
	var modes []string
	for _, m := range []struct {
		bit  uint32
		name string
	}{{hlHashSIP, "srcip"}, {hlHashSPT, "srcport"}, {hlHashDIP, "dstip"}, {hlHashDPT, "dstport"}} {
		if cfg.mode&m.bit != 0 {
			modes = append(modes, m.name)
		}
	}
	if len(modes) > 0 {
		b.opt(false, "hashlimit-mode", strings.Join(modes, ","))
	}
	b.opt(false, "hashlimit-name", cfg.name)
	if cfg.size != 0 {
		b.opt(false, "hashlimit-htable-size", strconv.FormatUint(uint64(cfg.size), 10))
	}
	if cfg.max != 0 {
		b.opt(false, "hashlimit-htable-max", strconv.FormatUint(uint64(cfg.max), 10))
	}
	if cfg.gcInterval != hlDefaultGC {
		b.opt(false, "hashlimit-htable-gcinterval", strconv.FormatUint(uint64(cfg.gcInterval), 10))
	}
	if uint64(cfg.expire) != quantum {
		b.opt(false, "hashlimit-htable-expire", strconv.FormatUint(uint64(cfg.expire), 10))
	}
	full := 32
	if b.fam == iptparse.FamilyIPv6 {
		full = 128
	}
	for _, m := range []struct {
		name string
		bits int
	}{{"hashlimit-srcmask", cfg.srcmask}, {"hashlimit-dstmask", cfg.dstmask}} {
		if m.bits >= 0 && m.bits != full {
			b.opt(false, m.name, strconv.Itoa(m.bits))
		}
	}
	if cfg.rateMatch {
		b.opt(false, "hashlimit-rate-match")
		if o := x.Opt("hashlimit-rate-interval"); o != nil && atoll(o.Arg()) != 1 {
			b.opt(false, "hashlimit-rate-interval", strconv.FormatInt(atoll(o.Arg()), 10))
		}
	}
	return true
}

// hlPrintRate is print_rate (revision 3) and the burst; it returns the
// default expiry.
func hlPrintRate(b *canonBuf, cfg *hlConfig) uint64 {
	rates := []struct {
		name string
		mult uint64
	}{{"day", hlScale * 24 * 60 * 60}, {"hour", hlScale * 60 * 60}, {"min", hlScale * 60}, {"sec", hlScale}}
	i := 1
	for ; i < len(rates); i++ {
		if cfg.avg > rates[i].mult || rates[i].mult/cfg.avg < rates[i].mult%cfg.avg {
			break
		}
	}
	fmt.Fprintf(b, " %d/%s", rates[i-1].mult/cfg.avg, rates[i-1].name)
	b.opt(false, "hashlimit-burst", strconv.FormatUint(cfg.burst, 10))
	return rates[i-1].mult / hlScale * 1000
}

// hlPrintBytes is print_bytes: the byte rate and burst in b, kb or mb;
// it returns the default expiry.
func hlPrintBytes(b *canonBuf, cfg *hlConfig) uint64 {
	r := hlCostToBytes(cfg.avg)
	i := 0
	for ; i < len(hlUnits)-1; i++ {
		if r >= hlUnits[i].thresh && hlBytesToCost(r&^(hlUnits[i].thresh-1)) == cfg.avg {
			break
		}
	}
	fmt.Fprintf(b, " %d%sb/s", r/hlUnits[i].thresh, hlUnits[i].name)
	if cfg.burst == 0 {
		return 15 * 1000 // XT_HASHLIMIT_BYTE_EXPIRE
	}
	r *= cfg.burst
	for i = 0; i < len(hlUnits)-1; i++ {
		if r >= hlUnits[i].thresh {
			break
		}
	}
	fmt.Fprintf(b, " --hashlimit-burst %d%sb", r/hlUnits[i].thresh, hlUnits[i].name)
	return 60 * 1000 // XT_HASHLIMIT_BYTE_EXPIRE_BURST
}

// saveStringMatch is string_save: the pattern in double quotes (as |hex| if
// it has a byte that is not printable or ends in a backslash), --algo,
// --from and --to unless they are the defaults, --icase.
func saveStringMatch(b *canonBuf, x *iptparse.Ext) bool {
	var pat []byte
	o := x.Opt("string")
	if o != nil {
		pat = []byte(o.Arg())
	} else if o = x.Opt("hex-string"); o != nil {
		p, err := stringParseHex(o.Arg())
		if err != nil {
			return false
		}
		pat = p
	}
	if len(pat) == 0 {
		return false
	}
	hex := pat[len(pat)-1] == '\\'
	for _, c := range pat {
		if c < 0x20 || c > 0x7e {
			hex = true
		}
	}
	var sb strings.Builder
	sb.WriteByte('"')
	if hex {
		fmt.Fprintf(&sb, "|%x|", pat)
		b.opt(o.Neg, "hex-string")
	} else {
		for _, c := range pat {
			if c == '"' || c == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(c)
		}
		b.opt(o.Neg, "string")
	}
	sb.WriteByte('"')
	b.WriteString(" " + sb.String())
	b.opt(false, "algo", x.Opt("algo").Arg())
	if v, ok := optUint(x, "from"); ok && v != 0 {
		b.opt(false, "from", strconv.FormatUint(v, 10))
	}
	if v, ok := optUint(x, "to"); ok && v != 0xffff {
		b.opt(false, "to", strconv.FormatUint(v, 10))
	}
	if x.Has("icase") {
		b.opt(false, "icase")
	}
	return true
}

// saveOwner is owner_mt_save: socket, uid, gid, supplementary groups,
// ids as numbers (names looked up like iptables does when it parses).
func saveOwner(b *canonBuf, x *iptparse.Ext) bool {
	if o := x.Opt("socket-exists"); o != nil {
		b.opt(o.Neg, "socket-exists")
	}
	for _, name := range []string{"uid-owner", "gid-owner"} {
		o := x.Opt(name)
		if o == nil {
			continue
		}
		id, err := parseOwnerID(o.Arg())
		if err != nil {
			return false
		}
		if id.name != "" {
			var n string
			if name == "uid-owner" {
				u, err := user.Lookup(id.name)
				if err != nil {
					return false
				}
				n = u.Uid
			} else {
				g, err := user.LookupGroup(id.name)
				if err != nil {
					return false
				}
				n = g.Gid
			}
			v, err := strconv.ParseUint(n, 10, 32)
			if err != nil {
				return false
			}
			id.lo, id.hi = v, v
		}
		s := strconv.FormatUint(id.lo, 10)
		if id.hi != id.lo {
			s += "-" + strconv.FormatUint(id.hi, 10)
		}
		b.opt(o.Neg, name, s)
	}
	if o := x.Opt("suppl-groups"); o != nil {
		b.opt(o.Neg, "suppl-groups")
	}
	return true
}

// saveECN is ecn_save: ECE, CWR, then the IP ECT value.
func saveECN(b *canonBuf, x *iptparse.Ext) bool {
	for _, name := range []string{"ecn-tcp-ece", "ecn-tcp-cwr"} {
		if o := x.Opt(name); o != nil {
			b.opt(o.Neg, name)
		}
	}
	b.num(x, "ecn-ip-ect")
	return true
}

// saveFlagsInOrder prints flag options in the given order.
func saveFlagsInOrder(names ...string) canonSaver {
	return func(b *canonBuf, x *iptparse.Ext) bool {
		for _, o := range x.Options {
			if o.Neg || len(o.Args) > 0 {
				return false
			}
		}
		for _, n := range names {
			if x.Has(n) {
				b.opt(false, n)
			}
		}
		return true
	}
}

// saveSPI is ah_save/esp_save: one number for a one-value range,
// nothing for the whole range.
func saveSPI(name string) canonSaver {
	return func(b *canonBuf, x *iptparse.Ext) bool {
		for _, o := range x.Options {
			if o.Name != name {
				return false
			}
		}
		return b.idRange(x, name)
	}
}

// saveAUDIT is audit_save: the type in lower case.
func saveAUDIT(b *canonBuf, x *iptparse.Ext) bool {
	b.opt(false, "type", strings.ToLower(x.Opt("type").Arg()))
	return true
}

// saveCLASSIFY is CLASSIFY_save: %.4x:%.4x.
func saveCLASSIFY(b *canonBuf, x *iptparse.Ext) bool {
	p, ok := parseClass(x.Opt("set-class").Arg())
	if !ok {
		return false
	}
	b.opt(false, "set-class", fmt.Sprintf("%04x:%04x", p>>16, p&0xffff))
	return true
}

// saveSETTarget is set_target_save_v3: add-set, exist, timeout,
// del-set, map-set, then the map flags.
func saveSETTarget(b *canonBuf, x *iptparse.Ext) bool {
	set := func(name string) {
		if o := x.Opt(name); o != nil {
			var args []string
			for _, a := range o.Args {
				args = append(args, canonWord(a.Text))
			}
			b.opt(false, name, args...)
		}
	}
	set("add-set")
	if x.Has("exist") {
		b.opt(false, "exist")
	}
	if o := x.Opt("timeout"); o != nil {
		b.opt(false, "timeout", strconv.FormatUint(o.Value.(uint64), 10))
	}
	set("del-set")
	set("map-set")
	for _, f := range []string{"map-mark", "map-prio", "map-queue"} {
		if x.Has(f) {
			b.opt(false, f)
		}
	}
	return true
}

// saveNAT is __NAT_print with "--": the range option, then random,
// random-fully, persistent.
func saveNAT(b *canonBuf, x *iptparse.Ext) bool {
	for _, o := range x.Options {
		switch o.Name {
		case "to-destination", "to-source", "to-ports":
			b.opt(false, o.Name, canonWord(o.Arg()))
		case "random", "random-fully", "persistent":
		default:
			return false
		}
	}
	for _, f := range []string{"random", "random-fully", "persistent"} {
		if x.Has(f) {
			b.opt(false, f)
		}
	}
	return true
}

// idRange writes a range option of 32-bit ids (SPIs, segments left,
// fragment ids) as iptables saves them: "N" or "N:M", and not at all
// when it is every id and not negated. False if the option holds no
// range.
func (b *canonBuf) idRange(x *iptparse.Ext, name string) bool {
	o := x.Opt(name)
	if o == nil {
		return true
	}
	r, ok := o.Value.(iptparse.Range)
	if !ok {
		return false
	}
	lo, hi := r.Lo, r.Lo
	if r.N == 2 {
		hi = r.Hi
	}
	if lo == 0 && hi == 0xffffffff && !o.Neg {
		return true
	}
	s := strconv.FormatUint(lo, 10)
	if hi != lo {
		s += ":" + strconv.FormatUint(hi, 10)
	}
	b.opt(o.Neg, name, s)
	return true
}

// num writes a numeric option, if the rule has it.
func (b *canonBuf) num(x *iptparse.Ext, name string) {
	if o := x.Opt(name); o != nil {
		b.opt(o.Neg, name, strconv.FormatUint(o.Value.(uint64), 10))
	}
}

// saveRT is rt_save (without --rt-0-addrs).
func saveRT(b *canonBuf, x *iptparse.Ext) bool {
	if x.Has("rt-0-addrs") {
		return false
	}
	b.num(x, "rt-type")
	if !b.idRange(x, "rt-segsleft") {
		return false
	}
	b.num(x, "rt-len")
	for _, f := range []string{"rt-0-res", "rt-0-not-strict"} {
		if x.Has(f) {
			b.opt(false, f)
		}
	}
	return true
}

// saveFrag is frag_save.
func saveFrag(b *canonBuf, x *iptparse.Ext) bool {
	if !b.idRange(x, "fragid") {
		return false
	}
	b.num(x, "fraglen")
	for _, f := range []string{"fragres", "fragfirst", "fragmore", "fraglast"} {
		if x.Has(f) {
			b.opt(false, f)
		}
	}
	return true
}

// ip6hOrder is chain_flags: the header bits in the order print_header
// prints them, with their protocol numbers.
var ip6hOrder = []struct {
	bit   uint8
	proto uint8
}{{ip6hHop, 0}, {ip6hDst, 60}, {ip6hRoute, 43}, {ip6hFrag, 44}, {ip6hAuth, 51}, {ip6hESP, 50}, {ip6hNone, 59}, {ip6hProto, 255}}

// saveIPv6Header is ipv6header_save: the headers by their protocols
// database names (proto_to_name), in chain_flags order.
func saveIPv6Header(b *canonBuf, x *iptparse.Ext) bool {
	o := x.Opt("header")
	mask, err := parseIPv6Headers(o.Arg())
	if err != nil {
		return false
	}
	var names []string
	for _, h := range ip6hOrder {
		if mask&h.bit == 0 {
			continue
		}
		name := ""
		if h.proto != 0 {
			name = iptparse.ProtocolDBName(h.proto)
		}
		if name == "" {
			for n, p := range map[string]uint8{"hop-by-hop": 0, "dst": 60, "route": 43, "frag": 44, "auth": 51, "esp": 50, "none": 59, "protocol": 255} {
				if p == h.proto {
					name = n
				}
			}
		}
		names = append(names, name)
	}
	b.opt(o.Neg, "header", strings.Join(names, ","))
	if x.Has("soft") {
		b.opt(false, "soft")
	}
	return true
}

// saveU32 is u32_save (u32_dump): every number in hex, in double quotes.
func saveU32(b *canonBuf, x *iptparse.Ext) bool {
	o := x.Opt("u32")
	tests, err := parseU32(o.Arg())
	if err != nil {
		return false
	}
	var sb strings.Builder
	sb.WriteByte('"')
	for i, t := range tests {
		if i > 0 {
			sb.WriteString("&&")
		}
		for j, l := range t.locs {
			if j > 0 {
				sb.WriteString([]string{"&", "<<", ">>", "@"}[l.op])
			}
			fmt.Fprintf(&sb, "0x%x", l.num)
		}
		sb.WriteByte('=')
		for j, v := range t.vals {
			if j > 0 {
				sb.WriteByte(',')
			}
			if v.min == v.max {
				fmt.Fprintf(&sb, "0x%x", v.min)
			} else {
				fmt.Fprintf(&sb, "0x%x:0x%x", v.min, v.max)
			}
		}
	}
	sb.WriteByte('"')
	b.opt(o.Neg, "u32", sb.String())
	return true
}

// saveCluster is cluster_save: the node mask in hex, total, seed.
func saveCluster(b *canonBuf, x *iptparse.Ext) bool {
	mask, neg := clusterMask(x)
	total, _ := optUint(x, "cluster-total-nodes")
	seed, _ := optUint(x, "cluster-hash-seed")
	b.opt(neg, "cluster-local-nodemask", fmt.Sprintf("0x%08x", mask))
	b.opt(false, "cluster-total-nodes", strconv.FormatUint(total, 10))
	b.opt(false, "cluster-hash-seed", fmt.Sprintf("0x%08x", seed))
	return true
}

// saveMH is mh_save: the type range as numbers, nothing for all types.
func saveMH(b *canonBuf, x *iptparse.Ext) bool {
	o := x.Opt("mh-type")
	if o == nil {
		return true
	}
	lo, hi, err := parseMHTypes(o.Arg())
	if err != nil {
		return false
	}
	if lo == 0 && hi == 0xff && !o.Neg {
		return true
	}
	s := strconv.Itoa(int(lo))
	if hi != lo {
		s += ":" + strconv.Itoa(int(hi))
	}
	b.opt(o.Neg, "mh-type", s)
	return true
}

// saveDCCP is dccp_save for the ports and the option (types stay as
// written).
func saveDCCP(b *canonBuf, x *iptparse.Ext) bool {
	if x.Has("dccp-types") || !savePorts(b, x) {
		return false
	}
	b.num(x, "dccp-option")
	return true
}

// saveSYNPROXY is SYNPROXY_save.
func saveSYNPROXY(b *canonBuf, x *iptparse.Ext) bool {
	for _, f := range []string{"sack-perm", "timestamp", "wscale", "mss", "ecn"} {
		o := x.Opt(f)
		if o == nil {
			continue
		}
		if f == "wscale" || f == "mss" {
			b.opt(false, f, strconv.FormatUint(o.Value.(uint64), 10))
		} else {
			b.opt(false, f)
		}
	}
	return true
}

// saveCgroup is cgroup_save_v1/v2: the path, then the class id in
// decimal.
func saveCgroup(b *canonBuf, x *iptparse.Ext) bool {
	if o := x.Opt("path"); o != nil {
		b.opt(o.Neg, "path", saveString(o.Arg()))
	}
	b.num(x, "cgroup")
	return true
}

// saveTPROXY is tproxy_tg_save4/6: port, address (0.0.0.0 or :: when
// not given), mark/mask (0x0/0x0 when not given).
func saveTPROXY(b *canonBuf, x *iptparse.Ext) bool {
	port, ok := x.Opt("on-port").Value.(uint16)
	if !ok {
		return false
	}
	b.opt(false, "on-port", strconv.Itoa(int(port)))
	ip := "0.0.0.0"
	if b.fam == iptparse.FamilyIPv6 {
		ip = "::"
	}
	if o := x.Opt("on-ip"); o != nil {
		a, ok := o.Value.(netip.Addr)
		if !ok {
			return false
		}
		ip = a.String()
	}
	b.opt(false, "on-ip", ip)
	var vm iptparse.ValueMask
	if o := x.Opt("tproxy-mark"); o != nil {
		if vm, ok = o.Value.(iptparse.ValueMask); !ok {
			return false
		}
	}
	b.opt(false, "tproxy-mark", hex32(vm.Value)+"/"+hex32(vm.Mask))
	return true
}

// saveCT is ct_save_v1 for notrack, helper, timeout and one zone option
// (a zone 0 is not printed).
func saveCT(b *canonBuf, x *iptparse.Ext) bool {
	var zone *iptparse.Option
	for _, o := range x.Options {
		switch o.Name {
		case "notrack", "helper", "timeout":
		case "zone", "zone-orig", "zone-reply":
			if zone != nil {
				return false
			}
			zone = o
		default:
			return false
		}
	}
	if x.Has("notrack") {
		b.opt(false, "notrack")
	}
	for _, n := range []string{"helper", "timeout"} {
		if o := x.Opt(n); o != nil {
			b.opt(false, n, canonWord(o.Arg()))
		}
	}
	if zone != nil {
		if zone.Arg() == "mark" {
			b.opt(false, zone.Name, "mark")
		} else if v, ok := iptparse.ParseUint(zone.Arg(), 0, 0, 0xffff); !ok {
			return false
		} else if v != 0 {
			b.opt(false, zone.Name, strconv.FormatUint(v, 10))
		}
	}
	return true
}
