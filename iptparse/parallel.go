package iptparse

import (
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/ipt2nft/ipt2nft/internal/stackgrow"
	"github.com/ipt2nft/ipt2nft/internal/textio"
)

// Parsing the rules of a big save file in parallel. The lines are
// independent once the scan has told each its table, so chunks of them
// are parsed on every core, a bounded number of chunks ahead of the
// caller, who receives the items in order and parses some of the chunks
// itself (see chunkQueue).

const (
	// chunkSize is the number of entries in a chunk. Each chunk in the
	// window has an arena its rules fill (some 270 KB for 128 rules of
	// the mixed dump), new memory that faults in a page at a time the
	// first time: 128 entries rather than 256 took the mixed 20,000-rule
	// translation (exact mode) from 1207 page faults to 903, for 0.5 %
	// more instructions (more chunks handed between goroutines).
	chunkSize = 128
	// parallelRules is the number of rules from which a file is parsed
	// on several cores.
	parallelRules = 512
	// window bounds the chunks parsed and not yet handed on, so that the
	// memory held by parsed rules does not grow with the file. Each chunk
	// in the window has an arena of its own (with reuse), new memory the
	// first time it is filled: with chunks of 256 entries (about half a
	// MB of nodes for the mixed dump), 4 chunks a worker instead of 2
	// took its 20,000-rule translation 30 % more page faults and 3-5 %
	// more CPU time, and was no faster (2-6 % slower with other work
	// running). With chunks of 128, 1 chunk a worker instead of 2 took
	// 20 fewer page faults once the arenas' slabs are populated
	// (makeSlab) and less CPU time, but made the 20,000-rule translation
	// slower: 19.9 ms against 17.6 ms (mixed, medians of 8 alternating
	// perf stat runs), blocklist 17.1 against 12.4, dispatch 30.8 against
	// 26.1. The workers then wait for the caller more often than they run.
	// Since the caller parses too (chunkQueue), it counts as a worker, and
	// 2 chunks a core is still right: on two cores, windows of 3 to 12
	// chunks against 4 gave the mixed translation the same wall time
	// within noise (2: 25 % slower), and more memory from 6 on.
	windowPerWorker = 2
)

// A chunk's rules are parsed into the item fields of its entries.
// Chunks are reused once handed on (see chunkQueue.spare): done is
// sent to rather than closed, and the caller takes the token.
type chunk struct {
	entries []entry
	done    chan struct{} // holds a token once parsed (capacity 1)
	a       *arena        // the chunk's nodes come from a, when reused
	// finished is set by the caller once it has taken done's token.
	finished bool
}

// parse parses c's rules into c's arena, or into own if c has none.
func (c *chunk) parse(parse parseFunc, own *arena) {
	a := c.a
	if a == nil {
		a = own
	}
	for i := range c.entries {
		if e := &c.entries[i]; e.item == nil {
			e.item = parse(e, a)
		}
	}
	c.done <- struct{}{}
}

// parsed tells whether c's rules are parsed. Only the caller, who hands
// the chunks on, asks.
func (c *chunk) parsed() bool {
	if c.finished {
		return true
	}
	select {
	case <-c.done:
		c.finished = true
		return true
	default:
		return false
	}
}

// wait waits until c's rules are parsed (see parsed).
func (c *chunk) wait() {
	if !c.finished {
		<-c.done
		c.finished = true
	}
}

// A parseFunc parses a rule, taking its nodes from a.
type parseFunc func(e *entry, a *arena) Item

// parseEntries hands each entry's item to each, in order: the scan's items
// as they are, the rules parsed by a parse function from newParse (one for
// each worker: it need not be safe for concurrent use).
func parseEntries(entries []entry, newParse func() parseFunc, each func(Item)) {
	few := fewRules(entries)
	next := func(*arena) []entry {
		n := min(chunkSize, len(entries))
		c := entries[:n:n]
		entries = entries[n:]
		return c
	}
	parseChunks(next, few, false, newParse, each, nil)
}

// fewRules tells whether entries hold too few rules to be worth parsing
// on several cores.
func fewRules(entries []entry) bool {
	rules := 0
	for i := range entries {
		if entries[i].item == nil {
			rules++
		}
	}
	return rules < parallelRules
}

// parseScan is parseEntries on the entries sc scans, a chunk at a time:
// only the chunks being parsed or not yet handed on are held. With
// reuse, the nodes of a chunk's rules are reused for the chunks after it
// once each has had them (see ParseFileReuse).
func parseScan(sc *saveScanner, reuse bool, newParse func() parseFunc, each func(Item)) {
	pending := sc.scan(make([]entry, 0, parallelRules), parallelRules)
	few := sc.done && fewRules(pending)
	// The entries of the chunks handed on are scanned into again: a
	// chunk's are 7 KB, a new block of memory for every 128 lines.
	spare := make(chan []entry, runtime.GOMAXPROCS(0)*windowPerWorker+2)
	next := func(a *arena) []entry {
		if len(pending) > 0 {
			n := min(chunkSize, len(pending))
			c := pending[:n:n]
			pending = pending[n:]
			return c
		}
		if sc.done {
			return nil
		}
		var buf []entry
		select {
		case buf = <-spare:
		default:
			buf = make([]entry, 0, chunkSize)
		}
		sc.into = a
		return sc.scan(buf, chunkSize)
	}
	handed := func(c []entry) {
		select {
		case spare <- c[:0]:
		default:
		}
	}
	parseChunks(next, few, reuse, newParse, each, handed)
}

// parseChunks parses the chunks next returns until it returns none, on
// every core unless serial (too few rules to be worth it). next
// is called by one goroutine at a time, with the chunk's arena (nil
// without reuse), from which the nodes it makes may come. With reuse, each chunk's rules
// are parsed into an arena of their own, which is reset and parses a
// later chunk once each has had the chunk's items. handed, if not nil,
// is given the entries of each chunk handed on, which are no longer used.
func parseChunks(next func(*arena) []entry, serial, reuse bool, newParse func() parseFunc, each func(Item), handed func([]entry)) {
	workers := runtime.GOMAXPROCS(0)
	if serial || workers < 2 {
		parse, a := newParse(), &arena{reusable: reuse}
		into := a
		if !reuse {
			into = nil
		}
		for c := next(into); len(c) > 0; c = next(into) {
			for i := range c {
				each(itemOf(&c[i], parse, a))
				c[i].item = nil // not kept once handed on
			}
			if reuse {
				a.reset()
			}
			if handed != nil {
				handed(c)
			}
		}
		return
	}
	q := &chunkQueue{next: next, reuse: reuse, window: workers * windowPerWorker}
	q.more.L = &q.mu
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			stackgrow.To16KB() // at once, with one frame to copy
			defer wg.Done()
			// the text may be a mapped file's (textio.MapFile), as
			// for the caller, who parses chunks too
			debug.SetPanicOnFault(true)
			defer textio.Guard()
			parse, own := newParse(), new(arena)
			for {
				q.mu.Lock()
				for !q.end && len(q.claimed) >= q.window {
					q.more.Wait()
				}
				c := q.claim()
				q.mu.Unlock()
				if c == nil {
					return
				}
				c.parse(parse, own)
			}
		}()
	}
	parse, own := newParse(), new(arena)
	for {
		q.mu.Lock()
		mine := len(q.claimed) == 0
		var c *chunk
		if mine {
			c = q.claim()
		} else {
			c = q.claimed[0]
		}
		q.mu.Unlock()
		if c == nil {
			break
		}
		if mine {
			c.parse(parse, own)
		}
		for !c.parsed() {
			// A worker parses c: parse a later chunk meanwhile, if the
			// window has room, rather than wait.
			q.mu.Lock()
			var later *chunk
			if len(q.claimed) < q.window {
				later = q.claim()
			}
			q.mu.Unlock()
			if later == nil {
				c.wait()
				break
			}
			later.parse(parse, own)
		}
		for i := range c.entries {
			each(c.entries[i].item)
			c.entries[i].item = nil // not kept once handed on
		}
		if handed != nil {
			handed(c.entries)
		}
		c.entries = nil
		if c.a != nil {
			c.a.reset()
		}
		q.mu.Lock()
		q.claimed = q.claimed[:copy(q.claimed, q.claimed[1:])]
		if c.a != nil {
			q.free = append(q.free, c.a)
		}
		c.a, c.finished = nil, false
		q.spare = append(q.spare, c)
		q.more.Signal()
		q.mu.Unlock()
	}
	wg.Wait()
}

// A chunkQueue hands the chunks next returns, in order, to the parse
// workers and the caller. The caller parses too: the workers (one fewer
// than the cores) take chunks a window ahead of the caller, and the
// caller parses the chunk it is to hand on next if no worker has taken
// it, or a later one while a worker parses it, rather than wait. Each
// goroutine then has a core of its own: with the workers one per core
// and the caller waiting for them, the cores were shared between three
// goroutines on two cores, and went idle at each hand-over (the mixed
// 20,000-rule translation ran at 1.35 CPUs).
//
// On a 2-vCPU Firecracker/PVM guest that shows no cache topology (no
// /sys/devices/system/cpu/cpu0/cache), the second core bought nothing:
// the kernel wakes a thread on its previous CPU or the waker's, so the
// worker and the caller often shared one CPU (under load, every chunk of
// 6 runs; perf sched: the whole parse on CPU 0, CPU 1 idle), and a
// chunk the worker parsed on the other CPU took the caller 34-74 us to
// translate against 19-40 us for one parsed on its own (random reads of
// lines another core wrote: 150-195 ns each against 7-24). Pinning the
// worker (and the caller) to CPUs of their own, the caller parsing a
// worker's chunk 16 entries at a time instead of a later chunk, 50 us
// spins before parking, resetting an arena on the core that fills it
// next, or reading a worker's arena in order before translating: none
// made the mixed 20,000-rule translation faster (1-3.5 ms slower, or the
// same within noise).
type chunkQueue struct {
	mu      sync.Mutex
	more    sync.Cond // the window has room, or the end was found
	next    func(*arena) []entry
	reuse   bool
	window  int
	claimed []*chunk // taken and not yet handed on, in order
	free    []*arena // the arenas of the chunks handed on
	// spare are the chunks handed on, for claim to reuse with their
	// channels: a new chunk and channel for each of the 157 chunks of
	// a 20,000-rule dump were 3 page faults a run (new spans of their
	// size classes, and the runtime's lists of full spans).
	spare []*chunk
	end   bool // next returned no entries
}

// claim takes the next chunk, or returns nil at the end. q.mu is held.
func (q *chunkQueue) claim() *chunk {
	if q.end {
		return nil
	}
	var a *arena
	if q.reuse {
		if n := len(q.free); n > 0 {
			a, q.free = q.free[n-1], q.free[:n-1]
		} else {
			a = newChunkArena()
		}
	}
	entries := q.next(a)
	if len(entries) == 0 {
		if a != nil {
			q.free = append(q.free, a)
		}
		q.end = true
		q.more.Broadcast()
		return nil
	}
	var c *chunk
	if n := len(q.spare); n > 0 {
		c, q.spare = q.spare[n-1], q.spare[:n-1]
	} else {
		c = &chunk{done: make(chan struct{}, 1)}
	}
	c.entries, c.a = entries, a
	q.claimed = append(q.claimed, c)
	return c
}

// newChunkArena returns a reusable arena for the chunks' rules. Its first
// slabs are sized as if it had parsed a chunk already: it is to parse
// many, and slabs grown from a few nodes (8, 9, 18, 36...) were each
// kept and refilled from, for every chunk after.
func newChunkArena() *arena {
	return &arena{reusable: true, n: chunkSize}
}

func itemOf(e *entry, parse parseFunc, a *arena) Item {
	if e.item != nil {
		return e.item
	}
	return parse(e, a)
}
