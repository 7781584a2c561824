package shim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

// -L: iptables' table layout. The columns (counters, target, prot, opt,
// in, out, source, destination) are printed like iptables; the last
// column is each match's and the target's print function
// (translate.ListRule). Addresses are never looked up in DNS (as with
// -n).

func (m *model) list(table string, c *chain, cmd *iptparse.Command) (string, error) {
	cs := m.selected(table, c)
	if c == nil && len(cs) == 0 {
		cs = defaultChains(table)
	}
	// A user chain's header counts the rules that jump to it, in every
	// chain of the table; built-in chains need only their own rules
	// (fail2ban lists INPUT before every ban).
	need := cs
	for _, x := range cs {
		if !x.builtin && cmd.RuleNum == 0 {
			need = nil
			for _, y := range m.chains {
				if y.table == table {
					need = append(need, y)
				}
			}
			break
		}
	}
	if err := m.loadRules(need...); err != nil {
		return "", err
	}
	fl := cmd.Flags
	verbose := fl.Verbose > 0
	numeric := fl.Numeric
	var b strings.Builder
	for i, x := range cs {
		if i > 0 {
			b.WriteString("\n")
		}
		if cmd.RuleNum == 0 {
			fmt.Fprintf(&b, "Chain %s", x.name)
			if x.builtin {
				fmt.Fprintf(&b, " (policy %s", x.policy)
				if verbose {
					fmt.Fprintf(&b, " %s packets, %s bytes", trimNum(0, fl.Exact), trimNum(0, fl.Exact))
				}
				b.WriteString(")\n")
			} else {
				fmt.Fprintf(&b, " (%d references)\n", m.refs(x))
			}
			if fl.LineNumbers {
				fmt.Fprintf(&b, "%-4s ", "num")
			}
			if verbose {
				if fl.Exact {
					fmt.Fprintf(&b, "%8s %10s ", "pkts", "bytes")
				} else {
					fmt.Fprintf(&b, "%5s %5s ", "pkts", "bytes")
				}
			}
			fmt.Fprintf(&b, "%-9s  prot opt", "target")
			if verbose {
				fmt.Fprintf(&b, " %-6s %-6s ", "in", "out")
			}
			fmt.Fprintf(&b, " %-19s  %-19s \n", "source", "destination")
		}
		for n, g := range x.groups {
			if cmd.RuleNum != 0 && n+1 != cmd.RuleNum {
				continue
			}
			b.WriteString(m.listLine(x, g, n+1, fl, verbose, numeric))
		}
	}
	return b.String(), nil
}

// refs counts the rules that jump to x.
func (m *model) refs(x *chain) int {
	n := 0
	for _, c := range m.chains {
		if c.table != x.table {
			continue
		}
		for _, g := range c.groups {
			if name, _ := specTarget(g.spec); name == x.name {
				n++
			}
		}
	}
	return n
}

// num is xtables_print_num.
func num(v uint64, exact bool) string {
	if exact {
		return fmt.Sprintf("%8d ", v)
	}
	if v <= 99999 {
		return fmt.Sprintf("%5d ", v)
	}
	for _, unit := range []string{"K", "M", "G"} {
		v = (v + 500) / 1000
		if v <= 9999 {
			return fmt.Sprintf("%4d%s ", v, unit)
		}
	}
	v = (v + 500) / 1000
	return fmt.Sprintf("%4dT ", v)
}

func trimNum(v uint64, exact bool) string { return strings.TrimSpace(num(v, exact)) }

func (m *model) listLine(c *chain, g *group, n int, fl iptparse.ListFlags, verbose, numeric bool) string {
	var b strings.Builder
	cmd, err := m.parseStored(c.table, c.name, g.spec)
	r := &iptparse.Rule{}
	if err == nil && cmd.Rule != nil {
		r = cmd.Rule
	}
	if fl.LineNumbers {
		fmt.Fprintf(&b, "%-4d ", n)
	}
	if verbose {
		b.WriteString(num(g.packets, fl.Exact) + num(g.bytes, fl.Exact))
	}
	target := ""
	if r.Target != nil {
		target = r.Target.Name
		if r.Target.Ext != nil && r.Target.Ext.Name == "NOTRACK" {
			target = "CT"
		}
	}
	fmt.Fprintf(&b, "%-9s ", target)
	inv := " "
	proto := "all"
	if r.Proto != nil {
		if r.Proto.Neg {
			inv = "!"
		}
		proto = iptparse.ProtocolDBName(r.Proto.Num)
		if numeric || proto == "" {
			proto = strconv.Itoa(int(r.Proto.Num))
			if r.Proto.Num == 0 {
				proto = "0"
			}
		}
		if r.Proto.Num == 0 && !numeric {
			proto = "all"
		}
	} else if numeric {
		proto = "0"
	}
	fmt.Fprintf(&b, "%s%-4s ", inv, proto)
	opt := "--"
	if r.Frag != nil {
		opt = "-f"
		if r.Frag.Neg {
			opt = "!f"
		}
	}
	fmt.Fprintf(&b, "%s ", opt)
	if verbose {
		b.WriteString(" " + ifaceCol(r.In, numeric) + " " + ifaceCol(r.Out, numeric) + " ")
	}
	src, dst := addrCol(r.Src, m.fam, numeric), addrCol(r.Dst, m.fam, numeric)
	fmt.Fprintf(&b, "%-20s %-20s ", src, dst)
	if err == nil {
		b.WriteString(translate.ListRule(cmd, numeric))
	}
	b.WriteString("\n")
	return b.String()
}

func ifaceCol(s *iptparse.IfaceSel, numeric bool) string {
	name := "any"
	if numeric {
		name = "*"
	}
	inv := ""
	if s != nil {
		if s.Neg {
			inv = "!"
		}
		if s.Name != "" {
			name = s.Name
		}
	}
	return fmt.Sprintf("%-6s", inv+name)
}

func addrCol(s *iptparse.AddrSel, fam family, numeric bool) string {
	inv := " "
	if s == nil || len(s.Addrs) == 0 {
		if numeric {
			if fam.ipt == iptparse.FamilyIPv6 {
				return inv + "::/0"
			}
			return inv + "0.0.0.0/0"
		}
		return inv + "anywhere"
	}
	if s.Neg {
		inv = "!"
	}
	a := s.Addrs[0]
	m := a.Masked()
	full := a.Addr.BitLen()
	switch {
	case a.Bits == 0 && !numeric:
		return inv + "anywhere"
	case a.Bits == full:
		return inv + m.String()
	case a.Bits >= 0:
		return fmt.Sprintf("%s%s/%d", inv, m, a.Bits)
	}
	return fmt.Sprintf("%s%s/%s", inv, m, a.Mask)
}
