package textio

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Mapping a file instead of reading it. Reading a 20,000-rule dump (1.4
// MB) into new memory took a millisecond before anything else could
// start, most of it the kernel giving the process 350 new pages (2-3 µs
// each on the virtual machines we measure on); mapping the file's pages
// from the page cache, populated in one call, takes a tenth of that.
//
// The price: a mapped file that shrinks while it is read (truncated by
// another program) faults the reader with SIGBUS, which Go reports as a
// crash. Every goroutine that reads a mapped text therefore sets
// debug.SetPanicOnFault and defers Guard, which turns that fault into the
// mapping's onShrink (report ErrChanged and exit).

// MapFrom is the size from which MapFile maps a file: below it, reading
// costs a few pages and a mapping would cost about as much.
const MapFrom = 64 << 10

// mapping is a mapped file's text while it is mapped.
type mapping struct {
	lo, hi   uintptr
	onShrink func()
}

var (
	mappingsMu sync.Mutex
	mappings   []*mapping
)

// MapFile returns the text of the named file, mapped if it is a regular
// file of at least MapFrom bytes and the mapping succeeds, else read as
// ReadFile does. release, nil if the file was read, unmaps the text: no
// string of it may be used after. onShrink is called, from the goroutine that faulted, if a
// goroutine under Guard reads the text past a shrunk file's new end; it
// must not return.
func MapFile(name string, onShrink func()) (text string, release func(), err error) {
	text, _, release, err = MapFileStamp(name, onShrink)
	return text, release, err
}

// MapFileStamp is MapFile that also stamps the file as it was opened, as
// ReadFileStamp does.
func MapFileStamp(name string, onShrink func()) (text string, stamp Stamp, release func(), err error) {
	f, err := open(name)
	if err != nil {
		return "", Stamp{}, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", Stamp{}, nil, err
	}
	stamp = StampOf(fi)
	if size := fi.Size(); fi.Mode().IsRegular() && size >= MapFrom && size == int64(int(size)) {
		b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED|unix.MAP_POPULATE)
		if err == nil {
			m := &mapping{lo: uintptr(unsafe.Pointer(unsafe.SliceData(b))), onShrink: onShrink}
			m.hi = m.lo + uintptr(len(b))
			mappingsMu.Lock()
			mappings = append(mappings, m)
			mappingsMu.Unlock()
			release := func() {
				mappingsMu.Lock()
				for i, o := range mappings {
					if o == m {
						mappings = append(mappings[:i], mappings[i+1:]...)
						break
					}
				}
				mappingsMu.Unlock()
				unix.Munmap(b)
			}
			return unsafe.String(unsafe.SliceData(b), len(b)), stamp, release, nil
		}
	}
	if fi.Mode().IsRegular() && fi.Size() > 0 {
		text, err = readSized(f, int(fi.Size()))
	} else {
		text, err = ReadAll(f)
	}
	return text, stamp, nil, err
}

// Guard, deferred by a goroutine that has set debug.SetPanicOnFault and
// reads a mapped text, calls the mapping's onShrink if the goroutine
// faulted reading it. Any other panic goes on as it was.
func Guard() {
	r := recover()
	if r == nil {
		return
	}
	if e, ok := r.(interface{ Addr() uintptr }); ok {
		if m := mappingAt(e.Addr()); m != nil {
			m.onShrink()
		}
	}
	panic(r)
}

// mappingAt returns the mapping that holds address p, or nil.
func mappingAt(p uintptr) *mapping {
	mappingsMu.Lock()
	defer mappingsMu.Unlock()
	for _, m := range mappings {
		if m.lo <= p && p < m.hi {
			return m
		}
	}
	return nil
}
