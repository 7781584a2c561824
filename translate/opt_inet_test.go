package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

func TestMergeInet(t *testing.T) {
	v4 := "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp --dport 80 -j ACCEPT\n-A INPUT -p tcp --dport 25 -j ACCEPT\nCOMMIT\n*nat\n-A POSTROUTING -o eth0 -j ACCEPT\nCOMMIT\n"
	v6 := "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -s fd00::/8 -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp --dport 80 -j ACCEPT\nCOMMIT\n"
	tr := New(Options{})
	tr.AddFile(iptparse.ParseFile("v4", v4, Registry{}, iptparse.FamilyIPv4))
	tr.AddFile(iptparse.ParseFile("v6", v6, Registry{}, iptparse.FamilyIPv6))
	rs := tr.Ruleset()
	rep := &OptReport{}
	if !MergeInet(rs, rep) {
		t.Fatal("not merged")
	}
	Optimize(rs, AllOpt())
	want := strings.Join([]string{
		`nat_postrouting: meta nfproto ipv4 oifname "eth0" accept`,
		`input: iifname "lo" accept`,
		`input: ip saddr 10.0.0.0/8 tcp dport 22 accept`,
		`input: ip6 saddr fd00::/8 tcp dport 22 accept`,
		`input: tcp dport 80 accept`,
		`input: meta nfproto ipv4 tcp dport 25 accept`,
		`forward: meta nfproto ipv4 drop comment "policy drop for ipv4"`,
	}, "\n")
	if got := rulesOf(rs); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if len(rs.Tables) != 1 || rs.Tables[0].Family.String() != "inet" {
		t.Fatalf("tables: %+v", rs.Tables)
	}
	if rs.Tables[0].Chain("input").Hook.Policy != "drop" || rs.Tables[0].Chain("forward").Hook.Policy != "accept" {
		t.Errorf("policies wrong")
	}
	// iifname lo and tcp dport 80 came from both files.
	inet := 0
	for _, m := range rep.Merges {
		if m.Pass == "inet" && len(m.From) == 2 {
			inet++
		}
	}
	if inet != 2 {
		t.Errorf("%d rules shared, want 2", inet)
	}
	if ok, _ := testutil.CanUseNetns(); ok {
		if err := testutil.NewNetns(t).NftCheck(rulesetText(rs)); err != nil {
			t.Error(err)
		}
	}
}

// A long IPv4 and IPv6 chain pair, too big for the exact table: the
// greedy alignment must keep each family's order, place every rule once
// and still share the identical rules.
func TestAlignRulesLarge(t *testing.T) {
	rule := func(proto, field string, v uint64) *ir.Rule {
		return &ir.Rule{Stmts: []ir.Stmt{ir.Eq(&ir.Payload{Proto: proto, Field: field}, ir.Int(v)), &ir.Verdict{Kind: ir.VerdictAccept}}}
	}
	const n = 3000 // n*n cells is over maxLCSCells
	var a, b []*ir.Rule
	shared := 0
	for k := range n {
		switch {
		case k%3 == 0:
			a, b = append(a, rule("tcp", "dport", uint64(k))), append(b, rule("tcp", "dport", uint64(k)))
			shared++
		default:
			a, b = append(a, rule("ip", "dscp", uint64(k))), append(b, rule("ip6", "dscp", uint64(k)))
		}
	}
	if n*n <= maxLCSCells {
		t.Fatal("the test must exceed maxLCSCells")
	}
	pairs := alignRules(a, b)
	nextA, nextB, both := 0, 0, 0
	for _, p := range pairs {
		if p[0] >= 0 {
			if p[0] != nextA {
				t.Fatalf("IPv4 rule %d placed where %d was due", p[0], nextA)
			}
			nextA++
		}
		if p[1] >= 0 {
			if p[1] != nextB {
				t.Fatalf("IPv6 rule %d placed where %d was due", p[1], nextB)
			}
			nextB++
		}
		if p[0] >= 0 && p[1] >= 0 {
			if !sameForBoth(a[p[0]], b[p[1]]) {
				t.Fatalf("rules %d and %d paired but differ", p[0], p[1])
			}
			both++
		}
	}
	if nextA != len(a) || nextB != len(b) {
		t.Fatalf("placed %d of %d IPv4 and %d of %d IPv6 rules", nextA, len(a), nextB, len(b))
	}
	if both != shared {
		t.Errorf("shared %d rules, want %d", both, shared)
	}
}
