package translate

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

func TestInlineChains(t *testing.T) {
	o := OptOptions{Inline: true, Counters: true}
	cases := []struct {
		name, script, want string
	}{
		{"endpoint chain", `
-t nat -N SEP1
-t nat -A SEP1 -p tcp -j DNAT --to-destination 10.9.0.1:8080
-t nat -A PREROUTING -d 10.96.0.1 -p tcp --dport 80 -j SEP1`,
			`nat_prerouting: ip daddr 10.96.0.1 tcp dport 80 ip protocol tcp dnat to 10.9.0.1:8080`},
		{"chain of chains, comment kept", `
-N A
-N B
-A B -s 10.0.0.1 -j DROP
-A A -i eth0 -m comment --comment x -j B
-A INPUT -p tcp -j A`,
			`input: ip protocol tcp iifname "eth0" ip saddr 10.0.0.1 drop comment "x"`},
		{"two jumps to it", `
-N A
-A A -j DROP
-A INPUT -s 10.0.0.1 -j A
-A INPUT -s 10.0.0.2 -j A`,
			"input: ip saddr 10.0.0.1 jump A\ninput: ip saddr 10.0.0.2 jump A\nA: drop"},
		{"return leaves the caller's chain", `
-N A
-A A -s 10.0.0.1 -j RETURN
-A INPUT -j A`,
			"input: jump A\nA: ip saddr 10.0.0.1 return"},
		{"goto from the chain", `
-N A
-N B
-A B -j DROP
-A A -g B
-A INPUT -j A
-A INPUT -j B`,
			"input: jump A\ninput: jump B\nA: goto B\nB: drop"},
		{"goto to the chain", `
-N A
-A A -j DROP
-A INPUT -s 10.0.0.1 -g A`,
			"input: ip saddr 10.0.0.1 goto A\nA: drop"},
		{"two rules", `
-N A
-A A -s 10.0.0.1 -j DROP
-A A -s 10.0.0.2 -j ACCEPT
-A INPUT -j A`,
			"input: jump A\nA: ip saddr 10.0.0.1 drop\nA: ip saddr 10.0.0.2 accept"},
		{"two comments", `
-N A
-A A -m comment --comment inner -j DROP
-A INPUT -m comment --comment outer -j A`,
			"input: jump A comment \"outer\"\nA: drop comment \"inner\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, text := optimized(t, o, tc.script)
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if err := testutil.NewNetns(t).NftCheck(text); err != nil {
				t.Errorf("nft refuses: %v\n%s", err, text)
			}
		})
	}
}

// A verdict map's jump counts as a use of the chain: the chain stays.
func TestInlineKeepsMapTargets(t *testing.T) {
	got, _ := optimized(t, OptOptions{Inline: true, VMaps: true, Counters: true}, `
-N A
-N B
-A A -j DROP
-A B -j ACCEPT
-A INPUT -i eth0 -j A
-A INPUT -i eth1 -j B`)
	if !strings.Contains(got, "vmap") || !strings.Contains(got, "A: drop") || !strings.Contains(got, "B: accept") {
		t.Errorf("the chains a verdict map jumps to must stay:\n%s", got)
	}
}

// TestInlinedRules checks the rules inlineAlloc makes in blocks: each
// its own statements (an append to one never writes into the next's),
// origins and text, or only the first origin without provenance.
func TestInlinedRules(t *testing.T) {
	var a inlineAlloc
	pos := func(lines ...int) (o []iptparse.Pos) {
		for _, l := range lines {
			o = append(o, iptparse.Pos{Line: int32(l)})
		}
		return o
	}
	var got []*ir.Rule
	for i := range 3 * inlineBlock {
		r := (&ir.Rule{Stmts: []ir.Stmt{&ir.Counter{}, &ir.Verdict{Kind: ir.VerdictJump, Chain: "C"}}, Origin: pos(3*i+1, 3*i+2)}).WithSource("outer")
		rc := (&ir.Rule{Stmts: []ir.Stmt{&ir.Verdict{Kind: ir.VerdictDrop}}, Origin: pos(3*i + 3)}).WithSource("inner")
		got = append(got, a.inlined(r, rc, i%2 == 1))
	}
	for _, m := range got {
		m.Stmts = append(m.Stmts, &ir.Comment{})
	}
	for i, m := range got {
		if len(m.Stmts) != 3 {
			t.Fatalf("rule %d: %d statements", i, len(m.Stmts))
		}
		_, counter := m.Stmts[0].(*ir.Counter)
		v, _ := m.Stmts[1].(*ir.Verdict)
		if !counter || v == nil || v.Kind != ir.VerdictDrop {
			t.Fatalf("rule %d: statements %#v, %#v", i, m.Stmts[0], m.Stmts[1])
		}
		want, src := pos(3*i+1, 3*i+2, 3*i+3), "outer\ninner"
		if i%2 == 1 {
			want, src = want[:1], ""
		}
		if !slices.Equal(m.Origin, want) || m.Source() != src {
			t.Fatalf("rule %d: origins %v, text %q; want %v, %q", i, m.Origin, m.Source(), want, src)
		}
	}
}

// TestChainJumpsStale: a chain counted with more rules than it had when
// its room was kept makes inlineChains count every chain again, and
// inline as if counted then.
func TestChainJumpsStale(t *testing.T) {
	jump := func(c string) *ir.Rule {
		return &ir.Rule{Stmts: []ir.Stmt{&ir.Verdict{Kind: ir.VerdictJump, Chain: c}}}
	}
	drop := func() *ir.Rule { return &ir.Rule{Stmts: []ir.Stmt{&ir.Verdict{Kind: ir.VerdictDrop}}} }
	in := &ir.Chain{Name: "INPUT", Hook: &ir.Hook{}, Rules: []*ir.Rule{jump("A")}}
	tab := &ir.Table{Chains: []*ir.Chain{in, {Name: "A", Rules: []*ir.Rule{drop()}}, {Name: "B", Rules: []*ir.Rule{drop()}}}}
	cj := newChainJumps(tab)
	in.Rules = append(in.Rules, jump("B"))
	for i, c := range tab.Chains {
		cj.count(i, c)
	}
	if !cj.stale.Load() {
		t.Fatal("a chain grown since: the counts are not marked stale")
	}
	inlineChains(tab, &OptReport{}, cj)
	if len(tab.Chains) != 1 || len(in.Rules) != 2 {
		t.Fatalf("%d chains, %d rules in INPUT; want A and B inlined", len(tab.Chains), len(in.Rules))
	}
	for i, r := range in.Rules {
		if v, ok := r.Stmts[len(r.Stmts)-1].(*ir.Verdict); !ok || v.Kind != ir.VerdictDrop {
			t.Errorf("rule %d: %#v, want drop", i, r.Stmts)
		}
	}
}

// TestChainNumbersLikeMap checks chainNumbers against the map of each
// chain's name to its index it stands for: tables of 0 to 3,000 chains,
// some names repeated (the last chain of a name wins, as a map's store),
// looked up by every name, by copies of them and by names of no chain.
func TestChainNumbersLikeMap(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 8, 9, 100, 3000} {
		chains := make([]*ir.Chain, n)
		want := map[string]int{}
		for i := range chains {
			name := fmt.Sprintf("KUBE-SEP-%09d", i)
			if i%7 == 3 {
				name = chains[i/2].Name // a name again
			}
			chains[i] = &ir.Chain{Name: name}
			want[name] = i
		}
		x := newChainNumbers(chains)
		for i := range n + 50 {
			for _, name := range []string{fmt.Sprintf("KUBE-SEP-%09d", i), fmt.Sprintf("KUBE-SEP-%09d", i) + "x", ""} {
				w, wok := want[name]
				g, gok := x.get(strings.Clone(name))
				if g != w || gok != wok {
					t.Fatalf("%d chains, %q: get %d %v, the map %d %v", n, name, g, gok, w, wok)
				}
			}
		}
	}
}
