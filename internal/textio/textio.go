// Package textio reads whole inputs as strings without the copy that
// string(os.ReadFile(...)) makes: the parser works on strings, and a
// million-rule dump is some 70 MB, which the copy would hold twice.
package textio

import (
	"errors"
	"io"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/internal/hugestart"
)

// open opens the named file for reading, as os.Open does but without
// Go's poller: os.Open has the poller watch every file it opens, which
// for the first file creates the poller (an epoll instance and an
// eventfd, seven system calls in all) only for the kernel to refuse to
// watch a regular file. A run that opens nothing else never needs it.
// The file is read with blocking reads, as regular files are anyway.
func open(name string) (*os.File, error) {
	for {
		fd, err := unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == nil {
			return os.NewFile(uintptr(fd), name), nil
		}
		if err != unix.EINTR {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
	}
}

// ReadFile returns the contents of the named file.
func ReadFile(name string) (string, error) {
	f, err := open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return ReadAll(f)
}

// ReadFileStamp is ReadFile that also stamps the file as it was opened,
// for a second read in pieces (ReadPieces) that must see the same text.
// The stamp's stat sizes the read, as ReadAll's own would.
func ReadFileStamp(name string) (string, Stamp, error) {
	f, err := open(name)
	if err != nil {
		return "", Stamp{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", Stamp{}, err
	}
	var src string
	if fi.Mode().IsRegular() && fi.Size() > 0 {
		src, err = readSized(f, int(fi.Size()))
	} else {
		src, err = ReadAll(f)
	}
	return src, StampOf(fi), err
}

// ReadAll reads r to its end. When r is a regular file (a named file,
// or stdin redirected from one) the string is allocated once at its size
// and read into in one go: copied through io.Copy's 32 KB buffer, a
// 20,000-rule dump took 44 reads and a millisecond before anything else
// could start. Otherwise (a pipe: iptables-save | ipt2nft) the input is read in
// chunks and joined once at its size: a buffer grown as it fills would
// keep up to a quarter more than the input for the whole run, and leave
// every smaller copy behind as garbage (a million-rule dump read from a
// pipe peaked 100 MB higher than from the file).
func ReadAll(r io.Reader) (string, error) {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if off, err := f.Seek(0, io.SeekCurrent); err == nil && st.Size() > off {
				return readSized(f, int(st.Size()-off))
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

// readSized reads r to its end into a string made for size bytes, grown
// if r has more (a file that grew since its size was read).
func readSized(r io.Reader, size int) (string, error) {
	// One byte more, so that the read that finds the end does not grow
	// the buffer.
	buf := make([]byte, 0, size+1)
	if size >= MapFrom {
		// Filled at once: on huge pages where the heap can have them.
		hugestart.Advise(unsafe.Pointer(unsafe.SliceData(buf)), uintptr(cap(buf)))
	}
	var err error
	for {
		var n int
		n, err = r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			break
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	// The buffer is the string's: nothing else refers to it.
	return unsafe.String(unsafe.SliceData(buf), len(buf)), err
}
