// Package textio reads whole inputs as strings without the copy that
// string(os.ReadFile(...)) makes: the parser works on strings, and a
// million-rule dump is some 70 MB, which the copy would hold twice.
package textio

import (
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
func ReadAll(r io.Reader) (string, error) {
	var b strings.Builder
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if off, err := f.Seek(0, io.SeekCurrent); err == nil && st.Size() > off {
				// One byte more, so that the read that finds the end
				// does not grow the buffer.
				b.Grow(int(st.Size()-off) + 1)
			}
		}
	}
	_, err := io.Copy(&b, r)
	return b.String(), err
}
