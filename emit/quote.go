// Package emit turns the IR into nftables input: nft text (block syntax
// or upstream's "add rule" commands), libnftables JSON, and netlink
// batches. It is the only place where nft syntax is produced.
package emit

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Ident writes a table, chain or set name. Names that are not bare nft
// identifiers are quoted; nft before 1.0.7 cannot read quoted names, which
// is why translation renames such chains unless told the target nft is
// newer.
func Ident(name string) string {
	if ir.IsBareIdent(name) {
		return name
	}
	return `"` + SanitizeString(name) + `"`
}

// SanitizeString makes s safe inside an nft double-quoted string. nft has
// no escapes: a '"' would end the string early and a newline would split
// the line, so they become "'" and ' '. Other control characters are
// dropped. The result never contains a quote, so it cannot break out of
// the string.
func SanitizeString(s string) string {
	if !strings.ContainsAny(s, "\"\n\r\t\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f") {
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

// SanitizeLogPrefix also removes '$': inside a log prefix nft expands
// "$name" as a variable.
func SanitizeLogPrefix(s string) string {
	return strings.ReplaceAll(SanitizeString(s), "$", "_")
}

// quote writes a sanitized double-quoted string, noting any change.
func (p *Printer) quote(s string) string { return p.quoteWith(s, SanitizeString) }

func (p *Printer) quoteWith(s string, sanitize func(string) string) string {
	q := sanitize(s)
	if q != s {
		p.Notes = append(p.Notes, Note{Pos: p.origin(), Msg: fmt.Sprintf("string %q written as %q: nft text has no escapes for '\"', line breaks or control characters, and reads '$' in log prefixes as a variable", s, q)})
	}
	return `"` + q + `"`
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
