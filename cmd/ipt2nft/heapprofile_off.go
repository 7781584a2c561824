//go:build !memprofile

package main

import "errors"

// heapProfiles is false: this binary writes no heap profile. A binary
// that can write one (runtime.MemProfile reachable) samples an allocation
// on each P the first time it allocates, and again after MemProfileRate
// is set to 0 (each P's cache compares the rate it last saw), each a
// stack walk and a bucket in the profile's hash table on pages touched
// for nothing: on the mixed 20,000-rule dump (exact mode) 15.9 faults a
// run, 8 after main (the parse worker's P). Without it the linker sets
// runtime.disableMemoryProfiling, and the P that have not allocated yet
// never sample: one sample is left, in the runtime's start (schedinit,
// 11 faults), none after main.
const heapProfiles = false

// writeHeapProfile says the binary is built without heap profiles.
func writeHeapProfile(string) error {
	return errors.New("this binary writes no heap profile: build it with -tags memprofile")
}
