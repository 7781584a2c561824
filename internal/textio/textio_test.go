package textio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
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
