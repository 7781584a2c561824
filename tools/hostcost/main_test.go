//go:build linux

package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestFaultCostTouchesEveryPage(t *testing.T) {
	before := minorFaults(t)
	d, err := faultCost(256, 3)
	if err != nil {
		t.Fatal(err)
	}
	if d <= 0 || d > time.Second {
		t.Errorf("a fault took %v", d)
	}
	// Three rounds of 256 fresh pages: at least 768 faults (fault-around
	// does not apply to anonymous memory).
	if got := minorFaults(t) - before; got < 3*256 {
		t.Errorf("%d minor faults for 768 page touches: the pages were not faulted one by one", got)
	}
	if _, err := faultCost(0, 1); err == nil {
		t.Error("no pages: no error")
	}
}

func TestStartCost(t *testing.T) {
	if _, err := startCost("/nonexistent/program", 1); err == nil {
		t.Error("a missing program: no error")
	}
	if _, err := os.Stat("/bin/true"); err != nil {
		t.Skip("no /bin/true")
	}
	d, err := startCost("/bin/true", 3)
	if err != nil || d <= 0 {
		t.Errorf("startCost = %v, %v", d, err)
	}
}

func TestTHPMode(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("no transparent huge page setting here")
	}
	if m := thpMode(); !strings.Contains("always madvise never", m) || m == "" {
		t.Errorf("thpMode() = %q", m)
	}
}

// minorFaults is this process's minor page faults so far (the 10th field
// of /proc/self/stat after the command name).
func minorFaults(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip("no /proc/self/stat")
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	var n int
	for _, c := range f[7] {
		n = n*10 + int(c-'0')
	}
	return n
}
