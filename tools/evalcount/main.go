// Command evalcount prints how many rules probe packets are tested
// against in the literal translation of a synthetic dump (one nft rule
// per iptables rule, as iptables-restore-translate writes it) and in
// ipt2nft's optimized one (see internal/evalcount for how it counts):
//
//	go run ./tools/evalcount -shape blocklist -rules 20000
//
// It fails if a probe gets different verdicts from the two.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net/netip"
	"os"

	"github.com/ipt2nft/ipt2nft/internal/evalcount"
	"github.com/ipt2nft/ipt2nft/internal/gen"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

func main() {
	rules := flag.Int("rules", 20000, "approximate number of rules")
	shape := flag.String("shape", "mixed", "mixed, blocklist or dispatch")
	seed := flag.Int64("seed", 1, "random seed")
	counters := flag.Bool("counters", false, "dump with [packets:bytes] counters")
	probes := flag.Int("probes", 200, "probe packets")
	flag.Parse()
	o := gen.Options{Rules: *rules, Shape: gen.Shape(*shape), Seed: *seed, Counters: *counters}
	lit, opt, literalRules, err := run(o, *probes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalcount:", err)
		os.Exit(1)
	}
	ratio := 0.0
	if opt > 0 {
		ratio = lit / opt
	}
	fmt.Printf("shape=%s rules=%d probes=%d literal=%.1f optimized=%.1f ratio=%.1f literal_rules=%d\n", *shape, *rules, *probes, lit, opt, ratio, literalRules)
}

// run returns the mean rules evaluated per probe in the literal and the
// optimized translation, and the number of rules of the literal one.
func run(o gen.Options, n int) (lit, opt float64, rules int, err error) {
	var buf bytes.Buffer
	if err := gen.Write(&buf, o); err != nil {
		return 0, 0, 0, err
	}
	f := iptparse.ParseFile("dump", buf.String(), translate.Registry{}, iptparse.FamilyIPv4)
	literal := ruleset(f)
	optimized := ruleset(f)
	translate.MergeInet(optimized, &translate.OptReport{})
	translate.Optimize(optimized, translate.AllOpt())
	probes := gen.Probes(o, n)
	for i, gp := range probes {
		p, err := packet(gp)
		if err != nil {
			return 0, 0, 0, err
		}
		a, err := evalcount.Count(literal, p)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("literal, probe %d: %w", i, err)
		}
		b, err := evalcount.Count(optimized, p)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("optimized, probe %d: %w", i, err)
		}
		if a.Verdict != b.Verdict {
			return 0, 0, 0, fmt.Errorf("probe %d %+v: %s in the literal translation, %s in the optimized one", i, gp, a.Verdict, b.Verdict)
		}
		lit += float64(a.Rules)
		opt += float64(b.Rules)
	}
	for _, t := range literal.Tables {
		for _, c := range t.Chains {
			rules += len(c.Rules)
		}
	}
	return lit / float64(len(probes)), opt / float64(len(probes)), rules, nil
}

func ruleset(f *iptparse.File) *ir.Ruleset {
	tr := translate.New(translate.Options{})
	tr.AddFile(f)
	return tr.Ruleset()
}

func packet(g gen.Probe) (evalcount.Packet, error) {
	src, err := netip.ParseAddr(g.Src)
	if err != nil {
		return evalcount.Packet{}, err
	}
	dst, err := netip.ParseAddr(g.Dst)
	if err != nil {
		return evalcount.Packet{}, err
	}
	protos := map[string]uint8{"tcp": 6, "udp": 17}
	return evalcount.Packet{Hook: g.Hook, Iif: g.Iif, Oif: g.Oif, Src: src, Dst: dst, Proto: protos[g.Proto],
		SPort: g.SPort, DPort: g.DPort, CtState: g.CtState}, nil
}
