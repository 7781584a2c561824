//go:build !(linux && (amd64 || arm64))

package hugestart

import "unsafe"

// Advised is false: the heap is given no huge pages here.
func Advised() bool { return false }

// Advise does nothing here.
func Advise(unsafe.Pointer, uintptr) {}
