package shim_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/shim"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}

// tools is a directory with the shim's names linked to the binary.
func tools(t testing.TB) string {
	t.Helper()
	bin := testutil.Binary(t)
	dir := t.TempDir()
	for _, tl := range shim.Tools {
		if err := os.Symlink(bin, filepath.Join(dir, tl.Name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// run runs a command in the namespace, returning stdout, stderr and the
// exit status.
func run(ns *testutil.Netns, stdin string, args ...string) (string, string, int) {
	cmd := ns.Command(args...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if err != nil {
		code = -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
	}
	return o.String(), e.String(), code
}

// side runs iptables tools under one implementation: the shim (dir of
// symlinks) or iptables-legacy.
type side struct {
	ns  *testutil.Netns
	dir string // "" for iptables-legacy
}

// tool is the program to run for an iptables tool name.
func (s side) tool(name string) string {
	if s.dir != "" {
		return filepath.Join(s.dir, name)
	}
	switch name {
	case "iptables", "ip6tables":
		return name + "-legacy"
	}
	prog, rest, _ := strings.Cut(name, "-")
	return prog + "-legacy-" + rest
}

func (s side) run(stdin, name string, args ...string) (string, string, int) {
	return run(s.ns, stdin, append([]string{s.tool(name)}, args...)...)
}

var countersRe = regexp.MustCompile(`^\[\d+:\d+\] `)

// normalizeSave drops comments and counters and orders the tables by
// name, so that two iptables-save outputs compare by content.
func normalizeSave(s string) string {
	var blocks []string
	var cur []string
	for _, l := range strings.Split(s, "\n") {
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
			continue
		case strings.HasPrefix(l, ":"):
			if i := strings.LastIndex(l, " ["); i >= 0 {
				l = l[:i]
			}
		}
		l = countersRe.ReplaceAllString(l, "")
		cur = append(cur, l)
		if l == "COMMIT" {
			blocks = append(blocks, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	if len(cur) > 0 {
		blocks = append(blocks, strings.Join(cur, "\n"))
	}
	sort.Strings(blocks)
	return strings.Join(blocks, "\n")
}
