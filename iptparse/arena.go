package iptparse

import (
	"unsafe"

	"github.com/ipt2nft/ipt2nft/internal/fresh"
)

// Allocating the nodes of parsed rules in chunks. A save file of 20,000
// rules makes some 20 small objects per rule (the command, its words, the
// rule, its matches and options...); taking them from slabs of many
// instead of one by one leaves the garbage collector far less to do. An
// arena belongs to one parse worker; the nil arena allocates each node on
// its own, for the public ParseCommand.
//
// The slices handed out (words, matches, options, addresses) have their
// capacity set to their length, or to a small reserve for the lists the
// parser appends to, so that appending to one never writes over its
// neighbour in the slab.

const (
	// slabBytes is the size of a slab of nodes: five pages, which a slab
	// of nodes of any size fills but for less than a node. It is above
	// the allocator's largest size class (32 KiB), so that a slab gets
	// pages of its own and no type header, whose first write would read
	// its page (see package fresh).
	slabBytes   = 40 << 10
	wordSlabLen = 1024 // words per slab (48 KiB: six whole pages)
	// The capacity of an option list and of a match list at first: of
	// the real-world rules, 99% of the extensions have at most two
	// options, and all but one rule at most three matches. A longer
	// list moves to the heap.
	optReserve   = 2
	matchReserve = 3
	maxSlabSlice = 64 // longer slices get their own allocation
)

// slabLen is the number of Ts in a full slab.
func slabLen[T any]() int {
	var zero T
	return max(1, slabBytes/int(unsafe.Sizeof(zero)))
}

// grow returns the length of a new slab of Ts for a parse that has used
// about n of them so far: n, at least 8, at most a full slab. Slabs grow
// with the file, so that a file of a few rules does not pay for slabs it
// leaves nearly empty.
func grow[T any](n int) int {
	return min(max(n, 8), slabLen[T]())
}

type arena struct {
	n        int // commands parsed, for the size of the next slabs
	cmds     []Command
	lines    []CommandLine
	rules    []Rule
	exts     []Ext
	opts     []Option
	optPtrs  []*Option
	extPtrs  []*Ext
	words    []Word
	addrSels []AddrSel
	addrs    []AddrMask
	ifaces   []IfaceSel
	protos   []ProtoSel
	targets  []Target
	counters []Counters
	// extScratch is reused by each parse as its list of loaded
	// extensions.
	extScratch []*Ext
}

// one returns a zeroed T from the slab s, refilling it with a slab of
// slab Ts when empty.
func one[T any](s *[]T, slab int) *T {
	if len(*s) == 0 {
		*s = fresh.Make[T](slab)
	}
	p := &(*s)[0]
	*s = (*s)[1:]
	return p
}

// slice returns a zeroed []T of length n and capacity c from the slab s.
func slice[T any](s *[]T, n, c, slab int) []T {
	if c == 0 || c > maxSlabSlice {
		return make([]T, n, c)
	}
	if len(*s) < c {
		*s = fresh.Make[T](max(slab, c))
	}
	r := (*s)[:n:c]
	*s = (*s)[c:]
	return r
}

func (a *arena) command() *Command {
	if a == nil {
		return new(Command)
	}
	a.n++
	return one(&a.cmds, grow[Command](a.n))
}

func (a *arena) commandLine() *CommandLine {
	if a == nil {
		return new(CommandLine)
	}
	return one(&a.lines, grow[CommandLine](a.n))
}

func (a *arena) rule() *Rule {
	if a == nil {
		return new(Rule)
	}
	return one(&a.rules, grow[Rule](a.n))
}

func (a *arena) ext() *Ext {
	if a == nil {
		return new(Ext)
	}
	return one(&a.exts, grow[Ext](a.n))
}

func (a *arena) option() *Option {
	if a == nil {
		return new(Option)
	}
	return one(&a.opts, grow[Option](a.n))
}

func (a *arena) addrSel() *AddrSel {
	if a == nil {
		return new(AddrSel)
	}
	return one(&a.addrSels, grow[AddrSel](a.n))
}

func (a *arena) ifaceSel() *IfaceSel {
	if a == nil {
		return new(IfaceSel)
	}
	return one(&a.ifaces, grow[IfaceSel](a.n))
}

func (a *arena) protoSel() *ProtoSel {
	if a == nil {
		return new(ProtoSel)
	}
	return one(&a.protos, grow[ProtoSel](a.n))
}

func (a *arena) target() *Target {
	if a == nil {
		return new(Target)
	}
	return one(&a.targets, grow[Target](a.n))
}

func (a *arena) counter() *Counters {
	if a == nil {
		return new(Counters)
	}
	return one(&a.counters, grow[Counters](a.n))
}

// wordList returns an empty []Word with room for n words.
func (a *arena) wordList(n int) []Word {
	if a == nil {
		return make([]Word, 0, n)
	}
	return slice(&a.words, 0, n, min(max(16*a.n, 8), wordSlabLen))
}

// addrList returns an empty []AddrMask with room for n addresses.
func (a *arena) addrList(n int) []AddrMask {
	if a == nil {
		return make([]AddrMask, 0, n)
	}
	return slice(&a.addrs, 0, n, grow[AddrMask](a.n))
}

// appendOption appends o to list, taking the first room from the slab.
func (a *arena) appendOption(list []*Option, o *Option) []*Option {
	if list == nil && a != nil {
		list = slice(&a.optPtrs, 0, optReserve, grow[*Option](4*a.n))
	}
	return append(list, o)
}

// appendExt appends x to list, taking the first room from the slab.
func (a *arena) appendExt(list []*Ext, x *Ext) []*Ext {
	if list == nil && a != nil {
		list = slice(&a.extPtrs, 0, matchReserve, grow[*Ext](4*a.n))
	}
	return append(list, x)
}
