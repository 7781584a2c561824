package main

import (
	"os"
	"runtime/debug"
)

// tuneCollector is false in this package's tests: a command run in the
// test process would leave its collector settings to the tests after it.
var tuneCollector = true

// smallInput is the input size up to which tuneGC trades memory for
// speed: about 50,000 iptables rules.
const smallInput = 4 << 20

// tuneGC lets the garbage collector run less often on the inputs most
// runs see. A translation is a short batch whose live heap is a few
// times its input; up to smallInput the heap may grow to five times its
// live size (GOGC=400, some 70 MB for 20,000 rules instead of 55) and
// the run takes about a sixth less time. Bigger inputs keep Go's default,
// where peak memory matters more. A GOGC the user sets is left alone.
func tuneGC(inputBytes int) {
	if _, set := os.LookupEnv("GOGC"); set || inputBytes > smallInput || !tuneCollector {
		return
	}
	debug.SetGCPercent(400)
}

// batchGC sets the collector for a translation that only prints or
// applies its result (no report), of save files or command lists of n
// bytes in all: up to smallInput it stays off until the heap reaches 128
// times the input plus 64 MB. Nearly all that such a translation
// allocates stays live to its end (the parse trees, the IR, the merged
// sets), so collections find little to free and cost their marking and
// write barriers: with no collection at all the heap peaks at 40 to 75
// times the input (generated dumps and the real-world ones), and the
// mixed 20,000-rule dump translates about a tenth faster than with
// GOGC=400, for some 10 % more memory. Should an input need more than
// the limit, the collector keeps the heap near it as usual. Scripts,
// whose loops can make any number of rules from a few lines, and reports
// (which allocate up to 250 times their input, mostly garbage) keep
// tuneGC; so do bigger inputs and a GOGC or GOMEMLIMIT the user sets.
// From minHugeInput, the heap grows on huge pages (hugeHeap).
func batchGC(n int) {
	if userCollector() || n > smallInput || !tuneCollector {
		tuneGC(n)
		return
	}
	debug.SetMemoryLimit(128*int64(n) + 64<<20)
	debug.SetGCPercent(-1)
	if n >= minHugeInput {
		hugeHeap(n)
	}
}

// minHugeInput is the input size from which hugeHeap pays: a 200-rule
// dump (28 KB) took 620 faults and 510 with it, with CPU time the same
// within the noise; the 1,000-rule dumps (47 to 102 KB) 225 to 280
// fewer.
const minHugeInput = 32 << 10

// streamGC sets the garbage collector for a translation streamed command
// by command (iptables-restore-translate) of a save file, whose rules
// are parsed and translated in memory reused from chunk to chunk
// (translate.ReusesMemory), n being the bytes held of the file: all of
// it, or two pieces of a big file read in pieces (compat.ReadsInPieces).
// What stays live is that (no pointers: nothing to scan) and the few
// rules being worked on; what is allocated besides is some 300 bytes a
// rule. Go's default would collect every few MB allocated; instead the
// heap may grow to n plus 32 MB: no collection at all up to some
// 50,000 rules (read whole), and a few short ones above (the live heap
// is small, 9 MB for the mixed 1,000,000-rule dump read in pieces, which
// peaks at 39 MB; 100 MB when it was read whole, 160 with twice the
// input). A GOGC or GOMEMLIMIT the user sets is left alone. undo sets
// the collector back, for a translation that turns out to hold its
// commands after all (translate.Options.Held). From minHugeInput held,
// the heap grows on huge pages (streamHeap).
func streamGC(n int) (undo func()) {
	if userCollector() || !tuneCollector {
		return func() {}
	}
	limit := debug.SetMemoryLimit(int64(n) + 32<<20)
	pct := debug.SetGCPercent(-1)
	if n >= minHugeInput {
		streamHeap()
	}
	return func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(limit)
	}
}

// userCollector reports whether the user set the collector (GOGC or
// GOMEMLIMIT): batchGC and streamGC then leave it alone.
func userCollector() bool {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	return gogc || limit
}
