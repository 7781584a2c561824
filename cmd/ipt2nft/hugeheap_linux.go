//go:build amd64 || arm64

package main

import (
	"runtime"
	"runtime/debug"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/internal/hugestart"
)

// hugeProbes counts the heaps hugeHeap advised, for the tests.
var hugeProbes int

const (
	// hugePage is a transparent huge page: what a page table maps on
	// amd64 and arm64 with 4 KiB pages.
	hugePage = 2 << 20
	// heapArena is the unit in which Go's heap takes address space on
	// 64-bit Linux (runtime.heapArenaBytes): an arena holds nothing but
	// the heap.
	heapArena = 64 << 20
)

// hugeHeap lets the heap of a translation of n bytes of input that runs
// without collections (batchGC) grow on transparent huge pages where the
// system gives them only to memory advised so (THP "madvise", the
// common default). A page fault costs some 10 us on a host with software
// paging (Firecracker under PVM), and the heap's faults were most of a
// translation's time: the mixed 20,000-rule dump took 2,440 in the heap
// (3,020 in all) and 49 ms, and 24.5 ms with THP "always".
//
// Go maps each 4 MiB of heap growth afresh (mmap MAP_FIXED), which drops
// any advice given before: a process cannot advise its future heap. So
// hugeHeap grows the heap now, by 8n bytes plus 2 MiB (rounded up to a
// power of two: the heap grows by 2.8n to 7.4n bytes on the generated
// dumps, plus 1 MiB) that it does not touch, advises the arenas holding
// it and gives them back: the heap then allocates from them for the rest
// of the run. The growth is a goroutine's stack (bigStack), which is
// neither touched nor zeroed and returns to the heap as soon as the
// goroutine ends, where a big []byte would take a collection to free (1
// to 5 ms here, 5 million instructions) and the runtime would clear its
// pages again as it reused them (1.1 million). The free pages are then
// released (scavenge): the runtime knows released pages read as zero,
// and does not clear them when it hands them out again. The partly used
// huge page where the heap ended is collapsed into one (MADV_COLLAPSE,
// some 0.1 ms): else the heap would fill it with small pages first, up
// to 500 faults (some 100 more in all on the 20,000-rule dumps).
//
// Measured on this host (2 cores shared with other work at a load of 10
// to 15, so wall times are noisy), main -> hugeHeap: page faults of the
// mixed, dispatch and blocklist 20,000-rule dumps 2,741 -> 551, 4,294 ->
// 705 and 1,180 -> 550 (1,000 rules: 710 -> 485, 769 -> 489, 694 ->
// 455); CPU time (user+sys, median of 15) 92 -> 53, 133 -> 67 and 50 ->
// 40 ms; wall of 31 alternating runs at a load of 6, median (min) 99
// (51) -> 52 (28), 136 (108) -> 71 (51) and 51 (38) -> 38 (26) ms
// (mixed 1,000 rules: 37 (24) -> 30 (21)); instructions
// the same within 0.1 % (187.64 -> 187.70 million for mixed); peak RSS
// 2 to 3.4 MB more (huge pages partly used). Inputs under minHugeInput
// gain too few faults (an empty one none) for the cost of the probe and
// of clearing whole huge pages. The previous host (Intel, where a fault
// cost 2-3 us) saw no gain from a similar probe, freed by a collection.
func hugeHeap(n int) {
	if !hugePagesAdvised() {
		return
	}
	_, lo := adviseRoom(uintptr(8*n + 2<<20))
	if lo%hugePage != 0 {
		unix.Syscall(unix.SYS_MADVISE, lo&^(hugePage-1), hugePage, unix.MADV_COLLAPSE)
	}
	scavenge()
	hugeProbes++
}

// hugePagesAdvised reports whether hugeHeap can give the heap huge pages
// (see hugestart.Advised: pages of 4 KiB, THP "madvise", no
// GODEBUG=disablethp=1).
func hugePagesAdvised() bool { return hugestart.Advised() }

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

// bigStack grows the heap by the first power of two from 4 to 64 MiB
// that holds min bytes, as a goroutine's stack that nothing touches, and
// frees it: the goroutine ends, and the runtime gives a big stack back to
// the heap at once while the collector is off (runtime.stackfree). It
// returns the stack's size and start.
func bigStack(min uintptr) (size, lo uintptr) {
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

// scavenge releases the heap's free pages without a collection: with the
// memory limit at 0, the allocation of a goroutine's 64 KiB stack
// releases them (runtime.mheap.allocSpan), and a stack's allocation
// checks no collection trigger (an object's would start one).
func scavenge() {
	done := make(chan struct{})
	go func() {
		limit := debug.SetMemoryLimit(0)
		smallGrow()
		debug.SetMemoryLimit(limit)
		close(done)
	}()
	<-done
}

//go:noinline
func smallGrow() {
	if never {
		_ = frameOf[[40 << 10]byte]()
	}
}

// streamProbes counts the heaps streamHeap advised, and streamRoom is
// where its room began, for the tests.
var (
	streamProbes int
	streamRoom   uintptr
)

// streamHeapRoom is the room streamHeap makes on huge pages: what a
// streamed translation of the 20,000-rule dumps allocates after the
// read (the chunks' arenas, the translation's values), with room to
// spare.
const streamHeapRoom = 4 << 20

// streamHeap lets the heap of a translation streamed command by command
// (streamGC) grow on transparent huge pages where the system gives them
// only to memory advised so, as hugeHeap does for a batch, but for the
// few MB such a translation allocates after its read: it grows the heap
// by streamHeapRoom as a goroutine's stack that nothing touches and
// advises the arenas that hold it. internal/hugestart advised the heap's
// first chunks at init, and Advise the input's; the heap's next chunk,
// mapped afresh during the parse, had none: in a third of the runs the
// mixed 20,000-rule dump (exact mode) took 10-45 small faults in it.
// Faults after main, perf record of 30 runs: mean 53.7 -> 44.7 a run,
// in the heap 16.8 -> 4.6, the worst run 132 -> 67; instructions
// +16,000 (mixed) to +109,000 (blocklist) of 63-123 million. The free
// pages the stack leaves are not released (as hugeHeap's are): the heap
// clears what it reuses of them, a few MB.
func streamHeap() {
	if !hugePagesAdvised() {
		return
	}
	_, lo := adviseRoom(streamHeapRoom)
	streamProbes++
	streamRoom = lo
}

// adviseRoom grows the heap by at least min bytes (bigStack) and advises
// huge pages for the arenas that hold the room, which the heap then
// allocates from. It returns the room's size and start.
func adviseRoom(min uintptr) (size, lo uintptr) {
	size, lo = bigStack(min)
	start := lo &^ (heapArena - 1)
	end := (lo + size + heapArena - 1) &^ (heapArena - 1)
	unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_HUGEPAGE)
	return size, lo
}
