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
	rules := 0
	for i := range entries {
		if entries[i].item == nil {
			rules++
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if rules < 2*chunkSize || workers < 2 {
		parse := newParse()
		for i := range entries {
			each(itemOf(&entries[i], parse))
		}
		return
	}
	var chunks []*chunk
	for start := 0; start < len(entries); start += chunkSize {
		end := min(start+chunkSize, len(entries))
		chunks = append(chunks, &chunk{entries: entries[start:end], done: make(chan struct{})})
	}
	todo := make(chan *chunk)
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
		for _, c := range chunks {
			window <- struct{}{}
			todo <- c
		}
		close(todo)
	}()
	for _, c := range chunks {
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
