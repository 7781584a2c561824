// Package bench holds ipt2nft's Go benchmarks: each pipeline stage on
// synthetic dumps of several shapes and sizes. Comparisons against the
// reference tools are made by "make bench" (scripts/bench.sh), in the
// same run.
//
// The sizes are 1000 and 20000 rules; IPT2NFT_BENCH_SIZES (for example
// "1000,20000,100000") chooses others.
package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/compat"
	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/gen"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/report"
	"github.com/ipt2nft/ipt2nft/translate"
)

func sizes(b *testing.B) []int {
	env := os.Getenv("IPT2NFT_BENCH_SIZES")
	if env == "" {
		return []int{1000, 20000}
	}
	var out []int
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("IPT2NFT_BENCH_SIZES: bad size %q", f)
		}
		out = append(out, n)
	}
	return out
}

// variants are the dumps each benchmark runs on: the generator's shapes
// dumped with counters, as "iptables-save -c" writes them, and two as
// most real dumps are: without counters (comments then do not keep a
// services list from merging into one concatenation) and with the
// blocklist out of order.
var variants = []struct {
	name string
	o    gen.Options
}{
	{"mixed", gen.Options{Shape: gen.Mixed, Counters: true}},
	{"blocklist", gen.Options{Shape: gen.Blocklist, Counters: true}},
	{"dispatch", gen.Options{Shape: gen.Dispatch, Counters: true}},
	{"mixed-nocounters", gen.Options{Shape: gen.Mixed}},
	{"blocklist-shuffled", gen.Options{Shape: gen.Blocklist, Counters: true, Shuffle: true}},
}

// each runs fn as a sub-benchmark for every variant and size, with the dump.
func each(b *testing.B, fn func(b *testing.B, src string)) {
	for _, v := range variants {
		for _, n := range sizes(b) {
			var buf bytes.Buffer
			o := v.o
			o.Rules, o.Seed = n, 1
			if err := gen.Write(&buf, o); err != nil {
				b.Fatal(err)
			}
			src := buf.String()
			b.Run(fmt.Sprintf("%s/%d", v.name, n), func(b *testing.B) { fn(b, src) })
		}
	}
}

func parse(src string) *iptparse.File {
	return iptparse.ParseFile("bench", src, translate.Registry{}, iptparse.FamilyAny)
}

func translated(f *iptparse.File) *ir.Ruleset {
	tr := translate.New(translate.Options{})
	tr.AddFile(f)
	return tr.Ruleset()
}

// optimized runs the optimizer as the command does: the inet merge, then
// every pass.
func optimized(rs *ir.Ruleset) {
	translate.MergeInet(rs, &translate.OptReport{})
	translate.Optimize(rs, translate.AllOpt())
}

func BenchmarkParse(b *testing.B) {
	each(b, func(b *testing.B, src string) {
		b.ReportAllocs()
		b.SetBytes(int64(len(src)))
		for i := 0; i < b.N; i++ {
			parse(src)
		}
	})
}

func BenchmarkTranslate(b *testing.B) {
	each(b, func(b *testing.B, src string) {
		f := parse(src)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			translated(f)
		}
	})
}

func BenchmarkOptimize(b *testing.B) {
	each(b, func(b *testing.B, src string) {
		f := parse(src)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			rs := translated(f)
			b.StartTimer()
			optimized(rs)
		}
	})
}

// BenchmarkOptimizeForJSON is the optimizer as --format json runs it:
// a rule with a counter is kept out of sets (nft's JSON input cannot
// give an element a counter), which once made every rule of a blocklist
// with counters scan all the rules after it.
func BenchmarkOptimizeForJSON(b *testing.B) {
	each(b, func(b *testing.B, src string) {
		f := parse(src)
		o := translate.AllOpt()
		o.NoElementCounters = true
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			rs := translated(f)
			translate.MergeInet(rs, &translate.OptReport{})
			b.StartTimer()
			translate.Optimize(rs, o)
		}
	})
}

func BenchmarkPrint(b *testing.B) {
	each(b, func(b *testing.B, src string) {
		rs := translated(parse(src))
		optimized(rs)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			(&emit.Printer{}).WriteRuleset(io.Discard, rs, emit.RulesetOptions{Replace: true})
		}
	})
}

// BenchmarkPipeline is the whole translation the command makes, from the
// dump's text to the ruleset's.
func BenchmarkPipeline(b *testing.B) {
	each(b, func(b *testing.B, src string) {
		b.ReportAllocs()
		b.SetBytes(int64(len(src)))
		for i := 0; i < b.N; i++ {
			rs := translated(parse(src))
			optimized(rs)
			(&emit.Printer{}).WriteRuleset(io.Discard, rs, emit.RulesetOptions{Replace: true})
		}
	})
}

// BenchmarkReport is "ipt2nft report": the report built from the
// migration (what each rule became, merges, groups) and written in each
// format. A merged set of N rules once cost N² here.
func BenchmarkReport(b *testing.B) {
	for _, format := range []string{"text", "markdown", "html"} {
		b.Run(format, func(b *testing.B) {
			each(b, func(b *testing.B, src string) {
				f := parse(src)
				tr := translate.New(translate.Options{})
				tr.AddFile(f)
				rs := tr.Ruleset()
				rep := translate.Optimize(rs, translate.AllOpt())
				m := &report.Migration{Inputs: []report.Input{{Name: "bench", Text: src}}, Files: []*iptparse.File{f},
					Diags: tr.Diags(), Stats: tr.Stats(), Ruleset: rs, Opt: rep,
					RuleLines: map[*ir.Rule]int{}, ChainLines: map[*ir.Chain]int{}}
				var out strings.Builder
				if err := (&emit.Printer{}).WriteRuleset(&out, rs, emit.RulesetOptions{Replace: true, RuleLines: m.RuleLines, ChainLines: m.ChainLines}); err != nil {
					b.Fatal(err)
				}
				m.Output = out.String()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					r := report.Build(m)
					var err error
					switch format {
					case "text":
						err = r.WriteText(io.Discard, false)
					case "markdown":
						err = r.WriteMarkdown(io.Discard)
					default:
						err = r.WriteHTML(io.Discard)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// v4Source matches the blocklist shape's source addresses.
var v4Source = regexp.MustCompile(`-s 11\.(\d+)\.(\d+)\.1/32`)

// BenchmarkMergeInet is the inet merge of an IPv4 blocklist and its IPv6
// twin (the same rules with IPv6 sources): the two chains share nothing.
// The alignment of the two chains once took minutes here at 20,000 rules.
func BenchmarkMergeInet(b *testing.B) {
	for _, n := range sizes(b) {
		var buf bytes.Buffer
		if err := gen.Write(&buf, gen.Options{Rules: n, Shape: gen.Blocklist, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		v4 := iptparse.ParseFile("v4", buf.String(), translate.Registry{}, iptparse.FamilyIPv4)
		v6 := iptparse.ParseFile("v6", v4Source.ReplaceAllString(buf.String(), "-s 2001:db8:$1:$2::1/128"), translate.Registry{}, iptparse.FamilyIPv6)
		b.Run(fmt.Sprintf("blocklist/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				tr := translate.New(translate.Options{})
				tr.AddFile(v4)
				tr.AddFile(v6)
				rs := tr.Ruleset()
				b.StartTimer()
				if !translate.MergeInet(rs, &translate.OptReport{}) {
					b.Fatal("not merged")
				}
			}
		})
	}
}

// BenchmarkExactRestore is ipt2nft run as iptables-restore-translate:
// reading, parsing, translating and printing in upstream's text, each
// command as it is made (compat.Tool.Run, output discarded).
func BenchmarkExactRestore(b *testing.B) {
	tool, ok := compat.Lookup("iptables-restore-translate")
	if !ok {
		b.Fatal("no iptables-restore-translate tool")
	}
	each(b, func(b *testing.B, src string) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			tool.Run(nil, compat.IO{Stdin: strings.NewReader(src), Stdout: io.Discard, Stderr: io.Discard})
		}
	})
}
