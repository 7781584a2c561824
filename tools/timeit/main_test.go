package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRun checks the line timeit writes and the status it passes on: a
// command that sleeps 50 ms and then spins reads at least that long, with
// CPU time and a resident set, and its exit status comes back.
func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rss")
	code, err := run(out, []string{"sh", "-c", "sleep 0.05; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 3"})
	if err != nil {
		t.Fatal(err)
	}
	if code != 3 {
		t.Errorf("exit status %d, want 3", code)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 3 {
		t.Fatalf("line %q: want WALL CPU RSS", b)
	}
	wall, _ := strconv.ParseFloat(f[0], 64)
	cpu, _ := strconv.ParseFloat(f[1], 64)
	rss, _ := strconv.Atoi(f[2])
	if wall < 0.05 || cpu <= 0 || cpu > wall+1 || rss < 100 {
		t.Errorf("line %q: wall %v (want ≥ 0.05), cpu %v, rss %d KB", b, wall, cpu, rss)
	}
	if _, err := run(out, []string{filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("a command that cannot start: no error")
	}
}
