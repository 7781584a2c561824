package compat_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/compat"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

func run(t *testing.T, env []string, stdin string, name string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestMultiCall checks that a symlink named like the upstream tool and the
// subcommand of the same name behave the same.
func TestMultiCall(t *testing.T) {
	bin := testutil.Binary(t)
	link := testutil.Link(t, "iptables-translate")
	args := []string{"-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"}
	a, _, codeA := run(t, nil, "", link, args...)
	b, _, codeB := run(t, nil, "", bin, append([]string{"iptables-translate"}, args...)...)
	want := "nft 'add rule ip filter INPUT tcp dport 22 counter accept'\n"
	if a != want || b != want || codeA != 0 || codeB != 0 {
		t.Errorf("symlink: %q (%d), subcommand: %q (%d), want %q", a, codeA, b, codeB, want)
	}
	// Errors: exit 2 with the position and the option.
	_, errText, code := run(t, nil, "", link, "-A", "INPUT", "-p", "tcp", "--dportz", "22")
	if code != 2 || !strings.Contains(errText, `<args>:1:17: -p tcp: unknown option "--dportz"`) {
		t.Errorf("bad option: exit %d, stderr %q", code, errText)
	}
	// Insert positions: iptables counts from 1, nft's index from 0.
	out, _, _ := run(t, nil, "", link, "-I", "INPUT", "3", "-j", "DROP")
	if out != "nft 'insert rule ip filter INPUT index 2 counter drop'\n" {
		t.Errorf("-I 3: %q", out)
	}
	out, _, _ = run(t, nil, "", link, "-P", "INPUT", "DROP")
	if out != "nft add chain ip filter INPUT { type filter hook input priority 0; policy drop; }\n" {
		t.Errorf("-P: %q", out)
	}
}

// TestRestoreTranslate runs a dump through iptables-restore-translate from
// a file and from stdin.
func TestRestoreTranslate(t *testing.T) {
	link := testutil.Link(t, "iptables-restore-translate")
	dump := "*security\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -m nosuchmatch -j DROP\nCOMMIT\n"
	path := filepath.Join(t.TempDir(), "rules.v4")
	os.WriteFile(path, []byte(dump), 0o644)
	env := []string{"SOURCE_DATE_EPOCH=0"}
	want := `# Translated by iptables-restore-translate v1.8.11 on Thu Jan  1 00:00:00 1970
add table ip security
add chain ip security INPUT { type filter hook input priority 50; policy accept; }
add rule ip security INPUT tcp dport 22 counter accept
# -t security -A INPUT -m nosuchmatch -j DROP 
# Completed on Thu Jan  1 00:00:00 1970
`
	for _, args := range [][]string{{"-f", path}, {}} {
		stdin := ""
		if len(args) == 0 {
			stdin = dump
		}
		out, errText, code := run(t, env, stdin, link, args...)
		if out != want {
			t.Errorf("args %v:\n got %q\nwant %q", args, out, want)
		}
		if code != 1 || !strings.Contains(errText, "rules.v4:4:13") && !strings.Contains(errText, "<stdin>:4:13") {
			t.Errorf("args %v: exit %d stderr %q", args, code, errText)
		}
	}
}

// TestRestoreTranslateFileShrinks truncates a dump while
// iptables-restore-translate, which maps it, is blocked writing its
// translation: reading on, it must report the change, not crash on the
// fault (SIGBUS) of reading past the file's new end.
func TestRestoreTranslateFileShrinks(t *testing.T) {
	link := testutil.Link(t, "iptables-restore-translate")
	var dump strings.Builder
	dump.WriteString("*filter\n:INPUT ACCEPT [0:0]\n")
	for i := range 80000 { // more than ReadsUpTo: mapped, not read
		fmt.Fprintf(&dump, "-A INPUT -s 10.%d.%d.1/32 -p tcp -m tcp --dport %d -j ACCEPT\n", i>>8&255, i&255, 1+i%60000)
	}
	dump.WriteString("COMMIT\n")
	if int64(dump.Len()) <= compat.ReadsUpTo {
		t.Fatalf("a dump of %d bytes is read whole, not mapped (ReadsUpTo %d)", dump.Len(), compat.ReadsUpTo)
	}
	path := filepath.Join(t.TempDir(), "rules.v4")
	if err := os.WriteFile(path, []byte(dump.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// The translation blocks once the pipe is full, some 2,000 rules in,
	// with the parser at most a few chunks of 128 lines ahead.
	out, stderr, code := testutil.TruncateWhileWriting(t, exec.Command(link, "-f", path), path)
	if code != 1 || !strings.Contains(stderr, "rules.v4: the file changed while it was being read") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if bytes.Contains(out, []byte("# Completed")) {
		t.Error("the translation completed")
	}
}
