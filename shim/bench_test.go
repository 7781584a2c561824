package shim_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/kernel"
)

// BenchmarkAppend measures one "iptables -A" through the shim against
// one "iptables-nft -A" (Debian's iptables on nftables), in the same run,
// each in its own fresh namespace (the processes are started from a
// thread that joined it, so no "ip netns exec" is timed). Each iteration
// appends one rule with each; the chains grow alike. Reported:
// shim-ms/op, iptables-nft-ms/op and their ratio (shim/nft).
func BenchmarkAppend(b *testing.B) {
	if ok, why := testutil.CanUseNetns(); !ok {
		b.Skip(why)
	}
	nftPath, err := exec.LookPath("iptables-nft")
	if err != nil {
		b.Skip("iptables-nft not installed")
	}
	ipt := filepath.Join(tools(b), "iptables")
	nsShim, nsNft := testutil.NewNetns(b), testutil.NewNetns(b)
	runIn := func(ns, prog string, args ...string) time.Duration {
		var d time.Duration
		err := kernel.InNetns(ns, func() error {
			start := time.Now()
			out, err := exec.Command(prog, args...).CombinedOutput()
			d = time.Since(start)
			if err != nil {
				return fmt.Errorf("%s: %v: %s", prog, err, out)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	// Warm up both (table creation is not what is measured).
	runIn(nsShim.Name, ipt, "-A", "INPUT", "-s", "192.0.2.1", "-j", "ACCEPT")
	runIn(nsNft.Name, nftPath, "-A", "INPUT", "-s", "192.0.2.1", "-j", "ACCEPT")
	var shimT, nftT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		addr := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		args := []string{"-A", "INPUT", "-s", addr, "-p", "tcp", "--dport", "22", "-j", "ACCEPT"}
		shimT += runIn(nsShim.Name, ipt, args...)
		nftT += runIn(nsNft.Name, nftPath, args...)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(shimT.Microseconds())/1000/n, "shim-ms/op")
	b.ReportMetric(float64(nftT.Microseconds())/1000/n, "iptables-nft-ms/op")
	b.ReportMetric(float64(shimT)/float64(nftT), "shim/nft")
}
