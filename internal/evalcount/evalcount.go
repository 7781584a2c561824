// Package evalcount counts, statically from the IR, how many rules a
// packet is tested against before its verdict: the rules-evaluated figure
// of docs/benchmarks.md.
//
// How it counts: the packet enters every base chain of its hook in
// priority order. Each rule the packet reaches counts one, whatever it
// holds: a rule with a set lookup ("ip saddr { ... }") or a verdict map
// ("ip daddr vmap { ... }") is one rule evaluation, as a rule with a single
// comparison is. A rule stops counting at its first match that fails. A
// jump counts the rules of the chain jumped to; after a return the count
// goes on with the next rule. A verdict (accept, drop, reject, a NAT
// statement in a NAT chain) ends the base chain; drop and reject end the
// packet's path. Stateful statements are taken as passing: a limit is
// under its rate, a random number is 0 (the first of kube-proxy's random
// choices).
//
// Only the expressions the benchmark shapes use are known: IPv4 and port
// payload fields, interface names, l4proto, conntrack state, random
// numbers, concatenations, sets and maps. Anything else is an error, so
// that a count is never a guess.
package evalcount

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Packet is a probe.
type Packet struct {
	Hook     string // prerouting, input, forward, output, postrouting
	Iif, Oif string
	Src, Dst netip.Addr
	Proto    uint8 // 6 tcp, 17 udp
	SPort    uint16
	DPort    uint16
	CtState  string // new, established, related
	TCPFlags uint8  // of a TCP packet: fin 1, syn 2, rst 4, psh 8, ack 16, urg 32
}

// tcpFlagBits are nft's TCP flag names and their bits.
var tcpFlagBits = map[string]uint64{"fin": 1, "syn": 2, "rst": 4, "psh": 8, "ack": 16, "urg": 32, "ecn": 64, "cwr": 128}

// flagBits is the value of a list of TCP flags, false if a name is not one.
func flagBits(f *ir.FlagList) (uint64, bool) {
	var v uint64
	for _, n := range f.Flags {
		b, ok := tcpFlagBits[n]
		if !ok {
			return 0, false
		}
		v |= b
	}
	return v, true
}

// Result of a count.
type Result struct {
	Rules   int    // rules evaluated
	Verdict string // accept or drop (the last base chain's, or its policy)
	// Effects are what the packet caused besides its verdict, in order:
	// each log statement it reached ("log" and its arguments), "reject"
	// for a reject, and the NAT it got, so that two rulesets can be
	// compared for more than their verdicts.
	Effects []string
	// Counted lists the counters the packet incremented, rule and set
	// element counters alike, each named by the packet count it was
	// given ("counter 17"; counters without values are not listed).
	// Counters are independent of each other, so compare them as a
	// multiset: merging rules changes the order they are reached in.
	Counted []string
}

// Count follows the packet through the ruleset.
func Count(rs *ir.Ruleset, p Packet) (Result, error) {
	type base struct {
		t    *ir.Table
		c    *ir.Chain
		prio int
	}
	var bases []base
	for _, t := range rs.Tables {
		if t.Family != ir.FamilyIP && t.Family != ir.FamilyInet {
			continue
		}
		for _, c := range t.Chains {
			if c.Hook != nil && c.Hook.Hook == p.Hook {
				bases = append(bases, base{t, c, priority(c.Hook.Priority)})
			}
		}
	}
	sort.SliceStable(bases, func(i, j int) bool { return bases[i].prio < bases[j].prio })
	e := &evaluator{p: p}
	res := Result{Verdict: "accept"}
	for _, b := range bases {
		v, err := e.chain(b.t, b.c, 0)
		if err != nil {
			return Result{}, err
		}
		if v == "" || v == "return" {
			v = b.c.Hook.Policy
			if v == "" {
				v = "accept"
			}
		}
		res.Verdict = v
		if v == "drop" {
			break
		}
	}
	res.Rules = e.rules
	res.Effects = e.effects
	res.Counted = e.counted
	return res, nil
}

var priorities = map[string]int{"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100}

func priority(p ir.Priority) int { return priorities[p.Name] + p.Offset }

type evaluator struct {
	p       Packet
	rules   int
	effects []string
	counted []string
}

// chain returns "accept", "drop", "return", or "" when the chain ends
// without a verdict.
func (e *evaluator) chain(t *ir.Table, c *ir.Chain, depth int) (string, error) {
	if depth > 64 {
		return "", fmt.Errorf("chain %s: jumps nest too deep", c.Name)
	}
	for _, r := range c.Rules {
		e.rules++
		v, err := e.rule(t, c, r, depth)
		if err != nil {
			return "", fmt.Errorf("chain %s: %w", c.Name, err)
		}
		if v != "" {
			return v, nil
		}
	}
	return "", nil
}

// rule returns the verdict that ends the chain, or "" to go on.
func (e *evaluator) rule(t *ir.Table, c *ir.Chain, r *ir.Rule, depth int) (string, error) {
	if r.Placeholder() || r.Dead() != "" {
		return "", nil
	}
	for _, s := range r.Stmts {
		switch s := s.(type) {
		case *ir.Match:
			ok, err := e.match(s)
			if err != nil || !ok {
				return "", err
			}
		case *ir.Log:
			e.effects = append(e.effects, logEffect(s))
		case *ir.Counter:
			e.count(s)
		case *ir.Limit, *ir.Comment:
		case *ir.Verdict:
			return e.verdict(t, s.Kind, s.Chain, depth)
		case *ir.VMap:
			key, err := e.value(s.Key)
			if err != nil || key == nil {
				return "", err // no such header: no element matches
			}
			set, ok := s.Map.(*ir.SetLit)
			if !ok {
				return "", fmt.Errorf("verdict map %T", s.Map)
			}
			for _, el := range set.Elems {
				me, ok := el.(*ir.MapElem)
				if !ok {
					return "", fmt.Errorf("map element %T", el)
				}
				hit, err := e.in(key, me.Key)
				if err != nil {
					return "", err
				}
				if hit {
					v, ok := me.Value.(*ir.VerdictExpr)
					if !ok {
						return "", fmt.Errorf("map value %T", me.Value)
					}
					return e.verdict(t, v.Kind, v.Chain, depth)
				}
			}
			return "", nil
		case *ir.Nat:
			eff, ok, err := e.natEffect(s)
			if err != nil || !ok {
				return "", err // a map without the key: the rule does not match
			}
			e.effects = append(e.effects, eff)
			return "accept", nil
		case *ir.Reject:
			e.effects = append(e.effects, "reject")
			return "drop", nil
		default:
			return "", fmt.Errorf("statement %T", s)
		}
	}
	return "", nil
}

var natKinds = map[ir.NatKind]string{ir.NatSNAT: "snat", ir.NatDNAT: "dnat", ir.NatMasquerade: "masquerade", ir.NatRedirect: "redirect"}

// natEffect names a NAT statement by the address and port it gives the
// packet, whether written out or looked up in a map (ok is false when the
// map has no element for the packet).
func (e *evaluator) natEffect(n *ir.Nat) (eff string, ok bool, err error) {
	parts := []string{natKinds[n.Kind]}
	for _, x := range []ir.Expr{n.Addr, n.Port} {
		if x == nil {
			continue
		}
		if ml, isMap := x.(*ir.MapLookup); isMap {
			key, err := e.value(ml.Key)
			if err != nil || key == nil {
				return "", false, err
			}
			set, isLit := ml.Map.(*ir.SetLit)
			if !isLit {
				return "", false, fmt.Errorf("NAT map %T", ml.Map)
			}
			x = nil
			for _, el := range set.Elems {
				me, isElem := el.(*ir.MapElem)
				if !isElem {
					return "", false, fmt.Errorf("map element %T", el)
				}
				if hit, err := e.in(key, me.Key); err != nil {
					return "", false, err
				} else if hit {
					x = me.Value
					break
				}
			}
			if x == nil {
				return "", false, nil
			}
		}
		text, err := constText(x)
		if err != nil {
			return "", false, err
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, " "), true, nil
}

// constText writes a constant: an address, a number, a range or a
// concatenation of them, the parts of a concatenation and a separate
// address and port alike ("10.0.0.1 8080").
func constText(x ir.Expr) (string, error) {
	switch x := x.(type) {
	case *ir.Addr:
		return x.Addr.String(), nil
	case *ir.Integer:
		return fmt.Sprint(x.Value), nil
	case *ir.Range:
		lo, err := constText(x.Lo)
		if err != nil {
			return "", err
		}
		hi, err := constText(x.Hi)
		return lo + "-" + hi, err
	case *ir.Concat:
		var parts []string
		for _, el := range x.Elems {
			t, err := constText(el)
			if err != nil {
				return "", err
			}
			parts = append(parts, t)
		}
		return strings.Join(parts, " "), nil
	}
	return "", fmt.Errorf("NAT value %T", x)
}

func (e *evaluator) count(c *ir.Counter) {
	if c.HasValues {
		e.counted = append(e.counted, fmt.Sprintf("counter %d", c.Packets))
	}
}

// logEffect names a log statement by its arguments.
func logEffect(l *ir.Log) string {
	var b strings.Builder
	b.WriteString("log")
	for _, a := range l.Args {
		if str, ok := a.Value.(*ir.String); ok {
			fmt.Fprintf(&b, " %s %q", a.Key, str.Value)
		} else {
			fmt.Fprintf(&b, " %s %v", a.Key, a.Value)
		}
	}
	return b.String()
}

func (e *evaluator) verdict(t *ir.Table, k ir.VerdictKind, target string, depth int) (string, error) {
	switch k {
	case ir.VerdictAccept:
		return "accept", nil
	case ir.VerdictDrop:
		return "drop", nil
	case ir.VerdictReturn:
		return "return", nil
	case ir.VerdictContinue:
		return "", nil
	case ir.VerdictJump, ir.VerdictGoto:
		c := t.Chain(target)
		if c == nil {
			return "", fmt.Errorf("no chain %s", target)
		}
		v, err := e.chain(t, c, depth+1)
		if err != nil {
			return "", err
		}
		if v == "return" {
			v = ""
		}
		if k == ir.VerdictGoto && v == "" {
			return "return", nil // goto does not come back
		}
		return v, nil
	}
	return "", fmt.Errorf("verdict kind %d", k)
}

// A value is a netip.Addr, a uint64, a string, or a []any (concatenation).
type value = any

func (e *evaluator) value(x ir.Expr) (value, error) {
	p := e.p
	port := func(proto uint8, v uint16) (value, error) {
		if proto != 0 && p.Proto != proto {
			return nil, nil // no such header: no match
		}
		return uint64(v), nil
	}
	switch x := x.(type) {
	case *ir.Payload:
		switch x.Proto + " " + x.Field {
		case "ip saddr":
			return p.Src, nil
		case "ip daddr":
			return p.Dst, nil
		case "ip protocol":
			return uint64(p.Proto), nil
		case "tcp sport":
			return port(6, p.SPort)
		case "tcp dport":
			return port(6, p.DPort)
		case "udp sport":
			return port(17, p.SPort)
		case "udp dport":
			return port(17, p.DPort)
		case "th sport":
			return port(0, p.SPort)
		case "th dport":
			return port(0, p.DPort)
		case "tcp flags":
			return port(6, uint16(p.TCPFlags))
		}
	case *ir.Meta:
		switch x.Key {
		case "iifname":
			return p.Iif, nil
		case "oifname":
			return p.Oif, nil
		case "l4proto":
			return uint64(p.Proto), nil
		case "random":
			return uint64(0), nil
		}
	case *ir.Ct:
		if x.Key == "state" && x.Dir == "" {
			return p.CtState, nil
		}
	case *ir.Binary:
		l, err := e.value(x.Left)
		if err != nil {
			return nil, err
		}
		if l == nil {
			return nil, nil
		}
		lv, ok2 := l.(uint64)
		mask, ok := uint64(0), false
		switch r := x.Right.(type) {
		case *ir.Integer:
			mask, ok = r.Value, true
		case *ir.FlagList:
			mask, ok = flagBits(r)
		}
		if ok && ok2 && x.Op == ir.OpAnd {
			return lv & mask, nil
		}
	case *ir.Concat:
		var out []any
		for _, el := range x.Elems {
			v, err := e.value(el)
			if err != nil {
				return nil, err
			}
			if v == nil {
				return nil, nil
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("selector %T %+v", x, x)
}

var protoNumbers = map[string]uint64{"tcp": 6, "udp": 17, "icmp": 1, "sctp": 132}

func (e *evaluator) match(m *ir.Match) (bool, error) {
	v, err := e.value(m.Left)
	if err != nil || v == nil {
		return false, err
	}
	switch m.Op {
	case ir.CmpEq:
		return e.in(v, m.Right)
	case ir.CmpNe, ir.CmpNeg:
		// A packet's conntrack state is one flag, so "none of these
		// flags" is "not one of them".
		in, err := e.in(v, m.Right)
		return !in, err
	case ir.CmpLt, ir.CmpGt, ir.CmpLe, ir.CmpGe:
		n, ok1 := v.(uint64)
		r, ok2 := m.Right.(*ir.Integer)
		if !ok1 || !ok2 {
			return false, fmt.Errorf("comparison of %T with %T", v, m.Right)
		}
		switch m.Op {
		case ir.CmpLt:
			return n < r.Value, nil
		case ir.CmpGt:
			return n > r.Value, nil
		case ir.CmpLe:
			return n <= r.Value, nil
		}
		return n >= r.Value, nil
	}
	return false, fmt.Errorf("comparison op %d", m.Op)
}

// in reports whether the value matches the right-hand side of an
// equality: a value, a prefix, a range, a set or a flag list.
func (e *evaluator) in(v value, x ir.Expr) (bool, error) {
	switch x := x.(type) {
	case *ir.SetLit:
		for _, el := range x.Elems {
			ok, err := e.in(v, el)
			if ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	case *ir.AddrSet:
		return e.in(v, &ir.SetLit{Elems: x.Exprs()})
	case *ir.Elem:
		ok, err := e.in(v, x.Key)
		if ok && x.Counter != nil {
			e.count(x.Counter)
		}
		return ok, err
	case *ir.FlagList:
		if n, ok := v.(uint64); ok {
			// TCP flags under a mask: the masked value is these flags.
			bits, ok := flagBits(x)
			if !ok {
				return false, fmt.Errorf("flags %v of a number", x.Flags)
			}
			return n == bits, nil
		}
		s, _ := v.(string)
		for _, f := range x.Flags {
			if f == s {
				return true, nil
			}
		}
		return false, nil
	case *ir.Concat:
		vs, ok := v.([]any)
		if !ok || len(vs) != len(x.Elems) {
			return false, fmt.Errorf("concatenation of %d against %T", len(x.Elems), v)
		}
		for i, el := range x.Elems {
			ok, err := e.in(vs[i], el)
			if !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	case *ir.Addr:
		a, ok := v.(netip.Addr)
		return ok && a == x.Addr, nil
	case *ir.Prefix:
		a, ok := v.(netip.Addr)
		return ok && x.Prefix.Contains(a), nil
	case *ir.Integer:
		n, ok := v.(uint64)
		return ok && n == x.Value, nil
	case *ir.Range:
		lo, ok1 := x.Lo.(*ir.Integer)
		hi, ok2 := x.Hi.(*ir.Integer)
		n, ok3 := v.(uint64)
		if ok1 && ok2 && ok3 {
			return lo.Value <= n && n <= hi.Value, nil
		}
	case *ir.String:
		s, ok := v.(string)
		if name, wild := strings.CutSuffix(x.Value, "*"); wild {
			return ok && strings.HasPrefix(s, name), nil
		}
		return ok && s == x.Value, nil
	case *ir.Symbol:
		switch v := v.(type) {
		case string:
			return v == x.Name, nil
		case uint64:
			if n, ok := protoNumbers[x.Name]; ok {
				return v == n, nil
			}
		}
	}
	return false, fmt.Errorf("value %T %+v", x, x)
}
