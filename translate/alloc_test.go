package translate

import "testing"

// TestSlabTrim checks that trim gives back only the room of the slice
// last handed out, and that a trimmed slice's appends never write into
// what the slab hands out next.
func TestSlabTrim(t *testing.T) {
	var s slab[int]
	a := s.slice(8)
	a = append(a, 1, 2, 3)
	a = s.trim(a)
	if len(a) != 3 || cap(a) != 3 {
		t.Fatalf("trimmed: len %d cap %d, want 3 3", len(a), cap(a))
	}
	b := s.slice(8)
	if &b[:1][0] != &s.blk[3] {
		t.Fatal("the next slice does not start where the trimmed one ends")
	}
	b = append(b, 4, 5)
	a = append(a, 99) // must reallocate
	if b[0] != 4 || b[1] != 5 || a[3] != 99 {
		t.Fatalf("an append to a trimmed slice wrote into the next: a %v, b %v", a, b)
	}
	// Not the last slice: left as it is.
	if got := s.trim(a[:0]); cap(got) != cap(a) {
		t.Fatalf("trimmed a slice that was not the last handed out: cap %d, want %d", cap(got), cap(a))
	}
	c := s.slice(4)
	if c = s.trim(c); cap(c) != 0 {
		t.Fatalf("empty slice trimmed to cap %d, want 0", cap(c))
	}
	d := s.slice(4)
	d = append(d, 7)
	b2 := s.trim(b) // b is not the last any more
	if cap(b2) != 8 {
		t.Fatalf("trim of an earlier slice changed it: cap %d", cap(b2))
	}
	if d[0] != 7 {
		t.Fatal("slice after an empty trimmed one was overwritten")
	}
}
