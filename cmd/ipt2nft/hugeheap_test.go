//go:build linux && (amd64 || arm64)

package main

import (
	"bufio"
	"math"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// anonHugeKB is the AnonHugePages of the mapping of /proc/self/smaps
// that holds addr, in kB.
func anonHugeKB(t *testing.T, addr uintptr) int {
	kb, _ := strconv.Atoi(strings.TrimSuffix(smapsField(t, addr, "AnonHugePages:"), " kB"))
	return kb
}

// smapsField is the value of the field (named with its colon) of the
// mapping of /proc/self/smaps that holds addr.
func smapsField(t *testing.T, addr uintptr, field string) string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			lo, hi, _ := strings.Cut(fields[0], "-")
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uint64(addr) >= l && uint64(addr) < h
			continue
		}
		if v, ok := strings.CutPrefix(line, field); ok && in {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no mapping holds %#x in /proc/self/smaps, or it has no %s", addr, field)
	return ""
}

// vmstat is a counter of /proc/vmstat.
func vmstat(name string) int {
	b, _ := os.ReadFile("/proc/vmstat")
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// TestHugeHeap checks what hugeHeap is for: with THP "madvise", memory
// the heap hands out after it, once touched, is on huge pages. Without
// the advice it would be on small ones (AnonHugePages 0).
func TestHugeHeap(t *testing.T) {
	if !hugePagesAdvised() {
		t.Skip("skipped: no transparent huge pages given on madvise here (or pages not of 4 KiB, or GODEBUG=disablethp=1)")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // as batchGC does
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	probes := hugeProbes
	hugeHeap(1 << 20)
	if hugeProbes != probes+1 {
		t.Fatal("hugeHeap(1 MiB) did not advise the heap")
	}
	fallback := vmstat("thp_fault_fallback")
	b := make([]byte, 6<<20) // two huge pages at least
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	kb := anonHugeKB(t, uintptr(unsafe.Pointer(&b[0])))
	if kb == 0 {
		if vmstat("thp_fault_fallback") > fallback {
			t.Skip("skipped: the kernel had no huge page to give (thp_fault_fallback)")
		}
		t.Errorf("6 MiB allocated after hugeHeap and touched: AnonHugePages 0 kB in its mapping")
	}
}

// TestStreamHeap checks what streamHeap is for: with THP "madvise",
// the room it made in the heap is advised huge pages (VmFlags "hg"), and
// a few MB the heap hands out after it, once touched, are on huge pages.
func TestStreamHeap(t *testing.T) {
	if !hugePagesAdvised() {
		t.Skip("skipped: no transparent huge pages given on madvise here (or pages not of 4 KiB, or GODEBUG=disablethp=1)")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // as streamGC does
	probes := streamProbes
	streamHeap()
	if streamProbes != probes+1 {
		t.Fatal("streamHeap did not advise the heap")
	}
	for _, a := range []uintptr{streamRoom, streamRoom + streamHeapRoom - 1} {
		if flags := vmFlags(t, a); !slices.Contains(flags, "hg") {
			t.Errorf("streamHeap's room at %#x: VmFlags %v, no hg (MADV_HUGEPAGE)", a, flags)
		}
	}
	fallback := vmstat("thp_fault_fallback")
	b := make([]byte, 3<<20) // a huge page at least
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	if anonHugeKB(t, uintptr(unsafe.Pointer(&b[0]))) == 0 {
		if vmstat("thp_fault_fallback") > fallback {
			t.Skip("skipped: the kernel had no huge page to give (thp_fault_fallback)")
		}
		t.Errorf("3 MiB allocated after streamHeap and touched: AnonHugePages 0 kB in its mapping")
	}
}

// vmFlags is the VmFlags of the mapping of /proc/self/smaps that holds
// addr.
func vmFlags(t *testing.T, addr uintptr) []string {
	return strings.Fields(smapsField(t, addr, "VmFlags:"))
}
