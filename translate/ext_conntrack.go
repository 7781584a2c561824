package translate

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m conntrack (libxt_conntrack.c, revision 3, whose options include those
// of revisions 0-2) and -m state (the same file; an alias of conntrack's
// --ctstate).

// Conntrack states, in the order upstream writes them, with the nft
// name. snat and dnat are not states but ct status bits.
const (
	ctsInvalid = 1 << iota
	ctsNew
	ctsRelated
	ctsEstablished
	ctsUntracked
	ctsSNAT
	ctsDNAT
)

var ctStates = []struct {
	name string // iptables name, in parse order
	bit  int
}{
	{"INVALID", ctsInvalid}, {"NEW", ctsNew}, {"ESTABLISHED", ctsEstablished},
	{"RELATED", ctsRelated}, {"UNTRACKED", ctsUntracked}, {"SNAT", ctsSNAT},
	{"DNAT", ctsDNAT},
}

// stateNftNames are the nft names of the state bits in upstream's order.
var stateNftNames = []struct {
	bit  int
	name string
}{
	{ctsInvalid, "invalid"}, {ctsNew, "new"}, {ctsRelated, "related"},
	{ctsEstablished, "established"}, {ctsUntracked, "untracked"},
}

// Conntrack status bits (IPS_*), in upstream's order, with nft's names.
var ctStatuses = []struct {
	name, nft string
	bit       int
}{
	{"NONE", "", 0}, {"EXPECTED", "expected", 1 << 0},
	{"SEEN_REPLY", "seen-reply", 1 << 1}, {"ASSURED", "assured", 1 << 2},
	{"CONFIRMED", "confirmed", 1 << 3},
}

var extConntrack = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "conntrack", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "ctstate", Type: iptparse.TypeString, Flags: inv},
				{Name: "ctproto", Type: iptparse.TypeProtocol, Flags: inv},
				{Name: "ctorigsrc", Type: iptparse.TypeHostMask, Flags: inv},
				{Name: "ctorigdst", Type: iptparse.TypeHostMask, Flags: inv},
				{Name: "ctreplsrc", Type: iptparse.TypeHostMask, Flags: inv},
				{Name: "ctrepldst", Type: iptparse.TypeHostMask, Flags: inv},
				{Name: "ctstatus", Type: iptparse.TypeString, Flags: inv},
				{Name: "ctexpire", Type: iptparse.TypeUint32RC, Flags: inv},
				{Name: "ctorigsrcport", Type: iptparse.TypePortRC, Flags: inv},
				{Name: "ctorigdstport", Type: iptparse.TypePortRC, Flags: inv},
				{Name: "ctreplsrcport", Type: iptparse.TypePortRC, Flags: inv},
				{Name: "ctrepldstport", Type: iptparse.TypePortRC, Flags: inv},
				{Name: "ctdir", Type: iptparse.TypeString},
			},
			Check: checkConntrack,
		},
		Translate: translateConntrack,
	},
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "state", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "state", Type: iptparse.TypeString, Flags: mand | inv},
			},
			Check: func(x *iptparse.Ext) error {
				o := x.Opt("state")
				if _, err := parseStates(o.Arg(), true); err != nil {
					return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: err.Error()}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			o := x.Opt("state")
			mask, _ := parseStates(o.Arg(), true)
			c.Add(c.tr.alloc.ctStateMatch(mask, o.Neg))
			return nil
		},
	},
}

func init() { registerAll(extConntrack) }

// parseStates parses a comma separated list of states. Each word is a
// case-insensitive prefix of a state name (the first in iptables' order
// wins). The state match knows no SNAT/DNAT and words its errors
// differently.
func parseStates(arg string, stateMatch bool) (int, error) {
	mask := 0
	rest := arg
	for {
		tok, after, more := strings.Cut(rest, ",")
		if !more && tok == "" && stateMatch {
			return 0, fmt.Errorf("\"--state\" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED")
		}
		bit := 0
		if tok != "" {
			for _, s := range ctStates {
				if stateMatch && s.bit >= ctsSNAT {
					break
				}
				if strncasePrefix(tok, s.name) {
					bit = s.bit
					break
				}
			}
		}
		if bit == 0 {
			if stateMatch {
				return 0, fmt.Errorf("Bad state \"%s\"", rest)
			}
			return 0, fmt.Errorf("Bad ctstate \"%s\"", rest)
		}
		mask |= bit
		if !more {
			return mask, nil
		}
		rest = after
	}
}

// parseStatuses parses --ctstatus like conntrack_ps_statuses.
func parseStatuses(arg string) (int, error) {
	mask := 0
	rest := arg
	for {
		tok, after, more := strings.Cut(rest, ",")
		found := false
		if tok != "" {
			for _, s := range ctStatuses {
				if strncasePrefix(tok, s.name) {
					mask |= s.bit
					found = true
					break
				}
			}
		}
		if !found {
			return 0, fmt.Errorf("Bad ctstatus \"%s\"", rest)
		}
		if !more {
			return mask, nil
		}
		rest = after
	}
}

func checkConntrack(x *iptparse.Ext) error {
	if len(x.Options) == 0 {
		return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "conntrack: At least one option is required"}
	}
	fail := func(o *iptparse.Option, msg string) error {
		return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: msg}
	}
	if o := x.Opt("ctstate"); o != nil {
		if _, err := parseStates(o.Arg(), false); err != nil {
			return fail(o, err.Error())
		}
	}
	if o := x.Opt("ctstatus"); o != nil {
		if _, err := parseStatuses(o.Arg()); err != nil {
			return fail(o, err.Error())
		}
	}
	if o := x.Opt("ctproto"); o != nil && o.Value.(uint8) == 0 {
		if o.Neg {
			return fail(o, "conntrack: condition would always match protocol")
		}
		return fail(o, "conntrack: rule would never match protocol")
	}
	if o := x.Opt("ctdir"); o != nil && !strings.EqualFold(o.Arg(), "ORIGINAL") && !strings.EqualFold(o.Arg(), "REPLY") {
		return fail(o, fmt.Sprintf("conntrack: Bad value for \"--ctdir\" option: \"%s\"", o.Arg()))
	}
	return nil
}

// ctStateMatch is "ct state [!] a,b" (the flags test nft writes with "!"
// for "none of these"), from the translator's blocks: -m state and -m
// conntrack --ctstate, in most real rulesets, took four heap values a
// rule (179 KB of the 5,556-rule TUM chair firewall in exact mode).
func (a *ruleAlloc) ctStateMatch(mask int, neg bool) *ir.Match {
	names := a.names.slice(len(stateNftNames))
	for _, s := range stateNftNames {
		if mask&s.bit != 0 {
			names = append(names, s.name)
		}
	}
	names = a.names.trim(names)
	if len(names) == 0 {
		names = nil // as appended to nil
	}
	ct, flags := a.cts.new(), a.flagLists.new()
	*ct, *flags = ir.Ct{Key: "state"}, ir.FlagList{Flags: names}
	m := a.matches.new()
	*m = ir.Match{Left: ct, Op: ir.CmpEq, Right: flags}
	if neg {
		m.Op = ir.CmpNeg
	}
	return m
}

// ctPortProtos are the conntrack protocols for which nft 1.0.6 knows the
// type of ct proto-src/proto-dst; without one of them nft cannot read a
// port value.
var ctPortProtos = lazy.Of[map[uint8]bool]{New: func() map[uint8]bool {
	return map[uint8]bool{1: true, 6: true, 17: true, 33: true, 58: true, 132: true, 136: true}
}}

func translateConntrack(c *Ctx, x *iptparse.Ext) error {
	start := len(c.stmts)
	var split *ctStateSplit
	dir := "original"
	if o := x.Opt("ctdir"); o != nil {
		if strings.EqualFold(o.Arg(), "REPLY") {
			dir = "reply"
		}
		c.Add(ir.Eq(&ir.Ct{Key: "direction"}, ir.Sym(dir)))
	}

	// What the rule tests besides the state: xt_conntrack ignores all of
	// it for packets without a conntrack entry when the state test lets
	// them through, while every nft ct expression but "ct state" fails
	// for them.
	others := len(x.Options) > 0 && !(len(x.Options) == 1 && x.Has("ctstate"))

	if o := x.Opt("ctproto"); o != nil {
		num := o.Value.(uint8)
		var v ir.Expr = ir.Int(uint64(num))
		if !c.Exact {
			v = ProtoExpr(num)
		}
		// Upstream writes "ct reply protocol" with --ctdir REPLY; the
		// protocol is the same in both directions.
		c.Add(ir.EqOrNe(&ir.Ct{Dir: dir, Key: "protocol"}, o.Neg, v))
	}

	if o := x.Opt("ctstate"); o != nil {
		mask, _ := parseStates(o.Arg(), false)
		nat := mask & (ctsSNAT | ctsDNAT)
		plain := mask &^ nat
		if nat != 0 {
			others = true
		}
		// For a packet without conntrack entry the state is invalid or
		// untracked; xt_conntrack then matches on the state alone.
		var passing []string
		for _, st := range []struct {
			bit  int
			name string
		}{{ctsInvalid, "invalid"}, {ctsUntracked, "untracked"}} {
			if (plain&st.bit != 0) != o.Neg {
				passing = append(passing, st.name)
			}
		}
		if !c.Exact && (others || nat != 0) {
			// the state test and the other tests are placed at the end
			split = newCtStateSplit(&c.tr.alloc, plain, nat, o.Neg, len(c.stmts)-start)
		} else {
			if others && len(passing) > 0 {
				c.Warn(o.Pos, "%s: packets without a conntrack entry (state %s) pass this --ctstate test and iptables then skips the rule's other conntrack tests; in nft those tests fail for them, so the nft rule does not match them", x.Label(), strings.Join(passing, " or "))
			}
			switch {
			case nat == 0:
				c.Add(c.tr.alloc.ctStateMatch(plain, o.Neg))
			case !o.Neg && plain != 0:
				return c.Untranslatable(x, "--ctstate %s matches either a state or NAT; nft cannot test ct state or ct status in one rule", o.Arg())
			default:
				// SNAT/DNAT are ct status bits. Negated, "none of the states
				// and none of the NAT bits" is two tests.
				if plain != 0 {
					c.Add(c.tr.alloc.ctStateMatch(plain, true))
				}
				c.Add(ctStatusMatch(nat, o.Neg))
			}
		}
	}

	if o := x.Opt("ctstatus"); o != nil {
		mask, _ := parseStatuses(o.Arg())
		if mask == 0 {
			if !o.Neg {
				return c.Untranslatable(x, "--ctstatus NONE never matches")
			}
			// Matches every packet with a conntrack entry.
			c.Add(c.tr.alloc.ctStateMatch(ctsNew|ctsRelated|ctsEstablished, false))
		} else {
			var names []string
			for _, s := range ctStatuses {
				if mask&s.bit != 0 {
					names = append(names, s.nft)
				}
			}
			op := ir.CmpEq
			if o.Neg {
				op = ir.CmpNeg
			}
			c.Add(&ir.Match{Left: &ir.Ct{Key: "status"}, Op: op, Right: &ir.FlagList{Flags: names}})
		}
	}

	if o := x.Opt("ctexpire"); o != nil {
		// xt_conntrack compares whole seconds (jiffies / HZ); nft's ct
		// expiration is in milliseconds, so "3" is 3000-3999 ms. Upstream
		// writes "ct expiration 3", which is 3000 ms exactly.
		r := o.Value.(iptparse.Range)
		const maxSec = 0xffffffff / 1000 // nft keeps 32-bit milliseconds
		if r.Lo > maxSec {
			return c.Untranslatable(x, "--ctexpire %s: nft's ct expiration cannot count beyond %d s (no conntrack entry lives that long)", o.Arg(), maxSec)
		}
		hi := ir.Sym(fmt.Sprintf("%ds999ms", r.Hi))
		if r.Hi >= maxSec {
			hi = ir.Sym(fmt.Sprintf("%ds%dms", maxSec, 0xffffffff%1000))
		}
		v := &ir.Range{Lo: ir.Sym(fmt.Sprintf("%ds", r.Lo)), Hi: hi}
		c.Add(ir.EqOrNe(&ir.Ct{Key: "expiration"}, o.Neg, v))
	}

	for _, a := range []struct{ opt, dir, key string }{
		{"ctorigsrc", "original", "saddr"}, {"ctorigdst", "original", "daddr"},
		{"ctreplsrc", "reply", "saddr"}, {"ctrepldst", "reply", "daddr"},
	} {
		if o := x.Opt(a.opt); o != nil {
			c.Add(c.ctAddrMatch(&ir.Ct{Dir: a.dir, Key: a.key}, o.Value.(iptparse.AddrMask), o.Neg))
		}
	}

	ports := []struct{ opt, dir, key string }{
		{"ctorigsrcport", "original", "proto-src"}, {"ctorigdstport", "original", "proto-dst"},
		{"ctreplsrcport", "reply", "proto-src"}, {"ctrepldstport", "reply", "proto-dst"},
	}
	context := false
	for _, p := range ports {
		o := x.Opt(p.opt)
		if o == nil {
			continue
		}
		if !c.Exact && !context {
			if err := c.ctPortContext(x); err != nil {
				return err
			}
			context = true
		}
		r := o.Value.(*iptparse.PortRange)
		c.Add(ir.EqOrNe(&ir.Ct{Dir: p.dir, Key: p.key}, o.Neg, intOrRange(uint64(r.Lo), uint64(r.Hi))))
	}
	if split != nil {
		return split.apply(c, x, start)
	}
	return nil
}

// ctStateSplit is the exact form of --ctstate with other tests or NAT
// bits. xt_conntrack decides a packet without a conntrack entry (state
// invalid or untracked) on the state alone and skips the other tests,
// while every nft ct expression but "ct state" fails for such a packet;
// and "a state or a NAT bit" is an "or" of two expressions. The rule
// becomes alternatives no packet passes two of: for packets with an
// entry, the state test(s) with the other tests; for packets without,
// "ct state invalid/untracked" alone when the state test lets them pass.
type ctStateSplit struct {
	at   int         // where the state test stood among the match's tests
	ct   [][]ir.Stmt // state tests for packets with an entry: any one passes
	noCt int         // states of packets without an entry that pass
}

func newCtStateSplit(a *ruleAlloc, plain, nat int, neg bool, at int) *ctStateSplit {
	const noCtStates = ctsInvalid | ctsUntracked
	sp := &ctStateSplit{at: at}
	for _, b := range []int{ctsInvalid, ctsUntracked} {
		if (plain&b != 0) != neg {
			sp.noCt |= b
		}
	}
	withCt := plain &^ noCtStates
	switch {
	case neg:
		var alt []ir.Stmt // none of the states and none of the NAT bits
		if withCt != 0 {
			alt = append(alt, a.ctStateMatch(withCt, true))
		}
		if nat != 0 {
			alt = append(alt, ctStatusMatch(nat, true))
		}
		sp.ct = [][]ir.Stmt{alt}
	case withCt != 0 && nat != 0:
		sp.ct = [][]ir.Stmt{
			{a.ctStateMatch(withCt, false)},
			{a.ctStateMatch(withCt, true), ctStatusMatch(nat, false)},
		}
	case withCt != 0:
		sp.ct = [][]ir.Stmt{{a.ctStateMatch(withCt, false)}}
	case nat != 0:
		sp.ct = [][]ir.Stmt{{ctStatusMatch(nat, false)}}
	}
	return sp
}

// apply replaces the match's tests (from start on) by the alternatives.
func (sp *ctStateSplit) apply(c *Ctx, x *iptparse.Ext, start int) error {
	tests := append([]ir.Stmt(nil), c.stmts[start:]...)
	before, after := tests[:sp.at], tests[sp.at:]
	var alts [][]ir.Stmt
	for _, st := range sp.ct {
		alt := append(append(append([]ir.Stmt(nil), before...), st...), after...)
		alts = append(alts, alt)
	}
	if sp.noCt != 0 {
		alts = append(alts, []ir.Stmt{c.tr.alloc.ctStateMatch(sp.noCt, false)})
	}
	c.stmts = c.stmts[:start]
	switch {
	case len(alts) == 1:
		c.Add(alts[0]...)
	case !c.Either(alts...):
		c.stmts = append(c.stmts, tests...)
		return c.Untranslatable(x, "--ctstate: packets without a conntrack entry are decided on the state alone and the other tests pass for them, or the test is a state or a NAT bit: either needs the rule split in several nft rules, which is not possible here (the rule is already split, or a statement with state comes first)")
	}
	return nil
}

// ctStatusMatch is "ct status [!] snat,dnat" for the --ctstate NAT bits.
func ctStatusMatch(nat int, neg bool) *ir.Match {
	var names []string
	if nat&ctsSNAT != 0 {
		names = append(names, "snat")
	}
	if nat&ctsDNAT != 0 {
		names = append(names, "dnat")
	}
	op := ir.CmpEq
	if neg {
		op = ir.CmpNeg
	}
	return &ir.Match{Left: &ir.Ct{Key: "status"}, Op: op, Right: &ir.FlagList{Flags: names}}
}

// ctAddrMatch is "ct DIR saddr ADDR[/LEN]"; a mask that is not a prefix
// becomes "& MASK == ADDR" (upstream writes "ADDR/MASK", which nft does
// not read).
func (c *Ctx) ctAddrMatch(key ir.Expr, a iptparse.AddrMask, neg bool) *ir.Match {
	switch {
	case a.Bits < 0:
		return &ir.Match{
			Left:  &ir.Binary{Op: ir.OpAnd, Left: key, Right: ir.IP(a.Mask)},
			Op:    map[bool]ir.CmpOp{false: ir.CmpEq, true: ir.CmpNe}[neg],
			Right: ir.IP(a.Masked()),
		}
	case a.Bits == a.Addr.BitLen():
		return ir.EqOrNe(key, neg, ir.IP(a.Addr))
	case c.Exact:
		// Upstream keeps the host bits ("10.1.2.3/16"); nft ignores them.
		return ir.EqOrNe(key, neg, &ir.Prefix{Prefix: netip.PrefixFrom(a.Addr, a.Bits)})
	default:
		return ir.EqOrNe(key, neg, &ir.Prefix{Prefix: a.Prefix()})
	}
}

// ctPortContext makes sure nft knows the protocol before a ct
// proto-src/proto-dst value: nft 1.0.6 cannot read the port without it.
// --ctproto or a protocol test earlier in the rule gives it; otherwise the
// rule's -p does (the conntrack entry of a packet has the packet's
// protocol).
func (c *Ctx) ctPortContext(x *iptparse.Ext) error {
	if o := x.Opt("ctproto"); o != nil && !o.Neg && ctPortProtos.Get()[o.Value.(uint8)] {
		return nil
	}
	if c.hasL4Context() {
		return nil
	}
	if num, ok := c.Protocol(); ok && ctPortProtos.Get()[num] {
		c.Add(ir.Eq(&ir.Meta{Key: "l4proto"}, ProtoExpr(num)))
		return nil
	}
	return c.Untranslatable(x, "nft cannot compare ct proto-src/proto-dst without knowing the protocol; --ctproto (tcp, udp, sctp, dccp, udplite, icmp) or -p would give it")
}

// hasL4Context reports whether a statement already in the rule tests the
// transport protocol (nft's protocol context for later expressions) with
// one of ctPortProtos.
func (c *Ctx) hasL4Context() bool {
	for _, s := range c.stmts {
		m, ok := s.(*ir.Match)
		if !ok || m.Op != ir.CmpEq {
			continue
		}
		switch l := m.Left.(type) {
		case *ir.Meta:
			if l.Key == "l4proto" && ctPortProtoValue(m.Right) {
				return true
			}
		case *ir.Payload:
			switch {
			case l.Proto == "tcp", l.Proto == "udp", l.Proto == "udplite", l.Proto == "sctp", l.Proto == "dccp", l.Proto == "icmp", l.Proto == "icmpv6":
				return true
			case l.Proto == "ip" && l.Field == "protocol", l.Proto == "ip6" && l.Field == "nexthdr":
				if ctPortProtoValue(m.Right) {
					return true
				}
			}
		}
	}
	return false
}

// ctPortProtoValue reports whether a protocol value is one of
// ctPortProtos.
func ctPortProtoValue(e ir.Expr) bool {
	switch v := e.(type) {
	case *ir.Symbol:
		n, ok := iptparse.ProtocolNumber(v.Name)
		return ok && ctPortProtos.Get()[n]
	case *ir.Integer:
		return v.Value < 256 && ctPortProtos.Get()[uint8(v.Value)]
	}
	return false
}
