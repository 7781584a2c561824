//go:build amd64 || arm64

// Package hugestart puts the heap a run starts with on transparent huge
// pages, before most package init functions run. Import it for its init
// function, from the main package.
//
// A page fault costs 12-18 us on a host with software paging (Firecracker
// under PVM), and a first touch of a page populated in advance still
// 5-7 us; a huge page of 2 MiB, cleared and mapped in one fault, some
// 150 us: the cost of ten small faults for the room of 512. An empty run
// of exact mode took 160 small faults in the heap, the mixed 20,000-rule
// dump 270; most of them come after the runtime's own start, in the
// package inits and the translation, where this package can still act.
//
// The heap grows in 4 MiB chunks, each mapped afresh (mmap MAP_FIXED),
// which drops advice given to the addresses before: advice reaches only
// memory already mapped. So init grows the heap by 4 MiB now (a
// goroutine's stack, untouched and given back at once: BigStack),
// advises everything from the heap's first huge page to the end of that
// stack, and collapses into huge pages (MADV_COLLAPSE) the ones the
// runtime has already partly faulted in, where the kernel would
// otherwise go on with small pages.
//
// Go initializes a package as soon as the packages it imports are, the
// first by import path among those ready: importing only syscall and
// runtime, this one comes before most of the standard library's.
package hugestart

import (
	"runtime"
	"syscall"
	"unsafe"
)

const (
	// hugePage is a transparent huge page on amd64 and arm64 with
	// 4 KiB pages: what one page table entry of the level above maps.
	hugePage = 2 << 20
	// growBy is how far init grows the heap (see BigStack): the
	// heap of exact mode's 20,000-rule dumps stays within it.
	growBy = 4 << 20

	madvHugepage = 14 // MADV_HUGEPAGE
	madvCollapse = 25 // MADV_COLLAPSE (Linux 6.1)
)

// advised is what Advised reports, set by init.
var advised bool

// Start and End bound the memory init advised; Collapsed counts the huge
// pages it collapsed, and CollapseErr is the last collapse's error (old
// kernels have none): for the tests.
var (
	Start, End  uintptr
	Collapsed   int
	CollapseErr syscall.Errno
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
	lo := uintptr(unsafe.Pointer(probe)) &^ (hugePage - 1)
	size, stack := BigStack(growBy)
	hi := (stack + size + hugePage - 1) &^ (hugePage - 1)
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvHugepage); e != 0 {
		return
	}
	Start, End = lo, hi
	// The huge pages below the stack's first one hold what the heap
	// handed out so far, partly faulted in; so may that one.
	for p := lo; p <= stack&^(hugePage-1); p += hugePage {
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, p, hugePage, madvCollapse); e != 0 {
			CollapseErr = e
			continue
		}
		Collapsed++
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

// never is false: the branch it guards gives a function its frame
// without the cost of clearing it (see internal/stackgrow).
var never bool

//go:noinline
func frameOf[T any]() (t T) { return }

// grow has a frame of T's size, which the runtime makes room for (by
// moving the goroutine to a bigger stack) and nothing touches. It
// stores the stack's end, the end of a page (8 KiB in Go's heap) just
// above grow's frame.
//
//go:noinline
func grow[T any](hi *uintptr) {
	var x byte
	if never {
		_ = frameOf[T]()
	}
	*hi = (uintptr(unsafe.Pointer(&x)) + 8<<10) &^ (8<<10 - 1)
}

// frameSlack is what a stack needs besides grow's frame: the frames
// under it and the runtime's guard.
const frameSlack = 64 << 10

// BigStack grows the heap by the first power of two from 4 to 64 MiB
// that holds min bytes, as a goroutine's stack that nothing touches, and
// frees it: the goroutine ends, and the runtime gives a big stack back to
// the heap at once while the collector is off (runtime.stackfree; at
// init it has not started). It returns the stack's size and start.
func BigStack(min uintptr) (size, lo uintptr) {
	var hi uintptr
	n0 := runtime.NumGoroutine()
	done := make(chan struct{})
	go func() {
		switch {
		case min <= 4<<20:
			size = 4 << 20
			grow[[4<<20 - frameSlack]byte](&hi)
		case min <= 8<<20:
			size = 8 << 20
			grow[[8<<20 - frameSlack]byte](&hi)
		case min <= 16<<20:
			size = 16 << 20
			grow[[16<<20 - frameSlack]byte](&hi)
		case min <= 32<<20:
			size = 32 << 20
			grow[[32<<20 - frameSlack]byte](&hi)
		default:
			size = 64 << 20
			grow[[64<<20 - frameSlack]byte](&hi)
		}
		close(done)
	}()
	<-done
	// The stack is freed after done is closed, as the goroutine ends;
	// it has when the goroutine no longer counts.
	for i := 0; runtime.NumGoroutine() > n0 && i < 1000; i++ {
		runtime.Gosched()
	}
	return size, hi - size
}
