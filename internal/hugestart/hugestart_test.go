//go:build linux && (amd64 || arm64)

package hugestart

import (
	"bufio"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// mapping is a mapping of /proc/self/smaps: its range, VmFlags and
// AnonHugePages (kB).
type mapping struct {
	lo, hi  uintptr
	flags   []string
	hugeKB  int
	present bool
}

// mappingOf returns the mapping of /proc/self/smaps that holds addr.
func mappingOf(t *testing.T, addr uintptr) mapping {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	defer f.Close()
	var m mapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) > 0 && !strings.HasSuffix(fields[0], ":") {
			if m.present {
				return m
			}
			lo, hi, ok := strings.Cut(fields[0], "-")
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			if ok && err1 == nil && err2 == nil && uint64(addr) >= l && uint64(addr) < h {
				m = mapping{lo: uintptr(l), hi: uintptr(h), present: true}
			}
			continue
		}
		if !m.present {
			continue
		}
		if v, ok := strings.CutPrefix(line, "AnonHugePages:"); ok {
			m.hugeKB, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
		if v, ok := strings.CutPrefix(line, "VmFlags:"); ok {
			m.flags = strings.Fields(v)
		}
	}
	if !m.present {
		t.Fatalf("no mapping holds %#x in /proc/self/smaps", addr)
	}
	return m
}

// TestHeapStartAdvised checks what init is for: the heap from the huge
// page where it began to the end of the next 4 MiB (as far as mapped)
// is advised huge pages (VmFlags "hg"), and that first huge page, which
// the runtime had partly faulted in, is one (collapsed with the others
// it had put pages in).
func TestHeapStartAdvised(t *testing.T) {
	if !Advised() {
		t.Skip("skipped: no transparent huge pages given on madvise here (or pages not of 4 KiB, or GODEBUG=disablethp=1)")
	}
	p := uintptr(unsafe.Pointer(probe))
	if start == 0 || p < start || p >= end || end-start < hugePage {
		t.Fatalf("advised [%#x, %#x): want it to hold the probe %#x", start, end, p)
	}
	m := mappingOf(t, p)
	if !slices.Contains(m.flags, "hg") {
		t.Errorf("mapping %#x-%#x of the heap's start: VmFlags %v, no hg (MADV_HUGEPAGE)", m.lo, m.hi, m.flags)
	}
	if collapsed == 0 {
		t.Logf("the heap's first huge page not collapsed (MADV_COLLAPSE: %v)", collapseErr)
	} else if m.hugeKB == 0 {
		t.Errorf("the heap's first huge page collapsed, but its mapping %#x-%#x has AnonHugePages 0 kB", m.lo, m.hi)
	}
}

// TestAdvise checks that a buffer advised before it is filled is on huge
// pages once touched, where the heap mapped it after init.
func TestAdvise(t *testing.T) {
	if !Advised() {
		t.Skip("skipped: no transparent huge pages given on madvise here")
	}
	b := make([]byte, 16<<20) // beyond what init advised
	Advise(unsafe.Pointer(&b[0]), uintptr(len(b)))
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	last := uintptr(unsafe.Pointer(&b[len(b)-1]))
	if last < end {
		t.Fatalf("16 MiB allocated after init end at %#x, inside what init advised (to %#x): the test cannot tell", last, end)
	}
	m := mappingOf(t, last)
	if !slices.Contains(m.flags, "hg") {
		t.Errorf("mapping %#x-%#x of an advised buffer: VmFlags %v, no hg", m.lo, m.hi, m.flags)
	}
	if m.hugeKB == 0 {
		t.Errorf("16 MiB advised and touched: AnonHugePages 0 kB in the mapping of its end")
	}
}

// TestAdviseCollapsesPartlyPresent checks that Advise collapses a huge
// page some of whose pages are present when the buffer is to fill many
// of the others, which then fill without a fault (else each would be a
// small page's fault), and leaves it when the buffer is to fill few.
func TestAdviseCollapsesPartlyPresent(t *testing.T) {
	if !Advised() {
		t.Skip("skipped: no transparent huge pages given on madvise here")
	}
	runtime.LockOSThread() // faults counted for this thread
	defer runtime.UnlockOSThread()
	mem, err := syscall.Mmap(-1, 0, 3*hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	if err != nil {
		t.Skipf("skipped: mmap: %v", err)
	}
	defer syscall.Munmap(mem)
	base := uintptr(unsafe.Pointer(&mem[0]))
	off := int((base+hugePage-1)&^(hugePage-1) - base) // the aligned huge page
	h := mem[off : off+hugePage]
	h[0], h[4096] = 1, 1 // two pages present, as the heap's objects would be

	before := collapsed
	few := h[8192 : 8192+(minCollapsePages-8)*4096]
	Advise(unsafe.Pointer(&few[0]), uintptr(len(few)))
	if collapsed != before {
		t.Errorf("a buffer of %d pages collapsed its huge page: want it left (fewer than %d)", minCollapsePages-8, minCollapsePages)
	}

	buf := h[64<<10 : 3*hugePage/4]
	collapseErr = 0
	Advise(unsafe.Pointer(&buf[0]), uintptr(len(buf)))
	faults := threadFaults(t)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	if n := threadFaults(t) - faults; n > 16 {
		if collapseErr == syscall.EINVAL {
			t.Skip("skipped: no MADV_COLLAPSE here (Linux 6.1)")
		}
		t.Errorf("a buffer of %d pages in a partly present huge page, advised: %d faults to fill it, want none (collapsed %d -> %d, error %v)", len(buf)/4096, n, before, collapsed, collapseErr)
	}
	if h[0] != 1 || h[4096] != 1 {
		t.Error("collapse lost the pages present before")
	}
}

// threadFaults returns the calling thread's minor page faults so far.
func threadFaults(t *testing.T) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		t.Skipf("skipped: getrusage: %v", err)
	}
	return ru.Minflt
}
