package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile to the file IPT2NFT_CPUPROFILE names,
// if set, and a heap profile at the end of the command to the file
// IPT2NFT_MEMPROFILE names, for "go tool pprof" (see docs/benchmarks.md).
// It returns the function that stops them.
func startProfile() func() {
	stopCPU := startCPUProfile()
	return func() {
		stopCPU()
		if name := os.Getenv("IPT2NFT_MEMPROFILE"); name != "" {
			f, err := os.Create(name)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "ipt2nft: IPT2NFT_MEMPROFILE:", err)
			}
		}
	}
}

func startCPUProfile() func() {
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
