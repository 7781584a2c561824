package translate

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestChainIndexLikeMap puts, finds and removes names at random in a
// chainIndex and in a map, and checks that they hold the same: growing
// from the smallest table, and removals (whose backward shift must keep
// every entry findable from its home slot, also across the table's end:
// the few names of small tables wrap around it often).
func TestChainIndexLikeMap(t *testing.T) {
	for _, c := range []struct {
		byNft bool
		names int
	}{{false, 600}, {true, 600}, {false, 12}, {true, 30}} {
		byNft := c.byNft
		var all []*chainEntry
		x := newChainIndex(&all, 0, byNft)
		want := map[string]*chainEntry{}
		rng := rand.New(rand.NewPCG(1, uint64(c.names)))
		for step := range 20000 {
			name := fmt.Sprintf("KUBE-SEP-%d", rng.IntN(c.names))
			if rng.IntN(3) == 0 {
				x.remove(name)
				delete(want, name)
			} else if i, h, e := x.find(name); e == nil {
				e = &chainEntry{at: int32(len(all))}
				if byNft {
					e.name = name
				} else {
					e.key.chain = name
				}
				all = append(all, e)
				x.put(i, h, int(e.at))
				want[name] = e
			}
			if step%50 == 0 || step == 19999 {
				for i := range c.names {
					name := fmt.Sprintf("KUBE-SEP-%d", i)
					if got := x.get(name); got != want[name] {
						t.Fatalf("byNft %v, step %d: get(%q) = %p, want %p", byNft, step, name, got, want[name])
					}
				}
				if x.n != len(want) {
					t.Fatalf("byNft %v, step %d: %d entries, want %d", byNft, step, x.n, len(want))
				}
			}
		}
	}
}
