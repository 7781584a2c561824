package main

import (
	"os"
	"runtime/debug"
)

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
	if _, set := os.LookupEnv("GOGC"); set || inputBytes > smallInput {
		return
	}
	debug.SetGCPercent(400)
}

// streamGC sets the garbage collector for a translation streamed command
// by command (iptables-restore-translate) of an input of n bytes. What
// stays live is the input (no pointers: nothing to scan) and the few
// rules being worked on. Go's default lets the heap grow to twice that,
// which for 20,000 rules (1.4 MB) means a collection every few MB
// allocated, a dozen for nothing. Instead the heap may grow to twice the
// input plus 32 MB: no collection at all for 20,000 rules, and the
// default's pace for big inputs, whose peak stays under three times
// their size. A GOGC or GOMEMLIMIT the user sets is left alone.
func streamGC(n int) {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	if gogc || limit {
		return
	}
	debug.SetMemoryLimit(2*int64(n) + 32<<20)
	debug.SetGCPercent(-1)
}
