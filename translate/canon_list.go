package translate

import (
	"strconv"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// iptables -L prints each match and the target with the extension's
// print function, in the extension's own words ("tcp dpt:22", "state
// RELATED,ESTABLISHED", "LOG flags 0 level 4"). The printers are next
// to the savers in canon_ext.go; an extension without one is printed in
// -S syntax ("-m NAME --opt value").

// listCtx is what a printer needs besides its options.
type listCtx struct {
	numeric bool
	fam     iptparse.Family
	rule    *iptparse.Rule
}

// listPrinter writes " ..." for an extension; false falls back to -S
// syntax.
type listPrinter func(b *strings.Builder, x *iptparse.Ext, l listCtx) bool

// listPrinters are built on first use: only the shim's iptables -L
// lists rules (ListRule).
var listPrinters = lazy.Of[map[string]listPrinter]{New: newListPrinters}

// ListRule is the last column of iptables -L for a rule (read from its
// canonical text): "[goto] " for -g, then each match and the target as
// their print functions write them, each starting with a space.
func ListRule(cmd *iptparse.Command, numeric bool) string {
	r := cmd.Rule
	if r == nil {
		return ""
	}
	l := listCtx{numeric: numeric, fam: cmd.Family, rule: r}
	var b strings.Builder
	if r.Target != nil && r.Target.Goto {
		b.WriteString("[goto] ")
	}
	exts := append([]*iptparse.Ext(nil), r.Matches...)
	if r.Target != nil && r.Target.Ext != nil {
		exts = append(exts, r.Target.Ext)
	}
	for _, x := range exts {
		if p := listPrinters.Get()[canonKey(x)]; p != nil {
			var sb strings.Builder
			if p(&sb, x, l) {
				b.WriteString(sb.String())
				continue
			}
		}
		cb := canonBuf{fam: cmd.Family, rule: r}
		cb.ext(x)
		if x.Kind == iptparse.KindMatch {
			b.WriteString(" -m " + x.Name)
		}
		b.WriteString(cb.String())
	}
	return b.String()
}

// fromSaver prints what the extension's saver writes without the
// "--" of each option: the print functions that share their code with
// save (conntrack, NFLOG, SET...) differ only by that prefix.
func fromSaver(s canonSaver) listPrinter {
	return func(b *strings.Builder, x *iptparse.Ext, l listCtx) bool {
		cb := canonBuf{fam: l.fam, rule: l.rule}
		if s != nil {
			if !s(&cb, x) {
				return false
			}
		} else {
			for _, o := range x.Options {
				var args []string
				for _, a := range o.Args {
					args = append(args, canonWord(a.Text))
				}
				cb.opt(o.Neg, o.Name, args...)
			}
		}
		b.WriteString(strings.ReplaceAll(cb.String(), " --", " "))
		return true
	}
}

// listPort is print_port: the service name unless numeric.
func listPort(p uint16, l listCtx, proto string) string {
	if !l.numeric && proto != "" {
		if n := iptparse.ServiceName(p, proto); n != "" {
			return n
		}
	}
	return strconv.Itoa(int(p))
}

// ruleProto is the name of the rule's -p protocol for service names.
func ruleProto(l listCtx) string {
	if l.rule == nil || l.rule.Proto == nil || l.rule.Proto.Neg {
		return ""
	}
	return iptparse.ProtocolName(l.rule.Proto.Num)
}

func newListPrinters() map[string]listPrinter {
	return map[string]listPrinter{
		"tcp":           listTCP,
		"udp":           listUDP,
		"icmp":          listICMP,
		"icmp6":         listICMP6,
		"multiport":     listMultiport,
		"state":         listState,
		"conntrack":     fromSaver(saveConntrack),
		"comment":       listComment,
		"limit":         listLimit,
		"mark":          listMark("mark match"),
		"connmark":      listMark("connmark match "),
		"mac":           listMAC,
		"length":        listRangeOpt("length", " length "),
		"tcpmss":        listRangeOpt("mss", " tcpmss match "),
		"pkttype":       listPkttype,
		"iprange":       listIPRange,
		"set":           listSet,
		"owner":         listOwner,
		"addrtype":      listAddrtype,
		"-j LOG":        listLOG,
		"-j REJECT":     listREJECT,
		"-j MARK":       listMARK,
		"-j CONNMARK":   listCONNMARK,
		"-j NFLOG":      fromSaver(saveNFLOG),
		"-j TCPMSS":     listTCPMSS,
		"-j SET":        fromSaver(nil),
		"-j DNAT":       listNAT,
		"-j SNAT":       listNAT,
		"-j MASQUERADE": listPorts(" masq ports:"),
		"-j REDIRECT":   listPorts(" redir ports"),
		"-j NOTRACK":    func(b *strings.Builder, _ *iptparse.Ext, _ listCtx) bool { b.WriteString(" NOTRACK"); return true },
		"-j CT":         listCT,
	}
}
