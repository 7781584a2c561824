package main

import (
	"debug/elf"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

// TestStartProfileSamplesWhenAsked checks that allocations are sampled
// for a heap profile only when IPT2NFT_MEMPROFILE asks for one in a
// binary that writes heap profiles, and that the profile is then
// written; and that a binary built without them writes none.
func TestStartProfileSamplesWhenAsked(t *testing.T) {
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	const rate = 512 << 10

	runtime.MemProfileRate = rate
	t.Setenv("IPT2NFT_MEMPROFILE", "")
	startProfile()()
	if runtime.MemProfileRate != 0 {
		t.Errorf("without IPT2NFT_MEMPROFILE: MemProfileRate %d, want 0", runtime.MemProfileRate)
	}

	runtime.MemProfileRate = rate
	name := filepath.Join(t.TempDir(), "mem.prof")
	t.Setenv("IPT2NFT_MEMPROFILE", name)
	startProfile()()
	want := 0
	if heapProfiles {
		want = rate
	}
	if runtime.MemProfileRate != want {
		t.Errorf("with IPT2NFT_MEMPROFILE: MemProfileRate %d, want %d", runtime.MemProfileRate, want)
	}
	fi, err := os.Stat(name)
	if wrote := err == nil && fi.Size() > 0; wrote != heapProfiles {
		t.Errorf("with IPT2NFT_MEMPROFILE: profile written %v, want %v (%v)", wrote, heapProfiles, err)
	}
}

// TestBinaryWithoutMemProfile checks that the binary, built as make
// build builds it, leaves out the runtime's heap profile: the linker then
// turns memory profiling off before any P allocates (see
// heapprofile_off.go). A use of runtime.MemProfile (or pprof's heap or
// allocs profile) anywhere would bring it back.
func TestBinaryWithoutMemProfile(t *testing.T) {
	f, err := elf.Open(testutil.Binary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Skipf("skipped: no symbols: %v", err)
	}
	found := false
	for _, s := range syms {
		switch s.Name {
		case "runtime.memProfileInternal":
			t.Errorf("the binary holds %s: memory profiling stays on", s.Name)
		case "runtime.disableMemoryProfiling":
			found = true
		}
	}
	if !found {
		t.Error("no runtime.disableMemoryProfiling in the binary: the test cannot tell")
	}
}
