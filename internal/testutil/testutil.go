// Package testutil holds helpers shared by tests: locating ../shared,
// building the binary once, and throwaway network namespaces.
package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// RepoRoot is the module root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// SharedDir returns ../shared (or $IPT2NFT_SHARED), skipping the test with
// a message when it is absent.
func SharedDir(t testing.TB, sub string) string {
	t.Helper()
	dir, ok := SharedPath(sub)
	if !ok {
		t.Skipf("skipped: %s not found (set IPT2NFT_SHARED to the shared directory)", dir)
	}
	return dir
}

// SharedPath is sub of ../shared (or $IPT2NFT_SHARED), and whether it
// exists: for tests that use it when present and go on without it.
func SharedPath(sub string) (string, bool) {
	dir := os.Getenv("IPT2NFT_SHARED")
	if dir == "" {
		dir = filepath.Join(RepoRoot(), "..", "shared")
	}
	dir = filepath.Join(dir, sub)
	_, err := os.Stat(dir)
	return dir, err == nil
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/ipt2nft once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ipt2nft-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "ipt2nft")
		// Built as make build builds it (static, see the Makefile).
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/ipt2nft")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		cmd.Dir = RepoRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = &buildError{err, string(out)}
		}
	})
	if buildErr != nil {
		t.Fatalf("building ipt2nft: %v", buildErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// Link makes a symlink named name to the binary in a temp dir and returns
// its path, for multi-call tests.
func Link(t testing.TB, name string) string {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	p := filepath.Join(dir, name)
	if err := os.Symlink(bin, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// RemoveBinary deletes the binary built by Binary; call it from TestMain.
func RemoveBinary() {
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
}

// LineDiff shows the lines only in a (-) or only in b (+), each line
// counted as often as it occurs.
func LineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	inB := map[string]int{}
	for _, l := range bl {
		inB[l]++
	}
	inA := map[string]int{}
	for _, l := range al {
		inA[l]++
	}
	var out []string
	for _, l := range al {
		if inB[l] == 0 {
			out = append(out, "- "+l)
		} else {
			inB[l]--
		}
	}
	for _, l := range bl {
		if inA[l] == 0 {
			out = append(out, "+ "+l)
		} else {
			inA[l]--
		}
	}
	if len(out) > 40 {
		out = append(out[:40], "...")
	}
	return strings.Join(out, "\n")
}
