package translate

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestJoinKey checks that rules the sets pass could join have the same
// join key: expressions reflect.DeepEqual finds equal hash the same, and
// so do rules shapeDiff finds differing only in the values of set
// selectors. Each rule is a statement of equalityCases, alone, and after
// a match of a set selector with a value of its own.
func TestJoinKey(t *testing.T) {
	exprs, stmts := equalityCases()
	for _, x := range exprs {
		for _, y := range exprs {
			if reflect.DeepEqual(x, y) && sigHash(fnvOffset).expr(x) != sigHash(fnvOffset).expr(y) {
				t.Errorf("%#v and %#v are equal, their hashes differ", x, y)
			}
		}
	}
	port := &ir.Payload{Proto: "tcp", Field: "dport"}
	var rules []*ir.Rule
	for i, s := range stmts {
		if !madeWhole(s) {
			continue // no rule has it
		}
		rules = append(rules, &ir.Rule{Stmts: []ir.Stmt{s}},
			&ir.Rule{Stmts: []ir.Stmt{&ir.Match{Left: port, Right: ir.Int(uint64(i))}, s}})
	}
	var fa factsAlloc
	facts := make([]ruleFacts, len(rules))
	for i, r := range rules {
		fa.fill(&facts[i], r, joinKey(r))
	}
	joinable := 0
	for i, a := range rules {
		for j, b := range rules {
			var buf [4]int
			if _, ok := shapeDiff(a, b, &facts[i], &facts[j], buf[:]); ok {
				joinable++
				if joinKey(a) != joinKey(b) || joinKey(a) == 0 {
					t.Errorf("rules %d and %d can join, their keys are %x and %x", i, j, joinKey(a), joinKey(b))
				}
			}
		}
	}
	if joinable < len(stmts) {
		t.Errorf("only %d pairs of rules can join", joinable)
	}
}

// madeWhole reports whether s and, if a match, its sides are not nil, as
// in every rule the translator makes.
func madeWhole(s ir.Stmt) bool {
	if v := reflect.ValueOf(s); !v.IsValid() || v.IsNil() {
		return false
	}
	if m, ok := s.(*ir.Match); ok {
		for _, e := range []ir.Expr{m.Left, m.Right} {
			if v := reflect.ValueOf(e); !v.IsValid() || v.IsNil() {
				return false
			}
		}
	}
	return true
}

// TestSigHashStr checks str against FNV-1a a byte at a time, the values
// the signatures were made of before: their collisions decide what the
// sets pass refuses, so str must not change them.
func TestSigHashStr(t *testing.T) {
	s := "KUBE-SVC-0123456789ABCDEF/x"
	for n := range len(s) + 1 {
		want := sigHash(fnvOffset)
		for i := range n {
			want = want.byte(s[i])
		}
		if got := sigHash(fnvOffset).str(s[:n]); got != want {
			t.Errorf("str(%q) = %#x, want %#x", s[:n], uint64(got), uint64(want))
		}
	}
}

// TestSharedSignature checks sharedSignature, mergeSetsIn's look at a
// small chain, against the round's own markRepeats on random chains of 2
// to smallRound rules drawn from equalityCases' statements (a few kinds
// often, so that some share a signature).
func TestSharedSignature(t *testing.T) {
	_, stmts := equalityCases()
	var pool []*ir.Rule
	for _, s := range stmts {
		if madeWhole(s) {
			pool = append(pool, &ir.Rule{Stmts: []ir.Stmt{s}})
		}
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	shared := 0
	const chains = 5000
	for range chains {
		rules := make([]*ir.Rule, 2+rnd.IntN(smallRound-1))
		kinds := 2 + rnd.IntN(len(pool)-1)
		for i := range rules {
			rules[i] = pool[rnd.IntN(kinds)]
		}
		mem := getRoundMem(len(rules))
		for i, r := range rules {
			mem.sigs[i] = shapeSignature(r)
		}
		want := slices.ContainsFunc(mem.markRepeats(len(rules)), func(m uint8) bool { return m != 0 })
		putRoundMem(mem)
		if got := sharedSignature(rules); got != want {
			t.Fatalf("sharedSignature of %d rules = %v, markRepeats says %v", len(rules), got, want)
		}
		if want {
			shared++
		}
	}
	if shared == 0 || shared == chains {
		t.Errorf("%d of %d chains share a signature: the test tells nothing", shared, chains)
	}
}

// TestPlainValuesIn checks plainValuesIn against plainValues on every
// expression of equalityCases, alone and in a set.
func TestPlainValuesIn(t *testing.T) {
	exprs, _ := equalityCases()
	n := 0
	for _, e := range exprs {
		if v := reflect.ValueOf(e); !v.IsValid() || v.IsNil() {
			continue // no rule has it
		}
		for _, x := range []ir.Expr{e, &ir.SetLit{Elems: []ir.Expr{e}}, &ir.SetLit{Elems: []ir.Expr{e, e}}} {
			var one [1]interval
			want, wok := plainValues(x)
			got, gok := plainValuesIn(x, &one)
			if gok != wok || !reflect.DeepEqual(slices.Clip(got), slices.Clip(want)) && len(got)+len(want) > 0 {
				t.Errorf("%#v: plainValuesIn %v %v, plainValues %v %v", x, got, gok, want, wok)
			}
			if wok {
				n++
			}
		}
	}
	if n == 0 {
		t.Error("no expression has plain values")
	}
}
