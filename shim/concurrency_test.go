package shim_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

// TestConcurrentWaitAppends runs 16 processes at once, each appending
// 100 rules with -w: the xtables lock serializes them, and every rule
// must be there exactly once.
func TestConcurrentWaitAppends(t *testing.T) {
	bin := tools(t)
	ns := testutil.NewNetns(t)
	ipt := filepath.Join(bin, "iptables")
	const procs, each = 16, 100
	// Each process runs its 100 calls from one shell, so that the 16
	// shells really run at the same time.
	var wg sync.WaitGroup
	errs := make(chan string, procs)
	for p := 0; p < procs; p++ {
		var script strings.Builder
		for i := 0; i < each; i++ {
			fmt.Fprintf(&script, "%s -w -A INPUT -s 10.%d.%d.1 -j ACCEPT || echo FAIL %d\n", ipt, p, i, i)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, e, code := run(ns, script.String(), "sh")
			if code != 0 || strings.Contains(out, "FAIL") || e != "" {
				errs <- fmt.Sprintf("process %d: status %d: %s %s", p, code, out, e)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	out, e, code := run(ns, "", ipt, "-S", "INPUT")
	if code != 0 {
		t.Fatalf("-S: %s", e)
	}
	seen := map[string]int{}
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "-A INPUT") {
			seen[l]++
			n++
		}
	}
	dups := 0
	for _, c := range seen {
		if c > 1 {
			dups++
		}
	}
	if n != procs*each || len(seen) != procs*each || dups != 0 {
		t.Errorf("%d rules, %d distinct, %d duplicated; want %d", n, len(seen), dups, procs*each)
	}
	t.Logf("%d processes x %d appends with -w: %d rules present, %d distinct, %d duplicated", procs, each, n, len(seen), dups)
	// The kernel has one nft rule per iptables rule.
	nft, _, _ := run(ns, "", "nft", "-a", "list", "chain", "ip", "ipt2nft_shim", "filter/INPUT")
	if c := strings.Count(nft, "accept # handle"); c != procs*each {
		t.Errorf("nft lists %d rules, want %d", c, procs*each)
	}
}
