package translate

import (
	"encoding/binary"
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
	numeric    []interval
	outOfOrder *btree.BTreeG[interval]
	names      map[string]bool // exact interface names and symbols
	globs      []string        // interface name prefixes ("eth*")
	// several selectors:
	points map[string][]interval // tuples made of single values only, by tupleKey
	others [][]interval          // tuples with a range, prefix or glob
}

func newDisjoint() *disjoint { return &disjoint{} }

// reset empties d, keeping its memory for the next group; a big map is
// let go instead (clearing costs its size, and most groups are small).
func (d *disjoint) reset() {
	d.numeric, d.globs, d.others = d.numeric[:0], d.globs[:0], d.others[:0]
	if d.outOfOrder != nil {
		d.outOfOrder = nil // rarely used: let it go
	}
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
// its own.
func (d *disjoint) canAddAllOne(vs []interval) bool {
	for i, v := range vs {
		if d.overlaps1(v) {
			return false
		}
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
	if isPoint(t) {
		if _, dup := d.points[tupleKey(t)]; dup {
			return true
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
	if x.prefix == "" && d.names[x.exact] {
		return true
	}
	if x.prefix != "" || len(d.globs) > 0 {
		for n := range d.names {
			if overlap(interval{exact: n}, x) {
				return true
			}
		}
		for _, g := range d.globs {
			if overlap(interval{prefix: g}, x) {
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
	if isPoint(t) {
		k := tupleKey(t)
		if _, dup := d.points[k]; dup {
			return false
		}
		for _, o := range d.others {
			if tupleOverlap(o, t) {
				return false
			}
		}
		if d.points == nil {
			d.points = map[string][]interval{}
		}
		d.points[k] = t
		return true
	}
	for _, p := range d.points {
		if tupleOverlap(p, t) {
			return false
		}
	}
	for _, o := range d.others {
		if tupleOverlap(o, t) {
			return false
		}
	}
	d.others = append(d.others, t)
	return true
}

func (d *disjoint) add1(x interval) bool {
	if x.numeric() {
		if d.overlapsNumeric(x) {
			return false
		}
		if n := len(d.numeric); n == 0 || cmpKey(d.numeric[n-1].hi, x.lo) < 0 {
			d.numeric = append(d.numeric, x) // after every value in numeric
			return true
		}
		if d.outOfOrder == nil {
			d.outOfOrder = btree.NewG(32, func(a, b interval) bool { return cmpKey(a.lo, b.lo) < 0 })
		}
		d.outOfOrder.ReplaceOrInsert(x)
		return true
	}
	if x.prefix != "" || d.hasGlob() {
		for n := range d.names {
			if overlap(interval{exact: n}, x) {
				return false
			}
		}
		for _, g := range d.globs {
			if overlap(interval{prefix: g}, x) {
				return false
			}
		}
	}
	if x.prefix != "" {
		d.globs = append(d.globs, x.prefix)
		return true
	}
	if d.names[x.exact] {
		return false
	}
	if d.names == nil {
		d.names = map[string]bool{}
	}
	d.names[x.exact] = true
	return true
}

func (d *disjoint) hasGlob() bool { return len(d.globs) > 0 }

// overlapsNumeric reports whether numeric value x overlaps a stored one.
// In each sorted, disjoint list only the last value starting at or
// before x.hi can.
func (d *disjoint) overlapsNumeric(x interval) bool {
	i := sort.Search(len(d.numeric), func(i int) bool { return cmpKey(d.numeric[i].lo, x.hi) > 0 })
	if i > 0 && cmpKey(d.numeric[i-1].hi, x.lo) >= 0 {
		return true
	}
	found := false
	if d.outOfOrder != nil {
		d.outOfOrder.DescendLessOrEqual(interval{lo: x.hi}, func(y interval) bool {
			found = cmpKey(y.hi, x.lo) >= 0
			return false // only the first
		})
	}
	return found
}

func isPoint(t []interval) bool {
	for _, x := range t {
		if x.prefix != "" || (x.numeric() && x.lo != x.hi) {
			return false
		}
	}
	return true
}

// tupleKey encodes a tuple of single values as a map key: numeric values
// take a fixed 18 bytes, other values are length-prefixed, so values
// containing any byte cannot run together.
func tupleKey(t []interval) string {
	b := make([]byte, 0, 20*len(t))
	for _, x := range t {
		if x.numeric() {
			b = append(b, 'n', x.lo.tag)
			b = binary.BigEndian.AppendUint64(b, x.lo.hi)
			b = binary.BigEndian.AppendUint64(b, x.lo.lo)
			continue
		}
		b = append(b, 's')
		b = strconv.AppendInt(b, int64(len(x.exact)), 10)
		b = append(b, ':')
		b = append(b, x.exact...)
	}
	return string(b)
}

func tupleOverlap(a, b []interval) bool {
	for i := range a {
		if !overlap(a[i], b[i]) {
			return false
		}
	}
	return true
}
