package kernel_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
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

// TestRequestEachDump: a dump of many parts (3,000 rules, read by the
// reading goroutine) gives every rule once, in the kernel's order, as
// Request does; ErrStop ends it early without an error, and the next
// request works.
func TestRequestEachDump(t *testing.T) {
	ns := testutil.NewNetns(t)
	var sb strings.Builder
	sb.WriteString("table ip t { chain c {\n")
	for i := range 3000 {
		fmt.Fprintf(&sb, "ip saddr 10.0.%d.%d counter drop comment \"rule %d\"\n", i/250, i%250+1, i)
	}
	sb.WriteString("}\n}\n")
	if out, err := ns.Exec(sb.String(), "nft", "-f", "-"); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	data := []byte{6, 0, 1, 0, 't', 0, 0, 0} // NFTA_RULE_TABLE "t"
	err := kernel.InNetns(ns.Name, func() error {
		all, err := kernel.Request(unix.NFT_MSG_GETRULE, unix.NLM_F_DUMP, unix.AF_INET, data)
		if err != nil {
			return err
		}
		if len(all) != 3000 {
			t.Fatalf("Request: %d rules, want 3000", len(all))
		}
		var got int
		err = kernel.RequestEach(unix.NFT_MSG_GETRULE, unix.NLM_F_DUMP, unix.AF_INET, data, func(a kernel.Answer) error {
			if got < len(all) && !bytes.Equal(a.Attrs, all[got].Attrs) {
				t.Errorf("rule %d differs from Request's", got)
			}
			got++
			return nil
		})
		if err != nil || got != 3000 {
			t.Errorf("RequestEach: %d rules (%v), want 3000", got, err)
		}
		for _, stop := range []int{1, 20, 1500} {
			got = 0
			err = kernel.RequestEach(unix.NFT_MSG_GETRULE, unix.NLM_F_DUMP, unix.AF_INET, data, func(kernel.Answer) error {
				got++
				if got == stop {
					return kernel.ErrStop
				}
				return nil
			})
			if err != nil || got != stop {
				t.Errorf("stopped at %d: read %d (%v)", stop, got, err)
			}
		}
		again, err := kernel.Request(unix.NFT_MSG_GETRULE, unix.NLM_F_DUMP, unix.AF_INET, data)
		if err != nil || len(again) != 3000 {
			t.Errorf("after the stops: %d rules (%v)", len(again), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
