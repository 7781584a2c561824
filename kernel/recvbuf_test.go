package kernel

import "testing"

// TestSpareRecvBuf: a buffer put back is the next one got, once; a
// second one put back while the first is kept is dropped.
func TestSpareRecvBuf(t *testing.T) {
	a, b := getRecvBuf(), getRecvBuf()
	if a == b {
		t.Fatal("two buffers got with none put back are the same")
	}
	putRecvBuf(a)
	putRecvBuf(b)
	if got := getRecvBuf(); got != a {
		t.Error("the buffer put back first is not the one got next")
	}
	if got := getRecvBuf(); got == a || got == b {
		t.Error("a buffer got twice, or the second one put back kept")
	}
}
