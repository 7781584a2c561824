package translate

import (
	"slices"

	"github.com/ipt2nft/ipt2nft/ir"
)

// LOG fusion: iptables needs two rules to log and drop,
//
//	-A INPUT -p tcp --dport 23 -j LOG --log-prefix "telnet "
//	-A INPUT -p tcp --dport 23 -j DROP
//
// nft does it in one: "tcp dport 23 log prefix "telnet " drop". Every
// packet that reaches the first rule reaches the second with the same
// matches (LOG changes nothing), so the fused rule sees the same packets,
// provided the matches have no state or chance in them.

// logRule splits a rule that logs and continues: its matches (appended
// to matches), its counter (if any), and the log statement. ok is false
// for anything else.
func logRule(r *ir.Rule, matches []ir.Stmt) (_ []ir.Stmt, counter *ir.Counter, log *ir.Log, ok bool) {
	if r.Placeholder() {
		return nil, nil, nil, false
	}
	for _, s := range r.Stmts {
		switch s := s.(type) {
		case *ir.Match:
			if log != nil || stateful(s) {
				return nil, nil, nil, false
			}
			matches = append(matches, s)
		case *ir.Counter:
			if counter != nil {
				return nil, nil, nil, false
			}
			counter = s
		case *ir.Log:
			if log != nil {
				return nil, nil, nil, false
			}
			log = s
		default:
			return nil, nil, nil, false
		}
	}
	return matches, counter, log, log != nil
}

// verdictRule splits a rule that ends in a verdict: matches (appended to
// matches), counter, and the action statements from the verdict on (a
// reject is an action that ends evaluation too).
func verdictRule(r *ir.Rule, matches []ir.Stmt) (_ []ir.Stmt, counter *ir.Counter, tail []ir.Stmt, ok bool) {
	if r.Placeholder() {
		return nil, nil, nil, false
	}
	for i, s := range r.Stmts {
		switch s := s.(type) {
		case *ir.Match:
			if stateful(s) {
				return nil, nil, nil, false
			}
			matches = append(matches, s)
		case *ir.Counter:
			if counter != nil {
				return nil, nil, nil, false
			}
			counter = s
		case *ir.Verdict, *ir.Reject:
			if i != len(r.Stmts)-1 {
				return nil, nil, nil, false
			}
			return matches, counter, r.Stmts[i:], true
		default:
			return nil, nil, nil, false
		}
	}
	return nil, nil, nil, false
}

// hasLog reports whether a rule has a log statement, without which
// logRule never accepts it.
func hasLog(r *ir.Rule) bool {
	for _, s := range r.Stmts {
		if _, ok := s.(*ir.Log); ok {
			return true
		}
	}
	return false
}

// fuseLogs fuses each LOG rule with the verdict rule after it. Without
// provenance (OptOptions.NoProvenance) the verdict rule becomes the fused
// rule: nothing holds it for a report (a dead rule's After), and the
// 45,000 fused rules of the mixed 1,000,000-rule dump, made after the
// last collection, were 5 MB of its peak.
func fuseLogs(rules []*ir.Rule, rep *OptReport) []*ir.Rule {
	logs := 0
	for _, r := range rules {
		if hasLog(r) {
			logs++
		}
	}
	if logs == 0 {
		return rules
	}
	out := make([]*ir.Rule, 0, len(rules))
	var m1, m2 []ir.Stmt // the matches of the two rules, reused
	for i := 0; i < len(rules); i++ {
		r := rules[i]
		if i+1 < len(rules) && hasLog(r) {
			logs--
			next := rules[i+1]
			var c1, c2 *ir.Counter
			var log *ir.Log
			var tail []ir.Stmt
			ok1, ok2 := false, false
			m1, c1, log, ok1 = logRule(r, m1[:0])
			if ok1 {
				m2, c2, tail, ok2 = verdictRule(next, m2[:0])
			}
			if ok1 && ok2 && sameStmts(m1, m2) && sameCounters(c1, c2) && (r.Comment == "" || r.Comment == next.Comment) {
				fused := next
				if !rep.noProvenance {
					fused = &ir.Rule{Comment: next.Comment}
				}
				fused.Origin = rep.mergedOrigins(rules[i : i+2])
				fused.SetSource(rep.mergedSource(rules[i : i+2]))
				n := len(m2) + 1 + len(tail)
				if c2 != nil {
					n++
				}
				stmts := make([]ir.Stmt, 0, n)
				stmts = append(stmts, m2...)
				if c2 != nil {
					stmts = append(stmts, c2)
				}
				stmts = append(stmts, log)
				fused.Stmts = append(stmts, tail...)
				out = append(out, fused)
				if len(rep.Merges) == cap(rep.Merges) {
					// Room for a merge per LOG rule left, and a
					// quarter more for the passes after (the sets
					// pass doubles a full list): growing by append's
					// quarters or by doubling made up to twice the
					// 3 MB that the mixed 1,000,000-rule dump's
					// 45,000 fused rules need.
					rep.Merges = slices.Grow(rep.Merges, logs+1+logs/4)
				}
				rep.Merges = append(rep.Merges, Merge{Pass: "logfuse", Into: fused, From: fused.Origin, Reason: "LOG followed by a verdict with the same matches"})
				i++
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

func sameStmts(a, b []ir.Stmt) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalStmt(a[i], b[i]) {
			return false
		}
	}
	return true
}

// sameCounters: both rules count the same packets, so their counters can
// only be combined if they agree (or carry no values).
func sameCounters(a, b *ir.Counter) bool {
	switch {
	case a == nil || b == nil:
		return (a == nil || !a.HasValues) && (b == nil || !b.HasValues)
	case !a.HasValues && !b.HasValues:
		return true
	}
	return *a == *b
}
