package kernel_test

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/kernel"
)

// TestRequestReusesBuffer: requests share their receive buffer. A
// megabyte each filled the heap of a shim command with garbage and
// started a collection in every other "ipset add".
func TestRequestReusesBuffer(t *testing.T) {
	ns := testutil.NewNetns(t)
	if out, err := ns.Exec("", "nft", "add table ip t1; add table ip6 t2"); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	const n = 8
	var allocated uint64
	err := kernel.InNetns(ns.Name, func() error {
		list := func() error {
			tables, err := kernel.Request(unix.NFT_MSG_GETTABLE, unix.NLM_F_DUMP, unix.AF_UNSPEC, nil)
			if err == nil && len(tables) != 2 {
				t.Errorf("%d tables listed, want 2", len(tables))
			}
			return err
		}
		if err := list(); err != nil {
			return err
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			if err := list(); err != nil {
				return err
			}
		}
		runtime.ReadMemStats(&after)
		allocated = after.TotalAlloc - before.TotalAlloc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocated > 256<<10 {
		t.Errorf("%d requests allocated %d bytes, want under 256 KB", n, allocated)
	}
}
