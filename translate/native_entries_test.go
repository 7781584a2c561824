package translate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// TestChainEntriesApart checks that chains of the same name in other
// tables or families stay apart: the layout finds a chain's entry by its
// key, and remembers the last family and the last jump's entry (famOf,
// userChainName), which must not answer for another key.
func TestChainEntriesApart(t *testing.T) {
	tr := New(Options{})
	tr.AddText("v4.rules", `*nat
:X - [0:0]
-A PREROUTING -j X
-A POSTROUTING -j Y
-A POSTROUTING -j X
COMMIT
*filter
:X - [0:0]
-A INPUT -j X
-A FORWARD -j Y
-A X -j ACCEPT
COMMIT
`, iptparse.FamilyIPv4)
	// -D notes no jump: the last jump's entry is filter's Y, not nat's.
	tr.AddText("v4-delete.rules", `*nat
-D POSTROUTING -j Y
COMMIT
`, iptparse.FamilyIPv4)
	tr.AddText("v6.rules", `*nat
:X - [0:0]
-A PREROUTING -j X
COMMIT
*filter
-A OUTPUT -j X
COMMIT
`, iptparse.FamilyIPv6)
	rs := tr.Ruleset()
	var got []string
	for _, tb := range rs.Tables {
		var chains []string
		for _, c := range tb.Chains {
			chains = append(chains, c.Name)
			for _, r := range c.Rules {
				for _, s := range r.Stmts {
					if v, ok := s.(*ir.Verdict); ok && v.Chain != "" {
						got = append(got, fmt.Sprintf("%s %s->%s", tb.Family, c.Name, v.Chain))
					}
				}
			}
		}
		got = append(got, fmt.Sprintf("%s chains %s", tb.Family, strings.Join(chains, " ")))
	}
	want := []string{
		"ip nat_prerouting->nat_X",
		"ip nat_postrouting->nat_X",
		"ip input->X",
		"ip forward->Y",
		"ip chains nat_prerouting nat_postrouting nat_X nat_Y input forward X Y",
		"ip6 nat_prerouting->nat_X",
		"ip6 output->X",
		"ip6 chains nat_prerouting nat_X output X",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestFirstRuleListsApart checks that chains whose first rules share a
// block (appendRules takes their lists from ruleLists) keep their own
// rules as they grow past that room, in any order of appends and inserts.
func TestFirstRuleListsApart(t *testing.T) {
	var b strings.Builder
	b.WriteString("*nat\n:A - [0:0]\n:B - [0:0]\n:C - [0:0]\n")
	for i := range 5 {
		for _, ch := range []string{"A", "B", "C"} {
			if ch == "C" && i > 0 {
				continue // C keeps one rule, B's neighbour in the block
			}
			fmt.Fprintf(&b, "-A %s -m comment --comment %s%d -j ACCEPT\n", ch, ch, i)
		}
	}
	b.WriteString("-I A 2 -m comment --comment Ai -j ACCEPT\n-I B 1 -m comment --comment Bi -j ACCEPT\nCOMMIT\n")
	tr := New(Options{})
	tr.AddText("x.rules", b.String(), iptparse.FamilyIPv4)
	got := map[string]string{}
	for _, tb := range tr.Ruleset().Tables {
		for _, c := range tb.Chains {
			var comments []string
			for _, r := range c.Rules {
				comments = append(comments, r.Comment)
			}
			got[c.Name] = strings.Join(comments, " ")
		}
	}
	want := map[string]string{
		"nat_A": "A0 Ai A1 A2 A3 A4",
		"nat_B": "Bi B0 B1 B2 B3 B4",
		"nat_C": "C0",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("chain %s: rules %q, want %q", name, got[name], w)
		}
	}
}

// TestJumpNextDeclaredOtherTable checks the guess noteJumps makes (the
// chain declared after the last one jumped to) against the whole key:
// the chain declared next in nat has the name of the filter chain jumped
// to, which is never declared: it must be noted as jumped to, to be
// declared empty.
func TestJumpNextDeclaredOtherTable(t *testing.T) {
	tr := New(Options{})
	tr.AddText("x.rules", `*nat
:A - [0:0]
:B - [0:0]
-A PREROUTING -j A
COMMIT
*filter
-A INPUT -j B
COMMIT
`, iptparse.FamilyIPv4)
	var got []string
	for _, tb := range tr.Ruleset().Tables {
		for _, c := range tb.Chains {
			got = append(got, c.Name)
		}
	}
	if want := "nat_prerouting nat_A nat_B input B"; strings.Join(got, " ") != want {
		t.Errorf("chains %q, want %q", strings.Join(got, " "), want)
	}
}
