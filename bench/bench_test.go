// Package bench holds ipt2nft's Go benchmarks: each pipeline stage on
// synthetic dumps of several sizes. Comparisons against the reference
// tools are made by "make bench" (scripts/bench.sh), in the same run.
package bench

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/gen"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

var sizes = []int{1000, 20000}

func dump(b *testing.B, n int, shape gen.Shape) string {
	var buf bytes.Buffer
	if err := gen.Write(&buf, gen.Options{Rules: n, Shape: shape, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return buf.String()
}

func BenchmarkParse(b *testing.B) {
	for _, n := range sizes {
		src := dump(b, n, gen.Mixed)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for i := 0; i < b.N; i++ {
				iptparse.ParseFile("bench", src, translate.Registry{}, iptparse.FamilyIPv4)
			}
		})
	}
}

func BenchmarkTranslate(b *testing.B) {
	for _, n := range sizes {
		f := iptparse.ParseFile("bench", dump(b, n, gen.Mixed), translate.Registry{}, iptparse.FamilyIPv4)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				tr := translate.New(translate.Options{})
				tr.AddFile(f)
				tr.Ruleset()
			}
		})
	}
}

func BenchmarkOptimize(b *testing.B) {
	for _, n := range sizes {
		f := iptparse.ParseFile("bench", dump(b, n, gen.Mixed), translate.Registry{}, iptparse.FamilyIPv4)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				tr := translate.New(translate.Options{})
				tr.AddFile(f)
				rs := tr.Ruleset()
				b.StartTimer()
				translate.Optimize(rs, translate.AllOpt())
			}
		})
	}
}

func BenchmarkPrint(b *testing.B) {
	for _, n := range sizes {
		f := iptparse.ParseFile("bench", dump(b, n, gen.Mixed), translate.Registry{}, iptparse.FamilyIPv4)
		tr := translate.New(translate.Options{})
		tr.AddFile(f)
		rs := tr.Ruleset()
		translate.Optimize(rs, translate.AllOpt())
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				(&emit.Printer{}).WriteRuleset(io.Discard, rs, emit.RulesetOptions{Replace: true})
			}
		})
	}
}
