// Package fresh makes newly allocated blocks cheap to fill while the
// garbage collector runs.
//
// A pointer store during a collection first reads the old value (Go's
// write barrier). On a page the process has never touched, that read
// maps the kernel's shared zero page, and the store that follows faults
// again to replace it, which makes every CPU running the process flush
// its TLB. Translating the mixed 1,000,000-rule dump took 85,000 such
// faults, some 15 % of its CPU time. Writing one byte per page of a new
// block first gets each page with one ordinary fault instead.
//
// Blocks of 512 bytes to 32 KiB holding pointers begin with a type
// header that the allocator writes in the same read-then-write way, on
// the block's first page: blocks meant to be filled this way are best
// made bigger than 32 KiB.
package fresh

import "unsafe"

// pageSize is the smallest page size of the platforms Go supports; on
// bigger pages some writes are redundant, never missing.
const pageSize = 4096

// Make is make([]T, n) with every page of the new array written to: its
// first fault is then an ordinary one.
func Make[T any](n int) []T {
	s := make([]T, n)
	touch(s)
	return s
}

// touch writes a zero byte to every page of s's backing array, up to its
// capacity. s must be newly made: its memory is all zero, and stays so.
// A small block is touched too: the allocator need not have written its
// page (with the collector off, a new span of small blocks is handed out
// untouched, and a nil check or an append reads a block first).
func touch[T any](s []T) {
	n := uintptr(cap(s)) * unsafe.Sizeof(*new(T))
	if n == 0 {
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(s[:cap(s)]))
	for off := uintptr(0); off < n; off += pageSize {
		*(*byte)(unsafe.Add(p, off)) = 0
	}
	*(*byte)(unsafe.Add(p, n-1)) = 0
}
