package main

import (
	"bytes"
	"errors"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/report"
)

// runCmd runs the ipt2nft command line in-process.
func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runTree(newCmdFor(args), args...)
}

// runTree is runCmd with the command tree root.
func runTree(root *cobra.Command, args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.Execute()
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		code = 2
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

func realWorldFiles(t *testing.T) []string {
	dir := testutil.SharedDir(t, "corpus/realworld")
	var files []string
	for _, pat := range []string{"*.rules", "*.sh"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) < 30 {
		t.Fatalf("only %d real-world files", len(files))
	}
	return files
}

var untranslatedRe = regexp.MustCompile(`^(.*):(\d+):(\d+): untranslated: `)

// TestReportRealWorld writes the report of every real-world file in the
// three formats, and checks that it lists every rule translate reports as
// untranslated: none missing, none added.
func TestReportRealWorld(t *testing.T) {
	total := 0
	for _, f := range realWorldFiles(t) {
		name := filepath.Base(f)
		_, stderr, _ := runCmd(t, "translate", f)
		var want []string
		for _, l := range strings.Split(stderr, "\n") {
			if m := untranslatedRe.FindStringSubmatch(l); m != nil {
				want = append(want, filepath.Base(m[1])+":"+m[2])
			}
		}
		sort.Strings(want)
		total += len(want)

		// The model: the same untranslated rules.
		orig := &report.Originals{}
		o := &translateOpts{seeItem: orig.Add}
		cmd := newReportCmd()
		cmd.SetArgs(nil)
		m, err := o.migrate(cmd, []string{f})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep, err := m.report(cmd.Flags(), orig)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, p := range append(rep.FailOpen, rep.Untranslated...) {
			got = append(got, filepath.Base(p.Pos.File)+":"+strconv.Itoa(int(p.Pos.Line)))
		}
		sort.Strings(got)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: report lists untranslated %v, translate reports %v", name, got, want)
		}

		for _, format := range []string{"text", "markdown", "html"} {
			out, errs, code := runCmd(t, "report", "--format", format, f)
			if code != 0 || len(out) < 500 {
				t.Errorf("%s --format %s: exit %d, %d bytes: %s", name, format, code, len(out), errs)
				continue
			}
			// Each untranslated rule is in the untranslated sections.
			start := strings.Index(out, "Fail-open")
			end := strings.Index(out, "Changes of meaning made on purpose")
			if start < 0 || end < start {
				t.Errorf("%s --format %s: sections missing", name, format)
				continue
			}
			section := out[start:end]
			for _, w := range want {
				if !strings.Contains(section, w) {
					t.Errorf("%s --format %s: untranslated rule %s not listed", name, format, w)
				}
			}
			if format == "text" && strings.Contains(out, "\x1b") {
				t.Errorf("%s: colors written to a pipe", name)
			}
		}
	}
	t.Logf("%d real-world files, %d untranslated rules, all listed in the three formats", len(realWorldFiles(t)), total)
	if total == 0 {
		t.Errorf("no untranslated rule in the corpus: the test checks nothing")
	}
}

// TestReportHTMLChromium renders a report in headless Chromium (when it is
// installed): the page must load without errors and keep its structure.
func TestReportHTMLChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("skipped: chromium not installed")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if _, errs, code := runCmd(t, "report", "--format", "html", "-o", page, filepath.Join("..", "..", "report", "testdata", "report.rules")); code != 0 {
		t.Fatalf("report: exit %d: %s", code, errs)
	}
	src, _ := os.ReadFile(page)
	shot := filepath.Join(dir, "shot.png")
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run", "--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=1400,2000"}
	dom, err := exec.Command(bin, append(args, "--dump-dom", "file://"+page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	if err := exec.Command(bin, append(args, "--screenshot="+shot, "file://"+page)...).Run(); err != nil {
		t.Fatalf("chromium --screenshot: %v", err)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10000 {
		t.Errorf("screenshot: %v", err)
	}
	for _, tag := range []string{"<tr", "<table", "<pre"} {
		if a, b := strings.Count(string(src), tag), strings.Count(string(dom), tag); a != b {
			t.Errorf("%s: %d in the page, %d in Chromium's DOM", tag, a, b)
		}
	}
	if !strings.Contains(string(dom), "g-failopen") {
		t.Errorf("fail-open row missing from the DOM")
	}
}

// TestReportGivenIPSets: a rule that looks up a set lies in the "ipsets"
// blind spot unless an --ipset file defines the set, whose elements
// verify then aims probes at.
func TestReportGivenIPSets(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "r.rules")
	sets := filepath.Join(dir, "s.ipset")
	if err := os.WriteFile(rules, []byte("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set s src -j DROP\n-A INPUT -m set --match-set other dst -j DROP\nCOMMIT\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sets, []byte("create s hash:net family inet\nadd s 10.0.0.0/8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "in this input: 2 rules (r.rules:3-4)"},
		{[]string{"--ipset", sets}, "in this input: 1 rule (r.rules:4)"},
	} {
		out, errs, code := runCmd(t, append(append([]string{"report"}, c.args...), rules)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errs)
		}
		_, after, ok := strings.Cut(out, "  - ipsets: ")
		if !ok {
			t.Fatalf("%v: no ipsets blind spot in\n%s", c.args, out)
		}
		line, _, _ := strings.Cut(after, "\n  - ")
		if !strings.Contains(line, c.want) {
			t.Errorf("%v: ipsets blind spot\n%s\nwant %q", c.args, line, c.want)
		}
	}
}

// TestBlocks: what is written to blocks, in writes of any size, some
// larger than a block and some straddling two, comes out whole.
func TestBlocks(t *testing.T) {
	var b blocks
	var want strings.Builder
	rnd := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 100, blockSize - 101, 1, blockSize, 3*blockSize + 7, 5} {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte('a' + rnd.Intn(26))
		}
		if k, err := b.Write(p); k != n || err != nil {
			t.Fatalf("Write of %d bytes: %d, %v", n, k, err)
		}
		want.Write(p)
	}
	if got := b.String(); got != want.String() {
		t.Errorf("got %d bytes, want %d, or the same number of other bytes", len(got), want.Len())
	}
}
