// Command gen writes a synthetic iptables-save dump for benchmarks:
//
//	go run ./tools/gen -rules 20000 -shape mixed > bench.rules
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ipt2nft/ipt2nft/internal/gen"
)

func main() {
	rules := flag.Int("rules", 1000, "approximate number of rules")
	shape := flag.String("shape", "mixed", "mixed, blocklist or dispatch")
	seed := flag.Int64("seed", 1, "random seed")
	counters := flag.Bool("counters", false, "write [packets:bytes] counters")
	shuffle := flag.Bool("shuffle", false, "list blocklist addresses out of order, as real blocklists are")
	flag.Parse()
	if err := gen.Write(os.Stdout, gen.Options{Rules: *rules, Shape: gen.Shape(*shape), Seed: *seed, Counters: *counters, Shuffle: *shuffle}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
