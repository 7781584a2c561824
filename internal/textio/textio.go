// Package textio reads whole inputs as strings without the copy that
// string(os.ReadFile(...)) makes: the parser works on strings, and a
// million-rule dump is some 70 MB, which the copy would hold twice.
package textio

import (
	"errors"
	"io"
	"os"
	"strings"
)

// ReadFile returns the contents of the named file.
func ReadFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return ReadAll(f)
}

// ReadAll reads r to its end. When r is a regular file (a named file,
// or stdin redirected from one) the string is allocated once at its size.
// Otherwise (a pipe: iptables-save | ipt2nft) the input is read in
// chunks and joined once at its size: a buffer grown as it fills would
// keep up to a quarter more than the input for the whole run, and leave
// every smaller copy behind as garbage (a million-rule dump read from a
// pipe peaked 100 MB higher than from the file).
func ReadAll(r io.Reader) (string, error) {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if off, err := f.Seek(0, io.SeekCurrent); err == nil && st.Size() > off {
				var b strings.Builder
				// One byte more, so that the read that finds the end
				// does not grow the buffer.
				b.Grow(int(st.Size()-off) + 1)
				_, err := io.Copy(&b, r)
				return b.String(), err
			}
		}
	}
	var chunks [][]byte
	total, size := 0, 64<<10
	for {
		c := make([]byte, size)
		n, err := io.ReadFull(r, c)
		chunks = append(chunks, c[:n])
		total += n
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return "", err
		}
		size = min(2*size, 4<<20)
	}
	var b strings.Builder
	b.Grow(total)
	for _, c := range chunks {
		b.Write(c)
	}
	return b.String(), nil
}
