package textio

import (
	"bytes"
	"errors"
	"io"
	"unsafe"
)

// PieceSize is how much of a big file Pieces reads at a time.
const PieceSize = 1 << 20

// Pieces reads a text a piece at a time, so that a big file is never
// held whole: each piece is a string of its own, freshly allocated and
// never written again (a string kept from it only keeps its piece), and
// ends at a line end, except the text's last. A line longer than the
// piece size makes a longer piece.
type Pieces struct {
	r    io.Reader
	size int
	// carry is what was read after the last line end of the piece
	// before: the start of the next. It is in that piece's memory, past
	// its string's end, and is only read.
	carry []byte
	err   error
	done  bool
	// reuse: the pieces are read into one buffer, last (ScanPieces).
	reuse bool
	last  []byte
}

// NewPieces reads r in pieces of about size bytes.
func NewPieces(r io.Reader, size int) *Pieces {
	return &Pieces{r: r, size: max(size, 1)}
}

// ReadPieces opens the named file and hands read its pieces of size
// bytes (as Pieces cuts them), then returns the read error that ended
// them, if any, or ErrChanged if the file is not as want (from
// ScanPieces or StampOf) when it is opened or when the pieces end. read
// is not called at all if the file changed before it was opened again.
func ReadPieces(name string, size int, want Stamp, read func(next func() (string, bool))) error {
	f, err := open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := checkStamp(f, want); err != nil {
		return err
	}
	p := NewPieces(f, size)
	read(p.Next)
	if p.Err() != nil {
		return p.Err()
	}
	return checkStamp(f, want)
}

// Next returns the next piece, or false at the end of the text or after
// a read error (see Err).
func (p *Pieces) Next() (string, bool) {
	if p.done {
		return "", false
	}
	var buf []byte
	if need := max(p.size, 2*len(p.carry)); p.reuse && cap(p.last) >= need {
		buf = p.last[:len(p.carry)]
	} else {
		buf = make([]byte, len(p.carry), need)
	}
	copy(buf, p.carry) // the carry may be in buf: copy moves it down
	p.carry = nil
	defer func() { p.last = buf }()
	searched := 0 // the bytes of buf known to have no line end
	for {
		n, err := io.ReadFull(p.r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			p.done = true
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				p.err = err
				return "", false
			}
			if len(buf) == 0 {
				return "", false
			}
			return unsafe.String(unsafe.SliceData(buf), len(buf)), true
		}
		if i := bytes.LastIndexByte(buf[searched:], '\n'); i >= 0 {
			end := searched + i + 1
			p.carry = buf[end:]
			// The string is buf's first end bytes, which nothing writes
			// again: carry is only copied from.
			return unsafe.String(unsafe.SliceData(buf), end), true
		}
		// A line longer than the buffer: a bigger one.
		searched = len(buf)
		buf = append(buf[:len(buf):len(buf)], make([]byte, len(buf))...)[:len(buf)]
	}
}

// Err returns the read error that ended the pieces, if any.
func (p *Pieces) Err() error { return p.err }

// ScanPieces hands fn the pieces of the named file, cut as Pieces cuts
// them, read into one buffer reused from piece to piece: fn must keep
// nothing of a piece (a look through a file for what it holds, before
// it is read to be parsed).
func ScanPieces(name string, size int, fn func(string)) (Stamp, error) {
	f, err := open(name)
	if err != nil {
		return Stamp{}, err
	}
	defer f.Close()
	stamp, err := fileStamp(f)
	if err != nil {
		return Stamp{}, err
	}
	p := NewPieces(f, size)
	p.reuse = true
	for s, ok := p.Next(); ok; s, ok = p.Next() {
		fn(s)
	}
	if p.Err() != nil {
		return Stamp{}, p.Err()
	}
	return stamp, checkStamp(f, stamp)
}
