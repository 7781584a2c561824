package textio

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// ErrChanged is the error of a file read in pieces that is not the file
// it was when it was first looked through: it changed, or was replaced,
// between the two reads or during the second.
var ErrChanged = errors.New("the file changed while it was being read: its translation is not to be trusted, translate it again")

// Stamp tells a file's versions apart as far as stat can: the same file
// (device and inode), size and modification time. A big file is read
// twice, a look through it and then its pieces (see ScanPieces), and both
// reads must see the same text.
type Stamp struct {
	dev, ino uint64
	size     int64
	mod      time.Time
}

// StampOf is the stamp of a file's stat.
func StampOf(fi os.FileInfo) Stamp {
	s := Stamp{size: fi.Size(), mod: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.dev, s.ino = uint64(st.Dev), st.Ino
	}
	return s
}

// Size is the file's size when it was stamped.
func (s Stamp) Size() int64 { return s.size }

// fileStamp stats an open file.
func fileStamp(f *os.File) (Stamp, error) {
	fi, err := f.Stat()
	if err != nil {
		return Stamp{}, err
	}
	return StampOf(fi), nil
}

// checkStamp returns ErrChanged, naming the file, if f is not as want.
func checkStamp(f *os.File, want Stamp) error {
	got, err := fileStamp(f)
	if err != nil {
		return err
	}
	if !got.mod.Equal(want.mod) || got.size != want.size || got.dev != want.dev || got.ino != want.ino {
		return fmt.Errorf("%s: %w", f.Name(), ErrChanged)
	}
	return nil
}
