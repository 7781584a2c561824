package translate

import (
	"math/rand/v2"
	"testing"
)

// TestKeyLE checks keyLE against cmpKey, on keys that differ in one
// field or more, with values at the edges.
func TestKeyLE(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tags := []byte{0, 'n', '4', '6', 'e'}
	vals := []uint64{0, 1, 2, 1 << 63, ^uint64(0) - 1, ^uint64(0)}
	key := func() ikey {
		return ikey{tag: tags[r.IntN(len(tags))], hi: vals[r.IntN(len(vals))], lo: vals[r.IntN(len(vals))]}
	}
	for range 100000 {
		a, b := key(), key()
		if r.IntN(4) == 0 {
			b = a
		}
		if got, want := keyLE(a, b), cmpKey(a, b) <= 0; got != want {
			t.Fatalf("keyLE(%v, %v) = %v, cmpKey %d", a, b, got, cmpKey(a, b))
		}
	}
}
