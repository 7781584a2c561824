package translate

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sort"
	"strconv"

	"github.com/google/btree"
)

// disjoint collects values (tuples of intervals, one per selector) and
// tells whether a new one can match a packet an earlier one matches. It is
// what keeps merging linear on blocklists of thousands of addresses.
type disjoint struct {
	// one selector: numeric values are in numeric, sorted, while they
	// come in order (as in most generated lists), the others in outOfOrder;
	// both sorted by lo, all pairwise disjoint. A sorted slice alone
	// made inserting into a shuffled blocklist quadratic (100,000
	// addresses: 7.5 s instead of 0.25 s).
	numeric    spanList
	outOfOrder *btree.BTreeG[span]
	names      map[string]bool // exact interface names and symbols
	globs      []string        // texts of name prefixes ("eth*"): globMark "eth"
	// several selectors: tuples with a numeric value in the index's
	// component go into index (made once a group has indexFrom tuples,
	// which then move into it); the others (no numeric component, or a
	// value of another kind there) into points and others, which every
	// query scans.
	index  *tupleIndex
	points map[string][]interval // tuples made of single values only, by their appendTupleKey
	others [][]interval          // tuples with a range, prefix or glob
	// keys is the memory of the next tuples singleKey makes.
	keys []interval
	// keyBuf is the memory of the points' keys looked up.
	keyBuf []byte
}

// singleKey returns the tuple of f's values at diff, several selectors
// with one value each (ruleKeys's one tuple, nearly every rule's), in
// memory made for many; nil for rules with more values.
func (d *disjoint) singleKey(f *ruleFacts, diff []int) []interval {
	for _, k := range diff {
		if len(f.plain[k]) != 1 {
			return nil
		}
	}
	if len(d.keys) < len(diff) {
		d.keys = make([]interval, max(len(diff), 256))
	}
	t := d.keys[:len(diff):len(diff)]
	d.keys = d.keys[len(diff):]
	for i, k := range diff {
		t[i] = f.plain[k][0]
	}
	return t
}

func newDisjoint() *disjoint { return &disjoint{} }

// reset empties d, keeping its memory for the next group; a big map or
// list is let go instead (clearing a map costs its size, a list kept
// would be held through the next groups, and most groups are small).
func (d *disjoint) reset() {
	d.numeric.reset()
	d.globs, d.others = d.globs[:0], d.others[:0]
	d.outOfOrder = nil // rarely used: let it go
	d.index = nil
	switch n := len(d.names); {
	case n > 64:
		d.names = nil
	case n > 0:
		clear(d.names)
	}
	switch n := len(d.points); {
	case n > 64:
		d.points = nil
	case n > 0:
		clear(d.points)
	}
}

// canAddAllOne is canAddAll for values of one selector, each a tuple of
// its own. The values are compared with each other pairwise when they
// are few, else through a store of their own (a rule's set of 25,000
// interface names took 300 million comparisons).
func (d *disjoint) canAddAllOne(vs []interval) bool {
	for _, v := range vs {
		if d.overlaps1(v) {
			return false
		}
	}
	if len(vs) > 16 {
		var own disjoint
		for _, v := range vs {
			if !own.add1(v) {
				return false
			}
		}
		return true
	}
	for i, v := range vs {
		for _, u := range vs[:i] {
			if overlap(v, u) {
				return false
			}
		}
	}
	return true
}

// canAddAll reports whether every tuple could be added: none overlaps a
// stored value or another of them.
func (d *disjoint) canAddAll(ts [][]interval) bool {
	for i, t := range ts {
		if d.overlaps(t) {
			return false
		}
		for _, u := range ts[:i] {
			if tupleOverlap(t, u) {
				return false
			}
		}
	}
	return true
}

// overlaps reports whether t overlaps a stored value, without adding it.
func (d *disjoint) overlaps(t []interval) bool {
	if len(t) == 1 {
		return d.overlaps1(t[0])
	}
	return d.index.overlaps(t) || d.overlapsUnindexed(t)
}

// overlapsUnindexed is overlaps for the tuples kept outside the index.
func (d *disjoint) overlapsUnindexed(t []interval) bool {
	if isPoint(t) {
		if len(d.points) > 0 {
			// The key in memory of d's: a look-up allocates nothing.
			d.keyBuf = appendTupleKey(d.keyBuf[:0], t)
			if _, dup := d.points[string(d.keyBuf)]; dup {
				return true
			}
		}
	} else {
		for _, p := range d.points {
			if tupleOverlap(p, t) {
				return true
			}
		}
	}
	for _, o := range d.others {
		if tupleOverlap(o, t) {
			return true
		}
	}
	return false
}

// overlaps1 reports whether a value of a single selector overlaps a
// stored value, without adding it.
func (d *disjoint) overlaps1(x interval) bool {
	if x.numeric() {
		return d.overlapsNumeric(x)
	}
	glob := x.prefix() != ""
	if !glob && d.names[x.text] {
		return true
	}
	if glob || len(d.globs) > 0 {
		for n := range d.names {
			if overlap(exactInterval(n), x) {
				return true
			}
		}
		for _, g := range d.globs {
			if overlap(interval{text: g}, x) {
				return true
			}
		}
	}
	return false
}

// add inserts t unless it overlaps a value already there; it reports
// whether it did.
func (d *disjoint) add(t []interval) bool {
	if len(t) == 1 {
		return d.add1(t[0])
	}
	if d.index != nil && t[d.index.c].numeric() {
		// One search of the index for both the check and the place.
		found, at := d.index.find(t)
		if found || d.overlapsUnindexed(t) {
			return false
		}
		d.index.insert(t, at)
		return true
	}
	if d.overlaps(t) {
		return false
	}
	if d.index == nil && len(d.points)+len(d.others) >= indexFrom {
		if c := numericComponent(t); c >= 0 {
			d.index = newTupleIndex(c)
			d.moveToIndex()
		}
	}
	if d.index != nil && t[d.index.c].numeric() {
		d.index.add(t)
		return true
	}
	if isPoint(t) {
		if d.points == nil {
			d.points = map[string][]interval{}
		}
		d.points[string(appendTupleKey(d.keyBuf[:0], t))] = t
		return true
	}
	d.others = append(d.others, t)
	return true
}

// moveToIndex moves the tuples held outside the index into it, those
// that it can hold: every query looked at each of them (the first
// indexFrom tuples of a concatenation of thousands).
func (d *disjoint) moveToIndex() {
	c := d.index.c
	kept := d.others[:0]
	for _, o := range d.others {
		if o[c].numeric() {
			d.index.add(o)
		} else {
			kept = append(kept, o)
		}
	}
	clear(d.others[len(kept):])
	d.others = kept
	for k, p := range d.points {
		if p[c].numeric() {
			d.index.add(p)
			delete(d.points, k)
		}
	}
}

func (d *disjoint) add1(x interval) bool {
	if x.numeric() {
		if d.overlapsNumeric(x) {
			return false
		}
		if last, ok := d.numeric.last(); !ok || cmpKey(last.hi, x.lo) < 0 {
			d.numeric.push(span{x.lo, x.hi}) // after every value in numeric
			return true
		}
		if d.outOfOrder == nil {
			d.outOfOrder = btree.NewG(32, func(a, b span) bool { return cmpKey(a.lo, b.lo) < 0 })
		}
		d.outOfOrder.ReplaceOrInsert(span{x.lo, x.hi})
		return true
	}
	glob := x.prefix() != ""
	if glob || d.hasGlob() {
		for n := range d.names {
			if overlap(exactInterval(n), x) {
				return false
			}
		}
		for _, g := range d.globs {
			if overlap(interval{text: g}, x) {
				return false
			}
		}
	}
	if glob {
		d.globs = append(d.globs, x.text)
		return true
	}
	if d.names[x.text] {
		return false
	}
	if d.names == nil {
		d.names = map[string]bool{}
	}
	d.names[x.text] = true
	return true
}

func (d *disjoint) hasGlob() bool { return len(d.globs) > 0 }

// overlapsNumeric reports whether numeric value x overlaps a stored one.
// In each sorted, disjoint list only the last value starting at or
// before x.hi can.
func (d *disjoint) overlapsNumeric(x interval) bool {
	if y, ok := d.numeric.lastFrom(x.hi); ok && cmpKey(y.hi, x.lo) >= 0 {
		return true
	}
	found := false
	if d.outOfOrder != nil {
		d.outOfOrder.DescendLessOrEqual(span{lo: x.hi}, func(y span) bool {
			found = cmpKey(y.hi, x.lo) >= 0
			return false // only the first
		})
	}
	return found
}

// span is a numeric interval: what the store keeps of one (an interval
// is 80 bytes, a span 48).
type span struct{ lo, hi ikey }

// spanChunk is the size of spanList's chunks after the first.
const spanChunk = 4096

// spanList is a list of spans sorted by lo, appended to at its end, in
// chunks of spanChunk spans: a list grown by doubling made 97 MB for the
// mixed 1,000,000-rule dump's blocklist of 662,000 addresses, where
// chunks make the 32 MB it holds. The first chunk grows as append grows
// it, for the small lists most groups have.
type spanList struct {
	chunks [][]span
}

// reset empties l, keeping a small first chunk for the next group.
func (l *spanList) reset() {
	if len(l.chunks) == 0 {
		return
	}
	if first := l.chunks[0]; len(l.chunks) == 1 && cap(first) <= 1024 {
		l.chunks[0] = first[:0]
		return
	}
	l.chunks = nil
}

// last is the last span of l.
func (l *spanList) last() (span, bool) {
	if len(l.chunks) == 0 {
		return span{}, false
	}
	c := l.chunks[len(l.chunks)-1]
	if len(c) == 0 {
		return span{}, false
	}
	return c[len(c)-1], true
}

// push appends x, which must not start before the last span.
func (l *spanList) push(x span) {
	k := len(l.chunks) - 1
	switch {
	case k < 0:
		l.chunks = append(l.chunks, make([]span, 0, 16))
		k = 0
	case len(l.chunks[k]) == spanChunk:
		l.chunks = append(l.chunks, make([]span, 0, spanChunk))
		k++
	}
	c := l.chunks[k]
	if len(c) == cap(c) && k == 0 {
		c = slices.Grow(c, min(len(c), spanChunk-len(c)))
	}
	l.chunks[k] = append(c, x)
}

// lastFrom is the last span of l starting at or before v.
func (l *spanList) lastFrom(v ikey) (span, bool) {
	if last, ok := l.last(); ok && cmpKey(last.lo, v) <= 0 {
		// Values mostly come in order, after every span: the last one
		// is asked for without searching (two searches of 4,000
		// spans, 350 instructions, for each of the dispatch dump's
		// services).
		return last, true
	}
	// The chunks are not empty (push fills one before making the next),
	// but for a first chunk emptied by reset.
	k := sort.Search(len(l.chunks), func(k int) bool { c := l.chunks[k]; return len(c) == 0 || cmpKey(c[0].lo, v) > 0 })
	if k == 0 {
		return span{}, false
	}
	c := l.chunks[k-1]
	i := sort.Search(len(c), func(i int) bool { return cmpKey(c[i].lo, v) > 0 })
	return c[i-1], true // i > 0: c[0] starts at or before v
}

func isPoint(t []interval) bool {
	for _, x := range t {
		if x.prefix() != "" || (x.numeric() && x.lo != x.hi) {
			return false
		}
	}
	return true
}

// appendTupleKey appends to b a tuple of single values encoded as a map
// key: numeric values take a fixed 18 bytes, other values are
// length-prefixed, so values containing any byte cannot run together.
func appendTupleKey(b []byte, t []interval) []byte {
	for _, x := range t {
		if x.numeric() {
			b = append(b, 'n', x.lo.tag)
			b = binary.BigEndian.AppendUint64(b, x.lo.hi)
			b = binary.BigEndian.AppendUint64(b, x.lo.lo)
			continue
		}
		b = append(b, 's')
		b = strconv.AppendInt(b, int64(len(x.exact())), 10)
		b = append(b, ':')
		b = append(b, x.exact()...)
	}
	return b
}

func tupleOverlap(a, b []interval) bool {
	for i := range a {
		if !overlap(a[i], b[i]) {
			return false
		}
	}
	return true
}

// indexFrom is how many tuples a group holds before the next go into a
// tupleIndex: most groups are small, and scanning a few tuples costs less
// than making a tree.
const indexFrom = 16

// numericComponent is the first component of t with a numeric value
// (an address, a port, a mark), or -1.
func numericComponent(t []interval) int {
	for i, x := range t {
		if x.numeric() {
			return i
		}
	}
	return -1
}

// tupleIndex finds the stored tuples whose component c overlaps a value,
// without looking at the others: concatenations of thousands of elements
// (ip saddr . tcp dport of a services list) were checked against every
// element before, quadratic in the size of the group. The distinct
// values of component c are kept sorted by their low end, each with its
// tuples. The values may overlap each other (one network with several
// ports, a network inside another), but none is wider than span: so
// only values starting at most span before the queried value's low end
// can reach it.
//
// The buckets are kept in chunks of at most bucketChunk, each sorted,
// one after the other: a B-tree (google/btree) did it before, whose
// comparisons through a function value were a fifth of the optimizing
// time of the mixed dump's services chain.
type tupleIndex struct {
	c      int
	chunks [][]*tupleBucket // none empty
	span   ikey             // the largest hi-lo of a stored value (tag ignored)
	// buckets and lists are the memory of new buckets and of their
	// first tuple's list, a block at a time: an index of thousands of
	// values made two objects per value.
	buckets []tupleBucket
	lists   [][]interval
}

// tupleBucket holds the tuples whose component c is *iv: the first
// tuple's, not a copy of it (56 bytes more a value, 10 MB for the mixed
// 1,000,000-rule dump's 180,000 service rules).
type tupleBucket struct {
	iv     *interval
	tuples [][]interval
}

// bucketChunk is the most buckets a chunk of tupleIndex holds: a value
// put into a chunk moves up to that many, a chunk split moves the list
// of chunks.
const bucketChunk = 64

func newTupleIndex(c int) *tupleIndex { return &tupleIndex{c: c} }

// bucketLess orders buckets by their value's low end, then high end.
func bucketLess(a, b *interval) bool {
	if a.lo != b.lo {
		return !keyLE(b.lo, a.lo)
	}
	return !keyLE(b.hi, a.hi)
}

// firstFrom returns where the first bucket whose value starts at or
// after lo is: its chunk and its place there (len(x.chunks) if none).
func (x *tupleIndex) firstFrom(lo ikey) (int, int) {
	// the first chunk whose last value starts at or after lo
	k, n := 0, len(x.chunks)
	for k < n {
		h := int(uint(k+n) >> 1)
		if c := x.chunks[h]; !keyLE(lo, c[len(c)-1].iv.lo) {
			k = h + 1
		} else {
			n = h
		}
	}
	if k == len(x.chunks) {
		return k, 0
	}
	c := x.chunks[k]
	i, n := 0, len(c)
	for i < n {
		h := int(uint(i+n) >> 1)
		if !keyLE(lo, c[h].iv.lo) {
			i = h + 1
		} else {
			n = h
		}
	}
	return k, i
}

// overlaps reports whether a tuple of the index overlaps t; a nil index
// holds none, and none overlaps a t whose component c is not numeric
// (values of different kinds never meet: see overlap).
func (x *tupleIndex) overlaps(t []interval) bool {
	if x == nil || !t[x.c].numeric() {
		return false
	}
	found, _ := x.find(t)
	return found
}

// bucketAt is where a bucket is, or would go, in tupleIndex's chunks:
// chunk k, place i (k is len(chunks) past the end).
type bucketAt struct{ k, i int }

// find reports whether a tuple of the index overlaps t, whose component
// c is numeric, and if none does, where the bucket of t's value is or
// would go: the first whose value is not less. Both come of one search
// (the place is among the buckets looked at for the overlap, or after
// them), which add and the check before it made each.
func (x *tupleIndex) find(t []interval) (bool, bucketAt) {
	v := &t[x.c]
	at := bucketAt{len(x.chunks), 0}
	if len(x.chunks) == 0 {
		return false, at
	}
	from := sub128(v.lo, x.span)
	if c := x.chunks[len(x.chunks)-1]; !keyLE(from, c[len(c)-1].iv.lo) {
		// Every value starts before from: none reaches v, and v comes
		// after all (as in most lists).
		return false, at
	}
	placed := false
	k, i := x.firstFrom(from)
	for ; k < len(x.chunks); k, i = k+1, 0 {
		c := x.chunks[k]
		for ; i < len(c); i++ {
			iv := c[i].iv
			if !placed && !bucketLess(iv, v) {
				at, placed = bucketAt{k, i}, true
			}
			if !keyLE(iv.lo, v.hi) {
				return false, at // starts after v: so do all the rest
			}
			if !overlap(*iv, *v) {
				continue
			}
			for _, u := range c[i].tuples {
				if tupleOverlap(u, t) {
					return true, at
				}
			}
		}
	}
	return false, at
}

// add stores t, whose component c is numeric. The index keeps t's
// memory, which must not change afterwards.
func (x *tupleIndex) add(t []interval) {
	_, at := x.find(t)
	x.insert(t, at)
}

// insert stores t, whose component c is numeric, at (find's place for
// it).
func (x *tupleIndex) insert(t []interval, at bucketAt) {
	v := &t[x.c]
	k, i := at.k, at.i
	if k < len(x.chunks) {
		if b := x.chunks[k][i]; b.iv.lo == v.lo && b.iv.hi == v.hi {
			b.tuples = append(b.tuples, t)
			return
		}
	}
	b := x.newBucket(v, t)
	switch {
	case k == len(x.chunks) && (k == 0 || len(x.chunks[k-1]) == bucketChunk):
		// after every value, the last chunk full: a new one (a list that
		// comes in order fills its chunks)
		c := make([]*tupleBucket, 1, bucketChunk)
		c[0] = b
		x.chunks = append(x.chunks, c)
	case k == len(x.chunks):
		x.chunks[k-1] = append(x.chunks[k-1], b)
	case len(x.chunks[k]) < bucketChunk:
		x.chunks[k] = slices.Insert(x.chunks[k], i, b)
	default:
		// a full chunk: split in two halves, b into its half
		c := x.chunks[k]
		half := len(c) / 2
		second := make([]*tupleBucket, len(c)-half, bucketChunk)
		copy(second, c[half:])
		clear(c[half:])
		first := c[:half]
		if i <= half {
			first = slices.Insert(first, i, b)
		} else {
			second = slices.Insert(second, i-half, b)
		}
		x.chunks[k] = first
		x.chunks = slices.Insert(x.chunks, k+1, second)
	}
	if w := sub128(v.hi, v.lo); cmpKey(ikey{hi: w.hi, lo: w.lo}, ikey{hi: x.span.hi, lo: x.span.lo}) > 0 {
		x.span = ikey{hi: w.hi, lo: w.lo}
	}
}

// newBucket returns a bucket of value v with t alone.
func (x *tupleIndex) newBucket(v *interval, t []interval) *tupleBucket {
	if len(x.buckets) == 0 {
		x.buckets = make([]tupleBucket, tupleBlock)
	}
	if len(x.lists) == 0 {
		x.lists = make([][]interval, tupleBlock)
	}
	b := &x.buckets[0]
	x.buckets = x.buckets[1:]
	// a list of its own, full: a second tuple moves it
	b.iv, b.tuples, x.lists = v, x.lists[0:1:1], x.lists[1:]
	b.tuples[0] = t
	return b
}

// tupleBlock is how many buckets (and lists) tupleIndex makes at a time.
const tupleBlock = 128

// sub128 is a - b on the keys' 128-bit values, 0 if b is larger; the
// result has a's tag.
func sub128(a, b ikey) ikey {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	hi, borrow := bits.Sub64(a.hi, b.hi, borrow)
	if borrow != 0 {
		return ikey{tag: a.tag}
	}
	return ikey{tag: a.tag, hi: hi, lo: lo}
}
