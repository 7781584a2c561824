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

// movedBy tells whether calls of 18 KB in all, after prepare, move the
// stack of a new goroutine (copy it to a bigger one). A local's address
// changes when they do.
func movedBy(prepare func()) bool {
	moved := make(chan bool)
	go func() {
		prepare()
		var x byte
		before := uintptr(unsafe.Pointer(&x))
		deep(2)
		moved <- uintptr(unsafe.Pointer(&x)) != before
	}()
	return <-moved
}

func TestGrowMakesRoom(t *testing.T) {
	if !movedBy(func() {}) {
		t.Fatal("deep calls did not grow a new goroutine's stack: the test cannot tell")
	}
	if movedBy(grow) {
		t.Error("after grow, 18 KB of calls still grew the stack")
	}
}

func TestTo16KBMakesRoom(t *testing.T) {
	// deep(1) makes calls of 12 KB.
	moved := func(prepare func()) bool {
		done := make(chan bool)
		go func() {
			prepare()
			var x byte
			before := uintptr(unsafe.Pointer(&x))
			deep(1)
			done <- uintptr(unsafe.Pointer(&x)) != before
		}()
		return <-done
	}
	if !moved(func() {}) {
		t.Fatal("12 KB of calls did not grow a new goroutine's stack: the test cannot tell")
	}
	if moved(To16KB) {
		t.Error("after To16KB, 12 KB of calls still grew the stack")
	}
}
