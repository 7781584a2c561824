//go:build linux

// Command hostcost measures what the machine charges for the two things
// that set a short translation's time besides its instructions: a page
// fault and a process start. scripts/bench.sh prints them in its report's
// header, because the ratios against upstream follow them: on a virtual
// machine with software paging a fault took 10-11 us against 2-3 us on
// the one before, and ipt2nft, which touches more memory than upstream's
// C tool and starts the Go runtime, lost a quarter of its lead.
//
// Usage: hostcost
//
// It prints one line: the median CPU time of a first touch of an anonymous
// 4 KB page (huge pages refused for the region), the median wall time of
// starting /bin/true and waiting for it, and the machine's transparent
// huge page mode.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	fault, err := faultCost(2048, 7)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostcost:", err)
		os.Exit(1)
	}
	start, err := startCost("/bin/true", 21)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostcost:", err)
		os.Exit(1)
	}
	fmt.Printf("a page fault %.1f µs (first touch of a 4 KB anonymous page), a process start %.2f ms (/bin/true), transparent huge pages: %s\n",
		float64(fault.Nanoseconds())/1e3, float64(start.Microseconds())/1e3, thpMode())
}

// faultCost maps pages anonymous pages rounds times, touches each page
// once and returns the median CPU time a touch took: CPU time, not wall
// time, so that other work on the machine does not count (under a load
// of 6 on two cores a fault took 46-50 us of wall time, 10-11 us alone).
func faultCost(pages, rounds int) (time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if pages <= 0 || rounds <= 0 {
		return 0, fmt.Errorf("faultCost: %d pages, %d rounds", pages, rounds)
	}
	size := pages * 4096
	var per []time.Duration
	for range rounds {
		m, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
		if err != nil {
			return 0, err
		}
		// One fault a page, whatever the machine's huge page mode.
		_ = unix.Madvise(m, unix.MADV_NOHUGEPAGE)
		t := threadTime()
		for i := 0; i < size; i += 4096 {
			m[i] = 1
		}
		per = append(per, (threadTime()-t)/time.Duration(pages))
		if err := unix.Munmap(m); err != nil {
			return 0, err
		}
	}
	return median(per), nil
}

// startCost runs the program rounds times and returns the median wall
// time from start to exit.
func startCost(program string, rounds int) (time.Duration, error) {
	var per []time.Duration
	for range rounds {
		t := time.Now()
		if err := exec.Command(program).Run(); err != nil {
			return 0, err
		}
		per = append(per, time.Since(t))
	}
	return median(per), nil
}

// threadTime is the calling thread's CPU time.
func threadTime() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// thpMode is the bracketed word of the transparent huge page setting
// ("always", "madvise" or "never"), or "unknown".
func thpMode() string {
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		return "unknown"
	}
	s := string(b)
	i, j := strings.IndexByte(s, '['), strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return "unknown"
	}
	return s[i+1 : j]
}
