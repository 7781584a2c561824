package main

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

func TestMain(m *testing.M) {
	tuneCollector = false // see TestStreamGC and TestBatchGC
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}

// gcSettings reads the collector's settings without changing them.
func gcSettings() (int, int64) {
	pct := debug.SetGCPercent(100)
	debug.SetGCPercent(pct)
	return pct, debug.SetMemoryLimit(-1)
}

// withTuning lets a test set the collector, and gives the other tests
// Go's defaults back afterwards.
func withTuning(t *testing.T) (defaults func()) {
	defaults = func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	}
	tuneCollector = true
	t.Cleanup(func() {
		tuneCollector = false
		defaults()
	})
	return defaults
}

// unsetEnv unsets an environment variable for the rest of the test.
func unsetEnv(t *testing.T, name string) {
	t.Setenv(name, "") // restored after the test
	os.Unsetenv(name)
}

// TestBatchGC: a translation of a small save file runs without
// collections up to 128 times its input plus 64 MB; bigger inputs and a
// GOGC or GOMEMLIMIT the user set keep tuneGC's settings and get no
// huge pages (hugeHeap).
func TestBatchGC(t *testing.T) {
	defaults := withTuning(t)
	unsetEnv(t, "GOGC")
	unsetEnv(t, "GOMEMLIMIT")
	defaults()
	probes := hugeProbes
	batchGC(1 << 20)
	if pct, limit := gcSettings(); pct != -1 || limit != 128<<20+64<<20 {
		t.Errorf("1 MB: GOGC %d, limit %d; want -1 (off), %d", pct, limit, 128<<20+64<<20)
	}
	if hugePagesAdvised() && hugeProbes != probes+1 {
		t.Error("1 MB with THP \"madvise\": the heap was not advised (hugeHeap)")
	}
	defaults()
	batchGC(smallInput + 1)
	if pct, limit := gcSettings(); pct != 100 || limit != math.MaxInt64 {
		t.Errorf("big input: GOGC %d, limit %d; want Go's defaults", pct, limit)
	}
	defaults()
	t.Setenv("GOMEMLIMIT", "1GiB")
	probes = hugeProbes
	batchGC(1 << 20)
	if pct, limit := gcSettings(); pct != 400 || limit != math.MaxInt64 {
		t.Errorf("GOMEMLIMIT set: GOGC %d, limit %d; want tuneGC's 400 and no limit of ours", pct, limit)
	}
	unsetEnv(t, "GOMEMLIMIT")
	defaults()
	t.Setenv("GOGC", "200")
	batchGC(1 << 20)
	if pct, limit := gcSettings(); pct != 100 || limit != math.MaxInt64 {
		t.Errorf("GOGC set: GOGC %d, limit %d; want them untouched", pct, limit)
	}
	if hugeProbes != probes {
		t.Error("GOGC or GOMEMLIMIT set: the heap was advised all the same (hugeHeap)")
	}
	unsetEnv(t, "GOGC")
	defaults()
	batchGC(minHugeInput - 1)
	if hugeProbes != probes {
		t.Errorf("%d bytes, under minHugeInput: the heap was advised (hugeHeap)", minHugeInput-1)
	}
}

// TestStreamGC: the streamed translation's collector waits for the input
// plus 32 MB, unless the user set GOGC or GOMEMLIMIT.
func TestStreamGC(t *testing.T) {
	defaults := withTuning(t)
	settings := gcSettings
	unset := func(name string) { unsetEnv(t, name) }

	unset("GOGC")
	unset("GOMEMLIMIT")
	defaults()
	undo := streamGC(10 << 20)
	if pct, limit := settings(); pct != -1 || limit != 10<<20+32<<20 {
		t.Errorf("GOGC %d, limit %d; want -1 (off), %d", pct, limit, 10<<20+32<<20)
	}
	undo()
	if pct, limit := settings(); pct != 100 || limit != math.MaxInt64 {
		t.Errorf("undone: GOGC %d, limit %d; want the defaults back", pct, limit)
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

// TestIPSetFilesSetTheCollector: the --ipset files count in the input
// size that sets the collector. A big set file with a one-rule dump once
// ran with the collector held at 64 MB (the dump's size), collecting all
// the time: a million-entry set took 9.8 s instead of 4.
func TestIPSetFilesSetTheCollector(t *testing.T) {
	defaults := withTuning(t)
	unsetEnv(t, "GOGC")
	unsetEnv(t, "GOMEMLIMIT")
	defaults()
	dir := t.TempDir()
	dump := writeRules(t, dir, "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set bl src -j DROP\nCOMMIT\n")
	sets := filepath.Join(dir, "sets")
	// Over smallInput in all, most of it comments: quick to read.
	padding := strings.Repeat("# "+strings.Repeat("x", 97)+"\n", smallInput/100+1)
	if err := os.WriteFile(sets, []byte("create bl hash:ip family inet\nadd bl 192.0.2.1\n"+padding), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCmd(t, "--ipset", sets, dump)
	if code != 0 || !strings.Contains(out, "set bl") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if pct, limit := gcSettings(); pct != 100 || limit != math.MaxInt64 {
		t.Errorf("a dump of 80 bytes with %d bytes of --ipset: GOGC %d, limit %d; want Go's defaults, as for an input that big", len(padding), pct, limit)
	}
}
