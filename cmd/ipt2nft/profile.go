package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile to the file IPT2NFT_CPUPROFILE names,
// if set, for "go tool pprof" (see docs/benchmarks.md). It returns the
// function that stops it.
func startProfile() func() {
	name := os.Getenv("IPT2NFT_CPUPROFILE")
	if name == "" {
		return func() {}
	}
	f, err := os.Create(name)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ipt2nft: IPT2NFT_CPUPROFILE:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
