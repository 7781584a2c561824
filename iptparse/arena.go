package iptparse

import (
	"runtime"
	"strings"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

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
	// minFreeWords is the room freeWords makes for the words of a line:
	// a line with more moves its words to the heap.
	minFreeWords = 64
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
	cmds     pool[Command]
	lines    pool[CommandLine]
	rules    pool[Rule]
	exts     pool[Ext]
	opts     pool[Option]
	optPtrs  pool[*Option]
	extPtrs  pool[*Ext]
	words    pool[Word]
	addrSels pool[AddrSel]
	addrOnes pool[addrSelOne]
	addrs    pool[AddrMask]
	ifaces   pool[IfaceSel]
	protos   pool[ProtoSel]
	targets  pool[Target]
	counters pool[Counters]
	ports    pool[PortRange]
	decls    pool[ChainDecl] // the scan's, for a chunk's declarations (see saveScanner.into)
	// extScratch is reused by each parse as its list of loaded
	// extensions.
	extScratch []*Ext
	// specs are the registry's answers for the extension names met (an
	// arena serves one parse, and so one registry).
	specs specCache
	// room is the number of commands cmds, lines, rules and targets
	// have room for (see makeRoom).
	room int
	// reusable arenas keep their slabs, for reset.
	reusable bool
	// parted is set by splitFast for a line with a word not made of one
	// bare part of characters Quote leaves bare (see Command.bare): a
	// field rather than a result, which the loop over the line would
	// keep in a register.
	parted bool
}

// A pool hands out Ts from slabs. A reusable arena's pools keep their
// slabs, so that reset can clear them and hand them out again.
//
// The Ts not handed out are slab[next:]: taking one moves an index,
// where moving a slice of the rest rewrote its three words (and, the
// pointer being one, checked for the write barrier) for every node.
type pool[T any] struct {
	slab  []T   // the current slab
	next  int   // the index in slab of the first T not handed out
	slabs [][]T // a reusable arena's slabs, in the order they are used
	cur   int   // the index in slabs of slab
}

// refill makes slab a slab of at least need zeroed Ts, none handed out:
// a reusable arena's next kept slab if it is as big, else a new one of
// n Ts.
func (p *pool[T]) refill(reusable bool, need, n int) {
	p.next = 0
	if !reusable {
		p.slab = fresh.Make[T](n)
		return
	}
	if len(p.slabs) > 0 {
		p.cur++
	}
	if p.cur < len(p.slabs) && len(p.slabs[p.cur]) >= need {
		p.slab = p.slabs[p.cur]
		return
	}
	p.slab = makeSlab[T](n)
	if p.cur < len(p.slabs) {
		p.slabs[p.cur] = p.slab // too small for a slice: replaced
	} else {
		p.slabs = append(p.slabs, p.slab)
	}
}

// rest returns the number of Ts not handed out in the current slab.
func (p *pool[T]) rest() int { return len(p.slab) - p.next }

// makeSlab returns a reusable arena's new slab of n zeroed Ts. Its pages
// are populated (made present and writable) in one call rather than
// faulted in one at a time as fresh.Make does: a chunk's arena is some 85
// pages of the mixed dump, which each cost a fault (2-3 us in a VM) the
// first time they are filled. A slab of a page or less is left to
// fresh.Make, as is every slab where the kernel does not populate (Linux
// before 5.14).
func makeSlab[T any](n int) []T {
	size := uintptr(n) * unsafe.Sizeof(*new(T))
	if size <= pageSize || noPopulate.Load() {
		return fresh.Make[T](n)
	}
	s := make([]T, n)
	if !populate(unsafe.Pointer(unsafe.SliceData(s)), size) {
		noPopulate.Store(true)
		return fresh.Make[T](n)
	}
	return s
}

// pageSize is the smallest page size of the platforms Go supports: on a
// bigger one, a range is still made of whole pages.
const pageSize = 4096

// noPopulate is set once populating has failed.
var noPopulate atomic.Bool

// populate makes the pages of the size bytes at p present and writable
// (madvise(MADV_POPULATE_WRITE)), without changing what they hold, and
// reports whether it could. The pages may hold other heap objects too:
// they are not written. The range is handed to the kernel as numbers: a
// pointer to the first page's start, or a slice to the last page's end,
// would point outside the object, which the collector may find and
// refuse ("found bad pointer in Go heap"), as checkptr (-race) does.
func populate(p unsafe.Pointer, size uintptr) bool {
	start := uintptr(p) &^ (pageSize - 1)
	end := (uintptr(p) + size + pageSize - 1) &^ (pageSize - 1)
	_, _, errno := unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_POPULATE_WRITE)
	runtime.KeepAlive(p) // the object stays, so its pages do (Go's heap does not move)
	return errno == 0
}

// reset zeroes the Ts handed out and makes the first slab current again.
func (p *pool[T]) reset() {
	if len(p.slabs) == 0 {
		return
	}
	for _, s := range p.slabs[:p.cur] {
		clear(s)
	}
	clear(p.slabs[p.cur][:p.next])
	p.rewind()
}

// rewind makes the first slab current again without zeroing the Ts
// handed out, for a pool whose Ts are always written whole before use.
func (p *pool[T]) rewind() {
	if len(p.slabs) > 0 {
		p.cur, p.slab, p.next = 0, p.slabs[0], 0
	}
}

// one returns a zeroed T from the pool, refilling it when empty with a
// slab of grow[T](used) Ts (a kept one if reusable), for a parse that
// has used about used of them. It is small enough to be inlined: the
// slab's size is worked out only for a refill.
func one[T any](reusable bool, p *pool[T], used int) *T {
	if s, i := p.slab, p.next; uint(i) < uint(len(s)) {
		p.next = i + 1
		return &s[i]
	}
	return p.refillOne(reusable, used)
}

// refillOne is one's refill, and takes the first T.
func (p *pool[T]) refillOne(reusable bool, used int) *T {
	p.refill(reusable, 1, grow[T](used))
	p.next = 1
	return &p.slab[0]
}

// take returns the next T of a pool known to have one (see
// arena.makeRoom): one without one's check and call, inlined.
func take[T any](p *pool[T]) *T {
	i := p.next
	p.next = i + 1
	return &p.slab[i]
}

// slice returns a zeroed []T of length n and capacity c from the pool.
func slice[T any](reusable bool, p *pool[T], n, c, slab int) []T {
	if c == 0 || c > maxSlabSlice {
		return make([]T, n, c)
	}
	if p.rest() < c {
		p.refill(reusable, c, max(slab, c))
	}
	i := p.next
	p.next = i + c
	return p.slab[i : i+n : i+c]
}

// reset makes a reusable arena hand out its nodes again, zeroed but for
// those the parser writes whole (see freeWords and the rewinds below):
// the nodes it has handed out, and whatever points into them, must no
// longer be used.
func (a *arena) reset() {
	a.room = 0
	a.cmds.reset()
	// Each field of a command line, target, -s/-d address of one IPv4
	// address, interface, protocol and counters node is written when it
	// is handed out: clearing them first was half the memory cleared.
	a.lines.rewind()
	a.rules.reset()
	a.exts.reset()
	a.opts.reset()
	a.optPtrs.reset()
	a.extPtrs.reset()
	a.words.rewind() // a word's slot is written whole: a rule's words were half the memory cleared
	a.addrSels.reset()
	a.addrOnes.rewind()
	a.addrs.reset()
	a.ifaces.rewind()
	a.protos.rewind()
	a.targets.rewind()
	a.counters.rewind()
	a.ports.reset()
	a.decls.rewind() // written whole
}

// command returns a zeroed Command, and makes room for the other nodes
// a command takes at most one of, and nearly every rule one of: its
// line, rule and target.
func (a *arena) command() *Command {
	if a == nil {
		return new(Command)
	}
	a.n++
	if a.room == 0 {
		a.makeRoom()
	}
	a.room--
	return take(&a.cmds)
}

// makeRoom refills those of cmds, lines, rules and targets that have no
// room for another node, and sets room to the number of commands they
// all have room for. Each command counts itself off room (see command):
// its line, rule and target are then taken without a check, or a call
// of one (some 16 instructions each). The pools of nodes that many files
// never use (counters, interfaces) are left to one, which makes their
// slabs only when they are used.
func (a *arena) makeRoom() {
	a.room = min(roomOf(a.reusable, &a.cmds, a.n), roomOf(a.reusable, &a.lines, a.n),
		roomOf(a.reusable, &a.rules, a.n), roomOf(a.reusable, &a.targets, a.n))
}

// roomOf refills p if it has no T left, with a slab for a parse that has
// used about used Ts, and returns the number of Ts it has left.
func roomOf[T any](reusable bool, p *pool[T], used int) int {
	if p.rest() == 0 {
		p.refill(reusable, 1, grow[T](used))
	}
	return p.rest()
}

// commandLine returns a CommandLine, not zeroed (see arena.reset); a
// command takes at most one.
func (a *arena) commandLine() *CommandLine {
	if a == nil {
		return new(CommandLine)
	}
	return take(&a.lines)
}

// rule returns a zeroed Rule; a command takes at most one.
func (a *arena) rule() *Rule {
	if a == nil {
		return new(Rule)
	}
	return take(&a.rules)
}

func (a *arena) ext() *Ext {
	if a == nil {
		return new(Ext)
	}
	return one(a.reusable, &a.exts, a.n)
}

func (a *arena) option() *Option {
	if a == nil {
		return new(Option)
	}
	return one(a.reusable, &a.opts, a.n)
}

func (a *arena) addrSel() *AddrSel {
	if a == nil {
		return new(AddrSel)
	}
	return one(a.reusable, &a.addrSels, a.n)
}

// addrSelOne is an AddrSel of one address, as most -s and -d are, with
// room for it: one node where there were two.
type addrSelOne struct {
	sel  AddrSel
	addr [1]AddrMask
}

// addrSelIPv4 returns an AddrSel of the one IPv4 address text is, if
// oneIPv4 reads it, else nil. The address is read in place, into the
// next free slot, which is handed out only then.
func (a *arena) addrSelIPv4(text string) *AddrSel {
	if a == nil {
		var am AddrMask
		if !oneIPv4(&am, text) {
			return nil
		}
		return &AddrSel{Addrs: []AddrMask{am}}
	}
	p := &a.addrOnes
	if p.rest() == 0 {
		p.refill(a.reusable, 1, grow[addrSelOne](a.n))
	}
	s := &p.slab[p.next]
	if !oneIPv4(&s.addr[0], text) {
		return nil
	}
	p.next++
	s.sel.Addrs = s.addr[:]
	return &s.sel
}

func (a *arena) ifaceSel() *IfaceSel {
	if a == nil {
		return new(IfaceSel)
	}
	return one(a.reusable, &a.ifaces, a.n)
}

func (a *arena) protoSel() *ProtoSel {
	if a == nil {
		return new(ProtoSel)
	}
	return one(a.reusable, &a.protos, a.n)
}

// target returns a Target, not zeroed (see arena.reset); a command
// takes at most one (-j and -g are given once).
func (a *arena) target() *Target {
	if a == nil {
		return new(Target)
	}
	return take(&a.targets)
}

func (a *arena) counter() *Counters {
	if a == nil {
		return new(Counters)
	}
	return one(a.reusable, &a.counters, a.n)
}

func (a *arena) portRange() *PortRange {
	if a == nil {
		return new(PortRange)
	}
	return one(a.reusable, &a.ports, a.n)
}

// wordList returns an empty []Word with room for n words.
func (a *arena) wordList(n int) []Word {
	if a == nil {
		return make([]Word, 0, n)
	}
	return slice(a.reusable, &a.words, 0, n, min(max(16*a.n, 8), wordSlabLen))
}

// freeWords returns, as an empty slice to append to in place, the free
// words of a's current slab, at least minFreeWords of them (a new slab if
// there are fewer); takeWords then hands out the first n of them. A nil
// arena has none. The free words of a reset arena are those of earlier
// lines, not zeroed: each slot is to be written whole (as with the words
// of wordList, which are appended).
func (a *arena) freeWords() []Word {
	if a == nil {
		return nil
	}
	a.parted = false // a new line
	if a.words.rest() < minFreeWords {
		a.words.refill(a.reusable, minFreeWords, min(max(16*a.n, minFreeWords), wordSlabLen))
	}
	return a.words.slab[a.words.next:a.words.next:len(a.words.slab)]
}

// takeWords hands out the first n free words (see freeWords).
func (a *arena) takeWords(n int) {
	if a != nil {
		a.words.next += n
	}
}

// addrList returns an empty []AddrMask with room for n addresses.
func (a *arena) addrList(n int) []AddrMask {
	if a == nil {
		return make([]AddrMask, 0, n)
	}
	return slice(a.reusable, &a.addrs, 0, n, grow[AddrMask](a.n))
}

// appendOption appends o to list, taking the first room from the slab.
func (a *arena) appendOption(list []*Option, o *Option) []*Option {
	if list == nil && a != nil {
		list = slice(a.reusable, &a.optPtrs, 0, optReserve, grow[*Option](4*a.n))
	}
	return append(list, o)
}

// appendExt appends x to list, taking the first room from the slab.
func (a *arena) appendExt(list []*Ext, x *Ext) []*Ext {
	if list == nil && a != nil {
		list = slice(a.reusable, &a.extPtrs, 0, matchReserve, grow[*Ext](4*a.n))
	}
	return append(list, x)
}

// specCache keeps the extensions a registry gave for the names a parse
// met, a slot for each shape of name: nearly every rule loads one of a
// few (-m tcp, -j DNAT), whose look-up through the registry (lower-cased,
// then in a map) cost more than the rest of the option.
type specCache [32]specEntry

type specEntry struct {
	name string // the name as written (a copy: see saveScanner.own)
	kind ExtKind
	fam  Family
	// plain is set when no option of the extension is mandatory:
	// CheckExt then has only the options given to check.
	plain bool
	spec  *ExtensionSpec // nil: an empty slot
}

// lookup returns the slot of a name, and the extension it holds if it is
// that name's.
func (c *specCache) lookup(name string, kind ExtKind, fam Family) (e *specEntry, ok bool) {
	// the common names (tcp, udp, comment, multiport, state, DNAT, LOG,
	// REJECT...) each have a slot of their own
	h := int(kind) * 13
	if n := len(name); n > 1 {
		h += 5*n + int(name[0]) + 7*int(name[1]) + 3*int(name[n-1])
	}
	e = &c[h%len(c)]
	return e, e.spec != nil && e.kind == kind && e.fam == fam && e.name == name
}

// store records in e the extension found for a name, if there is one:
// most names that find none are -j's chains, too many to keep.
func (e *specEntry) store(name string, kind ExtKind, fam Family, spec *ExtensionSpec) {
	if spec != nil {
		*e = specEntry{name: strings.Clone(name), kind: kind, fam: fam, spec: spec, plain: !hasMandatory(spec)}
	}
}

// hasMandatory reports whether an option of spec must be given.
func hasMandatory(spec *ExtensionSpec) bool {
	for i := range spec.Options {
		if spec.Options[i].Flags&Mandatory != 0 {
			return true
		}
	}
	return false
}
