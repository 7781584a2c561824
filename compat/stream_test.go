package compat_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

// TestRestoreTranslateStreams: iptables-restore-translate prints each
// command as it is translated, from a file scanned and parsed a piece at a
// time on every core. Its output and messages must be those of the file
// parsed and translated whole (translate.Commands), on a file big enough
// to be parsed in parallel, with bad lines, untranslatable rules and
// tables left without COMMIT (warnings found only as the file is read).
func TestRestoreTranslateStreams(t *testing.T) {
	link := testutil.Link(t, "iptables-restore-translate")
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [1:2]\n:FORWARD DROP [0:0]\n:dynamic - [0:0]\n")
	b.WriteString("-I INPUT -p udp --dport 53 -j ACCEPT\n-I INPUT 1 -p udp --dport 123 -j ACCEPT\n")
	for i := range 3000 {
		switch i % 6 {
		case 0:
			fmt.Fprintf(&b, "[%d:%d] -A INPUT -s 10.%d.%d.0/24 -p tcp --dport %d -j ACCEPT\n", i, 60*i, i/256, i%256, 1+i%60000)
		case 1:
			fmt.Fprintf(&b, "-A FORWARD -m comment --comment \"rule %d\" -m conntrack --ctstate NEW -j LOG --log-prefix \"f%d \"\n", i, i)
		case 2:
			fmt.Fprintf(&b, "-A INPUT -p tcp --dport 99999 -j ACCEPT\n") // iptables rejects it
		case 3:
			fmt.Fprintf(&b, "-A dynamic -m string --string x%d --algo bm -j DROP\n", i) // untranslatable
		case 4:
			fmt.Fprintf(&b, "-A INPUT -i eth%d -m multiport -p udp --dports 53,%d -j dynamic\n", i%4, 1000+i)
		default:
			if i%600 == 5 {
				// a table opened while another is: a warning mid-file
				b.WriteString("*filter\n")
			}
			fmt.Fprintf(&b, "-A FORWARD -p udp --dport %d -j REJECT --reject-with icmp-port-unreachable\n", 1+i)
		}
	}
	dump := b.String() // the last table has no COMMIT either
	path := filepath.Join(t.TempDir(), "rules.v4")
	if err := os.WriteFile(path, []byte(dump), 0o644); err != nil {
		t.Fatal(err)
	}

	// The whole-file translation, rendered as the tool renders commands.
	tr := translate.New(translate.Options{Exact: true})
	tr.AddFile(iptparse.ParseFile(path, dump, translate.Registry{}, iptparse.FamilyIPv4))
	pr := &emit.Printer{Style: emit.Style{Upstream: true}}
	stamp := "Thu Jan  1 00:00:00 1970"
	want := "# Translated by iptables-restore-translate v1.8.11 on " + stamp + "\n"
	for _, c := range tr.Commands() {
		if c.Op == ir.CmdUntranslated {
			want += fmt.Sprintf("# -t %s %s \n", c.Table, c.Text)
			continue
		}
		want += pr.CommandText(c) + "\n"
	}
	want += "# Completed on " + stamp + "\n"
	var wantErr strings.Builder
	warnings := 0
	for _, d := range tr.Diags() {
		fmt.Fprintf(&wantErr, "iptables-restore-translate: %s\n", d)
		if d.Kind == translate.DiagWarning && strings.Contains(d.Msg, "COMMIT") {
			warnings++
		}
	}
	if st := tr.Stats(); st.Errors != 500 || st.Untranslated != 500 || warnings != 6 {
		t.Fatalf("the test file is not what it should be: %+v, %d COMMIT warnings", st, warnings)
	}

	out, errText, code := run(t, []string{"SOURCE_DATE_EPOCH=0"}, "", link, "-f", path)
	if out != want {
		t.Errorf("streamed output differs from the whole-file translation (%d vs %d bytes)", len(out), len(want))
		got, exp := strings.Split(out, "\n"), strings.Split(want, "\n")
		for i := range min(len(got), len(exp)) {
			if got[i] != exp[i] {
				t.Fatalf("first difference at line %d:\n got %q\nwant %q", i+1, got[i], exp[i])
			}
		}
	}
	if errText != wantErr.String() {
		t.Errorf("messages differ:\n got %d bytes\nwant %d bytes", len(errText), wantErr.Len())
	}
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
}

// TestRestoreTranslateIPSetFlags: a set a later rule updates from the
// packet path (-j SET) is declared dynamic from its first use on, as the
// whole-file translation declares it, though commands are printed as
// they are translated.
func TestRestoreTranslateIPSetFlags(t *testing.T) {
	link := testutil.Link(t, "iptables-restore-translate")
	dump := "*filter\n:INPUT ACCEPT [0:0]\n" +
		"-A INPUT -m set --match-set scanners src -j DROP\n" +
		"-A INPUT -p tcp --dport 23 -j SET --add-set scanners src\n" +
		"COMMIT\n"
	out, errText, _ := run(t, []string{"SOURCE_DATE_EPOCH=0"}, dump, link)
	lines := strings.Split(out, "\n")
	first := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "add set ip filter scanners ") })
	use := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "@scanners") })
	if first < 0 || use < first || !strings.Contains(lines[first], "flags dynamic") {
		t.Errorf("the set must be declared dynamic before its first use:\n%s\n%s", out, errText)
	}
}

// TestRestoreTranslateWriteError: output that cannot be written is an
// error, not a silent success.
func TestRestoreTranslateWriteError(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full:", err)
	}
	defer full.Close()
	cmd := exec.Command(testutil.Link(t, "iptables-restore-translate"))
	cmd.Stdin = strings.NewReader("*filter\n-A INPUT -j ACCEPT\nCOMMIT\n")
	cmd.Stdout = full
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "writing the output") {
		t.Errorf("writing to /dev/full: %v, stderr %q; want exit status 1 and a message", err, stderr.String())
	}
}
