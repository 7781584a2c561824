package translate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Canonical rule text: a rule the way "iptables -S" prints it (iptables
// 1.8.9 legacy, the version installed next to ipt2nft): built-in
// selectors in iptables' order (-s -d -i -o -p -f) with masks and
// protocol names normalised, then each match as "-m NAME" and its
// options the way the extension's save function prints them, then the
// target. The iptables shim stores this text with each rule so that -S,
// iptables-save, -D by specification and -C give back what iptables
// would.
//
// Extensions with a saver (canonSavers) are printed from their parsed
// values: option order and value spelling as iptables prints them.
// Others are printed option by option as written, with the canonical
// long option names; input that came from iptables-save is already in
// that form.

// CanonicalRule returns the rule of cmd (without "-A CHAIN"), e.g.
// "-s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j ACCEPT". The -s and -d of
// cmd must each name at most one address (see SplitAddresses).
func CanonicalRule(cmd *iptparse.Command) string {
	r := cmd.Rule
	if r == nil {
		return ""
	}
	b := &canonBuf{fam: cmd.Family, rule: r}
	b.addr("s", r.Src)
	b.addr("d", r.Dst)
	b.iface("i", r.In)
	b.iface("o", r.Out)
	if p := r.Proto; p != nil && p.Num != 0 {
		if p.Neg {
			b.WriteString(" !")
		}
		name := iptparse.ProtocolDBName(p.Num)
		if name == "" {
			name = iptparse.ChainProtoName(p.Num)
		}
		if name == "" {
			name = strconv.Itoa(int(p.Num))
		}
		b.WriteString(" -p " + name)
	}
	if f := r.Frag; f != nil {
		if f.Neg {
			b.WriteString(" !")
		}
		b.WriteString(" -f")
	}
	for _, m := range r.Matches {
		b.WriteString(" -m " + m.Name)
		b.ext(m)
	}
	if t := r.Target; t != nil {
		if t.Goto {
			b.WriteString(" -g " + t.Name)
		} else if t.Ext != nil {
			b.WriteString(" -j " + canonTargetName(t.Ext))
			b.ext(t.Ext)
		} else {
			b.WriteString(" -j " + t.Name)
		}
	}
	return strings.TrimPrefix(b.String(), " ")
}

// SplitAddresses returns one command per source × destination address
// of cmd, in the order iptables adds them (a comma list in -s or -d makes
// iptables add one rule per address).
func SplitAddresses(cmd *iptparse.Command) []*iptparse.Command {
	if cmd.Rule == nil {
		return []*iptparse.Command{cmd}
	}
	srcs, dsts := addrList(cmd.Rule.Src), addrList(cmd.Rule.Dst)
	if len(srcs) == 1 && len(dsts) == 1 {
		return []*iptparse.Command{cmd}
	}
	var out []*iptparse.Command
	for _, s := range srcs {
		for _, d := range dsts {
			c := *cmd
			r := *cmd.Rule
			if s != nil {
				r.Src = &iptparse.AddrSel{Pos: cmd.Rule.Src.Pos, Neg: cmd.Rule.Src.Neg, Addrs: []iptparse.AddrMask{*s}}
			}
			if d != nil {
				r.Dst = &iptparse.AddrSel{Pos: cmd.Rule.Dst.Pos, Neg: cmd.Rule.Dst.Neg, Addrs: []iptparse.AddrMask{*d}}
			}
			c.Rule = &r
			out = append(out, &c)
		}
	}
	return out
}

type canonBuf struct {
	strings.Builder
	fam  iptparse.Family
	rule *iptparse.Rule
}

// opt writes " [!] --name args...".
func (b *canonBuf) opt(neg bool, name string, args ...string) {
	if neg {
		b.WriteString(" !")
	}
	b.WriteString(" --" + name)
	for _, a := range args {
		b.WriteString(" " + a)
	}
}

func (b *canonBuf) addr(letter string, sel *iptparse.AddrSel) {
	if sel == nil || len(sel.Addrs) == 0 {
		return
	}
	a := sel.Addrs[0]
	m := a.Masked()
	if !sel.Neg && a.Bits == 0 && m.IsUnspecified() {
		return
	}
	if sel.Neg {
		b.WriteString(" !")
	}
	b.WriteString(" -" + letter + " " + canonAddrMask(a))
}

// canonAddrMask is "addr/len", or "addr/mask" for masks that are not a
// prefix, the address masked as the kernel stores it.
func canonAddrMask(a iptparse.AddrMask) string {
	m := a.Masked()
	if a.Bits >= 0 {
		return fmt.Sprintf("%s/%d", m, a.Bits)
	}
	return fmt.Sprintf("%s/%s", m, a.Mask)
}

func (b *canonBuf) iface(letter string, sel *iptparse.IfaceSel) {
	if sel == nil || sel.Name == "" || (sel.Name == "+" && !sel.Neg) {
		return
	}
	if sel.Neg {
		b.WriteString(" !")
	}
	b.WriteString(" -" + letter + " " + sel.Name)
}

// ext writes an extension's options.
func (b *canonBuf) ext(x *iptparse.Ext) {
	if s := canonSavers.Get()[canonKey(x)]; s != nil {
		var sb canonBuf
		sb.fam, sb.rule = b.fam, b.rule
		if s(&sb, x) {
			b.WriteString(sb.String())
			return
		}
	}
	for _, o := range x.Options {
		var args []string
		for _, a := range o.Args {
			args = append(args, canonWord(a.Text))
		}
		b.opt(o.Neg, o.Name, args...)
	}
}

func canonKey(x *iptparse.Ext) string {
	if x.Kind == iptparse.KindTarget {
		return "-j " + x.Name
	}
	return x.Name
}

// canonTargetName is the name iptables prints for a target (1.8.9
// prints NOTRACK as NOTRACK, not as its alias CT --notrack).
func canonTargetName(x *iptparse.Ext) string {
	return x.Name
}

// saveString is xtables_save_string's quoting (without the leading
// space): bare when made of letters, digits, '_' and '-' only, else in
// double quotes with ", \ and ' escaped.
func saveString(s string) string {
	if s != "" && strings.Trim(s, "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
		return s
	}
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' || r == '\'' {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	sb.WriteByte('"')
	return sb.String()
}

// canonWord prints an argument that iptables prints bare; words it could
// not be read back from are quoted.
func canonWord(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"'\\") {
		return saveString(s)
	}
	return s
}

func hex32(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }

// markMask is xtables_print_mark_mask: "0xV" or "0xV/0xM".
func markMask(v, m uint64) string {
	if m != 0xffffffff {
		return hex32(v) + "/" + hex32(m)
	}
	return hex32(v)
}
