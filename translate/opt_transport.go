package translate

import (
	"slices"
	"strings"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Rules for the same ports over several transport protocols, as ufw and
// shorewall write them ("-p tcp --dport 53 -j ACCEPT" then "-p udp
// --dport 53 -j ACCEPT"), become one rule on the transport header:
// "meta l4proto { tcp, udp } th dport 53 accept". The protocols' ports
// sit at the same place in their headers, so "th" reads them alike.

// thOrder tells the transport protocols "th sport"/"th dport" read the
// ports of (the first two 16-bit words of the header: the protocols of
// hashlimit's portProtocols), and their order in a merged rule's set.
// A switch, not a map: portPayload asks it of every payload match of
// the rules the pass looks at, and a map look-up hashes the name.
func thOrder(proto string) (int, bool) {
	switch proto {
	case "tcp":
		return 0, true
	case "udp":
		return 1, true
	case "udplite":
		return 2, true
	case "sctp":
		return 3, true
	case "dccp":
		return 4, true
	}
	return 0, false
}

// portPayload reports whether e loads the ports of one protocol.
func portPayload(e ir.Expr) (*ir.Payload, bool) {
	p, ok := e.(*ir.Payload)
	if !ok {
		return nil, false
	}
	_, ok = thOrder(p.Proto)
	return p, ok
}

// transportOf returns the protocol of r's port matches, if r can be
// merged with others on it: its port matches all test one protocol, it
// ends in a verdict, and its other statements neither depend on the
// protocol nor keep state or counts of their own (a merged rule would
// share them).
func transportOf(r *ir.Rule) (string, bool) {
	if r.Placeholder() || r.Dead() != "" {
		return "", false
	}
	proto, verdict := "", false
	for _, s := range r.Stmts {
		switch s := s.(type) {
		case *ir.Match:
			if countsElements(s.Right) {
				return "", false // each rule's elements count its own packets
			}
			p, ok := portPayload(s.Left)
			if !ok {
				if mentionsTransport(s.Left) {
					return "", false
				}
				continue
			}
			if p.Field != "sport" && p.Field != "dport" || proto != "" && p.Proto != proto {
				return "", false
			}
			proto = p.Proto
		case *ir.Verdict:
			verdict = true
		case *ir.Reject:
			if s.Type == "tcp reset" {
				return "", false
			}
			verdict = true
		case *ir.Log, *ir.Comment:
		default:
			// a counter too: each rule counts its own packets
			return "", false
		}
	}
	return proto, proto != "" && verdict
}

// countsElements reports whether a set's elements carry counters.
func countsElements(e ir.Expr) bool {
	if a, ok := e.(*ir.AddrSet); ok {
		return a.Counted
	}
	set, ok := e.(*ir.SetLit)
	if !ok {
		return false
	}
	for _, x := range set.Elems {
		if el, ok := x.(*ir.Elem); ok && el.Counter != nil {
			return true
		}
	}
	return false
}

// mentionsTransport reports whether a selector other than a payload
// reads the transport header (a concatenation with a port, a binary
// operation on one).
func mentionsTransport(e ir.Expr) bool {
	switch e := e.(type) {
	case *ir.Payload:
		_, port := portPayload(e)
		return port || e.Proto == "th"
	case *ir.Concat:
		for _, x := range e.Elems {
			if mentionsTransport(x) {
				return true
			}
		}
	case *ir.Binary:
		return mentionsTransport(e.Left)
	}
	return false
}

// sameButTransport reports whether a and b are the same rule but for
// the protocol of their port matches.
func sameButTransport(a, b *ir.Rule) bool {
	if len(a.Stmts) != len(b.Stmts) || a.Comment != b.Comment {
		return false
	}
	for i, sa := range a.Stmts {
		ma, okA := sa.(*ir.Match)
		mb, okB := b.Stmts[i].(*ir.Match)
		if okA && okB {
			pa, isA := portPayload(ma.Left)
			pb, isB := portPayload(mb.Left)
			if isA && isB {
				if pa.Field != pb.Field || ma.Op != mb.Op || !equalExpr(ma.Right, mb.Right) {
					return false
				}
				continue
			}
		}
		if !equalStmt(sa, b.Stmts[i]) {
			return false
		}
	}
	return true
}

// mergeTransports merges runs of rules that differ only in the
// transport protocol of their port matches. Each protocol comes once in
// a run: the rules are then disjoint, so their order does not matter.
func mergeTransports(rules []*ir.Rule, rep *OptReport) []*ir.Rule {
	var out []*ir.Rule
	// transportOf(rules[known]), looked at as the rule after a group: it
	// starts the next one (each rule's was worked out twice)
	known, knownProto, knownOK := -1, "", false
	for i := 0; i < len(rules); {
		if i == len(rules)-1 {
			// the last rule has none after it to merge with (most
			// of kube-proxy's chains have one rule)
			if out != nil {
				out = append(out, rules[i])
			}
			break
		}
		proto, ok := knownProto, knownOK
		if known != i {
			proto, ok = transportOf(rules[i])
		}
		j := i + 1
		protos := []string{proto}
		for ok && j < len(rules) {
			p, ok2 := transportOf(rules[j])
			known, knownProto, knownOK = j, p, ok2
			if !ok2 || slices.Contains(protos, p) || !sameButTransport(rules[i], rules[j]) {
				break
			}
			protos = append(protos, p)
			j++
		}
		if j-i < 2 {
			if out != nil {
				out = append(out, rules[i])
			}
			i++
			continue
		}
		if out == nil {
			out = append(make([]*ir.Rule, 0, len(rules)), rules[:i]...)
		}
		group := rules[i:j]
		merged := (&ir.Rule{Origin: rep.mergedOrigins(group), Comment: group[0].Comment}).WithSource(rep.mergedSource(group))
		// in one order, so that merged rules compare equal
		slices.SortFunc(protos, func(a, b string) int {
			i, _ := thOrder(a)
			j, _ := thOrder(b)
			return i - j
		})
		var elems []ir.Expr
		for _, p := range protos {
			elems = append(elems, ir.Sym(p))
		}
		first := true
		for _, s := range group[0].Stmts {
			m, isMatch := s.(*ir.Match)
			if isMatch {
				if p, isPort := portPayload(m.Left); isPort {
					if first {
						merged.Stmts = append(merged.Stmts, ir.Eq(&ir.Meta{Key: "l4proto"}, &ir.SetLit{Elems: elems}))
						first = false
					}
					th := *m
					th.Left = &ir.Payload{Proto: "th", Field: p.Field}
					merged.Stmts = append(merged.Stmts, &th)
					continue
				}
			}
			merged.Stmts = append(merged.Stmts, s)
		}
		out = append(out, merged)
		rep.Merges = append(rep.Merges, Merge{Pass: "transport", Into: merged, From: merged.Origin,
			Reason: "the same ports over " + strings.Join(protos[:len(protos)-1], ", ") + " and " + protos[len(protos)-1]})
		i = j
	}
	if out == nil {
		return rules
	}
	return out
}
