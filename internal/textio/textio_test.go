package textio

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/sys/unix"
)

func TestReadFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "rules")
	want := strings.Repeat("-A INPUT -s 192.0.2.1/32 -j DROP\n", 1000)
	if err := os.WriteFile(name, []byte(want), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(name)
	if err != nil || got != want {
		t.Fatalf("ReadFile = %d bytes, %v; want %d bytes", len(got), err, len(want))
	}
	// A file read from the middle, as stdin can be.
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(100, 0); err != nil {
		t.Fatal(err)
	}
	got, err = ReadAll(f)
	if err != nil || got != want[100:] {
		t.Fatalf("ReadAll after seek = %d bytes, %v; want %d", len(got), err, len(want)-100)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing")); !os.IsNotExist(err) {
		t.Fatalf("ReadFile of a missing file: %v", err)
	}
}

// TestReadSized: readSized reads what there is, whether the size it
// was told is right, short (a file that grew) or long.
func TestReadSized(t *testing.T) {
	want := strings.Repeat("-A INPUT -j ACCEPT\n", 5000)
	for _, size := range []int{len(want), 0, 1, len(want) / 2, len(want) - 1, len(want) + 1, 2 * len(want)} {
		for _, r := range []io.Reader{strings.NewReader(want), iotest.HalfReader(strings.NewReader(want)), iotest.DataErrReader(strings.NewReader(want))} {
			if got, err := readSized(r, size); err != nil || got != want {
				t.Fatalf("readSized(%T, %d) = %d bytes, %v; want %d", r, size, len(got), err, len(want))
			}
		}
	}
	if _, err := readSized(iotest.TimeoutReader(strings.NewReader(want)), len(want)); err == nil {
		t.Fatal("readSized hid a read error")
	}
}

func TestReadAllReader(t *testing.T) {
	want := strings.Repeat("x", 100000)
	got, err := ReadAll(iotest.OneByteReader(strings.NewReader(want)))
	if err != nil || got != want {
		t.Fatalf("ReadAll = %d bytes, %v", len(got), err)
	}
	if _, err := ReadAll(iotest.ErrReader(os.ErrClosed)); err == nil {
		t.Fatal("ReadAll hid a read error")
	}
}

// pipeReader reads like a pipe: a piece at a time, and nothing else (no
// WriterTo for io.Copy to take).
type pipeReader struct{ r io.Reader }

func (p pipeReader) Read(b []byte) (int, error) { return p.r.Read(b[:min(len(b), 64<<10)]) }

// TestReadAllPipeHoldsTheInputOnce: read from a pipe, the input is held
// once, at its size, and reading it allocates about twice its size
// (the chunks, then the string). A buffer grown as it filled kept up to
// a quarter more for the whole run and allocated some five times the
// input on the way.
func TestReadAllPipeHoldsTheInputOnce(t *testing.T) {
	want := strings.Repeat("-A INPUT -s 192.0.2.1/32 -j DROP\n", 500000) // 17 MB
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, err := ReadAll(pipeReader{strings.NewReader(want)})
	runtime.GC()
	runtime.ReadMemStats(&after)
	if err != nil || got != want {
		t.Fatalf("ReadAll = %d bytes, %v; want %d", len(got), err, len(want))
	}
	n := uint64(len(want))
	if held := after.HeapAlloc - before.HeapAlloc; held > n+n/20+1<<20 {
		t.Errorf("the string of %d bytes holds %d bytes of heap", n, held)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 5*n/2 {
		t.Errorf("reading %d bytes allocated %d", n, alloc)
	}
	runtime.KeepAlive(got)
}

// TestPieces: the pieces join to the text, each ends at a line end but
// the last, and none is much longer than the piece size unless a line is.
func TestPieces(t *testing.T) {
	texts := []string{"", "\n", "a", "a\n", "a\nb", "abc\r\ndef\r\n", strings.Repeat("x", 300) + "\nshort\n" + strings.Repeat("y", 200),
		strings.Repeat("-A INPUT -s 192.0.2.1/32 -j DROP\n", 100)}
	for _, text := range texts {
		for _, size := range []int{1, 2, 3, 7, 64, 65, 4096} {
			for _, r := range []io.Reader{strings.NewReader(text), iotest.OneByteReader(strings.NewReader(text)), iotest.DataErrReader(strings.NewReader(text))} {
				p := NewPieces(r, size)
				var got strings.Builder
				var pieces []string
				for s, ok := p.Next(); ok; s, ok = p.Next() {
					pieces = append(pieces, s)
					got.WriteString(s)
				}
				if p.Err() != nil || got.String() != text {
					t.Fatalf("size %d: pieces of %q join to %q, err %v", size, text, got.String(), p.Err())
				}
				for i, s := range pieces {
					if s == "" || i < len(pieces)-1 && !strings.HasSuffix(s, "\n") {
						t.Fatalf("size %d: piece %d of %q is %q", size, i, text, s)
					}
					// Longer than a piece: only to hold a line longer still.
					if first, _, _ := strings.Cut(s, "\n"); len(s) > size && 2*len(first) < len(s)-2*size {
						t.Fatalf("size %d: piece %q is longer than its first line needs", size, s)
					}
				}
			}
		}
	}
	// ScanPieces cuts the same pieces, in one buffer.
	name := filepath.Join(t.TempDir(), "rules")
	text := strings.Repeat("-A INPUT -s 192.0.2.1/32 -j DROP\n", 10) + strings.Repeat("z", 100) + "\nend"
	if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 5, 33, 64, 1000} {
		var want, got []string
		p := NewPieces(strings.NewReader(text), size)
		for s, ok := p.Next(); ok; s, ok = p.Next() {
			want = append(want, s)
		}
		stamp, err := ScanPieces(name, size, func(s string) { got = append(got, strings.Clone(s)) })
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("size %d: ScanPieces = %q, %v; want %q", size, got, err, want)
		}
		// ReadPieces reads the same pieces again, as fresh strings.
		got = nil
		err = ReadPieces(name, size, stamp, func(next func() (string, bool)) {
			for s, ok := next(); ok; s, ok = next() {
				got = append(got, s)
			}
		})
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("size %d: ReadPieces = %q, %v; want %q", size, got, err, want)
		}
	}
	p := NewPieces(iotest.TimeoutReader(strings.NewReader(strings.Repeat("a\n", 100))), 16)
	for _, ok := p.Next(); ok; _, ok = p.Next() {
	}
	if p.Err() == nil {
		t.Fatal("Pieces hid a read error")
	}
}

// TestReadPiecesChanged checks that a file read twice, looked through and
// then read in pieces, fails the second read if it changed in between:
// rewritten with other text of the same size and a later time, grown,
// or replaced by another file under its name. ReadFileStamp stamps it as
// ScanPieces does.
func TestReadPiecesChanged(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "rules")
	text := strings.Repeat("-A INPUT -s 192.0.2.1/32 -j DROP\n", 10)
	changes := map[string]func() error{
		"same size, later time": func() error {
			if err := os.WriteFile(name, []byte(strings.ReplaceAll(text, "DROP", "DENY")), 0o600); err != nil {
				return err
			}
			later := time.Now().Add(time.Hour)
			return os.Chtimes(name, later, later)
		},
		"grown": func() error {
			f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			_, err = f.WriteString("-A INPUT -j ACCEPT\n")
			return errors.Join(err, f.Close())
		},
		"replaced": func() error {
			other := filepath.Join(dir, "other")
			if err := os.WriteFile(other, []byte(text), 0o600); err != nil {
				return err
			}
			st, err := os.Stat(name)
			if err != nil {
				return err
			}
			if err := os.Chtimes(other, st.ModTime(), st.ModTime()); err != nil {
				return err
			}
			return os.Rename(other, name)
		},
	}
	for what, change := range changes {
		for _, stampIt := range []string{"ScanPieces", "ReadFileStamp"} {
			if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			var stamp Stamp
			var err error
			if stampIt == "ScanPieces" {
				stamp, err = ScanPieces(name, 64, func(string) {})
			} else {
				_, stamp, err = ReadFileStamp(name)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := ReadPieces(name, 64, stamp, func(next func() (string, bool)) {}); err != nil {
				t.Fatalf("%s, unchanged: %v", stampIt, err)
			}
			if err := change(); err != nil {
				t.Fatal(err)
			}
			called := false
			err = ReadPieces(name, 64, stamp, func(next func() (string, bool)) { called = true })
			if !errors.Is(err, ErrChanged) || called {
				t.Errorf("%s, then %s: ReadPieces = %v, read called %v; want ErrChanged before reading", stampIt, what, err, called)
			}
		}
	}
	// A change while the pieces are read is found at their end.
	if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	stamp, err := ScanPieces(name, 64, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	err = ReadPieces(name, 64, stamp, func(next func() (string, bool)) {
		next()
		if err := changes["grown"](); err != nil {
			t.Fatal(err)
		}
		for _, ok := next(); ok; _, ok = next() {
		}
	})
	if !errors.Is(err, ErrChanged) {
		t.Errorf("grown while read: ReadPieces = %v, want ErrChanged", err)
	}
}

// TestOpenWithoutPoller: open gives a file that Go's poller does not
// watch (os.Open's of a FIFO it would: then deadlines can be set), and
// the errors os.Open gives.
func TestOpenWithoutPoller(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	go func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.WriteString("text")
			w.Close()
		}
	}()
	f, err := open(fifo)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.SetReadDeadline(time.Now().Add(time.Minute)); !errors.Is(err, os.ErrNoDeadline) {
		t.Errorf("SetReadDeadline: %v, want %v: the poller watches the file", err, os.ErrNoDeadline)
	}
	if b, err := io.ReadAll(f); err != nil || string(b) != "text" {
		t.Errorf("read %q, %v", b, err)
	}
	missing := filepath.Join(dir, "missing")
	_, err = open(missing)
	_, want := os.Open(missing)
	if err == nil || err.Error() != want.Error() || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("open of a missing file: %v, want %v", err, want)
	}
}
