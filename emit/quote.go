// Package emit turns the IR into nftables input: nft text (block syntax
// or upstream's "add rule" commands), libnftables JSON, and netlink
// batches. It is the only place where nft syntax is produced.
package emit

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/strword"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Ident writes a table, chain or set name. Names that are not bare nft
// identifiers are quoted; nft before 1.0.7 cannot read quoted names, which
// is why translation renames such chains unless told the target nft is
// newer.
func Ident(name string) string {
	if upperIdent(name) || ir.IsBareIdent(name) {
		return name
	}
	return `"` + SanitizeString(name) + `"`
}

// upperIdent reports whether name is a bare identifier of the kind most
// chain names are, one ir.IsBareIdent took some 140 instructions over
// (a jump's target: two rules in three of a dispatch dump): of 8 bytes
// or more, a capital letter, then capitals, digits and '-', '.', '/'
// or '_' (no keyword has a capital). It looks at 8 bytes a step, the
// last step overlapping the one before, and tells once at the end
// whether every byte was one of them: a test after each step, and a
// fourth range of bytes ('-' apart from '.', '/' and the digits), took
// some 40 more instructions a KUBE-SEP-... name.
func upperIdent(name string) bool {
	n := len(name)
	if n < 8 || name[0]-'A' > 'Z'-'A' {
		return false
	}
	in := upperIdentWord(strword.Load64(name[n-8:]))
	for i := 0; i < n-8; i += 8 {
		in &= upperIdentWord(strword.Load64(name[i : i+8]))
	}
	return in == 0x8080808080808080
}

// upperIdentWord has the top bit of each byte of w set that is a
// capital letter, a digit, '-', '.', '/' or '_', and no other bit. For
// bytes below 0x80, the top bit of b+0x80-lo is set when b >= lo, that
// of b+0x7f-hi when b > hi, and no sum carries into the next byte (a
// byte from 0x80 up, whose top bit w has, is none of them whatever
// carries into the bytes above it).
func upperIdentWord(w uint64) uint64 {
	const ones, top = 0x0101010101010101, 0x8080808080808080
	in := (w+(0x80-'A')*ones)&^(w+(0x7f-'Z')*ones) |
		(w+(0x80-'-')*ones)&^(w+(0x7f-'9')*ones) | // "-./0123456789"
		(w+(0x80-'_')*ones)&^(w+(0x7f-'_')*ones)
	return in &^ w & top
}

// SanitizeString makes s safe inside an nft double-quoted string. nft has
// no escapes: a '"' would end the string early and a newline would split
// the line, so they become "'" and ' '. Other control characters are
// dropped. The result never contains a quote, so it cannot break out of
// the string.
func SanitizeString(s string) string {
	if !needsSanitizing(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteByte('\'')
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// needsSanitizing reports whether s holds a byte SanitizeString changes:
// a double quote, a control character or DEL (the bytes of a multi-byte
// character are all 0x80 or more).
func needsSanitizing(s string) bool {
	// Eight bytes at a time (a rule's comment, an interface name...):
	// a lane's top bit is set in w-0x20*ones &^ w for a byte below 0x20,
	// and in v-ones &^ v for a zero byte of v, the byte xor'ed with '"'
	// or DEL. A borrow only reaches a lane above one that is set, so any
	// set bit means a byte that needs it.
	const ones, top = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		w := strword.Load64(s[i : i+8])
		q, d := w^'"'*ones, w^0x7f*ones
		if ((w-0x20*ones)&^w|(q-ones)&^q|(d-ones)&^d)&top != 0 {
			return true
		}
	}
	if i < len(s) && i >= 8 {
		// The rest, in the last eight bytes (overlapping the word
		// before): no loop over it.
		w := strword.Load64(s[len(s)-8:])
		q, d := w^'"'*ones, w^0x7f*ones
		return ((w-0x20*ones)&^w|(q-ones)&^q|(d-ones)&^d)&top != 0
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == 0x7f {
			return true
		}
	}
	return false
}

// SanitizeLogPrefix also removes '$': inside a log prefix nft expands
// "$name" as a variable.
func SanitizeLogPrefix(s string) string {
	return strings.ReplaceAll(SanitizeString(s), "$", "_")
}

// quote writes a sanitized double-quoted string, noting any change.
func (p *Printer) quote(s string) string { return p.quoteWith(s, SanitizeString) }

func (p *Printer) quoteWith(s string, sanitize func(string) string) string {
	return `"` + p.sanitized(s, sanitize) + `"`
}

// writeQuoted writes what quoteWith returns to b, without making it.
func (p *Printer) writeQuoted(b *textBuf, s string, sanitize func(string) string) {
	b.WriteByte('"')
	b.WriteString(p.sanitized(s, sanitize))
	b.WriteByte('"')
}

// writeQuotedRest is writeQuoted after the opening quote, for sanitize
// SanitizeString or another that changes only what SanitizeString
// changes: a string that needs none (most comments) is written as it
// is, without sanitize's call and the comparison of what it returns.
func (p *Printer) writeQuotedRest(b *textBuf, s string, sanitize func(string) string) {
	if !needsSanitizing(s) {
		b.buf = append(append(b.buf, s...), '"')
		return
	}
	b.WriteString(p.sanitized(s, sanitize))
	b.WriteByte('"')
}

// sanitized is s sanitized for a quoted string, with a note if that
// changed it.
func (p *Printer) sanitized(s string, sanitize func(string) string) string {
	q := sanitize(s)
	if q != s {
		p.Notes = append(p.Notes, Note{Pos: p.origin(), Msg: fmt.Sprintf("string %q written as %q: nft text has no escapes for '\"', line breaks or control characters, and reads '$' in log prefixes as a variable", s, q)})
	}
	return q
}

// Note is something the printer had to change to produce valid nft text.
type Note struct {
	Pos ir.Pos
	Msg string
}

func (n Note) String() string { return fmt.Sprintf("%s: warning: %s", n.Pos, n.Msg) }

func (p *Printer) origin() ir.Pos {
	if p.cur != nil && len(p.cur.Origin) > 0 {
		return p.cur.Origin[0]
	}
	return ir.Pos{}
}
