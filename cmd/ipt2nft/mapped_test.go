package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/compat"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/internal/textio"
)

// TestTranslateFileShrinks truncates a dump the translate command has
// mapped (see mapInputs) while it prints, blocked on its output pipe: the
// printer reads the log prefixes from the mapped text, and the fault must
// end the run with the file named and ErrChanged, not a crash (exit 2
// too, with a SIGBUS trace) and not a whole ruleset.
func TestTranslateFileShrinks(t *testing.T) {
	bin := testutil.Binary(t)
	var dump strings.Builder
	dump.WriteString("*filter\n:INPUT ACCEPT [0:0]\n")
	for i := range 30000 {
		// A log prefix of each rule's own: no two rules merge, and the
		// output is a line a rule, printed as the rules are.
		fmt.Fprintf(&dump, "-A INPUT -s 10.%d.%d.1/32 -p tcp -m tcp --dport %d -j LOG --log-prefix \"rule %d \"\n", i>>8&255, i&255, 1+i%60000, i)
	}
	dump.WriteString("COMMIT\n")
	path := filepath.Join(t.TempDir(), "rules.v4")
	if err := os.WriteFile(path, []byte(dump.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{path}, {"translate", "--format", "json", path}, {"--exact", path}} {
		if err := os.WriteFile(path, []byte(dump.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		// The printing blocks once the pipe is full, a thousand rules in.
		out, stderr, code := testutil.TruncateWhileWriting(t, exec.Command(bin, args...), path)
		if code != 2 || !strings.Contains(stderr, "rules.v4: the file changed while it was being read") {
			t.Errorf("%s: exit %d, stderr %.300q", args, code, stderr)
		}
		if bytes.Contains(out, []byte("rule 29999 ")) {
			t.Errorf("%s: the translation completed", args)
		}
	}
}

// TestMapInputs: the translate command's inputs are mapped only when
// they are files read whole of textio.MapFrom bytes or more, and never
// when read for other commands (readInputs); a script's text is copied
// and its mapping released (classify).
func TestMapInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := write("big.v4", "*filter\n"+strings.Repeat("-A INPUT -s 192.0.2.1 -j DROP\n", 4000)+"COMMIT\n")
	small := write("small.v4", "*filter\n-A INPUT -j DROP\nCOMMIT\n")
	script := write("big.sh", "#!/bin/sh\n"+strings.Repeat("iptables -A INPUT -s 192.0.2.1 -j DROP\n", 2000))
	never := func(string) { t.Error("onShrink called") }
	ins, err := readOrMapInputs(strings.NewReader(""), []string{big, small, "-", script}, never)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseInputs(ins)
	for i, want := range []bool{true, false, false, true} {
		if got := ins[i].release != nil; got != want {
			t.Errorf("%s mapped: %v", ins[i].name, got)
		}
	}
	// on the heap: the small file's text only
	if got, want := heldBytes(ins), len(ins[1].src); got != want {
		t.Errorf("heldBytes = %d, want %d", got, want)
	}
	o := &translateOpts{}
	cmd := newRootCmd()
	o.classify(cmd, ins)
	if ins[3].release != nil || !strings.HasPrefix(ins[3].src, "#!/bin/sh\n") {
		t.Errorf("the script is still mapped, or its text lost")
	}
	if !mapped(ins) {
		t.Error("the save file is no longer mapped")
	}
	releaseInputs(ins)
	if mapped(ins) {
		t.Error("mapped after releaseInputs")
	}
	ins, err = readInputs(strings.NewReader(""), []string{big})
	if err != nil || ins[0].release != nil || len(ins[0].src) < 4000 {
		t.Errorf("readInputs mapped %s, or read %d bytes: %v", big, len(ins[0].src), err)
	}
}

// TestMapInputsInPieces: a big save file read in pieces
// (compat.ReadsInPieces) is mapped for its survey, and its mapping
// released once surveyed (readInPieces); a big file that shrinks while
// it is surveyed exits 2 as any mapped input does.
func TestMapInputsInPieces(t *testing.T) {
	defer func(size int) { compat.PieceSize = size }(compat.PieceSize)
	compat.PieceSize = 4096 // big.v4 is read in pieces
	path := filepath.Join(t.TempDir(), "big.v4")
	src := "*filter\n" + strings.Repeat("-A INPUT -s 192.0.2.1 -j DROP\n", 4000) + "COMMIT\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	never := func(string) { t.Error("onShrink called") }
	ins, err := readOrMapInputs(nil, []string{path}, never)
	if err != nil || ins[0].release == nil || ins[0].src != src {
		t.Fatalf("a file read in pieces was not mapped for its survey (%v)", err)
	}
	defer releaseInputs(ins)
	o := &translateOpts{}
	o.classify(newRootCmd(), ins)
	o.readInPieces(ins)
	if ins[0].survey == nil || ins[0].src != "" || ins[0].release != nil {
		t.Errorf("surveyed %v, text of %d bytes, still mapped %v", ins[0].survey != nil, len(ins[0].src), ins[0].release != nil)
	}

	type exited int
	defer func(f func(int)) { exit = f }(exit)
	exit = func(code int) { panic(exited(code)) }
	var stderr bytes.Buffer
	var cleanup func()
	ins, err = mapInputs(nil, []string{path}, &stderr, &cleanup)
	if err != nil || !mapped(ins) {
		t.Fatalf("not mapped: %v", err)
	}
	defer releaseInputs(ins)
	o.classify(newRootCmd(), ins)
	// still big enough to be read in pieces
	if err := os.Truncate(path, int64(8*compat.PieceSize)); err != nil {
		t.Fatal(err)
	}
	got := readGuarded(func() { o.readInPieces(ins) })
	if got != exited(2) || !strings.Contains(stderr.String(), "big.v4: the file changed") {
		t.Errorf("recovered %v, stderr %q", got, stderr.String())
	}
}

// TestMapInputsShrunk: a fault on a mapped input names the file, runs
// the cleanup (which removes a half-written --output file) and exits 2.
func TestMapInputsShrunk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.v4")
	if err := os.WriteFile(path, []byte(strings.Repeat("-A INPUT -j DROP\n", 8000)), 0o644); err != nil {
		t.Fatal(err)
	}
	type exited int
	defer func(f func(int)) { exit = f }(exit)
	exit = func(code int) { panic(exited(code)) }
	var stderr bytes.Buffer
	cleaned := false
	cleanup := func() { cleaned = true }
	ins, err := mapInputs(nil, []string{path}, &stderr, &cleanup)
	if err != nil || !mapped(ins) {
		t.Fatalf("not mapped: %v", err)
	}
	defer releaseInputs(ins)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	got := readGuarded(func() { sink = ins[0].src[len(ins[0].src)-1] })
	if got != exited(2) || !cleaned || !strings.Contains(stderr.String(), "rules.v4: the file changed") {
		t.Errorf("recovered %v, cleaned up %v, stderr %q", got, cleaned, stderr.String())
	}
}

var sink byte

// TestMappedInputError checks that an input error in a mapped file is
// reported with its line and option and exit status 1, as for a file
// read: the error is printed before the mapping is released when the
// run returns (an error printed after it, holding a string of the text,
// would crash).
func TestMappedInputError(t *testing.T) {
	bin := testutil.Binary(t)
	var dump strings.Builder
	dump.WriteString("*filter\n")
	for i := 0; dump.Len() < 2*textio.MapFrom; i++ {
		fmt.Fprintf(&dump, "-A INPUT -s 10.%d.%d.1/32 -p tcp -m tcp --dport %d -j ACCEPT\n", i>>8&255, i&255, 1+i%60000)
	}
	lines := strings.Count(dump.String(), "\n")
	dump.WriteString("-A INPUT -p tcp --bogus-option-xyz 5 -j ACCEPT\nCOMMIT\n")
	path := filepath.Join(t.TempDir(), "rules.v4")
	if err := os.WriteFile(path, []byte(dump.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{path}, {"translate", "--format", "json", path}} {
		var stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stderr = &stderr
		err := cmd.Run()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 1 {
			t.Errorf("%s: %v, want exit status 1", args, err)
		}
		want := fmt.Sprintf("rules.v4:%d:17: error: -p tcp: unknown option \"--bogus-option-xyz\"", lines+1)
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("%s: stderr %.300q, want %q", args, stderr.String(), want)
		}
	}
}

// readGuarded runs read on a goroutine set up as the command's readers of
// a mapped file are (SetPanicOnFault, textio.Guard), and returns what it
// panicked with (the tests' exit panics with the exit status).
func readGuarded(read func()) (got any) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { got = recover() }()
		debug.SetPanicOnFault(true)
		defer textio.Guard()
		read()
	}()
	<-done
	return got
}
