// Package compat makes ipt2nft answer to the names of other tools:
// iptables-translate and friends (exact mode, upstream 1.8.11 output), and
// the iptables shim (iptables, ip6tables, their -save and -restore, and
// ipset; see package shim).
package compat

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/hugestart"
	"github.com/ipt2nft/ipt2nft/internal/textio"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/shim"
	"github.com/ipt2nft/ipt2nft/translate"
)

// Version is the upstream iptables version whose output exact mode matches.
const Version = "1.8.11"

// Tool is a program name ipt2nft can stand in for.
type Tool struct {
	Name    string
	Family  iptparse.Family
	Restore bool
}

// Tools are the exact-mode names.
var Tools = []Tool{
	{"iptables-translate", iptparse.FamilyIPv4, false},
	{"ip6tables-translate", iptparse.FamilyIPv6, false},
	{"iptables-restore-translate", iptparse.FamilyIPv4, true},
	{"ip6tables-restore-translate", iptparse.FamilyIPv6, true},
}

// Lookup finds a tool by program name (argv[0], with or without a path).
func Lookup(argv0 string) (Tool, bool) {
	base := filepath.Base(argv0)
	for _, t := range Tools {
		if t.Name == base {
			return t, true
		}
	}
	return Tool{}, false
}

// Shim finds an iptables shim tool by program name (argv[0], with or
// without a path).
func Shim(argv0 string) (shim.Tool, bool) { return shim.Lookup(filepath.Base(argv0)) }

// IO bundles the streams a tool uses.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Now is the time printed in restore headers (default time.Now).
	Now func() time.Time
	// StreamGC, if set, is called with the size of what is held of a
	// restore input (all of it, or two pieces when it is read in pieces:
	// see ReadsInPieces), when it is to be translated a command at a
	// time in memory reused from rule to rule (translate.ReusesMemory;
	// not when it is translated whole): a program sets its garbage
	// collector there (see cmd/ipt2nft). undo, called if the commands
	// turn out to be held after all (translate.Options.Held), sets it
	// back.
	StreamGC func(inputBytes int) (undo func())
}

// Run runs a tool with its arguments (without the program name) and
// returns the exit status.
func (t Tool) Run(args []string, s IO) int {
	if t.Restore {
		return t.runRestore(args, s)
	}
	return t.runCommand(args, s)
}

func (t Tool) runCommand(args []string, s IO) int {
	p := &iptparse.Parser{Registry: translate.Registry{}, Family: t.Family}
	cmd, err := p.ParseCommand(iptparse.WordsFromArgs(args, "<args>"))
	for _, w := range cmd.Warnings {
		fmt.Fprintf(s.Stderr, "%s: %s\n", t.Name, w)
	}
	if err != nil {
		fmt.Fprintf(s.Stderr, "%s v%s (ipt2nft): %s\nTry `%s -h' or '%s --help' for more information.\n", t.Name, Version, err, t.Name, t.Name)
		return 2
	}
	tr := translate.New(translate.Options{Exact: true})
	tr.AddCommand(cmd)
	cmds := tr.Commands()
	pr := &emit.Printer{Style: emit.Style{Upstream: true}}
	var out strings.Builder
	failed := false
	for _, c := range cmds {
		out.WriteString("nft ")
		switch c.Op {
		case ir.CmdUntranslated:
			out.WriteString("# " + strings.Join(args, " ") + " \n")
			failed = true
		case ir.CmdAddRule, ir.CmdInsertRule, ir.CmdAddSet, ir.CmdAddCtHelper:
			out.WriteString("'" + pr.CommandText(c) + "'\n")
		default:
			out.WriteString(pr.CommandText(c) + "\n")
		}
	}
	io.WriteString(s.Stdout, out.String())
	for _, d := range tr.Diags() {
		if d.Kind != translate.DiagUntranslated {
			fmt.Fprintf(s.Stderr, "%s: %s\n", t.Name, d)
		}
	}
	if failed {
		for _, d := range tr.Diags() {
			if d.Kind == translate.DiagUntranslated {
				fmt.Fprintf(s.Stderr, "%s: %s\n", t.Name, d)
			}
		}
		fmt.Fprintln(s.Stderr, "Translation not implemented")
		return 1
	}
	return 0
}

// outChunk is how much of its output runRestore gathers before writing
// it.
const outChunk = 64 << 10

func (t Tool) runRestore(args []string, s IO) int {
	file := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-h" || a == "--help":
			fmt.Fprintf(s.Stdout, "Usage: %s [-h] [-f <FILE>] [-V]\n", t.Name)
			return 0
		case a == "-V" || a == "--version":
			fmt.Fprintf(s.Stdout, "%s v%s (ipt2nft)\n", t.Name, Version)
			return 0
		case a == "-f" || a == "--file":
			if i+1 >= len(args) {
				fmt.Fprintf(s.Stderr, "%s: option %s requires an argument\n", t.Name, a)
				return 2
			}
			file = args[i+1]
			i++
		case strings.HasPrefix(a, "--file="):
			file = strings.TrimPrefix(a, "--file=")
		case strings.HasPrefix(a, "-f") && len(a) > 2:
			file = a[2:]
		default:
			fmt.Fprintf(s.Stderr, "%s: unexpected argument %q\nUsage: %s [-h] [-f <FILE>] [-V]\n", t.Name, a, t.Name)
			return 2
		}
	}
	name := file
	var src string
	var pieces *translate.Survey // set: the file is read in pieces, not whole
	var mapped bool              // the file is mapped (textio.MapFile), not read
	var fileStamp textio.Stamp   // the file's when it was looked through
	var err error
	switch {
	case file == "" || file == "-":
		name = "<stdin>"
		src, err = textio.ReadAll(s.Stdin)
	case readsWhole(file):
		src, err = textio.ReadFile(file)
	case ReadsInPieces(file) && !mapsWhole(file):
		pieces, fileStamp, err = surveyPieces(file, t.Family)
		if err == nil && pieces == nil {
			src, err = textio.ReadFile(file)
		}
	default:
		// Mapped, not read (see textio.MapFile). A file that shrinks
		// while it is mapped faults its readers: this goroutine, and the
		// parser's, under textio.Guard.
		var release func()
		src, release, err = textio.MapFile(file, func() {
			fmt.Fprintf(s.Stderr, "%s: reading %s: %v\n", t.Name, file, textio.ErrChanged)
			os.Exit(1)
		})
		if mapped = release != nil; mapped {
			defer release()
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			defer textio.Guard()
		}
	}
	if err != nil {
		fmt.Fprintf(s.Stderr, "Cannot open file %s\n", file)
		return 1
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	} else if epoch, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		// Reproducible output: https://reproducible-builds.org/specs/source-date-epoch/
		now = func() time.Time { return time.Unix(epoch, 0).UTC() }
	}
	stamp := now().Format("Mon Jan _2 15:04:05 2006")
	// The commands are printed into lines, which is written out every
	// 64 KB: into it, not into a line of their own copied into a
	// bufio.Writer. werr is the first error writing.
	var lines emit.Lines
	lines.Grow(outChunk + 4<<10)
	var werr error
	flush := func() {
		if werr == nil && lines.Len() > 0 {
			_, werr = s.Stdout.Write(lines.Bytes())
		}
		lines.Reset()
	}
	lines.WriteString(fmt.Sprintf("# Translated by %s v%s on %s\n", t.Name, Version, stamp))
	pr := &emit.Printer{Style: emit.Style{Upstream: true}}
	write := func(c *ir.Command) {
		if c.Op == ir.CmdUntranslated {
			lines.WriteString(emit.RestoreUntranslated(c))
			lines.WriteString("\n")
		} else {
			pr.AppendLine(&lines, c)
		}
		if lines.Len() >= outChunk {
			flush()
		}
	}
	// Each command is printed as soon as it is translated, as upstream
	// does line by line: a million-rule file is never held translated
	// (but see translate.StreamsCommands).
	opt := translate.Options{Exact: true, EmitCommand: write, NoOrigin: true}
	if s.StreamGC != nil {
		held := len(src)
		if mapped {
			held = 0 // not in the heap
		}
		if pieces != nil {
			// What is held of the file is a piece or two.
			held = 2 * PieceSize
		}
		var undo func()
		opt.BeforeReuse = func() { undo = s.StreamGC(held) }
		opt.Held = func() {
			if undo != nil {
				undo()
			}
		}
	}
	tr := translate.New(opt)
	if pieces != nil {
		err = ReadPieces(file, fileStamp, func(next func() (string, bool)) { tr.AddPieces(name, next, *pieces) })
	} else {
		tr.AddText(name, src, t.Family)
	}
	lines.WriteString("# Completed on " + stamp + "\n")
	flush()
	status := 0
	for _, d := range tr.Diags() {
		fmt.Fprintf(s.Stderr, "%s: %s\n", t.Name, d)
		if d.Kind == translate.DiagError || d.Kind == translate.DiagUntranslated {
			status = 1
		}
	}
	if werr != nil {
		fmt.Fprintf(s.Stderr, "%s: writing the output: %v\n", t.Name, werr)
		return 1
	}
	if err != nil {
		fmt.Fprintf(s.Stderr, "%s: reading %s: %v\n", t.Name, file, err)
		return 1
	}
	return status
}

// MapsUpTo is the size of the biggest file iptables-restore-translate
// maps whole (textio.MapFile); a bigger one it reads in pieces if
// ReadsInPieces. Read in pieces, a file is read twice (surveyed first)
// into new memory: the mixed 100,000-rule dump (7 MB) took 42.3 ms and
// 2,800 page faults, mapped 35.6 ms and 800; the 1,000,000-rule one (72
// MB) 361 ms, mapped 319 ms (medians of 15 and 5 alternating runs). A
// mapped file's pages count in the process's resident memory (the 1M
// dump's peak went from 38 to 90 MB), but are the page cache's, not the
// heap's: this bounds them for files of millions of rules. A variable
// for tests.
var MapsUpTo int64 = 256 << 20

// mapsWhole tells whether runRestore maps the named file whole rather
// than read it in pieces (see MapsUpTo).
func mapsWhole(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Size() <= MapsUpTo
}

// ReadsUpTo is the size up to which runRestore reads a file into memory
// on huge pages (hugestart.Advised) rather than map it. A mapped page,
// populated in one call, still costs a first touch of 2.3 us on a host
// with software paging (Firecracker under PVM): 0.8 ms for the mixed
// 20,000-rule dump's 350. Read, the same dump costs a copy and a huge
// page or two (some 150 us each; textio.ReadFile advises its buffer).
// 31 alternating runs, the heap on huge pages from the start in both:
// mixed 25.5 -> 24.2 ms, blocklist 20.0 -> 18.9, dispatch 34.4 -> 33.3.
// Bigger files, not measured so, are mapped as before. A variable for
// tests.
var ReadsUpTo int64 = 4 << 20

// readsWhole tells whether runRestore reads the named file into memory
// rather than map it (see ReadsUpTo).
func readsWhole(name string) bool {
	if !hugestart.Advised() {
		return false
	}
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular() && fi.Size() <= ReadsUpTo
}

// PieceSize is how much of a big file (see ReadsInPieces) is read at a
// time. Zero reads every file whole; a variable for tests.
var PieceSize = textio.PieceSize

// ReadsInPieces reports whether the named file is big enough to be read
// in pieces (twice: see surveyPieces), never held whole: a regular file
// of more than four pieces (4 MB, some 50,000 rules). Smaller ones are
// read faster whole, and their translation holds several times their
// size anyway.
func ReadsInPieces(name string) bool {
	fi, err := os.Stat(name)
	return PieceSize > 0 && err == nil && fi.Mode().IsRegular() && fi.Size() > 4*int64(PieceSize)
}

// surveyPieces reads the named file in pieces (see PieceSize) for what
// translating it a piece at a time needs to know first. It returns nil
// if the file is to be read whole: a small or irregular one, or one that
// would not be translated in memory reused from rule to rule (a command
// list, or a file whose commands are held: translate.ReusesMemory),
// which gains nothing from pieces.
func surveyPieces(name string, fam iptparse.Family) (*translate.Survey, textio.Stamp, error) {
	if !ReadsInPieces(name) {
		return nil, textio.Stamp{}, nil
	}
	sv := translate.NewSurvey(fam, true)
	// Add keeps nothing of a piece: one buffer serves them all.
	stamp, err := textio.ScanPieces(name, PieceSize, sv.Add)
	if err != nil || sv.Format != iptparse.FormatSave || !sv.Streams {
		return nil, textio.Stamp{}, err
	}
	return &sv, stamp, nil
}

// ReadPieces hands read the pieces of the named file (see PieceSize)
// and returns the error that ended them, if any: textio.ErrChanged if
// the file is no longer as it was when it was stamped (looked through).
func ReadPieces(name string, stamp textio.Stamp, read func(next func() (string, bool))) error {
	return textio.ReadPieces(name, PieceSize, stamp, read)
}
