package emit

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Style selects between the two ways ipt2nft writes nft text.
type Style struct {
	// Upstream reproduces iptables-translate 1.8.11 spellings (the IR's
	// spelling hints: "gt", "and", "mark" without "meta"...). Without it,
	// the printer writes what nft itself would list.
	Upstream bool
}

// Printer writes IR nodes as nft text.
type Printer struct {
	Style Style
	// Notes collects what had to be changed to write valid nft text
	// (strings nft cannot represent).
	Notes []Note
	cur   *ir.Rule // the rule being printed, for note positions

	// line numbers for WriteRuleset's RuleLines and ChainLines
	lines      *textBuf // counting lines, while WriteRuleset runs
	ruleLines  map[*ir.Rule]int
	chainLines map[*ir.Chain]int

	scratch []byte  // for values appended as text
	ruleBuf textBuf // Rule's and WriteCommand's, reused
	// appendBuf is AppendCommand's, around the buffer it is given.
	appendBuf textBuf
	// prefix is the start of the last rule command ruleCommand wrote
	// ("add rule ip filter INPUT "), for the key it was made for: the
	// rules of a chain come one after the other.
	prefix    []byte
	prefixKey rulePrefix
	// chainPrefix is the start of the last user chain's declaration
	// AppendCommand wrote ("add chain ip nat "), for chainKey's family
	// and table: a dispatch dump declares thousands in a row.
	chainPrefix []byte
	chainKey    rulePrefix
	// payloadTexts holds the text match writes before a value for the
	// payloads it wrote before ("ip saddr "); made on first use.
	payloadTexts *[16]payloadText
}

// rulePrefix is what the start of a rule command is made of.
type rulePrefix struct {
	op           ir.CommandOp
	family       ir.Family
	table, chain string
}

// Expr renders an expression.
func (p *Printer) Expr(e ir.Expr) string {
	var b textBuf
	p.expr(&b, e, 0)
	return b.String()
}

// binary operator precedence in nft's grammar: shift binds tightest, then
// and, xor, or.
func prec(op ir.BinOp) int {
	switch op {
	case ir.OpLShift, ir.OpRShift:
		return 4
	case ir.OpAnd:
		return 3
	case ir.OpXor:
		return 2
	}
	return 1
}

// binSym and cmpSym are the symbols and words of the operators, by
// operator: arrays over every value of the uint8 (so that an index needs
// no bounds check, unknown ones giving ""), as a map look-up took some
// 140 instructions an expression (two for each of the dispatch
// 20,000-rule dump's 4,000 "meta random & 2147483647 < N" rules).
var binSym = [256][2]string{
	ir.OpAnd: {"&", "and"}, ir.OpOr: {"|", "or"}, ir.OpXor: {"^", "xor"},
	ir.OpLShift: {"<<", "lshift"}, ir.OpRShift: {">>", "rshift"},
}

// bareMeta tells the meta keys nft always writes without "meta ": a
// switch, as a map look-up cost some 150 instructions a meta expression.
func bareMeta(key string) bool {
	switch key {
	case "iifname", "oifname", "iif", "oif", "iifgroup", "oifgroup":
		return true
	}
	return false
}

// writeMeta writes a meta expression: "meta mark", but "iifname" (and,
// in upstream's style, a key upstream writes bare, "meta" left out).
func (p *Printer) writeMeta(b *textBuf, m *ir.Meta) {
	if !bareMeta(m.Key) && !(m.Bare && p.Style.Upstream) {
		b.WriteString("meta ")
	}
	b.WriteString(m.Key)
}

// writePayload writes a payload expression ("ip saddr").
func writePayload(b *textBuf, e *ir.Payload) {
	b.WriteString(e.Proto)
	if e.Field != "" {
		b.WriteByte(' ')
		b.WriteString(e.Field)
	}
}

// payloadText is a payload's text and the space after it ("ip saddr "),
// as match writes them before a value.
type payloadText struct {
	proto, field string
	text         [16]byte
	n            int // how much of text is the payload's
}

// writePayloadSpace is writePayload and a space. The text of a payload
// is made once, kept in p.payloadTexts by the payload's proto and field,
// and written by one 16-byte store: the four appends, two of them
// memmove calls, took some 90 instructions a match ("ip saddr", "tcp
// dport": one or two a rule of most dumps).
func (p *Printer) writePayloadSpace(b *textBuf, pl *ir.Payload) {
	proto, field := pl.Proto, pl.Field
	t := p.payloadTexts
	if t == nil || len(proto) == 0 || len(field) == 0 {
		p.writeNewPayloadSpace(b, pl)
		return
	}
	// An index that tells apart the payloads of addresses and ports of
	// ip, ip6, tcp, udp and sctp; others may share one, each then made
	// again when the other was written last.
	e := &t[(field[0]^proto[0]^byte(len(proto)<<1))&15]
	// The words of the payload the entry was made for, as they mostly
	// are (the same literals); others are compared by newPayloadText.
	if unsafe.StringData(e.proto) != unsafe.StringData(proto) || unsafe.StringData(e.field) != unsafe.StringData(field) ||
		len(e.proto) != len(proto) || len(e.field) != len(field) {
		p.writeNewPayloadSpace(b, pl)
		return
	}
	n := len(b.buf)
	b.buf = slices.Grow(b.buf, 16)
	*(*[16]byte)(b.buf[n : n+16]) = e.text
	b.buf = b.buf[:n+e.n]
}

// writeNewPayloadSpace is writePayloadSpace for a payload whose text
// is not in p.payloadTexts: kept there, unless it is too long.
func (p *Printer) writeNewPayloadSpace(b *textBuf, pl *ir.Payload) {
	proto, field := pl.Proto, pl.Field
	if len(proto) == 0 || len(field) == 0 || len(proto)+len(field) > 14 {
		writePayload(b, pl)
		b.WriteByte(' ')
		return
	}
	if p.payloadTexts == nil {
		p.payloadTexts = new([16]payloadText)
	}
	e := &p.payloadTexts[(field[0]^proto[0]^byte(len(proto)<<1))&15]
	if e.proto != proto || e.field != field {
		e.n = copy(e.text[:], proto)
		e.text[e.n] = ' '
		e.n += 1 + copy(e.text[e.n+1:], field)
		e.text[e.n] = ' '
		e.n++
	}
	// (the words kept are the payload's, so that it is found next time)
	e.proto, e.field = proto, field
	b.buf = append(b.buf, e.text[:e.n]...)
}

// sameString is a == b, told without a call when both are the same
// string (as the names and payload words of consecutive rules are).
func sameString(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// expr writes e; parent is the precedence of the enclosing binary
// expression (0 if none), to decide on parentheses.
func (p *Printer) expr(b *textBuf, e ir.Expr, parent int) {
	switch e := e.(type) {
	case *ir.Payload:
		writePayload(b, e)
	case *ir.RawPayload:
		fmt.Fprintf(b, "@%s,%d,%d", e.Base, e.Offset, e.Len)
	case *ir.Exthdr:
		b.WriteString("exthdr " + e.Name)
	case *ir.TCPOption:
		b.WriteString("tcp option " + e.Name)
		if e.Field != "" {
			b.WriteString(" " + e.Field)
		}
	case *ir.Meta:
		p.writeMeta(b, e)
	case *ir.Ct:
		b.WriteString("ct ")
		if e.Dir != "" {
			b.WriteString(e.Dir + " ")
		}
		b.WriteString(e.Key)
	case *ir.Fib:
		b.WriteString("fib " + strings.Join(e.Flags, " . ") + " " + e.Result)
	case *ir.Socket:
		b.WriteString("socket " + e.Key)
		if e.Key == "cgroupv2" {
			fmt.Fprintf(b, " level %d", e.Level)
		}
	case *ir.Rt:
		b.WriteString("rt ")
		if e.Family != "" {
			b.WriteString(e.Family + " ")
		}
		b.WriteString(e.Key)
	case *ir.Ipsec:
		b.WriteString("ipsec " + e.Dir)
		if e.Spnum != 0 {
			fmt.Fprintf(b, " spnum %d", e.Spnum)
		}
		b.WriteString(" " + e.Key)
	case *ir.Numgen:
		fmt.Fprintf(b, "numgen %s mod %d", e.Mode, e.Mod)
		if e.Offset != 0 {
			fmt.Fprintf(b, " offset %d", e.Offset)
		}
	case *ir.Hash:
		b.WriteString(e.Kind)
		if e.Expr != nil {
			b.WriteByte(' ')
			p.expr(b, e.Expr, 0)
		}
		fmt.Fprintf(b, " mod %d", e.Mod)
		if e.Seed != nil {
			fmt.Fprintf(b, " seed 0x%x", *e.Seed)
		}
		if e.Offset != 0 {
			fmt.Fprintf(b, " offset %d", e.Offset)
		}
	case *ir.Osf:
		b.WriteString("osf ")
		if e.TTL != "" {
			b.WriteString("ttl " + e.TTL + " ")
		}
		b.WriteString(e.Key)
	case *ir.Binary:
		p.binary(b, e, parent)
	case *ir.Paren:
		if p.Style.Upstream {
			b.WriteString("( ")
			p.expr(b, e.X, 0)
			b.WriteString(" )")
		} else {
			p.expr(b, e.X, parent)
		}
	case *ir.Integer:
		if e.Base == 16 {
			b.WriteString(formatInt(e))
		} else {
			b.buf = appendDec(b.buf, e.Value) // formatInt's, without a string
		}
	case *ir.String:
		if e.Bare && p.Style.Upstream {
			b.WriteString(e.Value)
		} else {
			p.writeQuoted(b, e.Value, SanitizeString)
		}
	case *ir.Symbol:
		b.WriteString(e.Name)
	case *ir.Addr:
		if !e.Addr.IsValid() {
			b.WriteString(e.Addr.String()) // AppendTo writes nothing for it
			break
		}
		b.buf = appendAddr(b.buf, e.Addr)
	case *ir.Prefix:
		if !e.Prefix.IsValid() {
			b.WriteString(e.Prefix.String())
			break
		}
		b.buf = appendPrefix(b.buf, e.Prefix)
	case *ir.EtherAddr:
		a := e.Addr
		fmt.Fprintf(b, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5])
	case *ir.Range:
		p.expr(b, e.Lo, 0)
		b.WriteByte('-')
		p.expr(b, e.Hi, 0)
	case *ir.SetLit:
		b.WriteString("{ ")
		for i, el := range e.Elems {
			if i > 0 {
				b.WriteString(", ")
				if i%1024 == 0 {
					// A blocklist's set is one line of tens of MB:
					// hand it on as it goes instead of growing the
					// buffer to hold it.
					b.maybeFlush()
				}
			}
			p.setKey(b, el)
		}
		b.WriteString(" }")
	case *ir.AddrSet:
		p.addrSet(b, e)
	case *ir.Elem:
		p.setKey(b, e.Key)
		// The counter first, as nft lists an element: nft 1.0.6 reads a
		// counter only before the timeout and comment.
		if e.Counter != nil {
			b.WriteByte(' ')
			p.stmt(b, e.Counter)
		}
		if e.Timeout() != "" {
			b.WriteString(" timeout ")
			b.WriteString(e.Timeout())
		}
		if e.Expires() != "" {
			b.WriteString(" expires ")
			b.WriteString(e.Expires())
		}
		if e.Comment != "" {
			b.WriteString(" comment ")
			b.WriteString(p.quote(e.Comment))
		}
	case *ir.MapElem:
		p.expr(b, e.Key, 0)
		b.WriteString(" : ")
		p.expr(b, e.Value, 0)
	case *ir.Concat:
		for i, el := range e.Elems {
			if i > 0 {
				b.WriteString(" . ")
			}
			p.expr(b, el, 0)
		}
	case *ir.SetRef:
		b.WriteString("@" + Ident(e.Name))
	case *ir.FlagList:
		if parent > 0 && len(e.Flags) > 1 {
			b.WriteString("(" + strings.Join(e.Flags, " | ") + ")")
		} else {
			b.WriteString(strings.Join(e.Flags, ","))
		}
	case *ir.VerdictExpr:
		writeVerdict(b, e.Kind, e.Chain)
	case *ir.MapLookup:
		p.expr(b, e.Key, 0)
		b.WriteString(" map ")
		p.expr(b, e.Map, 0)
	case nil:
		b.WriteString("<nil>")
	default:
		fmt.Fprintf(b, "<%T>", e)
	}
}

func (p *Printer) binary(b *textBuf, e *ir.Binary, parent int) {
	my := prec(e.Op)
	sym := binSym[e.Op][0]
	paren := false
	if p.Style.Upstream {
		if e.Words {
			sym = binSym[e.Op][1]
		}
		paren = e.Paren
	} else {
		paren = parent > my
	}
	if paren {
		if p.Style.Upstream {
			b.WriteString("( ")
		} else {
			b.WriteByte('(')
		}
	}
	p.expr(b, e.Left, my)
	b.WriteByte(' ')
	b.WriteString(sym)
	b.WriteByte(' ')
	// The right operand of a left-associative operator needs parentheses
	// when it is a binary expression of the same precedence.
	p.expr(b, e.Right, my+1)
	if paren {
		if p.Style.Upstream {
			b.WriteString(" )")
		} else {
			b.WriteByte(')')
		}
	}
}

func formatInt(e *ir.Integer) string {
	if e.Base == 16 {
		s := strconv.FormatUint(e.Value, 16)
		for len(s) < int(e.Width) {
			s = "0" + s
		}
		return "0x" + s
	}
	return strconv.FormatUint(e.Value, 10)
}

var cmpSym = [256][2]string{
	ir.CmpEq: {"==", "eq"}, ir.CmpNe: {"!=", "ne"}, ir.CmpLt: {"<", "lt"},
	ir.CmpGt: {">", "gt"}, ir.CmpLe: {"<=", "le"}, ir.CmpGe: {">=", "ge"},
	ir.CmpNeg: {"!", "!"},
}

// Match renders a relational expression.
func (p *Printer) match(b *textBuf, m *ir.Match) {
	spell := m.Spell
	// Most matches test a payload field for equality with an address or
	// a number ("ip saddr 192.0.2.1", "tcp dport 22"), spelled without an
	// operator: written here, without expr's calls and type switches.
	if pl, ok := m.Left.(*ir.Payload); ok && m.Op == ir.CmpEq &&
		(spell == ir.SpellDefault || spell == ir.SpellImplicit || !p.Style.Upstream) {
		p.writePayloadSpace(b, pl) // and the space before the value
		// (the value: addresses and numbers written here)
		switch r := m.Right.(type) {
		case *ir.Addr:
			if r.Addr.IsValid() {
				b.buf = appendAddr(b.buf, r.Addr)
				return
			}
		case *ir.Integer:
			if r.Base != 16 {
				b.buf = appendDec(b.buf, r.Value)
				return
			}
		}
		p.expr(b, m.Right, 0)
		return
	}
	if meta, ok := m.Left.(*ir.Meta); ok && m.Op == ir.CmpEq &&
		(spell == ir.SpellDefault || spell == ir.SpellImplicit || !p.Style.Upstream) {
		// A meta key's match ("meta l4proto tcp": each "-p tcp -m tcp"
		// rule's in exact mode; "iifname "eth0""), as below without
		// expr's calls and type switches for the key and a symbol.
		p.writeMeta(b, meta)
		b.WriteByte(' ')
		if sym, ok := m.Right.(*ir.Symbol); ok {
			b.WriteString(sym.Name)
			return
		}
		p.expr(b, m.Right, 0)
		return
	}
	if bin, ok := m.Left.(*ir.Binary); ok && spell == ir.SpellSlash && bin.Op == ir.OpAnd {
		if p.Style.Upstream || flagCount(bin.Right) > 1 {
			p.expr(b, bin.Left, 0)
			if m.Op != ir.CmpEq {
				b.WriteString(" " + cmpSym[m.Op][0])
			}
			b.WriteByte(' ')
			p.expr(b, m.Right, 0)
			b.WriteString(" / ")
			p.expr(b, bin.Right, 0)
			return
		}
	}
	if !p.Style.Upstream {
		spell = ir.SpellDefault
	}
	p.expr(b, m.Left, 0)
	_, leftIsBin := m.Left.(*ir.Binary)
	op := ""
	switch {
	case m.Op == ir.CmpEq && spell == ir.SpellSymbol:
		op = "=="
	case m.Op == ir.CmpEq && spell == ir.SpellWord:
		op = "eq"
	case m.Op == ir.CmpEq && spell == ir.SpellImplicit:
	case m.Op == ir.CmpEq:
		if leftIsBin {
			op = "=="
		}
	case spell == ir.SpellWord:
		op = cmpSym[m.Op][1]
	default:
		op = cmpSym[m.Op][0]
	}
	if op != "" {
		b.WriteByte(' ')
		b.WriteString(op)
	}
	b.WriteByte(' ')
	p.expr(b, m.Right, 0)
}

// addrSet writes s as the SetLit of its elements (s.Exprs), without
// making them: a blocklist's set has a million.
func (p *Printer) addrSet(b *textBuf, s *ir.AddrSet) {
	if s.Ports != nil || s.Comments != nil {
		p.concatAddrSet(b, s)
		return
	}
	if !s.Is6 {
		addrSet4(b, s)
		return
	}
	b.WriteString("{ ")
	for i := range s.Len() {
		if i > 0 {
			b.WriteString(", ")
			if i%1024 == 0 {
				b.maybeFlush() // as for a SetLit
			}
		}
		// The key as the Addr and Prefix cases write it.
		if pf, plain := s.Prefix(i); plain {
			b.buf = appendAddr(b.buf, pf.Addr())
		} else {
			b.buf = appendPrefix(b.buf, pf)
		}
		if s.Counted {
			b.WriteString(" counter")
			if s.HasValues {
				v := s.Values(i)
				b.buf = appendCounterValues(b.buf, v.Packets, v.Bytes)
			}
		}
	}
	b.WriteString(" }")
}

// addrSet4 is addrSet of an IPv4 set without ports or comments (a
// blocklist's), each address read from the set's bytes: through
// AddrSet.Prefix and netip.Addr an element took some 60 instructions
// more. It repeats addrSet's counter lines: as a function of their
// own (not inlined) they cost the 20,000-rule blocklist 0.2-0.4 M
// instructions more.
func addrSet4(b *textBuf, s *ir.AddrSet) {
	b.WriteString("{ ")
	for i := range len(s.Addrs) / 4 {
		if i > 0 {
			b.WriteString(", ")
			if i%1024 == 0 {
				b.maybeFlush() // as for a SetLit
			}
		}
		b.buf = appendAddr(b.buf, netip.AddrFrom4([4]byte(s.Addrs[4*i:])))
		if s.Bits != nil && s.Bits[i] != ir.PlainAddr {
			b.buf = appendDec(append(b.buf, '/'), uint64(s.Bits[i]))
		}
		if s.Counted {
			b.WriteString(" counter")
			if s.HasValues {
				v := s.Values(i)
				b.buf = appendCounterValues(b.buf, v.Packets, v.Bytes)
			}
		}
	}
	b.WriteString(" }")
}

// concatAddrSet is addrSet of a set with ports or comments, its elements
// written as the Concat and Elem cases write them; apart, so that a
// blocklist's loop is not slowed by them.
func (p *Printer) concatAddrSet(b *textBuf, s *ir.AddrSet) {
	port := s.Port
	b.WriteString("{ ")
	for i := range s.Len() {
		if i > 0 {
			b.WriteString(", ")
			if i%1024 == 0 {
				b.maybeFlush()
			}
		}
		if !s.Is6 { // as addrSet4 writes it
			b.buf = appendAddr(b.buf, netip.AddrFrom4([4]byte(s.Addrs[4*i:])))
			if s.Bits != nil && s.Bits[i] != ir.PlainAddr {
				b.buf = appendDec(append(b.buf, '/'), uint64(s.Bits[i]))
			}
		} else if pf, plain := s.Prefix(i); plain {
			b.buf = appendAddr(b.buf, pf.Addr())
		} else {
			b.buf = appendPrefix(b.buf, pf)
		}
		if s.Ports != nil {
			b.WriteString(" . ")
			if port.Base != 16 {
				b.buf = appendDec(b.buf, s.Ports[i]) // the Integer case's
			} else {
				port.Value = s.Ports[i]
				p.expr(b, &port, 0)
			}
		}
		if s.Counted {
			b.WriteString(" counter")
			if s.HasValues {
				v := s.Values(i)
				b.buf = appendCounterValues(b.buf, v.Packets, v.Bytes)
			}
		}
		if s.Comments != nil && s.Comments[i] != "" {
			b.WriteString(" comment ")
			b.WriteString(p.quote(s.Comments[i]))
		}
	}
	b.WriteString(" }")
}

// appendPrefix appends a valid prefix, an IPv4 one with appendAddr.
func appendPrefix(dst []byte, pf netip.Prefix) []byte {
	if a := pf.Addr(); a.Is4() {
		dst = append(appendAddr(dst, a), '/')
		return appendDec(dst, uint64(pf.Bits()))
	}
	return pf.AppendTo(dst)
}

// appendCounterValues appends a counter's " packets N bytes M", its
// numbers by appendDec: strconv.AppendUint took some 90 instructions a
// number, two a rule of a dump with counters.
func appendCounterValues(dst []byte, packets, bytes uint64) []byte {
	if packets >= 1e8 || bytes >= 1e8 {
		dst = append(dst, " packets "...)
		dst = appendDec(dst, packets)
		dst = append(dst, " bytes "...)
		return appendDec(dst, bytes)
	}
	// Both in place at once, each word written whole and cut after: the
	// text is at most 32 bytes (9 + 8 digits + 7 + 8 digits).
	n := len(dst)
	dst = slices.Grow(dst, 32)
	w := dst[n : n+32]
	binary.LittleEndian.PutUint64(w, 0x7374656b63617020) // " packets"
	w[8] = ' '
	// (decDigits8 and the cut by hand: a function for both was not inlined)
	d := decDigits8(uint32(packets))
	z := bits.TrailingZeros64(d|1<<56) / 8 // leading zero digits; "0" for 0
	// (the shifts masked: z < 8, so that they need no test for 64)
	binary.LittleEndian.PutUint64(w[9:], d>>(8*z&63)+0x3030303030303030)
	k := 17 - z
	binary.LittleEndian.PutUint64(w[k:], 0x2020736574796220) // " bytes " and a byte the digits overwrite
	d = decDigits8(uint32(bytes))
	z = bits.TrailingZeros64(d|1<<56) / 8
	binary.LittleEndian.PutUint64(w[k+7:], d>>(8*z&63)+0x3030303030303030)
	return dst[:n+k+15-z]
}

// setKey writes a set element or its key: flags are joined with "|"
// ("fin | psh | urg"), as a comma would end the element.
func (p *Printer) setKey(b *textBuf, e ir.Expr) {
	if f, ok := e.(*ir.FlagList); ok && len(f.Flags) > 1 {
		b.WriteString(strings.Join(f.Flags, " | "))
		return
	}
	p.expr(b, e, 0)
}

func flagCount(e ir.Expr) int {
	if f, ok := e.(*ir.FlagList); ok {
		return len(f.Flags)
	}
	return 1
}

// writeVerdict writes verdictText(k, chain) to b: the words of most
// rules' verdicts as constants (a store or two), not the string
// verdictText returns (a memmove call).
func writeVerdict(b *textBuf, k ir.VerdictKind, chain string) {
	switch k {
	case ir.VerdictAccept:
		b.WriteString("accept")
	case ir.VerdictDrop:
		b.WriteString("drop")
	case ir.VerdictReturn:
		b.WriteString("return")
	case ir.VerdictJump:
		b.WriteString("jump ")
		b.WriteString(Ident(chain))
	case ir.VerdictGoto:
		b.WriteString("goto ")
		b.WriteString(Ident(chain))
	default:
		b.WriteString(verdictText(k, chain))
	}
}

func verdictText(k ir.VerdictKind, chain string) string {
	switch k {
	case ir.VerdictAccept:
		return "accept"
	case ir.VerdictDrop:
		return "drop"
	case ir.VerdictReturn:
		return "return"
	case ir.VerdictJump:
		return "jump " + Ident(chain)
	case ir.VerdictGoto:
		return "goto " + Ident(chain)
	case ir.VerdictContinue:
		return "continue"
	case ir.VerdictQueue:
		return "queue"
	}
	return "<verdict>"
}

// Stmt renders one statement.
func (p *Printer) Stmt(s ir.Stmt) string {
	var b textBuf
	p.stmt(&b, s)
	return b.String()
}

func (p *Printer) stmt(b *textBuf, s ir.Stmt) {
	switch s := s.(type) {
	case *ir.Match:
		p.match(b, s)
	case *ir.Counter:
		b.WriteString("counter")
		if s.HasValues {
			p.scratch = appendCounterValues(p.scratch[:0], s.Packets, s.Bytes)
			b.Write(p.scratch)
		}
	case *ir.Verdict:
		writeVerdict(b, s.Kind, s.Chain)
	case *ir.Log:
		b.WriteString("log")
		for _, a := range s.Args {
			b.WriteByte(' ')
			b.WriteString(a.Key)
			if a.Value == nil {
				continue
			}
			b.WriteByte(' ')
			if str, ok := a.Value.(*ir.String); ok && a.Key == "prefix" {
				p.writeQuoted(b, str.Value, SanitizeLogPrefix)
				continue
			}
			p.expr(b, a.Value, 0)
		}
	case *ir.Limit:
		b.WriteString("limit rate ")
		if s.Over {
			b.WriteString("over ")
		}
		fmt.Fprintf(b, "%d", s.Rate)
		if s.RateUnit != "" {
			b.WriteString(" " + s.RateUnit)
		}
		b.WriteString("/" + s.Per)
		if s.Burst != 0 {
			fmt.Fprintf(b, " burst %d %s", s.Burst, s.BurstUnit)
		}
	case *ir.Quota:
		b.WriteString("quota ")
		if s.Over {
			b.WriteString("over ")
		}
		unit := s.Unit
		if unit == "" {
			unit = "bytes"
		}
		fmt.Fprintf(b, "%d %s", s.Bytes, unit)
		if s.Used != 0 {
			fmt.Fprintf(b, " used %d bytes", s.Used)
		}
	case *ir.Assign:
		p.expr(b, s.Key, 0)
		b.WriteString(" set ")
		p.expr(b, s.Value, 0)
	case *ir.Nat:
		p.nat(b, s)
	case *ir.Reject:
		b.WriteString("reject")
		switch s.Type {
		case "":
		case "tcp reset":
			b.WriteString(" with tcp reset")
		default:
			b.WriteString(" with " + s.Type + " type " + s.Code)
		}
	case *ir.Queue:
		b.WriteString("queue")
		if s.Num != nil {
			b.WriteString(" num ")
			p.expr(b, s.Num, 0)
		}
		if len(s.Flags) > 0 {
			b.WriteString(" " + strings.Join(s.Flags, ","))
		}
	case *ir.Notrack:
		b.WriteString("notrack")
	case *ir.Dup:
		b.WriteString("dup to ")
		p.expr(b, s.Addr, 0)
		if s.Dev != nil {
			b.WriteString(" device ")
			p.expr(b, s.Dev, 0)
		}
	case *ir.Fwd:
		b.WriteString("fwd to ")
		p.expr(b, s.Dev, 0)
	case *ir.TProxy:
		b.WriteString("tproxy ")
		if s.Family != "" {
			b.WriteString(s.Family + " ")
		}
		b.WriteString("to ")
		p.addrPort(b, s.Addr, s.Port)
	case *ir.Synproxy:
		b.WriteString("synproxy")
		for _, a := range s.Args {
			b.WriteString(" " + a.Key)
			if a.Value != nil {
				b.WriteByte(' ')
				p.expr(b, a.Value, 0)
			}
		}
	case *ir.SetUpdate:
		b.WriteString(s.Op + " @" + Ident(s.Set) + " { ")
		p.expr(b, s.Key, 0)
		if s.Timeout != "" {
			b.WriteString(" timeout " + s.Timeout)
		}
		for _, st := range s.Stmts {
			b.WriteByte(' ')
			p.stmt(b, st)
		}
		b.WriteString(" }")
	case *ir.Meter:
		b.WriteString("meter " + Ident(s.Name) + " { ")
		p.expr(b, s.Key, 0)
		if s.Timeout != "" {
			b.WriteString(" timeout " + s.Timeout)
		}
		b.WriteByte(' ')
		p.stmt(b, s.Stmt)
		b.WriteString(" }")
	case *ir.CtCount:
		b.WriteString("ct count ")
		if s.Over {
			b.WriteString("over ")
		}
		fmt.Fprintf(b, "%d", s.Count)
	case *ir.VMap:
		p.expr(b, s.Key, 0)
		b.WriteString(" vmap ")
		p.expr(b, s.Map, 0)
	case *ir.ObjRef:
		b.WriteString(s.Type + " set ")
		p.expr(b, s.Name, 0)
	case *ir.CounterRef:
		b.WriteString("counter name " + p.quote(s.Name))
	case *ir.Comment:
		// Notes are written by the rule printer, not inline.
	default:
		fmt.Fprintf(b, "<%T>", s)
	}
}

func (p *Printer) nat(b *textBuf, s *ir.Nat) {
	// (constants, written by a store or two, not a memmove call)
	switch s.Kind {
	case ir.NatSNAT:
		b.WriteString("snat")
	case ir.NatDNAT:
		b.WriteString("dnat")
	default:
		b.WriteString([...]string{"snat", "dnat", "masquerade", "redirect"}[s.Kind])
	}
	if s.Family != "" && (s.Addr != nil || s.Prefix || s.AddrPort) {
		b.WriteString(" " + s.Family)
	}
	if s.Prefix {
		b.WriteString(" prefix")
	}
	if s.AddrPort {
		b.WriteString(" addr . port")
	}
	if s.Addr != nil || s.Port != nil {
		b.WriteString(" to ")
		p.addrPort(b, s.Addr, s.Port)
	}
	if len(s.Flags) > 0 {
		b.WriteString(" " + strings.Join(s.Flags, ","))
	}
}

// addrPort writes "ADDR", "ADDR:PORT", "[V6]:PORT" or ":PORT".
func (p *Printer) addrPort(b *textBuf, addr, port ir.Expr) {
	if addr != nil {
		// Written in place: a NAT rule's address made a text of its
		// own, copied twice, for every rule.
		r, isRange := addr.(*ir.Range)
		a, isAddr := addr.(*ir.Addr)
		switch {
		case isAddr && a.Addr.Is4():
			// Most NAT rules' address, written without expr's call
			// and type switch.
			b.buf = appendAddr(b.buf, a.Addr)
		case port == nil || !isV6(addr):
			p.expr(b, addr, 0)
		case isRange && !p.Style.Upstream:
			// nft reads "[lo]-[hi]:port", not upstream's "[lo-hi]:port".
			b.WriteByte('[')
			p.expr(b, r.Lo, 0)
			b.WriteString("]-[")
			p.expr(b, r.Hi, 0)
			b.WriteByte(']')
		default:
			b.WriteByte('[')
			p.expr(b, addr, 0)
			b.WriteByte(']')
		}
	}
	if port != nil {
		b.WriteByte(':')
		if n, ok := port.(*ir.Integer); ok && n.Base != 16 {
			b.buf = appendDec(b.buf, n.Value)
			return
		}
		p.expr(b, port, 0)
	}
}

func isV6(e ir.Expr) bool {
	switch e := e.(type) {
	case *ir.Addr:
		return e.Addr.Is6()
	case *ir.Prefix:
		return e.Prefix.Addr().Is6()
	case *ir.Range:
		return isV6(e.Lo)
	}
	return false
}

// Rule renders a rule's statements and comment on one line.
func (p *Printer) Rule(r *ir.Rule) string {
	p.ruleBuf.reset()
	p.rule(&p.ruleBuf, r)
	return p.ruleBuf.String()
}

// rule writes what Rule returns to b. Most rules are matches, a counter
// and a verdict: the matches are written first, without the tests of
// ruleFrom's loop (the statements it skips are no matches), whose
// counters and indexes were kept around every call, then the counter and
// verdict: exact mode's printing took some 45 instructions a rule less
// (the blocklist 20,000-rule dump: 65.1 -> 64.2 M). The one statement
// after an optimized rule's matches is left to ruleFrom: here too, rule
// was no longer inlined into ruleCommand.
func (p *Printer) rule(b *textBuf, r *ir.Rule) {
	p.cur = r
	stmts := r.Stmts
	// The matches first. (default.pgo knows match's call by its line,
	// 18 below the func line, where it was in the loop: keep it there;
	// the lines below are kept for the count.)
	//
	//
	//
	i := 0
	for ; i < len(stmts); i++ {
		m, ok := stmts[i].(*ir.Match)
		if !ok {
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		p.match(b, m)
	}
	// Then the counter and the verdict (or NAT...) of most rules, as
	// ruleFrom writes them.
	if len(stmts)-i == 2 {
		if c, ok := stmts[i].(*ir.Counter); ok && !c.HasValues {
			if _, ok := stmts[i+1].(*ir.Comment); !ok {
				if i > 0 {
					b.WriteByte(' ')
				}
				if v, ok := stmts[i+1].(*ir.Verdict); ok {
					// writeCounterVerdict's cases, written here: its
					// call cost the blocklist dump 0.46 M instructions.
					switch v.Kind {
					case ir.VerdictAccept:
						b.WriteString("counter accept")
					case ir.VerdictDrop:
						b.WriteString("counter drop")
					default:
						writeCounterVerdict(b, v)
					}
				} else {
					b.WriteString("counter ")
					p.stmt(b, stmts[i+1])
				}
				if r.Comment != "" {
					p.ruleComment(b, r.Comment, 1)
				}
				p.cur = nil
				return
			}
		}
	}
	p.ruleFrom(b, r, i)
	p.cur = nil
}

// ruleFrom is rule for the statements of r from the i-th on, those
// before being i matches rule wrote.
func (p *Printer) ruleFrom(b *textBuf, r *ir.Rule, i int) {
	if i == len(r.Stmts)-1 {
		// The one statement after the matches of an optimized rule
		// ("dnat to 10.0.0.1"), written as the loop below does, without
		// it (half the dispatch 20,000-rule dump's rules).
		if _, ok := r.Stmts[i].(*ir.Comment); !ok {
			if i > 0 {
				b.WriteByte(' ')
			}
			p.stmt(b, r.Stmts[i])
			i++
		}
	}
	n, skip := i, -1
	for ; i < len(r.Stmts); i++ {
		s := r.Stmts[i]
		// The statements of most rules, a match, a counter and a
		// verdict, are told apart here, without stmt's call and type
		// switch (some 20 instructions a statement).
		m, isMatch := s.(*ir.Match)
		if !isMatch {
			if _, ok := s.(*ir.Comment); ok || i == skip {
				continue
			}
		}
		if n > 0 {
			b.WriteByte(' ')
		}
		n++
		if isMatch {
			p.match(b, m)
		} else if c, ok := s.(*ir.Counter); ok && !c.HasValues {
			// Most rules end with a counter and a verdict: written
			// here, the verdict's turn then skipped (some 30
			// instructions a rule).
			if i+1 < len(r.Stmts) {
				if v, ok := r.Stmts[i+1].(*ir.Verdict); ok {
					writeCounterVerdict(b, v)
					skip = i + 1
					continue
				}
			}
			b.WriteString("counter")
		} else if v, ok := s.(*ir.Verdict); ok {
			writeVerdict(b, v.Kind, v.Chain)
		} else {
			p.stmt(b, s)
		}
	}
	if r.Comment != "" {
		p.ruleComment(b, r.Comment, n)
	}
}

// writeCounterVerdict writes a plain counter and the verdict v after
// it: "counter accept" and "counter drop" with one store.
func writeCounterVerdict(b *textBuf, v *ir.Verdict) {
	switch v.Kind {
	case ir.VerdictAccept:
		b.WriteString("counter accept")
	case ir.VerdictDrop:
		b.WriteString("counter drop")
	default:
		b.WriteString("counter ")
		writeVerdict(b, v.Kind, v.Chain)
	}
}

// ruleComment writes a rule's comment after its n statements.
func (p *Printer) ruleComment(b *textBuf, comment string, n int) {
	if n > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(`comment "`)
	p.writeQuotedRest(b, comment, SanitizeString)
}

// Notes returns the texts of the rule's Comment statements.
func Notes(r *ir.Rule) []string {
	var notes []string
	for _, s := range r.Stmts {
		if c, ok := s.(*ir.Comment); ok {
			notes = append(notes, c.Text)
		}
	}
	return notes
}

// appendAddr is a.AppendTo(dst), with IPv4 addresses written here:
// netip's general path took some 75 instructions an address, every rule
// printing one or two (the mixed 20,000-rule dump in exact mode: 1 % of
// its instructions, all on the goroutine that prints). The text of each
// byte, its digits and a dot, is looked up (decOctet) and two bytes' are
// joined in a word: two stores write the address. Written digit by digit,
// an address took some 120 instructions.
func appendAddr(dst []byte, a netip.Addr) []byte {
	if !a.Is4() {
		return a.AppendTo(dst)
	}
	b := a.As4()
	d0, d1, d2, d3 := decOctet[b[0]], decOctet[b[1]], decOctet[b[2]], decOctet[b[3]]
	l0, l2 := d0>>56, d2>>56
	// Two bytes' text (digits and dot, at most 8 bytes) in a word each.
	// (The shifts, at most 32, masked: a shift of 64 or more, which
	// gives 0, then needs no test.)
	lo := d0&0xffffffff | (d1&0xffffffff)<<(8*l0&63)
	hi := d2&0xffffffff | (d3&0xffffffff)<<(8*l2&63)
	at := int(l0 + d1>>56)
	n := len(dst)
	dst = slices.Grow(dst, 16)
	w := dst[n : n+16]
	binary.LittleEndian.PutUint64(w, lo)
	binary.LittleEndian.PutUint64(w[at:], hi)
	return dst[:n+at+int(l2+d3>>56)-1] // without the last dot
}

// appendDec is strconv.AppendUint(dst, v, 10), with numbers below
// 100,000,000 (ports, prefix lengths, marks, counters...) written here:
// strconv's took some 90 to 120 instructions a port or a counter.
func appendDec(dst []byte, v uint64) []byte {
	switch {
	case v < 10:
		return append(dst, byte('0'+v))
	case v < 100:
		return append(dst, byte('0'+v/10), byte('0'+v%10))
	case v >= 1e8:
		return appendDecLarge(dst, v)
	}
	d := decDigits8(uint32(v))
	z := bits.TrailingZeros64(d) / 8 // leading zero digits
	n := len(dst)
	dst = slices.Grow(dst, 8)
	// (the shift masked, z < 8 as v >= 100: no test for 64)
	binary.LittleEndian.PutUint64(dst[n:n+8], d>>(8*z&63)+0x3030303030303030)
	return dst[:n+8-z]
}

// decDigits8 returns v's eight decimal digits (v < 100,000,000, leading
// zeros included) as byte values, the first digit in the lowest byte:
// v is split in halves of four digits, each half in pairs, each pair
// in digits, all lanes of a step at once in one word (no loop, no
// table). x*5243>>19 is x/100 for x < 43,699, x*103>>10 is x/10 for
// x < 179.
func decDigits8(v uint32) uint64 {
	hi, lo := v/10000, v%10000
	m := uint64(hi) | uint64(lo)<<32
	q := (m * 5243 >> 19) & 0x0000007f_0000007f
	m = q | (m-100*q)<<16
	q = (m * 103 >> 10) & 0x000f_000f_000f_000f
	return q | (m-10*q)<<8
}

// appendDecLarge is appendDec for v of nine digits or more: while v
// fits in 32 bits, its one or two leading digits (v/1e8, below 43) and
// then its last eight, all of them (decDigits8), in one word. Two digits
// a step took some 170 instructions a 10-digit number, strconv's some
// 200 (statistic's "meta random & 2147483647 < 1073741824": two a rule
// of a load-balancing service).
func appendDecLarge(dst []byte, v uint64) []byte {
	if v > math.MaxUint32 {
		return strconv.AppendUint(dst, v, 10)
	}
	hi, lo := uint32(v)/1e8, uint32(v)%1e8
	if hi < 10 {
		dst = append(dst, byte('0'+hi))
	} else {
		dst = append(dst, digitPairs[2*hi], digitPairs[2*hi+1])
	}
	n := len(dst)
	dst = slices.Grow(dst, 8)
	binary.LittleEndian.PutUint64(dst[n:n+8], decDigits8(lo)+0x3030303030303030)
	return dst[:n+8]
}

// digitPairs are the two digits of 0 to 99.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// decOctet holds each byte value's decimal digits and a dot in its low
// four bytes (little-endian, the first digit lowest) and their count in
// its top byte: 255 is 0x04 then "255." backwards. A literal, laid out in
// the binary: computed by the package's init, the table took 16,000
// instructions of every run's start (TestAppendAddr checks every entry).
var decOctet = [256]uint64{
	0x0200000000002e30, 0x0200000000002e31, 0x0200000000002e32, 0x0200000000002e33,
	0x0200000000002e34, 0x0200000000002e35, 0x0200000000002e36, 0x0200000000002e37,
	0x0200000000002e38, 0x0200000000002e39, 0x03000000002e3031, 0x03000000002e3131,
	0x03000000002e3231, 0x03000000002e3331, 0x03000000002e3431, 0x03000000002e3531,
	0x03000000002e3631, 0x03000000002e3731, 0x03000000002e3831, 0x03000000002e3931,
	0x03000000002e3032, 0x03000000002e3132, 0x03000000002e3232, 0x03000000002e3332,
	0x03000000002e3432, 0x03000000002e3532, 0x03000000002e3632, 0x03000000002e3732,
	0x03000000002e3832, 0x03000000002e3932, 0x03000000002e3033, 0x03000000002e3133,
	0x03000000002e3233, 0x03000000002e3333, 0x03000000002e3433, 0x03000000002e3533,
	0x03000000002e3633, 0x03000000002e3733, 0x03000000002e3833, 0x03000000002e3933,
	0x03000000002e3034, 0x03000000002e3134, 0x03000000002e3234, 0x03000000002e3334,
	0x03000000002e3434, 0x03000000002e3534, 0x03000000002e3634, 0x03000000002e3734,
	0x03000000002e3834, 0x03000000002e3934, 0x03000000002e3035, 0x03000000002e3135,
	0x03000000002e3235, 0x03000000002e3335, 0x03000000002e3435, 0x03000000002e3535,
	0x03000000002e3635, 0x03000000002e3735, 0x03000000002e3835, 0x03000000002e3935,
	0x03000000002e3036, 0x03000000002e3136, 0x03000000002e3236, 0x03000000002e3336,
	0x03000000002e3436, 0x03000000002e3536, 0x03000000002e3636, 0x03000000002e3736,
	0x03000000002e3836, 0x03000000002e3936, 0x03000000002e3037, 0x03000000002e3137,
	0x03000000002e3237, 0x03000000002e3337, 0x03000000002e3437, 0x03000000002e3537,
	0x03000000002e3637, 0x03000000002e3737, 0x03000000002e3837, 0x03000000002e3937,
	0x03000000002e3038, 0x03000000002e3138, 0x03000000002e3238, 0x03000000002e3338,
	0x03000000002e3438, 0x03000000002e3538, 0x03000000002e3638, 0x03000000002e3738,
	0x03000000002e3838, 0x03000000002e3938, 0x03000000002e3039, 0x03000000002e3139,
	0x03000000002e3239, 0x03000000002e3339, 0x03000000002e3439, 0x03000000002e3539,
	0x03000000002e3639, 0x03000000002e3739, 0x03000000002e3839, 0x03000000002e3939,
	0x040000002e303031, 0x040000002e313031, 0x040000002e323031, 0x040000002e333031,
	0x040000002e343031, 0x040000002e353031, 0x040000002e363031, 0x040000002e373031,
	0x040000002e383031, 0x040000002e393031, 0x040000002e303131, 0x040000002e313131,
	0x040000002e323131, 0x040000002e333131, 0x040000002e343131, 0x040000002e353131,
	0x040000002e363131, 0x040000002e373131, 0x040000002e383131, 0x040000002e393131,
	0x040000002e303231, 0x040000002e313231, 0x040000002e323231, 0x040000002e333231,
	0x040000002e343231, 0x040000002e353231, 0x040000002e363231, 0x040000002e373231,
	0x040000002e383231, 0x040000002e393231, 0x040000002e303331, 0x040000002e313331,
	0x040000002e323331, 0x040000002e333331, 0x040000002e343331, 0x040000002e353331,
	0x040000002e363331, 0x040000002e373331, 0x040000002e383331, 0x040000002e393331,
	0x040000002e303431, 0x040000002e313431, 0x040000002e323431, 0x040000002e333431,
	0x040000002e343431, 0x040000002e353431, 0x040000002e363431, 0x040000002e373431,
	0x040000002e383431, 0x040000002e393431, 0x040000002e303531, 0x040000002e313531,
	0x040000002e323531, 0x040000002e333531, 0x040000002e343531, 0x040000002e353531,
	0x040000002e363531, 0x040000002e373531, 0x040000002e383531, 0x040000002e393531,
	0x040000002e303631, 0x040000002e313631, 0x040000002e323631, 0x040000002e333631,
	0x040000002e343631, 0x040000002e353631, 0x040000002e363631, 0x040000002e373631,
	0x040000002e383631, 0x040000002e393631, 0x040000002e303731, 0x040000002e313731,
	0x040000002e323731, 0x040000002e333731, 0x040000002e343731, 0x040000002e353731,
	0x040000002e363731, 0x040000002e373731, 0x040000002e383731, 0x040000002e393731,
	0x040000002e303831, 0x040000002e313831, 0x040000002e323831, 0x040000002e333831,
	0x040000002e343831, 0x040000002e353831, 0x040000002e363831, 0x040000002e373831,
	0x040000002e383831, 0x040000002e393831, 0x040000002e303931, 0x040000002e313931,
	0x040000002e323931, 0x040000002e333931, 0x040000002e343931, 0x040000002e353931,
	0x040000002e363931, 0x040000002e373931, 0x040000002e383931, 0x040000002e393931,
	0x040000002e303032, 0x040000002e313032, 0x040000002e323032, 0x040000002e333032,
	0x040000002e343032, 0x040000002e353032, 0x040000002e363032, 0x040000002e373032,
	0x040000002e383032, 0x040000002e393032, 0x040000002e303132, 0x040000002e313132,
	0x040000002e323132, 0x040000002e333132, 0x040000002e343132, 0x040000002e353132,
	0x040000002e363132, 0x040000002e373132, 0x040000002e383132, 0x040000002e393132,
	0x040000002e303232, 0x040000002e313232, 0x040000002e323232, 0x040000002e333232,
	0x040000002e343232, 0x040000002e353232, 0x040000002e363232, 0x040000002e373232,
	0x040000002e383232, 0x040000002e393232, 0x040000002e303332, 0x040000002e313332,
	0x040000002e323332, 0x040000002e333332, 0x040000002e343332, 0x040000002e353332,
	0x040000002e363332, 0x040000002e373332, 0x040000002e383332, 0x040000002e393332,
	0x040000002e303432, 0x040000002e313432, 0x040000002e323432, 0x040000002e333432,
	0x040000002e343432, 0x040000002e353432, 0x040000002e363432, 0x040000002e373432,
	0x040000002e383432, 0x040000002e393432, 0x040000002e303532, 0x040000002e313532,
	0x040000002e323532, 0x040000002e333532, 0x040000002e343532, 0x040000002e353532,
}
