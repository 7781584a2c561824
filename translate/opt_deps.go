package translate

import "github.com/ipt2nft/ipt2nft/ir"

// Dependency clean-up: "ip protocol tcp tcp dport 22" is "tcp dport 22",
// because nft adds the protocol check for a tcp header field itself.

// impliedBy lists, for a protocol name, the payload protocols whose use
// implies it.
var impliedBy = map[string][]string{
	"tcp": {"tcp"}, "udp": {"udp"}, "sctp": {"sctp"}, "dccp": {"dccp"},
	"icmp": {"icmp"}, "ipv6-icmp": {"icmpv6"}, "icmpv6": {"icmpv6"},
	"ah": {"ah"}, "esp": {"esp"}, "udplite": {"udplite"},
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
			r.Stmts = append(r.Stmts[:i], r.Stmts[i+1:]...)
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
	return sym.Name, impliedBy[sym.Name] != nil
}

// impliedLater reports whether a later statement matches on a header of
// the protocol, which makes nft check the protocol itself.
func impliedLater(stmts []ir.Stmt, proto string) bool {
	for _, s := range stmts {
		m, ok := s.(*ir.Match)
		if !ok {
			continue
		}
		if p := payloadProto(m.Left); p != "" {
			for _, want := range impliedBy[proto] {
				if p == want {
					return true
				}
			}
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
		if set, ok := m.Right.(*ir.SetLit); ok && len(set.Elems) == 1 {
			if _, isElem := set.Elems[0].(*ir.Elem); !isElem {
				m.Right = set.Elems[0]
			}
		}
	}
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
		r.Stmts = append(r.Stmts[:idx], r.Stmts[idx+1:]...)
	}
}
