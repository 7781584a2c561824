package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfile writes a CPU profile to the file IPT2NFT_CPUPROFILE names,
// if set, and a heap profile at the end of the command to the file
// IPT2NFT_MEMPROFILE names, for "go tool pprof" (see docs/benchmarks.md),
// in a binary built with heap profiles (go build -tags memprofile: see
// heapprofile_off.go). It returns the function that stops them.
//
// Without IPT2NFT_MEMPROFILE no allocation is sampled for a heap profile.
// Go samples one every 512 KB by default: each sample walks the stack
// and writes into a hash table of 1.4 MB on pages never touched before,
// a read then a write (two page faults, and a TLB flush on every core
// the process runs on). A 20,000-rule translation took some 15 samples.
func startProfile() func() {
	name := os.Getenv("IPT2NFT_MEMPROFILE")
	if name == "" || !heapProfiles {
		runtime.MemProfileRate = 0
	}
	stopCPU := startCPUProfile()
	if name == "" {
		return stopCPU
	}
	return func() {
		stopCPU()
		if err := writeHeapProfile(name); err != nil {
			fmt.Fprintln(os.Stderr, "ipt2nft: IPT2NFT_MEMPROFILE:", err)
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
