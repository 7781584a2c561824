package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m multiport (libxt_multiport.c, revision 1): up to 15 ports or port
// ranges, as source, destination, or either.

const multiPorts = 15 // XT_MULTI_PORTS

var multiportOpts = []string{"sports", "dports", "ports"}

var extMultiport = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "multiport", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "sports", Aliases: []string{"source-ports"}, Type: iptparse.TypeString, Flags: inv, Excl: []string{"dports", "ports"}},
				{Name: "dports", Aliases: []string{"destination-ports"}, Type: iptparse.TypeString, Flags: inv, Excl: []string{"sports", "ports"}},
				{Name: "ports", Type: iptparse.TypeString, Flags: inv, Excl: []string{"sports", "dports"}},
			},
			Check: checkMultiport,
		},
		Translate: translateMultiport,
	},
}

func init() { registerAll(extMultiport) }

// portSpan is one element of a multiport list: a port or a range.
type portSpan struct{ lo, hi uint16 }

// parseMultiPort is xtables_parse_port: a service name, else a number
// (0x hex and 0 octal accepted).
func parseMultiPort(s string) (uint16, error) {
	if p, ok := iptparse.ServicePort(s); ok {
		return p, nil
	}
	if v, ok := iptparse.ParseUint(s, 0, 0, 0xffff); ok {
		return uint16(v), nil
	}
	return 0, fmt.Errorf("invalid port/service `%s' specified", s)
}

// parseMultiPorts is parse_multi_ports_v1. A range takes two of the 15
// slots. The spans go into buf, which holds as many as a list may have:
// the list is parsed twice (checked, then translated), without an
// allocation either time.
func parseMultiPorts(arg string, buf *[multiPorts]portSpan) ([]portSpan, error) {
	spans := buf[:0]
	slots := 0
	for rest, more := arg, true; more; {
		var tok string
		tok, rest, more = strings.Cut(rest, ",")
		if slots >= multiPorts {
			return nil, fmt.Errorf("too many ports specified")
		}
		from, to, isRange := strings.Cut(tok, ":")
		if isRange && slots == multiPorts-1 {
			return nil, fmt.Errorf("too many ports specified")
		}
		lo, err := parseMultiPort(from)
		if err != nil {
			return nil, err
		}
		sp := portSpan{lo, lo}
		slots++
		if isRange {
			hi, err := parseMultiPort(to)
			if err != nil {
				return nil, err
			}
			if lo >= hi {
				return nil, fmt.Errorf("invalid portrange specified")
			}
			sp.hi = hi
			slots++
		}
		spans = append(spans, sp)
	}
	return spans, nil
}

func checkMultiport(x *iptparse.Ext) error {
	n := 0
	for _, name := range multiportOpts {
		if o := x.Opt(name); o != nil {
			n++
			var buf [multiPorts]portSpan
			if _, err := parseMultiPorts(o.Arg(), &buf); err != nil {
				return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: err.Error()}
			}
		}
	}
	if n == 0 {
		return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "no ports specified"}
	}
	return nil
}

// multiportProtos are the protocols multiport works with (its
// proto_to_name).
var multiportProtos = map[uint8]string{6: "tcp", 17: "udp", 136: "udplite", 132: "sctp", 33: "dccp"}

func translateMultiport(c *Ctx, x *iptparse.Ext) error {
	var o *iptparse.Option
	for _, name := range multiportOpts {
		if o = x.Opt(name); o != nil {
			break
		}
	}
	// check_proto runs when the option is parsed: -p must come first.
	p := c.Rule.Proto
	switch {
	case p != nil && p.Neg:
		return c.Errorf(x, "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP")
	case p == nil || p.Num == 0 || posAfter(p.Pos, o.Pos):
		return c.Errorf(x, "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'")
	case multiportProtos[p.Num] == "":
		return c.Errorf(x, "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP")
	}
	proto := multiportProtos[p.Num]
	var buf [multiPorts]portSpan
	spans, _ := parseMultiPorts(o.Arg(), &buf)
	elem := func(s portSpan) ir.Expr { return c.intOrRange(uint64(s.lo), uint64(s.hi)) }
	if o.Name == "ports" {
		// Either port in the list: sport . dport in
		// { 0-65535 . P, P . 0-65535, ... }. Upstream loses the
		// negation and splits ranges into their ends.
		var elems []ir.Expr
		for _, s := range spans {
			elems = append(elems,
				&ir.Concat{Elems: []ir.Expr{ir.IntRange(0, 65535), elem(s)}},
				&ir.Concat{Elems: []ir.Expr{elem(s), ir.IntRange(0, 65535)}})
		}
		key := &ir.Concat{Elems: []ir.Expr{&ir.Payload{Proto: proto, Field: "sport"}, &ir.Payload{Proto: proto, Field: "dport"}}}
		c.Add(ir.EqOrNe(key, o.Neg, &ir.SetLit{Elems: elems}))
		return nil
	}
	field := "sport"
	if o.Name == "dports" {
		field = "dport"
	}
	a := &c.tr.alloc
	if len(spans) == 1 {
		c.Add(a.eqOrNe(a.payload(proto, field), o.Neg, elem(spans[0])))
		return nil
	}
	// The list and its values from the translator's blocks, as the
	// rule's other values (they took 36 KB of heap, some 10 page faults,
	// of exact mode's mixed 20,000-rule dump).
	elems := a.elems.slice(len(spans))
	for _, s := range spans {
		elems = append(elems, elem(s))
	}
	// A list that covers one unbroken range ("137,138,139") compares with
	// the range instead of looking the port up in an anonymous set (not
	// in exact mode, where upstream prints the set): the same packets,
	// and each anonymous set a rule binds costs the kernel a walk over
	// the whole transaction.
	// (Exact mode does not look: the look made four allocations.)
	var v ir.Expr
	if !c.Exact {
		v, _ = oneIntRange(elems)
	}
	if v == nil {
		set := a.setLits.new()
		*set = ir.SetLit{Elems: elems}
		v = set
	}
	c.Add(a.eqOrNe(a.payload(proto, field), o.Neg, v))
	return nil
}
