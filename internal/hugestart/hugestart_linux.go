//go:build amd64 || arm64

// Package hugestart puts the heap a run starts with on transparent huge
// pages, before most package init functions run. Import it for its init
// function, from the main package.
//
// A page fault costs 14-18 us on a host with software paging (Firecracker
// under PVM), and a first touch of a page populated in advance still
// 5-7 us; a huge page of 2 MiB, cleared and mapped in one fault, some
// 150 us: the cost of ten small faults for the room of 512 (32 MiB
// touched on small pages took 118-150 ms, on huge pages 2.2-2.3 ms). An
// empty run of exact mode took 160 small faults in the heap, the mixed
// 20,000-rule dump 270: most of them after the runtime's own start, in
// the package inits and the translation, where this package can act.
//
// The heap grows 4 MiB at a time, each mapped afresh (mmap MAP_FIXED),
// which drops advice given to addresses before they are mapped: advice
// reaches only memory already mapped. So init advises the heap from the
// huge page where it began to the end of the next 4 MiB, as far as they
// are mapped, and collapses (MADV_COLLAPSE) those of its huge pages the
// runtime has already put pages in (mincore), where the kernel would
// otherwise go on with small pages: the first, and in a quarter of the
// runs another (the mixed 20,000-rule dump then took 660-850 faults
// instead of 320-400: the input was read into that huge page). Memory mapped later is advised by
// who fills it: Advise (a big read), cmd/ipt2nft's hugeHeap (the
// optimizing mode's heap).
//
// Tried and not kept: growing the heap by 4 MiB at init (a goroutine's
// stack given back at once) so that more of it is advised: 1-2 ms more
// at every start, and slower on every input measured.
//
// Go initializes a package as soon as the packages it imports are, the
// first by import path among those ready: importing only syscall and
// unsafe, this one comes before most of the standard library's.
package hugestart

import (
	"syscall"
	"unsafe"
)

const (
	// hugePage is a transparent huge page on amd64 and arm64 with
	// 4 KiB pages: what one page table entry of the level above maps.
	hugePage = 2 << 20
	// chunk is how much the runtime maps of the heap at a time
	// (runtime.pallocChunkBytes), at addresses aligned to it.
	chunk = 4 << 20
	// arena is the unit in which the heap takes address space
	// (runtime.heapArenaBytes on 64-bit Linux).
	arena = 64 << 20

	madvHugepage = 14 // MADV_HUGEPAGE
	madvCollapse = 25 // MADV_COLLAPSE (Linux 6.1)
)

// advised is what Advised reports, set by init.
var advised bool

// start and end bound the memory init advised, collapsed counts the huge
// pages it collapsed and collapseErr is the last collapse's error (old
// kernels have none): for the tests.
var (
	start, end  uintptr
	collapsed   int
	collapseErr syscall.Errno
)

// probe is a heap object of the runtime's first spans: its huge page is
// where the heap began.
var probe *[16]byte

func init() {
	advised = syscall.Getpagesize() == 4096 && thpMadvise() && !disableTHP()
	if !advised {
		return
	}
	probe = new([16]byte)
	p := uintptr(unsafe.Pointer(probe))
	lo := p &^ (hugePage - 1)
	hi := min(p&^(chunk-1)+2*chunk, p&^(arena-1)+arena)
	// ENOMEM: part of the range is not mapped yet (the rest is advised).
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvHugepage); e != 0 && e != syscall.ENOMEM {
		return
	}
	start, end = lo, hi
	// Collapse each advised huge page the runtime has already put pages
	// in (the first always; others where it placed spans or stacks):
	// the kernel gives a huge page only where none is present yet.
	var present [2 * chunk / 4096]byte
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, lo, hi-lo, uintptr(unsafe.Pointer(&present))); e != 0 {
		present[0] = 1 // at least the first
	}
	for i, a := 0, lo; a < hi; i, a = i+hugePage/4096, a+hugePage {
		if !anyPresent(present[i : i+hugePage/4096]) {
			continue
		}
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, a, hugePage, madvCollapse); e != 0 {
			collapseErr = e
		} else {
			collapsed++
		}
	}
}

// anyPresent reports whether mincore found any page of v present.
func anyPresent(v []byte) bool {
	for _, b := range v {
		if b&1 != 0 {
			return true
		}
	}
	return false
}

// Advise asks for huge pages for the heap memory of the n bytes at p,
// for the rest of the huge pages they lie in and for the rest of the
// heap's 4 MiB chunk they end in (where the heap's next allocations
// go): for a big buffer about to be filled, which the heap may have put
// where it was not advised (memory it mapped after init). It does
// nothing unless Advised.
//
// Advice reaches only the pages not yet present in a huge page: one the
// heap has already put small pages in stays on small pages. That was
// the input's read in some runs (1 in 10 for the mixed 20,000-rule dump,
// exact mode): the heap's next chunk was mapped during the package inits
// after init advised, and the inits put a few pages in it before the
// read, which then took 350 faults (some 5 ms) instead of one. So a huge
// page of the buffer that is partly present, with at least
// minCollapsePages of the buffer's pages missing, is collapsed into a
// huge page first (MADV_COLLAPSE: 0.1-0.5 ms, up to 5 ms when the
// kernel waits for the other CPU).
func Advise(p unsafe.Pointer, n uintptr) {
	if !advised || n == 0 {
		return
	}
	first, last := uintptr(p), uintptr(p)+n
	lo := first &^ (hugePage - 1)
	hi := (last + hugePage - 1) &^ (hugePage - 1)
	end := max(hi, (last+chunk-1)&^(chunk-1))
	syscall.Syscall(syscall.SYS_MADVISE, lo, end-lo, madvHugepage)
	// Only the first and last huge pages can hold other objects'
	// pages: those between are the buffer's alone, and new.
	collapsePartial(lo, first, last)
	if last-1 >= lo+hugePage {
		collapsePartial((last-1)&^(hugePage-1), first, last)
	}
}

// minCollapsePages is the number of a buffer's pages missing from a
// partly present huge page from which Advise collapses it: 128 faults
// cost some 2 ms here, more than a collapse even at its slowest.
const minCollapsePages = 128

// collapsePartial collapses the huge page at h into one if some of its
// pages are present and at least minCollapsePages of those in
// [first, last) are not.
func collapsePartial(h, first, last uintptr) {
	var present [hugePage / 4096]byte
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, h, hugePage, uintptr(unsafe.Pointer(&present))); e != 0 {
		return
	}
	some, missing := false, 0
	for i, b := range present {
		a := h + uintptr(i)*4096
		if b&1 != 0 {
			some = true
		} else if a+4096 > first && a < last {
			missing++
		}
	}
	if some && missing >= minCollapsePages {
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, h, hugePage, madvCollapse); e != 0 {
			collapseErr = e
		} else {
			collapsed++
		}
	}
}

// Advised reports whether the heap can have huge pages where it asks for
// them: pages of 4 KiB, transparent huge pages given where madvise asks
// (THP "madvise", the common default: with "always" the heap has them
// anyway, with "never" nothing can), and GODEBUG=disablethp=1 not set.
func Advised() bool { return advised }

// thpMadvise reports whether the system gives transparent huge pages
// only where madvise asks for them.
func thpMadvise() bool {
	fd, err := syscall.Open("/sys/kernel/mm/transparent_hugepage/enabled", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	var buf [64]byte
	n, _ := syscall.Read(fd, buf[:])
	syscall.Close(fd)
	return contains(buf[:max(n, 0)], "[madvise]")
}

// disableTHP reports whether GODEBUG has disablethp=1, Go's own way to
// keep the heap off huge pages.
func disableTHP() bool {
	v, _ := syscall.Getenv("GODEBUG")
	return contains([]byte(v), "disablethp=1")
}

// contains is strings.Contains, which this package does not import: it
// would be initialized after it.
func contains(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return true
		}
	}
	return false
}
