package iptparse

import (
	"testing"
	"unsafe"
)

// deepCalls calls itself n times with a frame of 4 KB each.
//
//go:noinline
func deepCalls(n int) byte {
	var buf [4 << 10]byte
	buf[n] = byte(n)
	if n > 0 {
		buf[n-1] = deepCalls(n - 1)
	}
	return buf[n]
}

// stackMoved tells whether calls of 12 KB in all, after prepare, move
// the stack of a new goroutine (copy it to a bigger one): a local's
// address changes when they do.
func stackMoved(prepare func()) bool {
	moved := make(chan bool)
	go func() {
		prepare()
		var x byte
		before := uintptr(unsafe.Pointer(&x))
		deepCalls(2)
		moved <- uintptr(unsafe.Pointer(&x)) != before
	}()
	return <-moved
}

func TestGrowStackMakesRoom(t *testing.T) {
	if !stackMoved(func() {}) {
		t.Fatal("deep calls did not grow a new goroutine's stack: the test cannot tell")
	}
	if stackMoved(growStack) {
		t.Error("after growStack, 12 KB of calls still grew the stack")
	}
}
