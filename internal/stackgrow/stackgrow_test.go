package stackgrow

import (
	"testing"
	"unsafe"
)

// deep calls itself n times with a frame of 6 KB each.
//
//go:noinline
func deep(n int) byte {
	var buf [6 << 10]byte
	buf[n] = byte(n)
	if n > 0 {
		buf[n-1] = deep(n - 1)
	}
	return buf[n]
}

// movedBy tells whether deep(n), calls of 6 KB times n+1 in all, after
// prepare, moves the stack of a new goroutine (copy it to a bigger one).
// A local's address changes when it does.
func movedBy(prepare func(), n int) bool {
	moved := make(chan bool)
	go func() {
		prepare()
		var x byte
		before := uintptr(unsafe.Pointer(&x))
		deep(n)
		moved <- uintptr(unsafe.Pointer(&x)) != before
	}()
	return <-moved
}

func TestGrowMakesRoom(t *testing.T) {
	if !movedBy(func() {}, 2) {
		t.Fatal("deep calls did not grow a new goroutine's stack: the test cannot tell")
	}
	if movedBy(grow, 2) {
		t.Error("after grow, 18 KB of calls still grew the stack")
	}
}

func TestTo16KBMakesRoom(t *testing.T) {
	if !movedBy(func() {}, 1) {
		t.Fatal("12 KB of calls did not grow a new goroutine's stack: the test cannot tell")
	}
	if movedBy(To16KB, 1) {
		t.Error("after To16KB, 12 KB of calls still grew the stack")
	}
}
