//go:build !(linux && (amd64 || arm64))

package main

// hugeProbes counts the heaps hugeHeap advised: none here.
var hugeProbes int

// hugeHeap does nothing: see hugeheap_linux.go.
func hugeHeap(int) {}

// hugePagesAdvised is false: hugeHeap gives no huge pages here.
func hugePagesAdvised() bool { return false }

// streamProbes counts the heaps streamHeap advised: none here.
var streamProbes int

// streamHeap does nothing: see hugeheap_linux.go.
func streamHeap() {}
