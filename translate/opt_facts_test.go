package translate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// factsDump writes a filter table whose chains give the sets pass long
// groups, groups that stop, rules looked past, products and duplicates.
func factsDump(r *rand.Rand, counters bool) string {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n")
	for _, c := range []string{"BLOCK", "ACCT", "SVC"} {
		fmt.Fprintf(&b, ":%s - [0:0]\n", c)
	}
	n := 0
	rule := func(format string, args ...any) {
		n++
		if counters && r.IntN(4) != 0 {
			fmt.Fprintf(&b, "[%d:%d] ", n, 10*n)
		}
		fmt.Fprintf(&b, format+"\n", args...)
	}
	for range 20 + r.IntN(60) {
		switch k := r.IntN(20); {
		case k == 0:
			rule("-A BLOCK -p udp -j ACCEPT")
		case k == 1:
			rule("-A BLOCK -s 10.0.%d.0/24 -j ACCEPT", r.IntN(4))
		default:
			rule("-A BLOCK -s 10.%d.%d.%d/32 -j DROP", r.IntN(3), r.IntN(4), r.IntN(256))
		}
	}
	for h := range 10 + r.IntN(40) {
		rule("-A ACCT -s 192.168.0.%d/32", h)
		rule("-A ACCT -d 192.168.0.%d/32", h)
		if r.IntN(10) == 0 {
			rule("-A ACCT -s 192.168.0.%d/32 -j DROP", h)
		}
	}
	ports := []string{"22", "80", "443", "53", "8080"}
	for range 5 + r.IntN(20) {
		src := fmt.Sprintf("172.16.%d.0/24", r.IntN(8))
		if r.IntN(2) == 0 {
			rule("-A SVC -s %s -p tcp -m multiport --dports %s,%s -j ACCEPT", src, ports[r.IntN(5)], ports[r.IntN(5)])
		} else {
			rule("-A SVC -s %s -p tcp -m tcp --dport %s -j ACCEPT", src, ports[r.IntN(5)])
		}
	}
	for range 5 + r.IntN(10) {
		p := 1000 + r.IntN(50)
		rule("-A FORWARD -p tcp -m tcp --dport %d -j LOG --log-prefix \"x%d \"", p, p)
		rule("-A FORWARD -p tcp -m tcp --dport %d -j DROP", p)
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// TestFactsWindowBlocks checks that the sets pass gives the same ruleset
// and report whatever the size of factsWindow's blocks (down to a rule
// each, where every rule done frees and reuses a block), and that at the
// end of each round every block was let go: each rule done exactly once.
func TestFactsWindowBlocks(t *testing.T) {
	defaultShift := factsBlockShift
	defer func() { factsBlockShift, factsRoundEnd = defaultShift, nil }()
	factsRoundEnd = func(w *factsWindow) {
		for b, p := range w.pending {
			if p != 0 || w.blocks[b] != nil {
				t.Fatalf("block %d of %d rules: %d rules not done, held %v", b, len(w.rules), p, w.blocks[b] != nil)
			}
		}
	}
	run := func(dump string, o OptOptions) string {
		tr := New(Options{})
		tr.AddText("facts.rules", dump, iptparse.FamilyIPv4)
		rs := tr.Ruleset()
		rep := Optimize(rs, o)
		var b strings.Builder
		b.WriteString(rulesetText(rs))
		for _, m := range rep.Merges {
			fmt.Fprintf(&b, "%s %v %s\n", m.Pass, m.From, m.Reason)
		}
		return b.String()
	}
	json := AllOpt()
	json.NoElementCounters = true
	for seed := range uint64(20) {
		dump := factsDump(rand.New(rand.NewPCG(seed, 0xfac7)), seed%2 == 0)
		for _, o := range []OptOptions{AllOpt(), json} {
			factsBlockShift = defaultShift
			want := run(dump, o)
			if !strings.Contains(want, "rules differing only in") {
				t.Fatalf("seed %d: nothing merged:\n%s", seed, want)
			}
			for _, shift := range []uint{0, 1, 3} {
				factsBlockShift = shift
				if got := run(dump, o); got != want {
					t.Fatalf("seed %d, blocks of %d rules, element counters %v: got\n%s\nwant\n%s", seed, 1<<shift, !o.NoElementCounters, got, want)
				}
			}
		}
	}
}

// TestMarkRepeats checks markRepeats against a look at every pair, for
// rounds short and long (its table), with few signatures or many, one
// memory for all of them as the rounds share it.
func TestMarkRepeats(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 0x5e75))
	for range 400 {
		n := 1 + r.IntN(80)
		if r.IntN(8) == 0 {
			n = 1 + r.IntN(5000)
		}
		kinds := 1 + r.IntN(2*n)
		m := getRoundMem(n)
		sigs := m.sigs[:n]
		for i := range sigs {
			// Signatures of the same low bits, and 0, included.
			sigs[i] = uint64(r.IntN(kinds)) << (r.IntN(2) * 40)
		}
		// The table's memory, the join keys', holds the last round's.
		for i := range m.sigs[n:cap(m.sigs)] {
			m.sigs[:cap(m.sigs)][n+i] = r.Uint64()
		}
		repeats := m.markRepeats(n)
		for i, s := range sigs {
			var want uint8
			for j, o := range sigs {
				switch {
				case j < i && o == s:
					want |= repeatEarlier
				case j > i && o == s:
					want |= repeatLater
				}
			}
			if repeats[i] != want {
				t.Fatalf("%d rules, rule %d (%#x): marked %b, want %b", n, i, s, repeats[i], want)
			}
		}
		putRoundMem(m)
	}
}

// TestMarkJoinable checks markJoinable against a look at every pair:
// a rule keeps its repeatLater mark only if a rule after it has its
// signature and a join key, not 0, the same as its.
func TestMarkJoinable(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 0x70e5))
	for range 400 {
		n := 1 + r.IntN(80)
		if r.IntN(8) == 0 {
			n = 1 + r.IntN(5000)
		}
		sigKinds, keyKinds := 1+r.IntN(n), 1+r.IntN(n)
		m := getRoundMem(n)
		sigs, keys := m.sigs[:n], m.sigs[n:2*n]
		for i := range sigs {
			// Values of the same low bits, and 0, included.
			sigs[i] = uint64(r.IntN(sigKinds)) << (r.IntN(2) * 40)
		}
		repeats := m.markRepeats(n)
		for i := range keys {
			keys[i] = 0
			if repeats[i] != 0 {
				keys[i] = uint64(r.IntN(keyKinds)) << (r.IntN(2) * 40)
			}
		}
		m.markJoinable(n)
		for i := range sigs {
			want := repeats[i] & repeatEarlier
			for j := i + 1; j < n; j++ {
				if sigs[j] == sigs[i] && keys[i] != 0 && keys[j] == keys[i] {
					want |= repeatLater
				}
			}
			if repeats[i] != want {
				t.Fatalf("%d rules, rule %d (%#x, key %#x): marked %b, want %b", n, i, sigs[i], keys[i], repeats[i], want)
			}
		}
		putRoundMem(m)
	}
}
