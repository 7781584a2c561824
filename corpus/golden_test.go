package corpus

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}

// TestGolden runs every testdata/*.txtar case through the binary, compares
// stdout, stderr and the exit status, and loads normal-mode output into a
// throwaway namespace with nft -c.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden cases")
	}
	bin := testutil.Binary(t)
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c := Parse(filepath.Base(path), data)
		t.Run(strings.TrimSuffix(c.Name, ".txtar"), func(t *testing.T) {
			dir := t.TempDir()
			var args []string
			load := true
			for _, a := range c.Args {
				if a == "--no-load" { // a test-only switch: output not loadable here
					load = false
					continue
				}
				args = append(args, a)
			}
			inputs := map[string]bool{}
			for _, a := range args {
				inputs[a] = true
			}
			for _, in := range c.Inputs {
				if err := os.WriteFile(filepath.Join(dir, in.Name), in.Data, 0o644); err != nil {
					t.Fatal(err)
				}
				if !inputs[in.Name] { // files named in args (like --ipset FILE) are not inputs
					args = append(args, in.Name)
				}
			}
			cmd := exec.Command(bin, args...)
			cmd.Dir = dir
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			exit := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				exit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(path, c.Update(stdout.String(), stderr.String(), strconv.Itoa(exit)), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !c.HasOut {
				t.Fatalf("no stdout section (run go test ./corpus -update)")
			}
			if got := stdout.String(); got != c.Stdout {
				t.Errorf("stdout differs:\n--- got\n%s--- want\n%s", got, c.Stdout)
			}
			if got := stderr.String(); got != c.Stderr {
				t.Errorf("stderr differs:\n--- got\n%s--- want\n%s", got, c.Stderr)
			}
			if strconv.Itoa(exit) != c.Exit {
				t.Errorf("exit status %d, want %s", exit, c.Exit)
			}
			if load && loadable(c) && stdout.Len() > 0 {
				ns := testutil.NewNetns(t)
				if err := ns.NftCheck(stdout.String()); err != nil {
					t.Errorf("output does not load: %v", err)
				}
			}
		})
	}
}

// loadable reports whether a case's stdout is an nft -f ruleset (normal
// mode text), as opposed to exact-mode command lists or JSON.
func loadable(c *Case) bool {
	for _, a := range c.Args {
		if strings.HasPrefix(a, "--exact") || strings.HasPrefix(a, "--format") ||
			strings.Contains(a, "translate") {
			return false
		}
	}
	return true
}
