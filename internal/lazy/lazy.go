// Package lazy holds values built on first use.
package lazy

import (
	"sync"
	"sync/atomic"
)

// Of is a value New builds on the first Get, safe for concurrent use.
//
// A package-level Of whose New is a function literal is laid out by the
// compiler in the binary's data and costs nothing until used; the
// function sync.OnceValue returns is built when its package is
// initialized, six allocations each, paid by every run of the program
// whether it uses the value or not. Maps are built at initialization too:
// a table only some commands read is an Of.
type Of[T any] struct {
	New  func() T
	done atomic.Bool
	mu   sync.Mutex
	v    T
}

// Get returns the value, building it on the first call. It is small
// enough to be inlined: a look-up in a table read for every rule costs
// an atomic load more than the bare table.
func (l *Of[T]) Get() T {
	if !l.done.Load() {
		l.build()
	}
	return l.v
}

// build runs New once; a panic in New is passed on, and the next Get
// tries again.
func (l *Of[T]) build() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done.Load() {
		l.v = l.New()
		l.done.Store(true)
	}
}
