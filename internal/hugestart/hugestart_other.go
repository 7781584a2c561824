//go:build !(linux && (amd64 || arm64))

package hugestart

// Advised is false: the heap is given no huge pages here.
func Advised() bool { return false }
