//go:build !amd64

package iptparse

// haveMasks is false: masks64 is written for amd64 only (a variable, as
// on amd64, for the tests that turn it off).
var haveMasks = false

// masks64 is never called (see haveMasks).
func masks64(s string) (spaces, bad uint64) { panic("iptparse: masks64 is for amd64 only") }

// simdHints is false: dashOptions is written for amd64 only.
var simdHints = false

// dashOptions is never called (see simdHints).
func dashOptions(s string) uint64 { panic("iptparse: dashOptions is for amd64 only") }

// dottedQuad32 is dottedQuadWords: dottedQuad16 is for amd64 only.
func dottedQuad32(s string) (uint32, bool) { return dottedQuadWords(s) }
