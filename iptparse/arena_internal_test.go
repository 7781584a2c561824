package iptparse

import (
	"runtime"
	"testing"
	"unsafe"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"golang.org/x/sys/unix"
)

// TestMakeSlabFaultsNoMore checks that a slab from makeSlab is zeroed
// and is filled without page faults: its pages are present already.
func TestMakeSlabFaultsNoMore(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const pages = 4096 // 16 MiB: new pages, not memory the heap has used
	s := makeSlab[*int](pages * pageSize / 8)
	for i, p := range s {
		if p != nil {
			t.Fatalf("element %d of a new slab is %p", i, p)
		}
	}
	x := new(int)
	before := testutil.ThreadFaults(t)
	for i := range s {
		s[i] = x
	}
	if filled := testutil.ThreadFaults(t) - before; filled > pages/100 {
		t.Errorf("filling a slab of %d pages took %d page faults", pages, filled)
	}
}

// TestPopulate checks that populate makes new pages present: writing to
// them takes no page faults.
func TestPopulate(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const pages = 1024
	b, err := unix.Mmap(-1, 0, pages*pageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(b)
	// from the middle of the first page to the middle of the last
	if !populate(unsafe.Pointer(&b[100]), uintptr(len(b)-200)) {
		t.Skip("skipped: the kernel does not populate (MADV_POPULATE_WRITE)")
	}
	before := testutil.ThreadFaults(t)
	for i := 0; i < len(b); i += pageSize {
		b[i], b[i+pageSize-1] = 1, 1
	}
	if filled := testutil.ThreadFaults(t) - before; filled != 0 {
		t.Errorf("writing to %d populated pages took %d page faults", pages, filled)
	}
}

// TestPopulateKeepsContents checks that populating a range that does not
// begin or end on a page boundary keeps what the range and the rest of
// its pages hold.
func TestPopulateKeepsContents(t *testing.T) {
	b := make([]byte, 5*pageSize)
	for i := range b {
		b[i] = byte(i*7 + 1)
	}
	if !populate(unsafe.Pointer(&b[100]), 3*pageSize+5) {
		t.Skip("skipped: the kernel does not populate (MADV_POPULATE_WRITE)")
	}
	for i, v := range b {
		if v != byte(i*7+1) {
			t.Fatalf("byte %d is %d after populate, was %d", i, v, byte(i*7+1))
		}
	}
}
