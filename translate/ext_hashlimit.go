package translate

import (
	"fmt"
	"math"
	"net/netip"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m hashlimit (libxt_hashlimit.c, revision 3, which iptables 1.8.11 uses).
//
// The kernel keeps one hash table per --hashlimit-name (and family): the
// first rule that uses a name creates the table, and its options (mode,
// masks, rate, burst, expiry, size) apply to every later rule using the
// same name; those rules only bring their own --hashlimit-upto/above
// direction. Their buckets are shared.
//
// Exact mode prints upstream's "meter NAME { KEY timeout T limit rate ... }"
// with these corrections (docs/upstream-differences.md):
//   - the timeout is always written, in milliseconds when needed (upstream
//     leaves it out when the expiry is one second, so entries never expire,
//     and truncates it to whole seconds);
//   - port modes use the rule's protocol (upstream always writes "tcp
//     dport", which makes UDP packets skip the meter);
//   - --hashlimit-mode none keys on the constant "ip version" (upstream
//     writes a meter without a key, which nft rejects);
//   - --hashlimit-rate-match is untranslatable (upstream ignores it).
//
// Normal mode declares one dynamic set per hashlimit table, named
// hashlimit_NAME, with the table's size (--hashlimit-htable-max, or 8 x
// --hashlimit-htable-size, or the kernel's usual 65536), timeout and
// gc-interval, and rules use "update @hashlimit_NAME { KEY limit rate
// [over] ... }": update refreshes the element's timeout on every packet,
// as hashlimit refreshes its entry's expiry. Later rules with the same
// name use the first rule's definition (with a warning if theirs
// differs), as the kernel does.
//
// Packet rates are the same token bucket in both (burst packets, refilled
// at the rate). With a byte rate the kernel's bucket holds one second of
// traffic and the burst is an allowance used once per entry; nft's burst
// is added to the bucket and refills, which normal mode warns about.

var extHashlimit = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "hashlimit", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "hashlimit-upto", Aliases: []string{"hashlimit"}, Type: iptparse.TypeString, Flags: inv, Excl: []string{"hashlimit-above"}},
				{Name: "hashlimit-above", Type: iptparse.TypeString, Flags: inv, Excl: []string{"hashlimit-upto"}},
				{Name: "hashlimit-srcmask", Type: iptparse.TypePlen},
				{Name: "hashlimit-dstmask", Type: iptparse.TypePlen},
				{Name: "hashlimit-burst", Type: iptparse.TypeString},
				{Name: "hashlimit-htable-size", Type: iptparse.TypeUint32},
				{Name: "hashlimit-htable-max", Type: iptparse.TypeUint32},
				{Name: "hashlimit-htable-gcinterval", Type: iptparse.TypeUint32},
				{Name: "hashlimit-htable-expire", Type: iptparse.TypeUint32},
				{Name: "hashlimit-mode", Type: iptparse.TypeString},
				{Name: "hashlimit-name", Type: iptparse.TypeString, Flags: mand, Min: 1},
				{Name: "hashlimit-rate-match"},
				{Name: "hashlimit-rate-interval", Type: iptparse.TypeString},
			},
			Check: func(x *iptparse.Ext) error {
				_, err := parseHashlimit(x)
				return err
			},
		},
		Translate: translateHashlimit,
	},
}

func init() { registerAll(extHashlimit) }

const (
	hlScale       = 1000000 // XT_HASHLIMIT_SCALE_v2
	hlBurstMax    = 1000000 // XT_HASHLIMIT_BURST_MAX
	hlByteShift   = 4       // XT_HASHLIMIT_BYTE_SHIFT
	hlDefaultGC   = 1000    // ms
	hlDefaultSize = 65536   // 8 x 8192 buckets, the kernel's default on hosts with more than 1 GiB
	hlNameMax     = 254     // char name[NAME_MAX]

	hlHashDIP = 1 << 0
	hlHashDPT = 1 << 1
	hlHashSIP = 1 << 2
	hlHashSPT = 1 << 3
)

// hlConfig is a parsed hashlimit match, as the kernel sees it.
type hlConfig struct {
	name       string
	invert     bool // --hashlimit-above (or ! --hashlimit-upto)
	bytes      bool // the rate is in bytes
	avg        uint64
	burst      uint64
	mode       uint32
	srcmask    int
	dstmask    int
	size, max  uint32
	gcInterval uint32 // ms
	expire     uint32 // ms
	rateMatch  bool
}

// sameTable reports whether two configurations make the same kernel
// table (everything but the direction).
func (a *hlConfig) sameTable(b *hlConfig) bool {
	x, y := *a, *b
	x.invert, y.invert = false, false
	return x == y
}

func hlOptErr(x *iptparse.Ext, o *iptparse.Option, format string, args ...any) error {
	pos := x.Pos
	if o != nil {
		pos = o.Pos
	}
	return &iptparse.Error{Pos: pos, Ext: x.Label(), Msg: fmt.Sprintf(format, args...)}
}

// atoll mimics C's atoll: optional blanks and sign, then digits.
func atoll(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var v int64
	for _, r := range s {
		if r < '0' || r > '9' {
			break
		}
		v = v*10 + int64(r-'0')
	}
	if neg {
		return -v
	}
	return v
}

func hlFactor(c byte) uint64 {
	switch c {
	case 'm':
		return 1024 * 1024
	case 'k':
		return 1024
	}
	return 1
}

func hlBytesToCost(bytes uint64) uint64 {
	r := uint32(bytes >> hlByteShift)
	return uint64(math.MaxUint32 / (uint64(r) + 1))
}

func hlCostToBytes(cost uint64) uint64 {
	r := uint64(math.MaxUint32)
	if cost != 0 {
		r = math.MaxUint32 / cost
	}
	return (r - 1) << hlByteShift
}

// hlParseBytes is parse_bytes: "NNN[k|m]b/s".
func hlParseBytes(rate string) (avg uint64, ok bool, err error) {
	i := strings.Index(rate, "b/s")
	if i <= 0 {
		return 0, false, nil
	}
	r := atoll(rate)
	if r == 0 {
		return 0, false, nil
	}
	tmp := uint64(r) * hlFactor(rate[i-1])
	tmp = hlBytesToCost(tmp)
	if tmp == 0 {
		return 0, false, fmt.Errorf("Rate too high \"%s\"", rate)
	}
	return tmp, true, nil
}

// hlParseRate is parse_rate: "NNN[/second|minute|hour|day]" (any prefix
// of the unit). It returns the average cost and the unit in seconds.
func hlParseRate(rate string) (avg uint64, mult uint64, ok bool, err error) {
	mult = 1
	if i := strings.IndexByte(rate, '/'); i >= 0 {
		unit := rate[i+1:]
		if unit == "" {
			return 0, 0, false, nil
		}
		prefix := func(full string) bool {
			return len(unit) <= len(full) && strings.EqualFold(full[:len(unit)], unit)
		}
		switch {
		case prefix("second"):
			mult = 1
		case prefix("minute"):
			mult = 60
		case prefix("hour"):
			mult = 3600
		case prefix("day"):
			mult = 86400
		default:
			return 0, 0, false, nil
		}
	}
	r := atoll(rate)
	if r == 0 {
		return 0, 0, false, nil
	}
	tmp := uint64(hlScale) * mult / uint64(r)
	if tmp == 0 {
		return 0, 0, false, fmt.Errorf("Rate too fast \"%s\"", rate)
	}
	return tmp, mult, true, nil
}

// hlParseBurst is parse_burst for revision 2 and later.
func hlParseBurst(s string) (uint64, error) {
	bad := fmt.Errorf("bad value for option \"--hashlimit-burst\", or out of range (1-%d).", hlBurstMax)
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	t = strings.TrimPrefix(t, "+")
	// strtoumax with base 0: the longest numeric prefix.
	base, digits := 10, t
	switch {
	case len(t) > 1 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'):
		base, digits = 16, t[2:]
	case len(t) > 0 && t[0] == '0':
		base = 8
	}
	n := 0
	var v uint64
	for n < len(digits) {
		d := strings.IndexByte("0123456789abcdef", lower(digits[n]))
		if d < 0 || d >= base {
			break
		}
		if v > (math.MaxUint64-uint64(d))/uint64(base) {
			return 0, bad
		}
		v = v*uint64(base) + uint64(d)
		n++
	}
	if n == 0 {
		return 0, bad
	}
	end := digits[n:]
	if v < 1 || (end == "" && v > hlBurstMax) {
		return 0, bad
	}
	var f uint64 = 1
	if end != "" {
		f = hlFactor(end[0])
	}
	if f != 1 && v > math.MaxUint64/f {
		return 0, fmt.Errorf("bad value for option \"--hashlimit-burst\", value \"%s\" too large (max %dmb).", s, uint64(math.MaxUint64)/1024/1024)
	}
	return v * f, nil
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// parseHashlimit reproduces hashlimit_mt_parse and hashlimit_mt_check,
// plus the checks the kernel makes when the rule is loaded.
func parseHashlimit(x *iptparse.Ext) (*hlConfig, error) {
	// Masks are -1 for "the whole address" until the family is known.
	cfg := &hlConfig{burst: 5, gcInterval: hlDefaultGC, srcmask: -1, dstmask: -1}
	var mult uint64 = 1
	rateOpt := x.Opt("hashlimit-upto")
	cfg.invert = rateOpt != nil && rateOpt.Neg
	if o := x.Opt("hashlimit-above"); o != nil {
		rateOpt, cfg.invert = o, !o.Neg
	}
	if rateOpt == nil {
		return nil, hlOptErr(x, nil, "You have to specify --hashlimit")
	}
	optName := "--hashlimit-upto"
	if rateOpt.Name == "hashlimit-above" {
		optName = "--hashlimit-above"
	}
	rate := rateOpt.Arg()
	avg, isBytes, err := hlParseBytes(rate)
	if err != nil {
		return nil, hlOptErr(x, rateOpt, "%v", err)
	}
	if isBytes {
		cfg.bytes, cfg.avg, mult = true, avg, 15 // XT_HASHLIMIT_BYTE_EXPIRE
	} else {
		avg, m, ok, err := hlParseRate(rate)
		if err != nil {
			return nil, hlOptErr(x, rateOpt, "%v", err)
		}
		if !ok {
			return nil, hlOptErr(x, rateOpt, "Bad value for option \"%s\": \"%s\"", optName, rate)
		}
		cfg.avg, mult = avg, m
	}
	burstOpt := x.Opt("hashlimit-burst")
	if burstOpt != nil {
		b, err := hlParseBurst(burstOpt.Arg())
		if err != nil {
			return nil, hlOptErr(x, burstOpt, "%v", err)
		}
		cfg.burst = b
	}
	if o := x.Opt("hashlimit-mode"); o != nil {
		for _, tok := range strings.FieldsFunc(o.Arg(), func(r rune) bool { return r == ',' || r == '|' }) {
			switch tok {
			case "dstip":
				cfg.mode |= hlHashDIP
			case "srcip":
				cfg.mode |= hlHashSIP
			case "srcport":
				cfg.mode |= hlHashSPT
			case "dstport":
				cfg.mode |= hlHashDPT
			default:
				return nil, hlOptErr(x, o, "Bad value for option \"--hashlimit-mode\": \"%s\"", o.Arg())
			}
		}
	}
	for _, m := range []struct {
		name string
		dst  *int
	}{{"hashlimit-srcmask", &cfg.srcmask}, {"hashlimit-dstmask", &cfg.dstmask}} {
		if o := x.Opt(m.name); o != nil {
			p := o.Value.(iptparse.Plen)
			if p.Bits < 0 {
				return nil, hlOptErr(x, o, "--%s: the mask must be a prefix length; the kernel rejects other masks", m.name)
			}
			*m.dst = p.Bits
		}
	}
	cfg.size = uint32(optU(x, "hashlimit-htable-size", 0))
	cfg.max = uint32(optU(x, "hashlimit-htable-max", 0))
	cfg.gcInterval = uint32(optU(x, "hashlimit-htable-gcinterval", hlDefaultGC))
	expireGiven := x.Has("hashlimit-htable-expire")
	cfg.expire = uint32(optU(x, "hashlimit-htable-expire", 0))
	if !expireGiven {
		cfg.expire = uint32(mult * 1000)
	}
	nameOpt := x.Opt("hashlimit-name")
	cfg.name = nameOpt.Arg()
	if len(cfg.name) > hlNameMax {
		cfg.name = cfg.name[:hlNameMax]
	}
	if cfg.name == "." || cfg.name == ".." || strings.ContainsRune(cfg.name, '/') {
		return nil, hlOptErr(x, nameOpt, "invalid --hashlimit-name \"%s\": the kernel uses it as a /proc file name", cfg.name)
	}
	cfg.rateMatch = x.Has("hashlimit-rate-match")
	if o := x.Opt("hashlimit-rate-interval"); o != nil {
		if atoll(o.Arg()) <= 0 {
			return nil, hlOptErr(x, o, "Bad value for option \"--hashlimit-rate-interval\": \"%s\"", o.Arg())
		}
	}
	if cfg.bytes {
		var burst uint64
		if burstOpt != nil {
			unit := hlCostToBytes(cfg.avg)
			if cfg.burst < unit {
				return nil, hlOptErr(x, burstOpt, "burst cannot be smaller than %db", unit)
			}
			burst = cfg.burst / unit
			if cfg.burst%unit != 0 {
				burst++
			}
			if !expireGiven {
				cfg.expire = 60 * 1000 // XT_HASHLIMIT_BYTE_EXPIRE_BURST
			}
		}
		cfg.burst = burst
	} else if cfg.burst > hlBurstMax {
		return nil, hlOptErr(x, burstOpt, "bad value for option \"--hashlimit-burst\", or out of range (1-%d).", hlBurstMax)
	}
	// hashlimit_mt_check_common in the kernel.
	if cfg.gcInterval == 0 || cfg.expire == 0 {
		return nil, hlOptErr(x, nil, "--hashlimit-htable-gcinterval and --hashlimit-htable-expire must not be 0 (the kernel rejects the rule)")
	}
	return cfg, nil
}

func optU(x *iptparse.Ext, name string, def uint64) uint64 {
	if v, ok := optUint(x, name); ok {
		return v
	}
	return def
}

// hlRate is print_packets_rate_xlate: the rate as N per unit.
func hlRate(avg uint64) (uint64, string) {
	rates := []struct {
		name string
		mult uint64
	}{
		{"day", hlScale * 24 * 60 * 60}, {"hour", hlScale * 60 * 60},
		{"minute", hlScale * 60}, {"second", hlScale},
	}
	i := 1
	for ; i < len(rates); i++ {
		if avg > rates[i].mult || rates[i].mult/avg < rates[i].mult%avg {
			break
		}
	}
	return rates[i-1].mult / avg, rates[i-1].name
}

var hlUnits = []struct {
	name   string
	thresh uint64
}{{"m", 1024 * 1024}, {"k", 1024}, {"", 1}}

// hlLimit builds the limit statement. Exact mode reproduces upstream's
// rounding of byte rates; normal mode writes the byte values exactly.
func hlLimit(cfg *hlConfig, exact bool) *ir.Limit {
	l := &ir.Limit{Over: cfg.invert, Per: "second"}
	if !cfg.bytes {
		l.Rate, l.Per = hlRate(cfg.avg)
		if cfg.burst != 5 {
			l.Burst, l.BurstUnit = cfg.burst, "packets"
		}
		return l
	}
	r := hlCostToBytes(cfg.avg)
	burstBytes := r * cfg.burst
	if exact {
		i := 0
		for ; i < len(hlUnits)-1; i++ {
			if r >= hlUnits[i].thresh && hlBytesToCost(r&^(hlUnits[i].thresh-1)) == cfg.avg {
				break
			}
		}
		l.Rate, l.RateUnit = r/hlUnits[i].thresh, hlUnits[i].name+"bytes"
		if cfg.burst > 0 {
			j := 0
			for ; j < len(hlUnits)-1; j++ {
				if burstBytes >= hlUnits[j].thresh {
					break
				}
			}
			l.Burst, l.BurstUnit = burstBytes/hlUnits[j].thresh, hlUnits[j].name+"bytes"
		}
		return l
	}
	l.Rate, l.RateUnit = byteUnit(r)
	if cfg.burst > 0 {
		l.Burst, l.BurstUnit = byteUnit(burstBytes)
	}
	return l
}

// byteUnit writes a byte count in the largest unit that divides it.
func byteUnit(n uint64) (uint64, string) {
	for _, u := range hlUnits {
		if n >= u.thresh && n%u.thresh == 0 {
			return n / u.thresh, u.name + "bytes"
		}
	}
	return n, "bytes"
}

// nftDuration writes milliseconds as an nft time: "60s", "1s500ms".
func nftDuration(ms uint64) string {
	s, r := ms/1000, ms%1000
	switch {
	case r == 0:
		return fmt.Sprintf("%ds", s)
	case s == 0:
		return fmt.Sprintf("%dms", r)
	}
	return fmt.Sprintf("%ds%dms", s, r)
}

// prefixMaskAddr is the netmask of a prefix length.
func prefixMaskAddr(bits int, v6 bool) netip.Addr {
	n := 4
	if v6 {
		n = 16
	}
	b := make([]byte, n)
	for i := 0; i < bits && i < n*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// upstreamV6Mask is hashlimit_print_subnet_xlate's IPv6 spelling: eight
// four-digit groups.
func upstreamV6Mask(bits int) string {
	a := prefixMaskAddr(bits, true).As16()
	parts := make([]string, 8)
	for i := range parts {
		parts[i] = fmt.Sprintf("%04x", uint16(a[2*i])<<8|uint16(a[2*i+1]))
	}
	return strings.Join(parts, ":")
}

// portProtocols are the protocols whose ports hashlimit reads (the
// kernel's proto_ports_offset, less ESP and AH whose "ports" are SPI
// halves).
var portProtocols = lazy.Of[map[uint8]string]{New: func() map[uint8]string {
	return map[uint8]string{6: "tcp", 17: "udp", 136: "udplite", 132: "sctp", 33: "dccp"}
}}

// hlKey builds the key: the mode's fields in upstream's order (dstip,
// dstport, srcip, srcport), joined with ".", and the nft type of each.
func hlKey(c *Ctx, x *iptparse.Ext, cfg *hlConfig) (ir.Expr, []string, error) {
	v6 := c.IsIPv6()
	addrType := "ipv4_addr"
	if v6 {
		addrType = "ipv6_addr"
	}
	var parts []ir.Expr
	var types []string
	addr := func(field string, bits int) {
		var e ir.Expr = &ir.Payload{Proto: c.L3(), Field: field}
		if bits >= 0 {
			var m ir.Expr = ir.IP(prefixMaskAddr(bits, v6))
			if c.Exact && v6 {
				m = ir.Sym(upstreamV6Mask(bits))
			}
			e = &ir.Binary{Op: ir.OpAnd, Left: e, Right: m, Words: true}
		}
		parts, types = append(parts, e), append(types, addrType)
	}
	port := func(field string) error {
		num, ok := c.Protocol()
		if !ok {
			return c.Untranslatable(x, "--hashlimit-mode %s needs the rule to match one protocol with -p: the kernel reads the port of TCP, UDP, UDP-Lite, SCTP and DCCP packets, the SPI of ESP and AH packets, and uses 0 for other protocols, which one nft key cannot reproduce", hlModeName(field))
		}
		if name, ok := portProtocols.Get()[num]; ok {
			parts = append(parts, &ir.Payload{Proto: name, Field: field})
			types = append(types, "inet_service")
			return nil
		}
		if num == 50 || num == 51 {
			return c.Untranslatable(x, "for ESP and AH the kernel keys --hashlimit-mode %s on half of the SPI", hlModeName(field))
		}
		// Other protocols have no ports: the kernel uses 0, a constant
		// that does not change the key.
		return nil
	}
	for bit := uint32(1); bit <= hlHashSPT; bit <<= 1 {
		if cfg.mode&bit == 0 {
			continue
		}
		var err error
		switch bit {
		case hlHashDIP:
			addr("daddr", cfg.dstmask)
		case hlHashDPT:
			err = port("dport")
		case hlHashSIP:
			addr("saddr", cfg.srcmask)
		case hlHashSPT:
			err = port("sport")
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if len(parts) == 0 {
		// No key: one bucket for all packets. "ip version" is constant
		// in an ip (ip6) table.
		return &ir.Payload{Proto: c.L3(), Field: "version"}, nil, nil
	}
	if len(parts) == 1 {
		return parts[0], types, nil
	}
	return &ir.Concat{Elems: parts}, types, nil
}

// hlModeName is the --hashlimit-mode word for a port field.
func hlModeName(field string) string {
	if field == "dport" {
		return "dstport"
	}
	return "srcport"
}

// hlState is the kernel table behind one --hashlimit-name in one family.
type hlState struct {
	cfg *hlConfig
	pos iptparse.Pos
	set *ir.Set
}

func translateHashlimit(c *Ctx, x *iptparse.Ext) error {
	cfg, err := parseHashlimit(x)
	if err != nil {
		return err
	}
	cfg.name = c.tr.keep(cfg.name) // the run's state and the ruleset keep it
	full := 32
	if c.IsIPv6() {
		full = 128
	}
	for _, m := range []*int{&cfg.srcmask, &cfg.dstmask} {
		if *m == full {
			*m = -1
		}
	}
	if cfg.rateMatch {
		return c.Untranslatable(x, "--hashlimit-rate-match counts packets per interval instead of limiting them with a token bucket; nft has no such rate meter")
	}
	if c.Exact {
		key, _, err := hlKey(c, x, cfg)
		if err != nil {
			return err
		}
		c.Add(&ir.Meter{Name: cfg.name, Key: key, Timeout: nftDuration(uint64(cfg.expire)), Stmt: hlLimit(cfg, true)})
		return nil
	}
	if cfg.bytes && cfg.burst > 0 {
		c.warnOnce("hashlimit-byte-burst", x.Pos, "-m hashlimit: with a byte rate, the kernel grants the --hashlimit-burst allowance once per entry (until it expires); nft's burst is part of the bucket and refills")
	}
	st := c.State(fmt.Sprintf("hashlimit/%s/%s", c.Family, cfg.name), func() any { return &hlState{} }).(*hlState)
	if st.cfg == nil {
		key, types, err := hlKey(c, x, cfg)
		if err != nil {
			return err
		}
		set := &ir.Set{
			Name:    "hashlimit_" + nftSafeName(cfg.name),
			Flags:   []string{"dynamic", "timeout"},
			Timeout: nftDuration(uint64(cfg.expire)),
			Size:    hlTableSize(cfg),
			Origin:  []iptparse.Pos{x.Pos},
		}
		if types == nil {
			// No mode: one bucket for the family. The key is a
			// constant of a named type, which the netlink backend and
			// nft's JSON can declare (neither takes "typeof", and the
			// exact mode's "ip version" has no type of its own); nft
			// takes "meta nfproto" in inet tables only.
			key, types = &ir.Meta{Key: "protocol"}, []string{"ether_type"}
		}
		set.Type = strings.Join(types, " . ")
		if cfg.gcInterval != hlDefaultGC {
			set.GCInt = nftDuration(uint64(cfg.gcInterval))
		}
		st.cfg, st.pos, st.set = cfg, x.Pos, set
		c.Add(&ir.SetUpdate{Op: "update", Set: c.DeclareSet(set), Key: key, Stmts: []ir.Stmt{hlLimit(cfg, false)}})
		return nil
	}
	first := st.cfg
	if first.invert != cfg.invert {
		return c.Untranslatable(x, "--hashlimit-name %s is also used at %s with the opposite --hashlimit-upto/--hashlimit-above; the kernel shares the buckets and inverts per rule, but nft keeps the \"over\" flag in each set element, so one set cannot serve both", cfg.name, st.pos)
	}
	if first.bytes != cfg.bytes {
		return c.Untranslatable(x, "--hashlimit-name %s is also used at %s with a rate in the other unit (bytes against packets); the kernel would mix both costs in one table", cfg.name, st.pos)
	}
	if !first.sameTable(cfg) {
		c.Warn(x.Pos, "--hashlimit-name %s was defined at %s with other options; the kernel applies that first definition (mode, masks, rate, burst, expiry, size) to every rule using the name, and so does this translation", cfg.name, st.pos)
	}
	key, _, err := hlKey(c, x, first)
	if err != nil {
		return err
	}
	c.Add(&ir.SetUpdate{Op: "update", Set: c.DeclareSet(st.set), Key: key, Stmts: []ir.Stmt{hlLimit(first, false)}})
	return nil
}

// hlTableSize is the number of entries the kernel table holds.
func hlTableSize(cfg *hlConfig) uint32 {
	switch {
	case cfg.max != 0 && cfg.max >= cfg.size:
		return cfg.max
	case cfg.max != 0:
		return cfg.size
	case cfg.size != 0:
		if cfg.size > math.MaxUint32/8 {
			return math.MaxUint32
		}
		return 8 * cfg.size
	}
	return hlDefaultSize
}

// nftSafeName turns any string into characters nft accepts in an
// unquoted identifier.
func nftSafeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r == '.' || r == '-' || r == '/' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
