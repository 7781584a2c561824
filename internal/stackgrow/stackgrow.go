// Package stackgrow gives the main goroutine a 32 KB stack before the
// init functions of the packages that need one run. Import it for its
// init function, from the main package. To16KB does the same for a new
// goroutine.
//
// A goroutine's stack starts at 2 KB and doubles when a call needs more:
// the runtime copies the stack and, for every frame on it, looks up the
// function's tables to adjust its pointers, a few thousand instructions
// a frame. ipt2nft's main goroutine grew three or four times a run (in
// internal/godebug's init, in the regular expressions mvdan.cc/sh/v3's
// fileutil compiles at init, in time's read of /etc/localtime), some
// 150,000 instructions of the 1.2 million an empty translation took.
// Grown here, with four frames on the stack, it costs a few thousand.
//
// Go initializes a package as soon as the packages it imports are, the
// first by import path among those ready: importing nothing, this one
// comes before nearly all of the standard library's.
package stackgrow

func init() { grow() }

// never is false: the branch it guards gives grow its frame without the
// cost of clearing it (nor of the page faults that would take).
var never bool

// grow's frame of 16 KB makes the runtime grow the stack to 32 KB (the
// first power of two with room for it above what is in use).
//
//go:noinline
func grow() {
	if never {
		var buf [16 << 10]byte
		use(buf[:])
	}
}

//go:noinline
func use([]byte) {}

// To16KB grows the calling goroutine's stack to 16 KB, for a goroutine
// that is to make deep calls, called first thing: grown with one frame
// on it, the copy costs little. The parse workers (iptparse) start with
// 2 KB and grew three times as they parsed, each time copying the frames
// on it, whose stack maps and pcvalue tables the runtime reads (pages of
// the binary touched for that alone) into a new stack. Grown at the
// worker's start: page faults in stack growth and new stacks after main
// 6.45 -> 1.15 a run (mixed 20,000-rule dump, exact mode, with the
// caller's); 8 KB left 2.3, 32 KB none fewer than 16.
//
//go:noinline
func To16KB() {
	if never {
		var buf [12 << 10]byte
		use(buf[:])
	}
}
