package lazy

import (
	"sync"
	"testing"
)

var built int

var counted = Of[map[string]int]{New: func() map[string]int {
	built++
	return map[string]int{"a": 1}
}}

// TestGetBuildsOnce checks that concurrent first uses build the value
// once and all see it (run with -race).
func TestGetBuildsOnce(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := counted.Get()["a"]; got != 1 {
				t.Errorf(`Get()["a"] = %d, want 1`, got)
			}
		}()
	}
	wg.Wait()
	if built != 1 {
		t.Errorf("New ran %d times, want 1", built)
	}
}

// TestGetAfterPanic checks that a panic in New reaches the caller and
// that the next Get builds the value again.
func TestGetAfterPanic(t *testing.T) {
	calls := 0
	l := &Of[int]{New: func() int {
		calls++
		if calls == 1 {
			panic("first")
		}
		return 7
	}}
	func() {
		defer func() {
			if r := recover(); r != "first" {
				t.Errorf("recovered %v, want the panic of New", r)
			}
		}()
		l.Get()
	}()
	if got := l.Get(); got != 7 || calls != 2 {
		t.Errorf("Get after a panic = %d after %d calls of New, want 7 after 2", got, calls)
	}
}
