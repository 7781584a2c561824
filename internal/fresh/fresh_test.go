package fresh

import (
	"runtime"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

// TestMakeFaultsEveryPage checks what Make is for: filling the block it
// made takes no page faults, because Make took one per page.
func TestMakeFaultsEveryPage(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const pages = 4096 // 16 MiB: new pages, not memory the heap has used
	before := testutil.ThreadFaults(t)
	s := Make[*int](pages * pageSize / 8)
	touched := testutil.ThreadFaults(t) - before
	x := new(int)
	before = testutil.ThreadFaults(t)
	for i := range s {
		s[i] = x
	}
	filled := testutil.ThreadFaults(t) - before
	switch {
	case touched+filled < pages/2:
		t.Skipf("skipped: the block was in memory already (%d faults for %d pages)", touched+filled, pages)
	case filled > pages/100:
		t.Errorf("filling a block of %d pages from Make took %d page faults (Make itself took %d)", pages, filled, touched)
	}
	for i := range s {
		if s[i] != x {
			t.Fatalf("element %d is %p after the fill", i, s[i])
		}
	}
}

// TestTouchKeepsZero checks that touching changes no value, whatever the
// element size, capacity, and however the block lines up with pages.
func TestTouchKeepsZero(t *testing.T) {
	type odd struct {
		p *int
		b [13]byte
	}
	for _, n := range []int{0, 1, 100, 4095, 4096, 4097, 50000} {
		s := make([]odd, n/2, n)
		touch(s)
		for i, v := range s[:cap(s)] {
			if v.p != nil || v.b != [13]byte{} {
				t.Fatalf("cap %d: element %d is %v after touch", n, i, v)
			}
		}
		b := Make[byte](n)
		for i, v := range b {
			if v != 0 {
				t.Fatalf("%d bytes: byte %d is %d after Make", n, i, v)
			}
		}
	}
}
