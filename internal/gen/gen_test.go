package gen

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

var ruleLine = regexp.MustCompile(`(?m)^(\[\d+:\d+\] )?-A `)

func TestSizesAndDeterminism(t *testing.T) {
	for _, shape := range []Shape{Mixed, Blocklist, Dispatch, Scattered} {
		for _, n := range []int{100, 1000, 20000} {
			var a, b bytes.Buffer
			if err := Write(&a, Options{Rules: n, Shape: shape, Seed: 7}); err != nil {
				t.Fatal(err)
			}
			Write(&b, Options{Rules: n, Shape: shape, Seed: 7})
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("%s/%d: not deterministic", shape, n)
			}
			got := len(ruleLine.FindAll(a.Bytes(), -1))
			if got < n*9/10 || got > n*11/10+10 {
				t.Errorf("%s/%d: %d rules", shape, n, got)
			}
		}
	}
}

// TestSeed checks the seed changes the dump.
func TestSeed(t *testing.T) {
	var a, b bytes.Buffer
	Write(&a, Options{Rules: 1000, Shape: Scattered, Seed: 7})
	Write(&b, Options{Rules: 1000, Shape: Scattered, Seed: 8})
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the seed changes nothing")
	}
}

// TestIptablesAccepts loads every shape, with counters, into
// iptables-legacy in a throwaway namespace.
func TestIptablesAccepts(t *testing.T) {
	ns := testutil.NewNetns(t)
	for _, shape := range []Shape{Mixed, Blocklist, Dispatch, Scattered} {
		var a bytes.Buffer
		if err := Write(&a, Options{Rules: 1000, Shape: shape, Seed: 3, Counters: true}); err != nil {
			t.Fatal(err)
		}
		if out, err := ns.Exec(a.String(), "iptables-legacy-restore", "-c"); err != nil {
			t.Errorf("%s: iptables-legacy-restore: %v\n%s", shape, err, out)
		}
	}
}

func TestProbes(t *testing.T) {
	for _, shape := range []Shape{Mixed, Blocklist, Dispatch} {
		o := Options{Rules: 1000, Shape: shape, Seed: 3}
		a, b := Probes(o, 50), Probes(o, 50)
		if len(a) != 50 {
			t.Fatalf("%s: %d probes", shape, len(a))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: probes not deterministic", shape)
			}
			if a[i].Hook == "" || a[i].Src == "" || a[i].Dst == "" {
				t.Errorf("%s: probe %d incomplete: %+v", shape, i, a[i])
			}
		}
	}
}

// TestShuffle: a shuffled blocklist has the same distinct addresses as
// the sorted one, not in order.
func TestShuffle(t *testing.T) {
	lists := map[bool][]string{}
	for _, shuffle := range []bool{false, true} {
		var b strings.Builder
		if err := Write(&b, Options{Rules: 5000, Shape: Blocklist, Seed: 1, Shuffle: shuffle}); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.HasPrefix(l, "-A FORWARD -s ") {
				lists[shuffle] = append(lists[shuffle], strings.Fields(l)[3])
			}
		}
	}
	sorted, shuffled := lists[false], lists[true]
	if len(sorted) != 5000 || len(shuffled) != 5000 {
		t.Fatalf("%d and %d rules, want 5000", len(sorted), len(shuffled))
	}
	if slices.Equal(sorted, shuffled) {
		t.Fatal("the shuffled list is in the sorted order")
	}
	seen := map[string]bool{}
	for _, a := range shuffled {
		if seen[a] {
			t.Fatalf("address %s twice", a)
		}
		seen[a] = true
	}
}
