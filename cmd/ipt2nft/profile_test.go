package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestStartProfileSamplesWhenAsked checks that allocations are sampled
// for a heap profile only when IPT2NFT_MEMPROFILE asks for one, and that
// the profile is then written.
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
	if runtime.MemProfileRate != rate {
		t.Errorf("with IPT2NFT_MEMPROFILE: MemProfileRate %d, want %d", runtime.MemProfileRate, rate)
	}
	if fi, err := os.Stat(name); err != nil || fi.Size() == 0 {
		t.Errorf("with IPT2NFT_MEMPROFILE: no profile written (%v)", err)
	}
}
