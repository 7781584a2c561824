//go:build linux && (amd64 || arm64)

package hugestart

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
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

// TestHeapStartAdvised checks what init is for: the heap from its first
// huge page to 4 MiB beyond what it held at init is advised huge pages
// (VmFlags "hg"), the partly used huge page where it began is one
// already, and memory handed out after init, once touched, is on huge
// pages.
func TestHeapStartAdvised(t *testing.T) {
	if !Advised() {
		t.Skip("skipped: no transparent huge pages given on madvise here (or pages not of 4 KiB, or GODEBUG=disablethp=1)")
	}
	p := uintptr(unsafe.Pointer(probe))
	if Start == 0 || p < Start || p >= End || End-Start < growBy {
		t.Fatalf("advised [%#x, %#x): want it to hold the probe %#x and %d MiB more", Start, End, p, growBy>>20)
	}
	for a := Start; a < End; {
		m := mappingOf(t, a)
		if !slices.Contains(m.flags, "hg") {
			t.Errorf("mapping %#x-%#x of the advised heap: VmFlags %v, no hg (MADV_HUGEPAGE)", m.lo, m.hi, m.flags)
		}
		a = m.hi
	}
	if Collapsed == 0 {
		t.Logf("no huge page collapsed (MADV_COLLAPSE: %v)", CollapseErr)
	} else if m := mappingOf(t, p); m.hugeKB == 0 {
		t.Errorf("%d huge pages collapsed, but the mapping of the probe %#x has AnonHugePages 0 kB", Collapsed, p)
	}

	b := make([]byte, 3<<20) // a huge page at least, whole
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	a := uintptr(unsafe.Pointer(&b[0]))
	if a < Start || a+uintptr(len(b)) > End {
		t.Skipf("skipped: 3 MiB allocated after init at %#x, outside the advised [%#x, %#x)", a, Start, End)
	}
	if m := mappingOf(t, a); m.hugeKB == 0 {
		t.Errorf("3 MiB allocated after init and touched, at %#x: AnonHugePages 0 kB in its mapping", a)
	}
}
