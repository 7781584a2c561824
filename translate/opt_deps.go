package translate

import (
	"cmp"
	"slices"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Dependency clean-up: "ip protocol tcp tcp dport 22" is "tcp dport 22",
// because nft adds the protocol check for a tcp header field itself.

// impliedBy is, for a protocol name, the payload protocol whose use
// implies it, if there is one. A switch, not a map: it is asked of every
// "ip protocol" match (kube-proxy's endpoint chains each have one), and
// a map look-up hashes the name.
func impliedBy(proto string) (string, bool) {
	switch proto {
	case "tcp", "udp", "sctp", "dccp", "icmp", "icmpv6", "ah", "esp", "udplite":
		return proto, true
	case "ipv6-icmp":
		return "icmpv6", true
	}
	return "", false
}

func dropDependencies(r *ir.Rule) {
	if r.Placeholder() {
		return
	}
	for i := 0; i < len(r.Stmts); i++ {
		proto, ok := protoDependency(r.Stmts[i])
		if !ok {
			continue
		}
		if impliedLater(r.Stmts[i+1:], proto) {
			r.Stmts = deleteStmt(r.Stmts, i)
			i--
		}
	}
}

// protoDependency recognises "ip protocol P" and "meta l4proto P".
func protoDependency(s ir.Stmt) (string, bool) {
	m, ok := s.(*ir.Match)
	if !ok || m.Op != ir.CmpEq {
		return "", false
	}
	switch l := m.Left.(type) {
	case *ir.Payload:
		// Not "ip6 nexthdr": that is the first header's type, which
		// differs from the transport protocol when extension headers follow.
		if !(l.Proto == "ip" && l.Field == "protocol") {
			return "", false
		}
	case *ir.Meta:
		if l.Key != "l4proto" {
			return "", false
		}
	default:
		return "", false
	}
	sym, ok := m.Right.(*ir.Symbol)
	if !ok {
		return "", false
	}
	// whether the protocol has a header that implies it, impliedLater
	// tells: one look-up a dependency
	return sym.Name, true
}

// impliedLater reports whether a later statement matches on a header of
// the protocol, which makes nft check the protocol itself.
func impliedLater(stmts []ir.Stmt, proto string) bool {
	want, _ := impliedBy(proto)
	for _, s := range stmts {
		m, ok := s.(*ir.Match)
		if !ok {
			continue
		}
		if p := payloadProto(m.Left); p != "" && p == want {
			return true
		}
	}
	return false
}

func payloadProto(e ir.Expr) string {
	switch e := e.(type) {
	case *ir.Payload:
		return e.Proto
	case *ir.TCPOption:
		return "tcp"
	case *ir.Binary:
		return payloadProto(e.Left)
	case *ir.Concat:
		if len(e.Elems) > 0 {
			return payloadProto(e.Elems[0])
		}
	}
	return ""
}

// flattenSingletons turns "tcp dport { 22 }" into "tcp dport 22".
func flattenSingletons(r *ir.Rule) {
	for _, s := range r.Stmts {
		m, ok := s.(*ir.Match)
		if !ok {
			continue
		}
		set, ok := m.Right.(*ir.SetLit)
		if !ok {
			continue
		}
		if len(set.Elems) == 1 {
			if _, isElem := set.Elems[0].(*ir.Elem); !isElem {
				m.Right = set.Elems[0]
			}
		} else if v, ok := oneIntRange(set.Elems); ok && (m.Op == ir.CmpEq || m.Op == ir.CmpNe) {
			m.Right = v
		}
	}
}

// oneIntRange is the range numbers and number ranges cover, when they
// cover one without a gap ("tcp dport { 20, 21 }" is "tcp dport 20-21"),
// written like the first of them. Elements with a comment or a counter
// keep the set.
func oneIntRange(elems []ir.Expr) (ir.Expr, bool) {
	type span struct{ lo, hi uint64 }
	var spans []span
	var like *ir.Integer
	for _, e := range elems {
		var lo, hi *ir.Integer
		switch e := e.(type) {
		case *ir.Integer:
			lo, hi = e, e
		case *ir.Range:
			l, ok1 := e.Lo.(*ir.Integer)
			h, ok2 := e.Hi.(*ir.Integer)
			if !ok1 || !ok2 {
				return nil, false
			}
			lo, hi = l, h
		default:
			return nil, false
		}
		if lo == nil || hi == nil || lo.Value > hi.Value {
			return nil, false
		}
		if like == nil {
			like = lo
		}
		if lo.Base != like.Base || lo.Width != like.Width || hi.Base != like.Base || hi.Width != like.Width {
			return nil, false
		}
		spans = append(spans, span{lo.Value, hi.Value})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	cur := spans[0]
	for _, s := range spans[1:] {
		if cur.hi != ^uint64(0) && s.lo > cur.hi+1 {
			return nil, false
		}
		cur.hi = max(cur.hi, s.hi)
	}
	lo, hi := *like, *like
	lo.Value, hi.Value = cur.lo, cur.hi
	if cur.lo == cur.hi {
		return &lo, true
	}
	return &ir.Range{Lo: &lo, Hi: &hi}, true
}

// dropPlainCounter removes a counter without values, unless counting is
// all the rule does.
func dropPlainCounter(r *ir.Rule) {
	if r.Placeholder() {
		return
	}
	idx := -1
	actions := 0
	for i, s := range r.Stmts {
		switch s := s.(type) {
		case *ir.Counter:
			if !s.HasValues {
				idx = i
			}
		case *ir.Match, *ir.Comment:
		default:
			actions++
		}
	}
	if idx >= 0 && actions > 0 {
		r.Stmts = deleteStmt(r.Stmts, idx)
	}
}

// deleteStmt is append(stmts[:i], stmts[i+1:]...), moving the statements
// after i one by one: they are few (a verdict, most often), and append
// moved them by a call of the runtime's copy of pointers, some 50
// instructions a rule (kube-proxy's rules each lose a counter, and many
// "ip protocol tcp" too).
func deleteStmt(stmts []ir.Stmt, i int) []ir.Stmt {
	for ; i+1 < len(stmts); i++ {
		stmts[i] = stmts[i+1]
	}
	return stmts[:len(stmts)-1]
}
