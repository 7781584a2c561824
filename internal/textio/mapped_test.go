package textio

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"unsafe"
)

func TestMapFile(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 10, MapFrom - 1, MapFrom, 3*MapFrom + 17} {
		want := strings.Repeat("-A INPUT -j DROP\n", size/17+1)[:size]
		name := filepath.Join(dir, "rules")
		if err := os.WriteFile(name, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		got, release, err := MapFile(name, func() { t.Error("onShrink called") })
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if got != want {
			t.Errorf("%d bytes: got %d bytes, not the file's", size, len(got))
		}
		if mapped := release != nil; mapped != (size >= MapFrom) {
			t.Errorf("%d bytes: mapped %v", size, mapped)
		}
		if release != nil {
			if mappingAt(addr(got)+uintptr(len(got)-1)) == nil {
				t.Errorf("%d bytes: the mapping is not registered", size)
			}
			release()
			if len(mappings) != 0 {
				t.Errorf("%d bytes: %d mappings left after release", size, len(mappings))
			}
		}
	}
	if _, _, err := MapFile(filepath.Join(dir, "none"), nil); !os.IsNotExist(err) {
		t.Errorf("a missing file: %v", err)
	}
}

// TestMapFileShrinks truncates a mapped file and reads its text past the
// new end, as a parser would: Guard must call onShrink, not crash.
func TestMapFileShrinks(t *testing.T) {
	name := filepath.Join(t.TempDir(), "rules")
	if err := os.WriteFile(name, []byte(strings.Repeat("x", 4*MapFrom)), 0o644); err != nil {
		t.Fatal(err)
	}
	text, release, err := MapFile(name, func() { runtime.Goexit() })
	if err != nil || release == nil {
		t.Fatalf("not mapped: %v", err)
	}
	defer release()
	if err := os.Truncate(name, 0); err != nil {
		t.Fatal(err)
	}
	faulted, done := true, make(chan struct{})
	go func() {
		defer close(done)
		debug.SetPanicOnFault(true)
		defer Guard()
		sink = text[len(text)-1] // the page is no longer the file's
		faulted = false
	}()
	<-done
	if !faulted {
		t.Error("read a truncated file's mapping without a fault")
	}
}

// TestGuardOtherPanics checks that Guard lets a panic that is not a fault
// on a mapping go on.
func TestGuardOtherPanics(t *testing.T) {
	var got any
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { got = recover() }()
		defer Guard()
		panic("not a fault")
	}()
	<-done
	if got != "not a fault" {
		t.Errorf("recovered %v", got)
	}
}

var sink byte

func addr(s string) uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(s))) }
