package iptparse

// haveMasks tells whether masks64 can run: it needs SSSE3's PSHUFB,
// which nearly every amd64 processor has (those since 2006).
var haveMasks = hasSSSE3()

// masks64 classifies the first min(len(s), 64) bytes of s, len(s) >= 16,
// sixteen at a time: spaces has bit k set if byte k is a space, bad if it
// is neither a space nor a byte Quote leaves bare (notSpacedPlain); the
// bits of the bytes past s are clear in both. splitSpaced's loop over
// eight bytes at a time took some 35 instructions to tell the bytes it
// may split apart; masks64 takes about 20 for sixty-four.
//
//go:noescape
func masks64(s string) (spaces, bad uint64)

// hasSSSE3 reports whether the processor has SSSE3 (CPUID leaf 1).
func hasSSSE3() bool

// simdHints tells v6HintsIn to find its options by dashOptions (amd64
// has SSE2, all it needs); a variable for the tests.
var simdHints = true

// dashOptions marks the places k < min(len(s)-2, 64), len(s) >= 18,
// where s has an "-m", "-p" or "-j" followed by a byte up to ' ' (as a
// blank is): bit k for place k. These are the '-' where v6HintsIn may
// find a hint; most '-' of a dump are in other options and in names.
//
//go:noescape
func dashOptions(s string) uint64
