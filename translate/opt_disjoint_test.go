package translate

import (
	"math/rand/v2"
	"slices"
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
			want := !slices.ContainsFunc(model, func(m interval) bool { return overlap(m, x) })
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

// TestDisjointTuplesRandom checks the store of several selectors' values
// against a plain list: tuples of addresses (networks inside networks),
// ports (points and ranges) and interface names (exact and prefixes),
// with now and then a symbol where the others have numbers, more than
// indexFrom of them so that the index is used.
func TestDisjointTuplesRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	addr := func() interval {
		bits := []uint64{32, 24, 16, 8}[r.IntN(4)]
		base := uint64(0x0a000000) | uint64(r.IntN(4))<<16 | uint64(r.IntN(4))<<8 | uint64(r.IntN(4))
		size := uint64(1) << (32 - bits)
		lo := base &^ (size - 1)
		return interval{lo: u64Key('4', lo), hi: u64Key('4', lo+size-1)}
	}
	port := func() interval {
		if r.IntN(12) == 0 {
			return exactInterval("sym:domain") // not a number: scanned, not indexed
		}
		lo := uint64(20 + r.IntN(60))
		hi := lo
		if r.IntN(5) == 0 {
			hi += uint64(r.IntN(10))
		}
		return interval{lo: u64Key('n', lo), hi: u64Key('n', hi)}
	}
	iface := func() interval {
		if r.IntN(4) == 0 {
			return globInterval([]string{"eth", "wg"}[r.IntN(2)])
		}
		return exactInterval([]string{"eth0", "eth1", "wg0", "lo"}[r.IntN(4)])
	}
	shapes := [][]func() interval{{addr, port}, {port, addr}, {iface, addr}, {iface, port, addr}, {iface, iface}}
	for round := range 300 {
		shape := shapes[round%len(shapes)]
		var d disjoint
		var model [][]interval
		for range 20 + r.IntN(200) {
			tu := make([]interval, len(shape))
			for i, f := range shape {
				tu[i] = f()
			}
			model = checkDisjointAdd(t, round, &d, model, tu)
		}
		if len(model) > indexFrom && round%len(shapes) < 2 && d.index == nil {
			t.Fatalf("round %d: %d tuples with a numeric component, no index", round, len(model))
		}
	}
}

// TestDisjointTuplesInOrder checks the index against a plain list with
// tuples whose indexed component mostly comes in order (a services
// list: network after network, some with several ports), now and then
// the same value again or one from before, so that the index's sorted
// list's chunks are appended to, put into and split.
func TestDisjointTuplesInOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	most := 0 // chunks of an index
	for round := range 200 {
		var d disjoint
		var model [][]interval
		next := uint64(0x0a000000)
		var prev []uint64
		for range 20 + r.IntN(400) {
			var lo uint64
			switch k := r.IntN(10); {
			case k == 0 && len(prev) > 0:
				lo = prev[r.IntN(len(prev))] // out of order
			case k < 3 && len(prev) > 0:
				lo = prev[len(prev)-1] // the last value again
			default:
				next += uint64(r.IntN(3)) << 8
				lo = next
			}
			prev = append(prev, lo)
			size := uint64(1) << []uint{0, 8, 9}[r.IntN(3)]
			lo &^= size - 1
			p := uint64(20 + r.IntN(8))
			tu := []interval{{lo: u64Key('4', lo), hi: u64Key('4', lo+size-1)}, {lo: u64Key('n', p), hi: u64Key('n', p+uint64(r.IntN(2)))}}
			model = checkDisjointAdd(t, round, &d, model, tu)
		}
		if d.index == nil {
			if len(model) > indexFrom {
				t.Fatalf("round %d: %d tuples, no index", round, len(model))
			}
			continue
		}
		var all []*tupleBucket
		for _, c := range d.index.chunks {
			if len(c) == 0 || len(c) > bucketChunk {
				t.Fatalf("round %d: a chunk of %d buckets", round, len(c))
			}
			all = append(all, c...)
		}
		if !slices.IsSortedFunc(all, func(a, b *tupleBucket) int { return cmpBucketValue(a.iv, b.iv) }) {
			t.Fatalf("round %d: buckets out of order", round)
		}
		most = max(most, len(d.index.chunks))
	}
	if most < 4 {
		t.Fatalf("at most %d chunks; the test wants more", most)
	}
}

// TestCanAddAllOne compares canAddAllOne with a plain check, for lists
// short enough to be compared pairwise and long enough to get a store of
// their own.
// cmpBucketValue orders buckets as bucketLess does.
func cmpBucketValue(a, b *interval) int {
	if k := cmpKey(a.lo, b.lo); k != 0 {
		return k
	}
	return cmpKey(a.hi, b.hi)
}

func TestCanAddAllOne(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	val := func() interval {
		if r.IntN(3) == 0 {
			return exactInterval([]string{"eth0", "eth1", "veth1", "veth2", "wg0"}[r.IntN(5)])
		}
		lo := uint64(r.IntN(5000))
		return interval{lo: u64Key('n', lo), hi: u64Key('n', lo+uint64(r.IntN(3)))}
	}
	for round := range 500 {
		var d disjoint
		var stored []interval
		for range r.IntN(50) {
			if v := val(); d.add1(v) {
				stored = append(stored, v)
			}
		}
		vs := make([]interval, 1+r.IntN(40))
		for i := range vs {
			vs[i] = val()
		}
		want := true
		for i, v := range vs {
			for _, u := range append(slices.Clone(stored), vs[:i]...) {
				if overlap(u, v) {
					want = false
				}
			}
		}
		if got := d.canAddAllOne(vs); got != want {
			t.Fatalf("round %d: canAddAllOne(%d values) = %v, want %v", round, len(vs), got, want)
		}
	}
}

// TestValuesOverlap: looking a long list up in its store gives what
// comparing value by value gives, also for lists whose values overlap
// each other (which get no store).
func TestValuesOverlap(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	val := func() interval {
		switch r.IntN(4) {
		case 0:
			return exactInterval([]string{"eth0", "eth1", "veth1", "wg0"}[r.IntN(4)])
		case 1:
			return globInterval([]string{"eth", "veth"}[r.IntN(2)])
		}
		lo := uint64(r.IntN(400))
		return interval{lo: u64Key('n', lo), hi: u64Key('n', lo+uint64(r.IntN(4)))}
	}
	// list makes values that do not overlap each other (as most rules'
	// are), and now and then adds one that does.
	list := func() []interval {
		var own disjoint
		var out []interval
		for range 1 + r.IntN(6*longValues) {
			if v := val(); own.add1(v) {
				out = append(out, v)
			}
		}
		if r.IntN(5) == 0 {
			out = append(out, out[r.IntN(len(out))])
		}
		return out
	}
	stored := 0
	for round := range 2000 {
		fa := &ruleFacts{plain: [][]interval{list()}}
		fb := &ruleFacts{plain: [][]interval{list()}}
		for range 2 { // the second time from the stores made the first
			if got, want := valuesOverlap(fa, 0, fb, 0), anyOverlap(fa.plain[0], fb.plain[0]); got != want {
				t.Fatalf("round %d: valuesOverlap = %v, anyOverlap %v (%d and %d values)", round, got, want, len(fa.plain[0]), len(fb.plain[0]))
			}
		}
		for _, f := range []*ruleFacts{fa, fb} {
			if f.stores != nil && f.stores[0] != nil && f.stores[0] != noStore {
				stored++
			}
		}
	}
	if stored < 100 {
		t.Fatalf("only %d lists were looked up in a store", stored)
	}
}

// TestDisjointLongInOrder checks the numeric store past spanChunk values
// in order (the chunks of spanList), with gaps between them probed by
// values that fit and values that overlap, and reuse after a reset.
func TestDisjointLongInOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	var d disjoint
	for round := range 3 {
		n := 3*spanChunk + r.IntN(spanChunk)
		for i := range n {
			lo := uint64(10 * i)
			hi := lo + uint64(r.IntN(3))
			if !d.add1(interval{lo: u64Key('n', lo), hi: u64Key('n', hi)}) {
				t.Fatalf("round %d: value %d: in order, disjoint, refused", round, i)
			}
		}
		for range 2000 {
			i := 1 + r.IntN(n-1)
			in := uint64(10*i + r.IntN(3))      // may fall in value i
			gap := uint64(10*i + 5 + r.IntN(4)) // between i and i+1
			if d.overlaps1(interval{lo: u64Key('n', gap), hi: u64Key('n', gap)}) {
				t.Fatalf("round %d: %d overlaps nothing stored", round, gap)
			}
			if !d.overlaps1(interval{lo: u64Key('n', uint64(10*i-1)), hi: u64Key('n', in)}) {
				t.Fatalf("round %d: %d-%d overlaps value %d", round, 10*i-1, in, i)
			}
		}
		if d.overlaps1(interval{lo: u64Key('n', uint64(10*n)), hi: u64Key('n', 1<<40)}) {
			t.Fatalf("round %d: past the end overlaps", round)
		}
		d.reset()
	}
}

// TestSpanListLastFrom checks lastFrom against a look at every span, in
// lists of one chunk and of several, for values before, inside, between
// and after the spans, the last one's start among them.
func TestSpanListLastFrom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 17))
	for _, n := range []int{0, 1, 2, 7, 100, spanChunk + 300} {
		var l spanList
		var spans []span
		lo := uint64(10)
		for range n {
			lo += 1 + uint64(r.IntN(4))
			s := span{u64Key('n', lo), u64Key('n', lo+uint64(r.IntN(2)))}
			lo = s.hi.lo
			l.push(s)
			spans = append(spans, s)
		}
		for v := uint64(0); v <= lo+3; v++ {
			k := u64Key('n', v)
			want, wantOK := span{}, false
			for _, s := range spans {
				if cmpKey(s.lo, k) <= 0 {
					want, wantOK = s, true
				}
			}
			if got, ok := l.lastFrom(k); got != want || ok != wantOK {
				t.Fatalf("%d spans, %d: got %v %v, want %v %v", n, v, got, ok, want, wantOK)
			}
		}
	}
}

// checkDisjointAdd adds tu to d and to model, the tuples d holds, and
// fails if d's overlaps or add disagree with a look at every tuple of
// model; it returns the model, with tu if it was added.
func checkDisjointAdd(t *testing.T, round int, d *disjoint, model [][]interval, tu []interval) [][]interval {
	t.Helper()
	want := !slices.ContainsFunc(model, func(m []interval) bool { return tupleOverlap(m, tu) })
	if got := d.overlaps(tu); got == want {
		t.Fatalf("round %d: overlaps(%v) = %v, want %v", round, tu, got, !want)
	}
	if got := d.add(tu); got != want {
		t.Fatalf("round %d: add(%v) = %v, want %v", round, tu, got, want)
	}
	if want {
		model = append(model, tu)
	}
	return model
}
