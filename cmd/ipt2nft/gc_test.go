package main

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// TestStreamGC: the streamed translation's collector waits for twice the
// input plus 32 MB, unless the user set GOGC or GOMEMLIMIT.
func TestStreamGC(t *testing.T) {
	defaults := func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	}
	t.Cleanup(defaults)
	// settings reads the collector's settings without changing them.
	settings := func() (int, int64) {
		pct := debug.SetGCPercent(100)
		debug.SetGCPercent(pct)
		return pct, debug.SetMemoryLimit(-1)
	}
	unset := func(name string) {
		t.Setenv(name, "") // restored after the test
		os.Unsetenv(name)
	}

	unset("GOGC")
	unset("GOMEMLIMIT")
	defaults()
	streamGC(10 << 20)
	if pct, limit := settings(); pct != -1 || limit != 2*10<<20+32<<20 {
		t.Errorf("GOGC %d, limit %d; want -1 (off), %d", pct, limit, 2*10<<20+32<<20)
	}
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		defaults()
		t.Setenv(env, "200")
		streamGC(10 << 20)
		if pct, limit := settings(); pct != 100 || limit != math.MaxInt64 {
			t.Errorf("with %s set: GOGC %d, limit %d; want them untouched", env, pct, limit)
		}
		unset(env)
	}
}
