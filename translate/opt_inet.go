package translate

import (
	"fmt"
	"net/netip"
	"reflect"
	"sort"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// One inet table from IPv4 and IPv6 input. iptables keeps two rulesets;
// nftables can hold both in one inet table, where a rule without an
// address-family specific match sees both families. The chains of the two
// tables are aligned rule by rule (a longest common subsequence, so each
// family's order is kept): rules both families have appear once, the others
// are limited to their family with "meta nfproto ipv4|ipv6" unless they
// already only match that family. A chain one family does not have is, for
// that family, an empty chain that accepts; differing policies become an
// explicit last rule.

// MergeInet replaces an ip and an ip6 table of the same name by one inet
// table. It returns false if there is nothing to merge.
func MergeInet(rs *ir.Ruleset, rep *OptReport) bool {
	var v4, v6 *ir.Table
	for _, t := range rs.Tables {
		switch t.Family {
		case ir.FamilyIP:
			v4 = t
		case ir.FamilyIP6:
			v6 = t
		}
	}
	if v4 == nil || v6 == nil || v4.Name != v6.Name {
		return false
	}
	settleDeferred(v4)
	settleDeferred(v6)
	inet := &ir.Table{Family: ir.FamilyInet, Name: v4.Name, Comment: v4.Comment}
	renames := mergeSets4and6(inet, v4, v6)
	if len(renames) > 0 {
		renameSetRefs(v6, renames)
	}
	inet.CtHelpers = append(inet.CtHelpers, v4.CtHelpers...)
	for _, h := range v6.CtHelpers {
		if findHelper(inet, h.Name) == nil {
			inet.CtHelpers = append(inet.CtHelpers, h)
		}
	}
	// Chains in order: v4's, then those only v6 has.
	for _, c4 := range v4.Chains {
		inet.Chains = append(inet.Chains, mergeChain(c4, v6.Chain(c4.Name), rep))
	}
	for _, c6 := range v6.Chains {
		if v4.Chain(c6.Name) == nil {
			inet.Chains = append(inet.Chains, mergeChain(nil, c6, rep))
		}
	}
	for _, c := range inet.Chains {
		for _, r := range c.Rules {
			for _, s := range r.Stmts {
				if n, ok := s.(*ir.Nat); ok && n.Family == "" && (n.Addr != nil || n.Prefix) && (n.Kind == ir.NatSNAT || n.Kind == ir.NatDNAT) {
					n.Family = natFamily(r)
				}
				if tp, ok := s.(*ir.TProxy); ok && tp.Family == "" && tp.Addr != nil {
					tp.Family = natFamily(r)
				}
			}
		}
	}
	var tables []*ir.Table
	for _, t := range rs.Tables {
		switch t {
		case v4:
			tables = append(tables, inet)
		case v6:
		default:
			tables = append(tables, t)
		}
	}
	rs.Tables = tables
	return true
}

func findHelper(t *ir.Table, name string) *ir.CtHelper {
	for _, h := range t.CtHelpers {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// mergeSets4and6 puts both tables' sets into inet; a v6 set whose name a
// different v4 set already has is renamed NAME_v6.
func mergeSets4and6(inet, v4, v6 *ir.Table) map[string]string {
	renames := map[string]string{}
	inet.Sets = append(inet.Sets, v4.Sets...)
	for _, s := range v6.Sets {
		if other := v4.Set(s.Name); other != nil {
			if reflect.DeepEqual(setDef(other), setDef(s)) {
				continue
			}
			nn := s.Name + "_v6"
			for i := 2; v4.Set(nn) != nil || v6.Set(nn) != nil; i++ {
				nn = fmt.Sprintf("%s_v6_%d", s.Name, i)
			}
			renames[s.Name] = nn
			cp := *s
			cp.Name = nn
			s = &cp
		}
		inet.Sets = append(inet.Sets, s)
	}
	return renames
}

func setDef(s *ir.Set) ir.Set {
	c := *s
	c.Origin = nil
	return c
}

// renameSetRefs rewrites references to renamed sets in a table's rules.
func renameSetRefs(t *ir.Table, renames map[string]string) {
	for _, c := range t.Chains {
		for _, r := range c.Rules {
			walkIR(reflect.ValueOf(r.Stmts), func(v reflect.Value) {
				switch x := v.Interface().(type) {
				case *ir.SetRef:
					if nn, ok := renames[x.Name]; ok {
						x.Name = nn
					}
				case *ir.SetUpdate:
					if nn, ok := renames[x.Set]; ok {
						x.Set = nn
					}
				}
			})
		}
	}
}

// walkIR calls f for every pointer reachable from v.
func walkIR(v reflect.Value, f func(reflect.Value)) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			walkIR(v.Elem(), f)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		f(v)
		walkIR(v.Elem(), f)
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walkIR(v.Index(i), f)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walkIR(v.Field(i), f)
			}
		}
	}
}

// familyOf tells whether a rule can only match one family: "ipv4",
// "ipv6", or "" if it may match both.
func familyOf(r *ir.Rule) string {
	fam := ""
	walkIR(reflect.ValueOf(r.Stmts), func(v reflect.Value) {
		switch x := v.Interface().(type) {
		case *ir.Payload:
			switch x.Proto {
			case "ip", "icmp":
				fam = "ipv4"
			case "ip6", "icmpv6":
				fam = "ipv6"
			}
		case *ir.Match:
			if m, ok := x.Left.(*ir.Meta); ok && m.Key == "nfproto" {
				if s, ok := x.Right.(*ir.Symbol); ok && x.Op == ir.CmpEq {
					fam = s.Name
				}
			}
		}
	})
	return fam
}

func natFamily(r *ir.Rule) string {
	if familyOf(r) == "ipv6" {
		return "ip6"
	}
	return "ip"
}

// guard limits a rule to one family.
func guard(r *ir.Rule, fam string) *ir.Rule {
	if familyOf(r) == fam {
		return r
	}
	cp := *r
	cp.Stmts = append([]ir.Stmt{ir.Eq(&ir.Meta{Key: "nfproto"}, ir.Sym(fam))}, r.Stmts...)
	return &cp
}

func sameForBoth(a, b *ir.Rule) bool {
	if a.Placeholder() || b.Placeholder() {
		return false
	}
	return a.Comment == b.Comment && reflect.DeepEqual(a.Stmts, b.Stmts)
}

// mergeChain aligns the v4 and v6 versions of a chain (either may be nil).
func mergeChain(c4, c6 *ir.Chain, rep *OptReport) *ir.Chain {
	switch {
	case c6 == nil && c4.Hook == nil:
		return c4
	case c4 == nil && c6.Hook == nil:
		return c6
	}
	var a, b []*ir.Rule
	out := &ir.Chain{}
	policy4, policy6 := "accept", "accept"
	if c4 != nil {
		a, out.Name, out.Comment, out.Origin = c4.Rules, c4.Name, c4.Comment, append(out.Origin, c4.Origin...)
		if c4.Hook != nil {
			h := *c4.Hook
			out.Hook = &h
			policy4 = orAccept(c4.Hook.Policy)
		}
	}
	if c6 != nil {
		b = c6.Rules
		out.Name = c6.Name
		if out.Comment == "" {
			out.Comment = c6.Comment
		}
		out.Origin = append(out.Origin, c6.Origin...)
		if c6.Hook != nil {
			if out.Hook == nil {
				h := *c6.Hook
				out.Hook = &h
			}
			policy6 = orAccept(c6.Hook.Policy)
		}
	}
	// The rules both families share: a common subsequence of identical
	// rules. Any common subsequence keeps each family's order; the
	// longest shares the most.
	for _, p := range alignRules(a, b) {
		i, j := p[0], p[1]
		if i < 0 {
			out.Rules = append(out.Rules, guardKeep(b[j], "ipv6"))
			continue
		}
		if j < 0 {
			out.Rules = append(out.Rules, guardKeep(a[i], "ipv4"))
			continue
		}
		r := *a[i]
		r.Origin = append(append([]iptparse.Pos{}, a[i].Origin...), b[j].Origin...)
		r.SetSource(a[i].Source() + "\n" + b[j].Source())
		out.Rules = append(out.Rules, &r)
		rep.Merges = append(rep.Merges, Merge{Pass: "inet", Into: &r, From: r.Origin, Reason: "same rule for IPv4 and IPv6"})
	}
	if out.Hook != nil {
		switch {
		case policy4 == policy6:
			out.Hook.Policy = policy4
		default:
			out.Hook.Policy = "accept"
			for _, fp := range [][2]string{{"ipv4", policy4}, {"ipv6", policy6}} {
				fam, pol := fp[0], fp[1]
				if pol == "drop" {
					out.Rules = append(out.Rules, &ir.Rule{Stmts: []ir.Stmt{
						ir.Eq(&ir.Meta{Key: "nfproto"}, ir.Sym(fam)), &ir.Verdict{Kind: ir.VerdictDrop}},
						Comment: "policy drop for " + fam})
				}
			}
		}
	}
	return out
}

// guardKeep guards a translated rule; untranslated placeholders stay as
// they are.
func guardKeep(r *ir.Rule, fam string) *ir.Rule {
	if r.Placeholder() {
		return r
	}
	return guard(r, fam)
}

func orAccept(p string) string {
	if p == "" {
		return "accept"
	}
	return p
}

// maxLCSCells bounds the table of the exact longest common subsequence
// (int32 cells: 16 MB). Beyond it a greedy alignment is used.
const maxLCSCells = 4 << 20

// alignRules merges a and b into one sequence of pairs: {i, j} for a rule
// both have, {i, -1} and {-1, j} for a rule of one only, in an order that
// keeps each side's order. A common prefix and suffix are matched as they
// are; the middle by the longest common subsequence when small enough,
// else greedily (a 20,000-rule IPv4 and IPv6 blocklist took minutes and
// gigabytes in the full table).
func alignRules(a, b []*ir.Rule) [][2]int {
	out := make([][2]int, 0, max(len(a), len(b)))
	pre := 0
	for pre < len(a) && pre < len(b) && sameForBoth(a[pre], b[pre]) {
		out = append(out, [2]int{pre, pre})
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && sameForBoth(a[len(a)-1-suf], b[len(b)-1-suf]) {
		suf++
	}
	n, m := len(a)-pre-suf, len(b)-pre-suf
	if n*m <= maxLCSCells {
		out = alignLCS(out, a, b, pre, n, m)
	} else {
		out = alignGreedy(out, a, b, pre, n, m)
	}
	for k := range suf {
		out = append(out, [2]int{len(a) - suf + k, len(b) - suf + k})
	}
	return out
}

// alignLCS aligns a[pre:pre+n] and b[pre:pre+m] by their longest common
// subsequence.
func alignLCS(out [][2]int, a, b []*ir.Rule, pre, n, m int) [][2]int {
	lcs := make([][]int32, n+1)
	cells := make([]int32, (n+1)*(m+1))
	for i := range lcs {
		lcs[i] = cells[i*(m+1) : (i+1)*(m+1)]
	}
	// Identical rules hash alike: most pairs differ in their hash, and
	// only the others are compared in full.
	ha, hb := make([]uint64, n), make([]uint64, m)
	for i := range ha {
		ha[i] = ruleHash(a[pre+i])
	}
	for j := range hb {
		hb[j] = ruleHash(b[pre+j])
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if ha[i] == hb[j] && sameForBoth(a[pre+i], b[pre+j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && sameForBoth(a[pre+i], b[pre+j]):
			out = append(out, [2]int{pre + i, pre + j})
			i, j = i+1, j+1
		case j >= m || (i < n && lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, [2]int{pre + i, -1})
			i++
		default:
			out = append(out, [2]int{-1, pre + j})
			j++
		}
	}
	return out
}

// alignGreedy aligns a[pre:pre+n] and b[pre:pre+m] by matching each rule
// of a, in order, with the first identical rule of b after the last
// match: rules are found by a hash of their content, so the work is about
// linear.
func alignGreedy(out [][2]int, a, b []*ir.Rule, pre, n, m int) [][2]int {
	at := map[uint64][]int{} // positions in b by rule hash, ascending
	for j := range m {
		if r := b[pre+j]; !r.Placeholder() {
			h := ruleHash(r)
			at[h] = append(at[h], j)
		}
	}
	j := 0 // next rule of b not yet placed
	for i := range n {
		r := a[pre+i]
		match := -1
		if !r.Placeholder() {
			cand := at[ruleHash(r)]
			for k := sort.SearchInts(cand, j); k < len(cand); k++ {
				if sameForBoth(r, b[pre+cand[k]]) {
					match = cand[k]
					break
				}
			}
		}
		if match < 0 {
			out = append(out, [2]int{pre + i, -1})
			continue
		}
		for ; j < match; j++ {
			out = append(out, [2]int{-1, pre + j})
		}
		out = append(out, [2]int{pre + i, pre + match})
		j = match + 1
	}
	for ; j < m; j++ {
		out = append(out, [2]int{-1, pre + j})
	}
	return out
}

// ruleHash hashes what sameForBoth compares (comment and statements), so
// that identical rules hash alike; unexported fields are left out, but
// for addresses and prefixes, which are hashed by value.
func ruleHash(r *ir.Rule) uint64 {
	h := sigHash(fnvOffset).str(r.Comment)
	for _, s := range r.Stmts {
		h = hashValue(h.byte(';'), reflect.ValueOf(s))
	}
	return uint64(h)
}

func hashValue(h sigHash, v reflect.Value) sigHash {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return h.byte('n')
		}
		return hashValue(h.str(v.Elem().Type().String()), v.Elem())
	case reflect.Struct:
		switch x := v.Interface().(type) {
		case netip.Addr:
			return h.str(x.String())
		case netip.Prefix:
			return h.str(x.String())
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				h = hashValue(h.byte(','), v.Field(i))
			}
		}
		return h
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			h = hashValue(h.byte('['), v.Index(i))
		}
		return h
	case reflect.String:
		return h.str(v.String())
	case reflect.Bool:
		if v.Bool() {
			return h.byte('t')
		}
		return h.byte('f')
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return h.u64(uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return h.u64(v.Uint())
	}
	return h.byte('?')
}
