package kernel_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/kernel"
	"github.com/ipt2nft/ipt2nft/translate"
)

// benchRules is the size of the benchmark dump.
const benchRules = 20000

// upstreamLiteral is upstream iptables-restore-translate's output for the
// dump (ipt2nft's exact mode reproduces it): one "add rule" per rule.
func upstreamLiteral(src string) string {
	tr := translate.New(translate.Options{Exact: true})
	tr.AddFile(iptparse.ParseFile("bench.rules", src, translate.Registry{}, iptparse.FamilyIPv4))
	p := &emit.Printer{Style: emit.Style{Upstream: true}}
	var b strings.Builder
	for _, c := range tr.Commands() {
		if c.Op == 0 && c.Table == "" {
			continue
		}
		b.WriteString(p.CommandText(c) + "\n")
	}
	return b.String()
}

// BenchmarkApply20k measures the time to put a 20,000-rule dump into the
// kernel, three ways, in the same run, each into a fresh namespace:
//
//   - netlink-optimized: ipt2nft apply's path (compile our optimized
//     output, one netlink transaction);
//   - nft-f-optimized-text: the same ruleset as text through "nft -f"
//     (separates the loading path from the optimizer's effect);
//   - nft-f-upstream-literal: "nft -f" of upstream's literal translation;
//   - iptables-legacy-restore: the original dump.
//
// Translation is not timed (it is the same for every apply); only
// loading is.
func BenchmarkApply20k(b *testing.B) {
	if ok, why := testutil.CanUseNetns(); !ok {
		b.Skip(why)
	}
	src := scattered(b, benchRules)
	rs := normal("bench.rules", src, iptparse.FamilyIPv4)
	literal := upstreamLiteral(src)
	b.Run("netlink-optimized", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			ns := testutil.NewNetns(b)
			b.StartTimer()
			prog, err := emit.CompileNetlink(rs)
			if err != nil {
				b.Fatal(err)
			}
			msgs, err := prog.Messages()
			if err != nil {
				b.Fatal(err)
			}
			if err := kernel.SendBatch(ns.Name, msgs, nil); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(prog.Rules()), "nft-rules")
		}
	})
	var optimized strings.Builder
	if err := (&emit.Printer{}).WriteRuleset(&optimized, rs, emit.RulesetOptions{Replace: true}); err != nil {
		b.Fatal(err)
	}
	b.Run("nft-f-optimized-text", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			ns := testutil.NewNetns(b)
			b.StartTimer()
			if out, err := ns.Exec(optimized.String(), "nft", "-f", "-"); err != nil {
				b.Fatalf("nft -f: %v\n%s", err, out)
			}
		}
	})
	b.Run("nft-f-upstream-literal", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			ns := testutil.NewNetns(b)
			b.StartTimer()
			if out, err := ns.Exec(literal, "nft", "-f", "-"); err != nil {
				b.Fatalf("nft -f: %v\n%s", err, out)
			}
			b.ReportMetric(float64(strings.Count(literal, "add rule ")), "nft-rules")
		}
	})
	b.Run("iptables-legacy-restore", func(b *testing.B) {
		if _, err := exec.LookPath("iptables-legacy-restore"); err != nil {
			b.Skip("iptables-legacy-restore not installed")
		}
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			ns := testutil.NewNetns(b)
			b.StartTimer()
			if out, err := ns.Exec(src, "iptables-legacy-restore"); err != nil {
				b.Fatalf("iptables-legacy-restore: %v\n%s", err, out)
			}
			b.ReportMetric(float64(benchRules), "rules")
		}
	})
}
