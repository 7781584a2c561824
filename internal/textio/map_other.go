//go:build !unix

package textio

import "os"

// mapFile maps nothing where there is no mmap: ReadAll reads the file.
func mapFile(f *os.File, size int64) (string, bool) { return "", false }
