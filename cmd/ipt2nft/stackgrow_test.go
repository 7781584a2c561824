package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

// TestStackGrownFirst checks that internal/stackgrow's init runs before
// the init functions it makes room for (those that grew the main
// goroutine's stack before it): an import added to it, or a change of
// its path, could make it run after them.
func TestStackGrownFirst(t *testing.T) {
	bin := testutil.Binary(t)
	empty := filepath.Join(t.TempDir(), "empty.v4")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "iptables-restore-translate", "-f", empty)
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	var order []string // packages, in the order of their inits
	for _, l := range strings.Split(stderr.String(), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "init" {
			order = append(order, f[1])
		}
	}
	first := slices.Index(order, "github.com/ipt2nft/ipt2nft/internal/stackgrow")
	if first < 0 {
		t.Fatalf("no init of internal/stackgrow in:\n%s", stderr.String())
	}
	for _, pkg := range []string{"internal/godebug", "mvdan.cc/sh/v3/fileutil", "time"} {
		if i := slices.Index(order, pkg); i >= 0 && i < first {
			t.Errorf("%s initialized before internal/stackgrow: %s", pkg, order)
		}
	}
}
