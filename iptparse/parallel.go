package iptparse

import (
	"runtime"
	"sync"
)

// Parsing the rules of a big save file in parallel. The lines are
// independent once the scan has told each its table, so chunks of them
// are parsed by one worker per core, a bounded number of chunks ahead of
// the caller, who receives the items in order.

const (
	chunkSize = 256 // entries per chunk
	// window bounds the chunks parsed and not yet handed on, so that the
	// memory held by parsed rules does not grow with the file.
	windowPerWorker = 4
)

// A chunk's rules are parsed into the item fields of its entries.
type chunk struct {
	entries []entry
	done    chan struct{}
}

// parseEntries hands each entry's item to each, in order: the scan's items
// as they are, the rules parsed by a parse function from newParse (one for
// each worker: it need not be safe for concurrent use).
func parseEntries(entries []entry, newParse func() func(*entry) Item, each func(Item)) {
	few := fewRules(entries)
	next := func() []entry {
		n := min(chunkSize, len(entries))
		c := entries[:n:n]
		entries = entries[n:]
		return c
	}
	parseChunks(next, few, newParse, each)
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
	return rules < 2*chunkSize
}

// parseScan is parseEntries on the entries sc scans, a chunk at a time:
// only the chunks being parsed or not yet handed on are held.
func parseScan(sc *saveScanner, newParse func() func(*entry) Item, each func(Item)) {
	pending := sc.scan(make([]entry, 0, 2*chunkSize), 2*chunkSize)
	few := sc.done && fewRules(pending)
	next := func() []entry {
		if len(pending) > 0 {
			n := min(chunkSize, len(pending))
			c := pending[:n:n]
			pending = pending[n:]
			return c
		}
		if sc.done {
			return nil
		}
		return sc.scan(make([]entry, 0, chunkSize), chunkSize)
	}
	parseChunks(next, few, newParse, each)
}

// parseChunks parses the chunks next returns until it returns none, on
// one worker per core unless serial (too few rules to be worth it). next
// is called by one goroutine at a time.
func parseChunks(next func() []entry, serial bool, newParse func() func(*entry) Item, each func(Item)) {
	workers := runtime.GOMAXPROCS(0)
	if serial || workers < 2 {
		parse := newParse()
		for c := next(); len(c) > 0; c = next() {
			for i := range c {
				each(itemOf(&c[i], parse))
			}
		}
		return
	}
	todo := make(chan *chunk)
	inOrder := make(chan *chunk, workers*windowPerWorker)
	window := make(chan struct{}, workers*windowPerWorker)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parse := newParse()
			for c := range todo {
				for i := range c.entries {
					if e := &c.entries[i]; e.item == nil {
						e.item = parse(e)
					}
				}
				close(c.done)
			}
		}()
	}
	go func() {
		for {
			window <- struct{}{}
			entries := next()
			if len(entries) == 0 {
				break
			}
			c := &chunk{entries: entries, done: make(chan struct{})}
			inOrder <- c
			todo <- c
		}
		close(todo)
		close(inOrder)
	}()
	for c := range inOrder {
		<-c.done
		for i := range c.entries {
			each(c.entries[i].item)
			c.entries[i].item = nil // not kept once handed on
		}
		c.entries = nil
		<-window
	}
	wg.Wait()
}

func itemOf(e *entry, parse func(*entry) Item) Item {
	if e.item != nil {
		return e.item
	}
	return parse(e)
}
