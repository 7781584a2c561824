package translate

import (
	"math/rand/v2"
	"testing"
)

// TestDisjointRandom checks the single-selector numeric store against a
// plain list: values in random order (most out of order, as in a shuffled
// blocklist, some in order), points and ranges, each added only if it
// overlaps no value added before.
func TestDisjointRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for round := range 200 {
		var d disjoint
		var model []interval
		n := 1 + r.IntN(300)
		for i := range n {
			lo := uint64(r.IntN(2000))
			if round%3 == 0 {
				lo = uint64(i * 3) // in order
			}
			hi := lo
			if r.IntN(4) == 0 {
				hi += uint64(r.IntN(20))
			}
			x := interval{lo: u64Key('n', lo), hi: u64Key('n', hi)}
			want := true
			for _, m := range model {
				if overlap(m, x) {
					want = false
					break
				}
			}
			if got := d.overlaps1(x); got == want {
				t.Fatalf("round %d: overlaps1(%d-%d) = %v, want %v", round, lo, hi, got, !want)
			}
			if got := d.add1(x); got != want {
				t.Fatalf("round %d: add1(%d-%d) = %v, want %v", round, lo, hi, got, want)
			}
			if want {
				model = append(model, x)
			}
		}
		if round%50 == 0 {
			d.reset()
			if d.overlaps1(interval{lo: u64Key('n', 0), hi: u64Key('n', 1<<20)}) {
				t.Fatal("a reset store still holds values")
			}
		}
	}
}
