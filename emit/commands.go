package emit

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ipt2nft/ipt2nft/ir"
)

// WriteCommand writes what CommandText returns, without building the
// line as a string for the commands there are many of (rules).
func (p *Printer) WriteCommand(w io.Writer, c *ir.Command) error {
	if c.Op != ir.CmdAddRule && c.Op != ir.CmdInsertRule {
		_, err := io.WriteString(w, p.CommandText(c))
		return err
	}
	p.ruleBuf.buf = p.AppendCommand(p.ruleBuf.buf[:0], c)
	_, err := w.Write(p.ruleBuf.buf)
	return err
}

// AppendCommand appends what CommandText returns to dst, and returns
// the extended buffer. The commands there are many of (rules) are
// written straight into dst.
func (p *Printer) AppendCommand(dst []byte, c *ir.Command) []byte {
	if c.Op == ir.CmdAddChain && c.Chain.Hook == nil {
		// a user chain: CommandText's line, without its Sprintf
		if k := &p.chainKey; p.chainPrefix == nil || k.family != c.Family || k.table != c.Table {
			p.chainPrefix = p.chainPrefix[:0]
			for _, s := range [...]string{"add chain ", c.Family.String(), " ", c.Table, " "} {
				p.chainPrefix = append(p.chainPrefix, s...)
			}
			*k = rulePrefix{family: c.Family, table: c.Table}
		}
		return append(append(dst, p.chainPrefix...), c.Chain.Name...)
	}
	if c.Op != ir.CmdAddRule && c.Op != ir.CmdInsertRule {
		return append(dst, p.CommandText(c)...)
	}
	// In a textBuf of p's: one of its own would escape (as a Writer).
	b := &p.appendBuf
	b.buf = dst
	p.ruleCommand(b, c)
	dst, b.buf = b.buf, nil
	return dst
}

// Lines holds the text of commands, a line each, as AppendLine writes
// it, for a caller that hands it on in blocks (a restore translation):
// the commands are written into it in place, not into a buffer handed
// to AppendCommand and back for each.
type Lines struct{ b textBuf }

// AppendLine writes to l what CommandText returns for c, and a newline.
func (p *Printer) AppendLine(l *Lines, c *ir.Command) {
	if c.Op == ir.CmdAddRule || c.Op == ir.CmdInsertRule {
		p.ruleCommand(&l.b, c)
	} else {
		l.b.buf = p.AppendCommand(l.b.buf, c)
	}
	l.b.buf = append(l.b.buf, '\n')
}

// WriteString appends s to l.
func (l *Lines) WriteString(s string) { l.b.buf = append(l.b.buf, s...) }

// Grow makes room in l for n more bytes. It makes it with make, not
// slices.Grow, which clears the new room: memory new from the system is
// zero already, and make leaves it untouched until written. Cleared,
// each of its pages faulted at once: 17 of the some 340 of a restore
// translation of a few rules, whose 68 KB of room (compat) they never
// fill.
func (l *Lines) Grow(n int) {
	if cap(l.b.buf)-len(l.b.buf) >= n {
		return
	}
	b := make([]byte, len(l.b.buf), len(l.b.buf)+n)
	copy(b, l.b.buf)
	l.b.buf = b
}

// Len is the length of the text l holds.
func (l *Lines) Len() int { return len(l.b.buf) }

// Bytes is the text l holds, until l is next written to or reset.
func (l *Lines) Bytes() []byte { return l.b.buf }

// Reset empties l, keeping its room.
func (l *Lines) Reset() { l.b.buf = l.b.buf[:0] }

// ruleCommand writes an add or insert rule command. The rules of a chain
// mostly come one after the other, but a dispatch dump alternates between
// chains (KUBE-SVC-1, KUBE-SEP-1, KUBE-SVC-1): then only the chain name at
// the end of the prefix is replaced. The prefix ("add rule ip filter
// INPUT ") is written by three 16-byte stores when it fits in them
// (newPrefix leaves room for them), as most do, not by a memmove call:
// some 10 instructions a rule less. (default.pgo knows p.rule's call by
// its line here: 16 below the func line.)
func (p *Printer) ruleCommand(b *textBuf, c *ir.Command) {
	if k := &p.prefixKey; p.prefix == nil || k.op != c.Op || k.family != c.Family || !sameString(k.table, c.Table) {
		p.newPrefix(c)
	} else if !sameString(k.chain, c.Chain.Name) {
		p.prefix = append(append(p.prefix[:len(p.prefix)-len(k.chain)-1], c.Chain.Name...), ' ')
		k.chain = c.Chain.Name
	}
	if n, pre := len(b.buf), p.prefix; len(pre) <= prefixRoom && cap(pre) >= prefixRoom && cap(b.buf)-n >= prefixRoom {
		copy48(b.buf[n:n+prefixRoom], pre[:prefixRoom])
		b.buf = b.buf[:n+len(pre)]
		// (what the stores wrote past the prefix is written over next)
	} else {
		b.Write(pre)
	}
	p.writeIndex(b, c)
	// (p.rule's line: see above)
	p.rule(b, c.Rule)
}

// writeIndex writes the index of an insert rule command that has one.
func (p *Printer) writeIndex(b *textBuf, c *ir.Command) {
	if c.Op == ir.CmdInsertRule && c.Index >= 0 {
		fmt.Fprintf(b, "index %d ", c.Index)
	}
}

// copy48 copies src's 48 bytes to dst by three 16-byte stores (an array
// copy of 48 bytes is a memmove call).
func copy48(dst, src []byte) {
	*(*[16]byte)(dst) = *(*[16]byte)(src)
	*(*[16]byte)(dst[16:]) = *(*[16]byte)(src[16:])
	*(*[16]byte)(dst[32:48]) = *(*[16]byte)(src[32:48])
}

// prefixRoom is the room newPrefix makes for a prefix, which ruleCommand
// writes whole.
const prefixRoom = 48

// newPrefix makes p.prefix c's: "add rule ip filter INPUT ".
func (p *Printer) newPrefix(c *ir.Command) {
	verb := "add rule "
	if c.Op == ir.CmdInsertRule {
		verb = "insert rule "
	}
	p.prefix = slices.Grow(p.prefix[:0], prefixRoom)
	for _, s := range [...]string{verb, c.Family.String(), " ", c.Table, " ", c.Chain.Name, " "} {
		p.prefix = append(p.prefix, s...)
	}
	p.prefixKey = rulePrefix{c.Op, c.Family, c.Table, c.Chain.Name}
}

// CommandText renders one exact-mode command without any shell quoting.
func (p *Printer) CommandText(c *ir.Command) string {
	fam := c.Family.String()
	switch c.Op {
	case ir.CmdAddTable:
		return fmt.Sprintf("add table %s %s", fam, c.Table)
	case ir.CmdAddChain:
		s := fmt.Sprintf("add chain %s %s %s", fam, c.Table, c.Chain.Name)
		if h := c.Chain.Hook; h != nil {
			s += fmt.Sprintf(" { type %s hook %s priority %s; ", h.Type, h.Hook, PriorityText(h.Priority))
			if h.Policy != "" {
				s += "policy " + h.Policy + "; "
			}
			s += "}"
		}
		return s
	case ir.CmdAddRule, ir.CmdInsertRule:
		var b textBuf
		p.ruleCommand(&b, c)
		return b.String()
	case ir.CmdAddSet:
		return fmt.Sprintf("add set %s %s %s %s", fam, c.Table, c.Set.Name, p.setSpecInline(c.Set))
	case ir.CmdAddCtHelper:
		h := c.CtHelper
		return fmt.Sprintf("add ct helper %s %s %s { type %s protocol %s; }", fam, c.Table, h.Name, p.quote(h.Helper), h.Protocol)
	case ir.CmdFlushTable:
		return fmt.Sprintf("flush table %s %s", fam, c.Table)
	case ir.CmdFlushChain:
		return fmt.Sprintf("flush chain %s %s %s", fam, c.Table, c.Chain.Name)
	case ir.CmdDeleteChain:
		return fmt.Sprintf("delete chain %s %s %s", fam, c.Table, c.Chain.Name)
	case ir.CmdListTable:
		return fmt.Sprintf("list table %s %s", fam, c.Table)
	case ir.CmdUntranslated:
		return "# " + c.Text
	}
	return "# ?"
}

// RestoreUntranslated is an untranslated command as
// iptables-restore-translate writes it: a comment with the table, and
// the space upstream leaves after the words.
func RestoreUntranslated(c *ir.Command) string {
	return "# -t " + c.Table + " " + c.Text + " "
}

// setSpecInline renders "{ type ipv4_addr; flags dynamic; }".
func (p *Printer) setSpecInline(s *ir.Set) string {
	var parts []string
	if s.Type != "" {
		t := "type " + s.Type
		if s.Map != "" {
			t += " : " + s.Map
		}
		parts = append(parts, t)
	} else if s.Typeof != nil {
		parts = append(parts, "typeof "+p.Expr(s.Typeof))
	}
	if len(s.Flags) > 0 {
		parts = append(parts, "flags "+strings.Join(s.Flags, ","))
	}
	if s.Timeout != "" {
		parts = append(parts, "timeout "+s.Timeout)
	}
	if s.Size != 0 {
		parts = append(parts, fmt.Sprintf("size %d", s.Size))
	}
	if len(s.Elements) > 0 {
		parts = append(parts, "elements = "+p.Expr(&ir.SetLit{Elems: s.Elements}))
	}
	return "{ " + strings.Join(parts, "; ") + "; }"
}

// PriorityText renders a chain priority: "filter + 10", "-150".
func PriorityText(pr ir.Priority) string {
	switch {
	case pr.Name == "":
		return fmt.Sprint(pr.Offset)
	case pr.Offset > 0:
		return fmt.Sprintf("%s + %d", pr.Name, pr.Offset)
	case pr.Offset < 0:
		return fmt.Sprintf("%s - %d", pr.Name, -pr.Offset)
	}
	return pr.Name
}
