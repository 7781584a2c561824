package shim

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// The xtables lock: iptables takes an exclusive flock on
// /run/xtables.lock (XTABLES_LOCKFILE overrides the path) for the whole
// command, so that concurrent iptables calls do not overwrite each
// other's changes. Without -w a held lock is an error (exit 4); -w waits
// for it, -w N at most N seconds, polling every -W microseconds.

func lockPath() string {
	if p := os.Getenv("XTABLES_LOCKFILE"); p != "" {
		return p
	}
	return "/run/xtables.lock"
}

func takeLock(fl iptparse.ListFlags) (func(), error) {
	f, err := os.OpenFile(lockPath(), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		// iptables goes on without the lock when it cannot open it.
		return func() {}, nil
	}
	release := func() { f.Close() }
	fd := int(f.Fd())
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err == nil {
		return release, nil
	}
	if !fl.Wait {
		f.Close()
		return nil, &exitErr{4, "Another app is currently holding the xtables lock. Perhaps you want to use the -w option?"}
	}
	if fl.WaitSecs == "" {
		if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("xtables lock: %w", err)
		}
		return release, nil
	}
	secs, err := strconv.ParseFloat(fl.WaitSecs, 64)
	if err != nil || secs < 0 {
		f.Close()
		return nil, &exitErr{2, fmt.Sprintf("wait seconds not numeric: %s", fl.WaitSecs)}
	}
	interval := time.Second
	if fl.WaitInterval != "" {
		if us, err := strconv.ParseUint(fl.WaitInterval, 10, 32); err == nil && us > 0 {
			interval = time.Duration(us) * time.Microsecond
		}
	}
	deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
	for {
		if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err == nil {
			return release, nil
		}
		if !time.Now().Before(deadline) {
			f.Close()
			return nil, &exitErr{4, fmt.Sprintf("Another app is currently holding the xtables lock. Stopped waiting after %gs.", secs)}
		}
		time.Sleep(min(interval, time.Until(deadline)+time.Millisecond))
	}
}
