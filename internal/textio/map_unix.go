//go:build unix

package textio

import (
	"os"
	"syscall"
	"unsafe"
)

// mapFile maps the first size bytes of f into memory, read only, as a
// string: the pages come from the page cache as they are first read,
// without being copied (nor faulted in one by one, before anything else
// can start). The mapping is never undone: the input's strings live as
// long as the program.
func mapFile(f *os.File, size int64) (string, bool) {
	if size <= 0 || int64(int(size)) != size {
		return "", false
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return "", false
	}
	return unsafe.String(unsafe.SliceData(data), len(data)), true
}
