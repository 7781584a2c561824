package report

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// othersListByScan is othersList the plain way: every origin of the
// shared rule, sorted, less the group's own, printed in runs of lines
// (an own rule ends the run it is in), at most max runs.
func othersListByScan(r *Report, g *Group, max int) string {
	var sorted []iptparse.Pos
	seen := map[iptparse.Pos]bool{}
	for _, p := range g.shared[0].Origin {
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
		nr := &ir.Rule{}
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
		nr.Origin = append(nr.Origin, pool...)
		if rnd.Intn(4) == 0 {
			nr.Origin = append(nr.Origin, pool[0])
		}
		// The same shared rule, indexed once, serves several groups.
		for gi := 0; gi < 4; gi++ {
			g := &Group{shared: []*ir.Rule{nr}}
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
				t.Fatalf("origins %v, own %v: %d others, want %d", nr.Origin, g.Rules, others, want)
			}
			for _, max := range []int{0, 1, 2, 6} {
				want := othersListByScan(r, g, max)
				if got := r.othersList(g, max); got != want {
					t.Fatalf("origins %v, own %v, max %d:\n got %q\nwant %q", nr.Origin, g.Rules, max, got, want)
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
