package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeRules writes a dump as dir/rules.v4 and returns its path.
func writeRules(t *testing.T, dir, src string) string {
	t.Helper()
	in := filepath.Join(dir, "rules.v4")
	if err := os.WriteFile(in, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return in
}

// TestOutputFile: -o writes the same ruleset stdout gets, leaves no
// temporary file behind, and names the option when it cannot write.
func TestOutputFile(t *testing.T) {
	dir := t.TempDir()
	in := writeRules(t, dir, "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT\nCOMMIT\n")
	want, _, code := runCmd(t, in)
	if code != 0 || !strings.Contains(want, "tcp dport { 22, 80 } accept") {
		t.Fatalf("stdout: exit %d\n%s", code, want)
	}
	out := filepath.Join(dir, "out.nft")
	for _, format := range []string{"text", "json"} {
		stdout, _, code := runCmd(t, "--format", format, "-o", out, in)
		if code != 0 || stdout != "" {
			t.Fatalf("-o (%s): exit %d, stdout %q", format, code, stdout)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if format == "text" && string(got) != want {
			t.Errorf("-o wrote\n%s\nstdout gets\n%s", got, want)
		}
		if format == "json" && !strings.HasPrefix(string(got), `{"nftables":`) {
			t.Errorf("-o --format json wrote %.80q", got)
		}
		if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("mode of the output: %v %v", fi.Mode(), err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("files left in the directory: %v", entries)
	}
	_, stderr, code := runCmd(t, "-o", filepath.Join(dir, "missing", "out.nft"), in)
	if code != 2 || !strings.Contains(stderr, "--output "+filepath.Join(dir, "missing", "out.nft")) {
		t.Errorf("unwritable -o: exit %d, %q", code, stderr)
	}
}

// TestJSONWithCounters: nft's JSON input drops set element counters, so
// with --format json rules carrying counters are not merged into sets
// (the text output merges them, the counters going onto the elements).
func TestJSONWithCounters(t *testing.T) {
	in := writeRules(t, t.TempDir(), "*filter\n:INPUT DROP [0:0]\n[5:300] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n[7:420] -A INPUT -p tcp -m tcp --dport 80 -j ACCEPT\nCOMMIT\n")
	text, _, code := runCmd(t, in)
	if code != 0 || !strings.Contains(text, "tcp dport { 22 counter packets 5 bytes 300, 80 counter packets 7 bytes 420 } accept") {
		t.Fatalf("text: exit %d\n%s", code, text)
	}
	js, stderr, code := runCmd(t, "--format", "json", in)
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, stderr)
	}
	if strings.Count(js, `"counter": {"packets": 5, "bytes": 300}`) != 1 || strings.Count(js, `"counter": {"packets": 7, "bytes": 420}`) != 1 || strings.Contains(js, `"elem"`) {
		t.Errorf("json: want two rules with their own counters:\n%s", js)
	}
}
