package compat

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestOutBlocksInOrder: what is printed into the blocks is written in
// the order it was printed, whole, however many blocks it takes.
func TestOutBlocksInOrder(t *testing.T) {
	for _, lines := range []int{0, 1, 999, 5000} {
		var got bytes.Buffer
		var want strings.Builder
		o := newOutBlocks(&got, 256)
		for i := range lines {
			s := fmt.Sprintf("line %d\n", i)
			want.WriteString(s)
			o.cur.WriteString(s)
			if o.cur.Len() >= 200 {
				o.flush()
			}
		}
		if err := o.finish(); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d lines: wrote %d bytes, want %d, or not in order", lines, got.Len(), want.Len())
		}
	}
}

// failAfter fails every write after the first n.
type failAfter struct {
	n      int
	writes int
	bytes.Buffer
}

var errFull = errors.New("disk full")

func (f *failAfter) Write(b []byte) (int, error) {
	f.writes++
	if f.writes > f.n {
		return 0, errFull
	}
	return f.Buffer.Write(b)
}

// TestOutBlocksError: finish returns the first error writing, and
// nothing is written after it.
func TestOutBlocksError(t *testing.T) {
	w := &failAfter{n: 2}
	o := newOutBlocks(w, 16)
	for i := range 10 {
		o.cur.WriteString(fmt.Sprintf("block %d\n", i))
		o.flush()
	}
	if err := o.finish(); err != errFull {
		t.Errorf("finish: %v, want %v", err, errFull)
	}
	if w.writes != 3 || w.String() != "block 0\nblock 1\n" {
		t.Errorf("%d writes, wrote %q; want 3 writes (the third failing), the first two blocks", w.writes, w.String())
	}
}
