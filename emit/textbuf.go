package emit

import (
	"bytes"
	"io"
)

// textBuf is what the printer writes text into: a strings.Builder that
// can be emptied and reused, and that can hand what it holds on to a
// writer as it goes (flushTo), so that a big ruleset is never held whole
// as text (a million-rule dump prints some 60 MB).
type textBuf struct {
	buf []byte
	w   io.Writer // where maybeFlush hands the text on; nil: it is kept
	err error     // the first error of w

	// Line counting, for RulesetOptions.RuleLines: lines in the text
	// handed on and in buf[:counted]. flush counts the lines it hands on
	// only if countLines: on the mixed 20,000-rule dump the count cost
	// 0.24 M instructions for nothing when no line was asked for.
	lines, counted int
	countLines     bool
}

func (b *textBuf) WriteString(s string) (int, error) {
	b.buf = append(b.buf, s...)
	return len(s), nil
}

func (b *textBuf) WriteByte(c byte) error {
	b.buf = append(b.buf, c)
	return nil
}

func (b *textBuf) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// String returns a copy of the text held.
func (b *textBuf) String() string { return string(b.buf) }

func (b *textBuf) reset() { b.buf, b.lines, b.counted = b.buf[:0], 0, 0 }

// flushSize is how much text maybeFlush lets gather before writing it.
const flushSize = 64 << 10

// maybeFlush writes the text held to w once there is enough of it.
func (b *textBuf) maybeFlush() {
	if b.w != nil && len(b.buf) >= flushSize {
		b.flush()
	}
}

// flush writes the text held to w and empties the buffer.
func (b *textBuf) flush() {
	if b.countLines {
		b.lines += bytes.Count(b.buf[b.counted:], newline)
	}
	b.counted = 0
	if b.err == nil {
		_, b.err = b.w.Write(b.buf)
	}
	b.buf = b.buf[:0]
}

var newline = []byte{'\n'}

// nextLine is the number of the line about to be written.
func (b *textBuf) nextLine() int {
	b.lines += bytes.Count(b.buf[b.counted:], newline)
	b.counted = len(b.buf)
	return b.lines + 1
}
