package report

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"unsafe"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

// othersListByScan is othersList the plain way: every origin of the
// shared rule, sorted, less the group's own, printed in runs of lines
// (an own rule ends the run it is in), at most max runs.
func othersListByScan(r *Report, g *Group, max int) string {
	var sorted []iptparse.Pos
	seen := map[iptparse.Pos]bool{}
	for _, p := range g.shared[0].origin {
		if !seen[p] {
			seen[p] = true
			sorted = append(sorted, p)
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return lessPos(sorted[i], sorted[j]) })
	own := map[iptparse.Pos]bool{}
	for _, rule := range g.Rules {
		own[rule.Pos] = true
	}
	var items []string
	more := 0
	file := "\x00"
	for i := 0; i < len(sorted); {
		if own[sorted[i]] {
			i++
			continue
		}
		j := i
		for j+1 < len(sorted) && !own[sorted[j+1]] && sorted[j+1].File == sorted[i].File && sorted[j+1].Line <= sorted[j].Line+1 {
			j++
		}
		if max > 0 && len(items) == max {
			more++
		} else {
			item := fmt.Sprint(sorted[i].Line)
			if sorted[j].Line != sorted[i].Line {
				item += fmt.Sprintf("-%d", sorted[j].Line)
			}
			if sorted[i].File != file {
				file = sorted[i].File
				item = r.where(iptparse.Pos{File: file}) + ":" + item
			}
			items = append(items, item)
		}
		i = j + 1
	}
	if more > 0 {
		items = append(items, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(items, ", ")
}

// TestOthersList checks the indexed othersList against a plain scan on
// random shared rules: origins in two files, runs of lines, several
// origins on one line (different columns), duplicate origins, and
// groups whose own rules sit at a run's start, middle or end, next to
// each other, or outside the origins.
func TestOthersList(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	files := []string{"/x/a.rules", "/x/b.rules"}
	for n := 0; n < 2000; n++ {
		r := &Report{names: map[string]string{files[0]: "a.rules", files[1]: "b.rules"}}
		nr := &sharedRule{}
		var pool []iptparse.Pos
		for _, f := range files[:1+rnd.Intn(2)] {
			line := 1 + rnd.Intn(3)
			for k := rnd.Intn(30); k > 0; k-- {
				p := iptparse.MakePos(f, line, 1+rnd.Intn(2))
				pool = append(pool, p)
				line += rnd.Intn(3)
			}
		}
		if len(pool) == 0 {
			continue
		}
		if rnd.Intn(2) == 0 {
			// In input order, as most are (used as they are).
			sort.Slice(pool, func(i, j int) bool { return lessPos(pool[i], pool[j]) })
		} else {
			rnd.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		}
		nr.origin = append(nr.origin, pool...)
		if rnd.Intn(4) == 0 {
			nr.origin = append(nr.origin, pool[0])
		}
		// The same shared rule, indexed once, serves several groups.
		for gi := 0; gi < 4; gi++ {
			g := &Group{shared: []*sharedRule{nr}}
			for k := rnd.Intn(4); k >= 0; k-- {
				p := pool[rnd.Intn(len(pool))]
				if rnd.Intn(5) == 0 {
					p.Line += 100
				}
				g.Rules = append(g.Rules, &Rule{Pos: p})
			}
			// Build's count, where the group's rules are at
			// positions of their own.
			if others, want := r.countOthers(g), len(g.Others()); others != want && len(g.Rules) == len(uniquePos(g.Rules)) {
				t.Fatalf("origins %v, own %v: %d others, want %d", nr.origin, g.Rules, others, want)
			}
			for _, max := range []int{0, 1, 2, 6} {
				want := othersListByScan(r, g, max)
				if got := r.othersList(g, max); got != want {
					t.Fatalf("origins %v, own %v, max %d:\n got %q\nwant %q", nr.origin, g.Rules, max, got, want)
				}
			}
		}
	}
}

func uniquePos(rs []*Rule) map[iptparse.Pos]bool {
	m := map[iptparse.Pos]bool{}
	for _, r := range rs {
		m[r.Pos] = true
	}
	return m
}

// A 1,000,000-rule report holds a million Rules: one that grows past
// its size class (96 bytes) adds a sixth to the report's memory or
// more. Move what few rules have into ruleNotes instead.
func TestRuleSize(t *testing.T) {
	if n := unsafe.Sizeof(Rule{}); n > 96 {
		t.Errorf("a Rule takes %d bytes, more than 96", n)
	}
}

// TestSharedLists: the rules that became one nft rule share their lists
// of it (Out, Passes, the shared rules); a rule that becomes another nft
// rule too, or is merged by another pass, gets a list of its own and
// leaves the others' as they were.
func TestSharedLists(t *testing.T) {
	src := "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 192.0.2.1 -j DROP\n-A INPUT -s 192.0.2.2 -j DROP\n-A INPUT -s 192.0.2.3 -j DROP\nCOMMIT\n"
	f := iptparse.ParseFile("s.rules", src, translate.Registry{}, iptparse.FamilyAny)
	orig := &Originals{}
	for _, it := range f.Items {
		orig.Add(f, it)
	}
	if len(orig.rules) != 3 {
		t.Fatalf("setup: %d rules", len(orig.rules))
	}
	a, b, c := orig.rules[0], orig.rules[1], orig.rules[2]
	n1 := &ir.Rule{Origin: []iptparse.Pos{a.Pos, b.Pos, c.Pos}}
	n2 := &ir.Rule{Origin: []iptparse.Pos{b.Pos}}
	n3 := &ir.Rule{Origin: []iptparse.Pos{a.Pos, c.Pos}}
	m := &Migration{
		Originals: orig,
		Ruleset:   &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "filter", Chains: []*ir.Chain{{Name: "INPUT", Rules: []*ir.Rule{n1, n2, n3}}}}}},
		Opt: &translate.OptReport{Merges: []translate.Merge{
			{Pass: "sets", Into: n1, From: []iptparse.Pos{a.Pos, b.Pos, c.Pos}},
			{Pass: "other", Into: n2, From: []iptparse.Pos{b.Pos}},
		}},
		Output:     "one\ntwo\nthree\n",
		RuleLines:  map[*ir.Rule]int{n1: 1, n2: 2, n3: 3},
		ChainLines: map[*ir.Chain]int{},
	}
	Build(m)
	texts := func(r *Rule) string {
		var l []string
		for _, o := range r.Out() {
			l = append(l, o.Text)
		}
		return strings.Join(l, " ")
	}
	where := func(ps []iptparse.Pos) string {
		var l []string
		for _, p := range ps {
			l = append(l, fmt.Sprint(p.Line))
		}
		return strings.Join(l, " ")
	}
	for _, x := range []struct {
		r                    *Rule
		out, passes, mergedW string
	}{
		{a, "one three", "sets", "4 5"},
		{b, "one two", "sets other", "3 5"},
		{c, "one three", "sets", "3 4"},
	} {
		if got := texts(x.r); got != x.out {
			t.Errorf("line %d became %q, want %q", x.r.Pos.Line, got, x.out)
		}
		if got := strings.Join(x.r.Passes(), " "); got != x.passes {
			t.Errorf("line %d merged by %q, want %q", x.r.Pos.Line, got, x.passes)
		}
		if got := where(x.r.MergedWith()); got != x.mergedW {
			t.Errorf("line %d merged with %q, want %q", x.r.Pos.Line, got, x.mergedW)
		}
	}
}
