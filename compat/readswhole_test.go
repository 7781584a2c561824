package compat

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/hugestart"
)

// TestReadsWhole checks which files runRestore reads rather than maps:
// regular files up to ReadsUpTo, where the heap has huge pages; none
// where it has not.
func TestReadsWhole(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.v4")
	big := filepath.Join(dir, "big.v4")
	if err := os.WriteFile(small, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, make([]byte, ReadsUpTo+1), 0o644); err != nil {
		t.Fatal(err)
	}
	want := hugestart.Advised()
	if got := readsWhole(small); got != want {
		t.Errorf("a file of 1 MiB: read whole %v, want %v (huge pages advised: %v)", got, want, want)
	}
	if readsWhole(big) {
		t.Errorf("a file of ReadsUpTo+1 bytes: read whole, want mapped")
	}
	if readsWhole(dir) || readsWhole(filepath.Join(dir, "missing")) {
		t.Error("a directory or a missing file: read whole")
	}
}
