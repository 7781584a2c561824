package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m tcp (libxt_tcp.c): ports, flags, options.

var extTcp = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "tcp", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "sport", Aliases: []string{"source-port"}, Type: iptparse.TypePortRC, Flags: inv},
				{Name: "dport", Aliases: []string{"destination-port"}, Type: iptparse.TypePortRC, Flags: inv},
				{Name: "syn", Flags: inv, Excl: []string{"tcp-flags"}},
				{Name: "tcp-flags", Type: iptparse.TypeRaw, NArgs: 2, Flags: inv, Excl: []string{"syn"}},
				{Name: "tcp-option", Type: iptparse.TypeUint8, Min: 1, Flags: inv},
			},
			Check: checkTCP,
		},
		Translate: translateTCP,
	},
}

func init() { registerAll(extTcp) }

// tcpFlagBits are iptables' TCP flag names (case-insensitive).
var tcpFlagBits = []struct {
	name string
	bits uint8
}{
	{"FIN", 0x01}, {"SYN", 0x02}, {"RST", 0x04}, {"PSH", 0x08},
	{"ACK", 0x10}, {"URG", 0x20}, {"ALL", 0x3f}, {"NONE", 0},
}

// tcpFlagNames are nft's names, in bit order.
var tcpFlagNames = []string{"fin", "syn", "rst", "psh", "ack", "urg"}

// parseTCPFlags reads a comma list of flag names. Cut, not
// strings.Split: the split lists were 160 bytes of heap a --tcp-flags
// rule (checked and translated, each of its two lists), 155 KB of the
// 5,556-rule TUM chair firewall in exact mode.
func parseTCPFlags(s string) (uint8, error) {
	var v uint8
	for {
		part, rest, more := strings.Cut(s, ",")
		found := false
		for _, f := range tcpFlagBits {
			if strings.EqualFold(f.name, part) {
				v |= f.bits
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("Unknown TCP flag `%s'", part)
		}
		if !more {
			return v, nil
		}
		s = rest
	}
}

// TCPFlagsExpr writes flag bits as nft flag names ("0x0" for none). The
// translation takes them from the blocks (ruleAlloc.tcpFlags).
func TCPFlagsExpr(bits uint8) ir.Expr {
	var names []string
	for i, n := range tcpFlagNames {
		if bits&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return ir.Hex(0)
	}
	return &ir.FlagList{Flags: names}
}

// tcpFlags is TCPFlagsExpr(bits) from the translator's blocks, as
// ctStateMatch makes its flag list.
func (a *ruleAlloc) tcpFlags(bits uint8) ir.Expr {
	if bits&0x3f == 0 { // (none of tcpFlagNames)
		n := a.ints.new()
		*n = ir.Integer{Base: 16}
		return n
	}
	names := a.names.slice(len(tcpFlagNames))
	for i, n := range tcpFlagNames {
		if bits&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	f := a.flagLists.new()
	*f = ir.FlagList{Flags: a.names.trim(names)}
	return f
}

// tcpOpts are the options of a tcp match, the last of each name as
// x.Opt finds it, read in one pass (-m tcp is in most rules).
type tcpOpts struct{ sport, dport, syn, flags, option *iptparse.Option }

func tcpOptsOf(x *iptparse.Ext) (t tcpOpts) {
	for _, o := range x.Options {
		switch o.Name {
		case "sport":
			t.sport = o
		case "dport":
			t.dport = o
		case "syn":
			t.syn = o
		case "tcp-flags":
			t.flags = o
		case "tcp-option":
			t.option = o
		}
	}
	return t
}

func checkTCP(x *iptparse.Ext) error {
	if len(x.Options) == 0 {
		return nil // "-p tcp -m tcp" alone (each rule of a NAT dispatch dump's)
	}
	t := tcpOptsOf(x)
	if o := t.flags; o != nil {
		second := o.Args[1].Text
		if strings.HasPrefix(second, "-") || strings.HasPrefix(second, "!") {
			return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "--tcp-flags requires two args."}
		}
		for _, a := range o.Args {
			if _, err := parseTCPFlags(a.Text); err != nil {
				return &iptparse.Error{Pos: a.Pos, Ext: x.Label(), Msg: err.Error()}
			}
		}
	}
	if err := checkPortOrder(x, t.sport); err != nil {
		return err
	}
	return checkPortOrder(x, t.dport)
}

// checkPortOrder rejects a port range o (if any) of x whose first port
// is above its last. It is inlined, its error made out of line: a loop
// over the two options was a third of checkTCP.
func checkPortOrder(x *iptparse.Ext, o *iptparse.Option) error {
	if o != nil {
		if r := o.Value.(*iptparse.PortRange); r.Lo > r.Hi {
			return badPortOrder(x, o)
		}
	}
	return nil
}

func badPortOrder(x *iptparse.Ext, o *iptparse.Option) error {
	return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "invalid portrange (min > max)"}
}

func translateTCP(c *Ctx, x *iptparse.Ext) error {
	if len(x.Options) == 0 {
		// "-p tcp -m tcp" alone is common (each rule of a NAT dispatch
		// dump's): what the look at each option below comes to.
		c.Add(c.tr.alloc.l4proto(c.Exact, "tcp"))
		return nil
	}
	done := false
	t := tcpOptsOf(x)
	lo, hi, neg := ports(t.sport)
	done = c.portRange("tcp", "sport", lo, hi, neg) || done
	lo, hi, neg = ports(t.dport)
	done = c.portRange("tcp", "dport", lo, hi, neg) || done
	if o := t.option; o != nil {
		state := "exists"
		if o.Neg {
			state = "missing"
		}
		c.Add(ir.Eq(&ir.TCPOption{Name: fmt.Sprint(o.Value.(uint64))}, ir.Sym(state)))
		done = true
	}
	var mask, cmp uint8
	flagsNeg := false
	switch {
	case t.syn != nil:
		mask, cmp, flagsNeg = 0x17, 0x02, t.syn.Neg
	case t.flags != nil:
		o := t.flags
		mask, _ = parseTCPFlags(o.Args[0].Text)
		cmp, _ = parseTCPFlags(o.Args[1].Text)
		flagsNeg = o.Neg
	}
	if mask != 0 || flagsNeg {
		op := ir.CmpEq
		if flagsNeg {
			op = ir.CmpNe
		}
		// From the blocks: the heap values of a --tcp-flags or --syn
		// rule (a match, a binary, a payload and two flag lists with
		// their names) were 294 KB of the 5,556-rule TUM chair firewall
		// in exact mode.
		a := &c.tr.alloc
		b, m := a.binaries.new(), a.matches.new()
		*b = ir.Binary{Op: ir.OpAnd, Left: a.payload("tcp", "flags"), Right: a.tcpFlags(mask)}
		*m = ir.Match{Left: b, Op: op, Right: a.tcpFlags(cmp), Spell: ir.SpellSlash}
		c.Add(m)
		done = true
	}
	if !done {
		// "-p tcp -m tcp" alone is common (a NAT rule's)
		c.Add(c.tr.alloc.l4proto(c.Exact, "tcp"))
	}
	return nil
}
