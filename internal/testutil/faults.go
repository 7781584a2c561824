package testutil

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// ThreadFaults is the calling thread's count of minor page faults (lock
// the goroutine to its thread around what is counted).
func ThreadFaults(t testing.TB) int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		t.Skipf("skipped: getrusage(RUSAGE_THREAD): %v", err)
	}
	return int64(ru.Minflt) // int32 on 32-bit platforms
}

// TruncateWhileWriting starts cmd with its output into a pipe, waits for
// its first byte out (it is then writing, and blocks once the pipe is
// full), truncates path to nothing, and returns what cmd printed in all,
// its standard error and its exit status: for the tests of what a
// command that maps path does when the file shrinks under it.
func TruncateWhileWriting(t testing.TB, cmd *exec.Cmd, path string) (out []byte, stderr string, code int) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := r.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	out, _ = io.ReadAll(r)
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out, errb.String(), code
}
