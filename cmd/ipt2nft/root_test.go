package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ipt2nft/ipt2nft/compat"
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

// TestOutputFile: -o (of translate and of report) writes what stdout
// gets, leaves no temporary file behind, and names the option when it
// cannot write.
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
	// The report's -o goes the same way.
	wantReport, _, code := runCmd(t, "report", in)
	if code != 0 || !strings.Contains(wantReport, "tcp dport { 22, 80 } accept") {
		t.Fatalf("report: exit %d\n%s", code, wantReport)
	}
	if stdout, _, code := runCmd(t, "report", "-o", out, in); code != 0 || stdout != "" {
		t.Fatalf("report -o: exit %d, stdout %q", code, stdout)
	}
	if got, err := os.ReadFile(out); err != nil || string(got) != wantReport {
		t.Errorf("report -o wrote (%v)\n%s\nstdout gets\n%s", err, got, wantReport)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("files left in the directory: %v", entries)
	}
	for _, args := range [][]string{{}, {"report"}} {
		args = append(args, "-o", filepath.Join(dir, "missing", "out.nft"), in)
		_, stderr, code := runCmd(t, args...)
		if code != 2 || !strings.Contains(stderr, "--output "+filepath.Join(dir, "missing", "out.nft")) {
			t.Errorf("unwritable -o (%q): exit %d, %q", args, code, stderr)
		}
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

// TestExactStreams: --exact prints what iptables-restore-translate prints
// (without its header and footer lines). A single save file is streamed:
// its commands are written before its diagnostics, as they are made. A
// file whose -j SET rules change an ipset's set declared before, and a
// script, are translated whole: diagnostics first, then the commands.
func TestExactStreams(t *testing.T) {
	dir := t.TempDir()
	plain := "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -p tcp -m tcp --dport 22 -j ACCEPT\n" +
		"-A OUTPUT -m owner --socket-exists -j DROP\n-A OUTPUT -d 10.0.0.1 -j ACCEPT\nCOMMIT\n"
	withSet := "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -m set --match-set bad dst -j DROP\n" +
		"-A OUTPUT -m owner --socket-exists -j DROP\n-A OUTPUT -p tcp -j SET --add-set bad dst\nCOMMIT\n"
	cases := []struct {
		name, file, src string
		args            []string
		streamed        bool
	}{
		{"save file", "rules.v4", plain, nil, true},
		{"-j SET", "set.v4", withSet, nil, false},
		{"script", "rules.sh", "#!/bin/sh\niptables -A OUTPUT -p tcp --dport 22 -j ACCEPT\niptables -A OUTPUT -m owner --socket-exists -j DROP\n", nil, false},
	}
	tool, _ := compat.Lookup("iptables-restore-translate")
	for _, c := range cases {
		in := filepath.Join(dir, c.file)
		if err := os.WriteFile(in, []byte(c.src), 0o600); err != nil {
			t.Fatal(err)
		}
		root := newRootCmd()
		var both bytes.Buffer // stdout and stderr in the order written
		root.SetOut(&both)
		root.SetErr(&both)
		root.SetArgs(append([]string{"--exact", in}, c.args...))
		var ee *exitError
		if err := root.Execute(); !errors.As(err, &ee) || ee.code != 1 {
			t.Errorf("%s: want exit status 1 (an untranslated rule), got %v", c.name, err)
		}
		got := both.String()
		diag := strings.Index(got, "untranslated")
		cmd := strings.Index(got, "add rule ip filter OUTPUT")
		if diag < 0 || cmd < 0 {
			t.Fatalf("%s: output lacks the diagnostic or the commands:\n%s", c.name, got)
		}
		if streamed := cmd < diag; streamed != c.streamed {
			t.Errorf("%s: streamed %v, want %v:\n%s", c.name, streamed, c.streamed, got)
		}
		if c.file == "rules.sh" {
			continue // iptables-restore-translate reads no scripts
		}
		stdout, _, _ := runCmd(t, "--exact", in)
		var up bytes.Buffer
		tool.Run([]string{"-f", in}, compat.IO{Stdout: &up, Stderr: io.Discard})
		lines := strings.Split(strings.TrimSuffix(up.String(), "\n"), "\n")
		if want := strings.Join(lines[1:len(lines)-1], "\n") + "\n"; stdout != want {
			t.Errorf("%s: --exact printed\n%s\niptables-restore-translate\n%s", c.name, stdout, want)
		}
	}
}

// TestCommandWords: every name and alias of a command of the whole tree
// (with those cobra adds when it runs) is a word rootOnly looks for, so
// that newCmdFor builds the whole tree whenever cobra could run anything
// but the root command.
func TestCommandWords(t *testing.T) {
	root := newRootCmd()
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		for _, w := range append([]string{c.Name()}, c.Aliases...) {
			if rootOnly([]string{"rules.v4", w}) {
				t.Errorf("rootOnly does not see the command %q", w)
			}
		}
	}
	for _, w := range []string{cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd} {
		if rootOnly([]string{w}) {
			t.Errorf("rootOnly does not see the command %q", w)
		}
	}
}

// TestRootOnly: the root command alone (newCmdFor) behaves as the whole
// tree for the arguments it is built for, and is not built for those
// that name a command or ask for help.
func TestRootOnly(t *testing.T) {
	in := writeRules(t, t.TempDir(), "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -m owner --socket-exists -j DROP\nCOMMIT\n")
	for _, args := range [][]string{
		{in}, {"--exact", in}, {"-6", in}, {"--table", "t", in}, {"--format", "json", in},
		{"--bogus", in}, {"-x", in}, {"--format", "xml", in}, {"missing.v4"}, {"-4", "-6", in},
		{"--ips-priority", "x", in}, {"-D", "A=1", in},
	} {
		if !rootOnly(args) {
			t.Errorf("rootOnly(%q) = false", args)
			continue
		}
		wo, we, wc := runTree(newRootCmd(), args...)
		go_, ge, gc := runTree(newCmdFor(args), args...)
		if go_ != wo || ge != we || gc != wc {
			t.Errorf("%q: the root command alone gives (exit %d)\n%s%s\nthe whole tree (exit %d)\n%s%s", args, gc, go_, ge, wc, wo, we)
		}
	}
	// newCmdFor's root does not sort its flags, which only the errors of
	// required flags and flag groups would show.
	newCmdFor([]string{in}).Flags().VisitAll(func(f *pflag.Flag) {
		if len(f.Annotations) > 0 {
			t.Errorf("the root's flag --%s is required or in a group: newCmdFor must sort the flags", f.Name)
		}
	})
	for _, args := range [][]string{
		{"-h"}, {"-6h", in}, {"--help"}, {"--help=true"}, {"help"}, {"report", in}, {in, "report"},
		{"--table", "t", "verify", in}, {"completion", "bash"}, {"__complete", ""}, {"iptables-translate", "-A", "INPUT"},
		{"shim", "run", "iptables"},
	} {
		if rootOnly(args) {
			t.Errorf("rootOnly(%q) = true", args)
		}
	}
}
