package compat

import (
	"io"

	"github.com/ipt2nft/ipt2nft/emit"
)

// outBlocks is the output of a restore translation, printed into one of
// two blocks while the other is written out on a goroutine of its own:
// the goroutine that translates and prints is the busiest of the run,
// and a write of a 64 KB block into a file's page cache took it some
// 40 µs, 24 times for a 20,000-rule dump, while the parse workers had
// time to spare (see iptparse's chunkQueue).
type outBlocks struct {
	w       io.Writer
	size    int // of a block
	blocks  [2]emit.Lines
	cur     *emit.Lines   // the block being printed into
	out     chan []byte   // a block to write
	written chan struct{} // the block handed on last is written
	busy    bool          // a block is being written
	err     error         // the first error writing, read once the writer is done
}

// newOutBlocks returns the output blocks of w, of n bytes each, with a
// writer that runs until finish.
func newOutBlocks(w io.Writer, n int) *outBlocks {
	o := &outBlocks{w: w, size: n, out: make(chan []byte), written: make(chan struct{})}
	o.blocks[0].Grow(n)
	o.cur = &o.blocks[0]
	go o.write()
	return o
}

func (o *outBlocks) write() {
	for b := range o.out {
		if o.err == nil {
			_, o.err = o.w.Write(b)
		}
		o.written <- struct{}{}
	}
	close(o.written)
}

// flush hands the current block to the writer and prints into the other
// one from now on, once it is written.
func (o *outBlocks) flush() {
	if o.cur.Len() == 0 {
		return
	}
	if o.busy {
		<-o.written
	}
	o.out <- o.cur.Bytes()
	o.busy = true
	if o.cur == &o.blocks[0] {
		o.cur = &o.blocks[1]
	} else {
		o.cur = &o.blocks[0]
	}
	o.cur.Reset()
	if cap(o.cur.Bytes()) == 0 {
		o.cur.Grow(o.size) // the second block, made once the first is full
	}
}

// finish writes what is left and returns the first error writing.
func (o *outBlocks) finish() error {
	o.flush()
	close(o.out)
	for range o.written {
	}
	return o.err
}
