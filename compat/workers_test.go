package compat_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ipt2nft/ipt2nft/compat"
	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

// TestRestoreTranslateWorkers: a big file's rules are parsed on every
// core and translated in order as they come. Output, messages and exit
// status must be those of the file translated whole by one goroutine,
// however many parse workers there are, and whether the file is read
// whole, in pieces or from stdin: on the real-world dumps made big enough
// to be parsed in parallel (rules with extension state, ipsets, warnings,
// errors), and on a dump with an unknown option, untranslatable rules and
// rules that read or change the run's state scattered through it. Run it
// with -race.
func TestRestoreTranslateWorkers(t *testing.T) {
	dir := t.TempDir()
	var inputs []string
	realworld, _ := filepath.Glob(filepath.Join(testutil.SharedDir(t, "corpus/realworld"), "*.rules"))
	var big strings.Builder
	for _, f := range realworld {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		rules := strings.Count(src, "\n-A ") + strings.Count(src, "\n-I ")
		if iptparse.DetectFormat(src) != iptparse.FormatSave || rules == 0 {
			continue
		}
		// Enough copies for several chunks of rules on every worker.
		copies := 3000/rules + 1
		inputs = append(inputs, writeInput(t, dir, filepath.Base(f), strings.Repeat(src, copies)))
		if translate.StreamsCommands(src) && iptparse.DetectFamily(src) == iptparse.FamilyIPv4 {
			big.WriteString(src)
		}
	}
	inputs = append(inputs, writeInput(t, dir, "broken.v4", brokenDump()))
	// The IPv4 dumps that stream, together, read in pieces.
	bigSrc := strings.Repeat(big.String(), 20000/max(1, strings.Count(big.String(), "\n"))+1)
	inputs = append(inputs, writeInput(t, dir, "big.v4", bigSrc))
	defer func(p int) { compat.PieceSize = p }(compat.PieceSize)
	defer func(n int64) { compat.MapsUpTo = n }(compat.MapsUpTo)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))

	for _, path := range inputs {
		b, _ := os.ReadFile(path)
		src := string(b)
		name := "iptables-restore-translate"
		if iptparse.DetectFamily(src) == iptparse.FamilyIPv6 {
			name = "ip6tables-restore-translate"
		}
		tool, _ := compat.Lookup(name)
		wantOut, wantErr, wantCode := wholeTranslation(tool, path, src)
		// Messages name "<stdin>" for a file read from stdin.
		_, stdinErr, _ := wholeTranslation(tool, "<stdin>", src)
		for _, procs := range []int{1, 4} {
			runtime.GOMAXPROCS(procs)
			for _, how := range []string{"whole", "pieces", "stdin"} {
				compat.PieceSize = len(src)
				compat.MapsUpTo = int64(len(src))
				args := []string{"-f", path}
				switch how {
				case "pieces":
					compat.PieceSize = len(src)/9 + 1
					compat.MapsUpTo = int64(len(src)) - 1
				case "stdin":
					args = nil
				}
				if (how == "pieces") != compat.ReadsInPieces(path) && how != "stdin" {
					t.Fatalf("%s: %s is not read as it should be", path, how)
				}
				var out, errb strings.Builder
				code := tool.Run(args, compat.IO{Stdin: strings.NewReader(src), Stdout: &out, Stderr: &errb, Now: epoch})
				label := fmt.Sprintf("%s, %s, GOMAXPROCS %d", filepath.Base(path), how, procs)
				if out.String() != wantOut {
					t.Errorf("%s: output differs from the whole-file translation:\n%s", label, testutil.LineDiff(wantOut, out.String()))
				}
				want := wantErr
				if how == "stdin" {
					want = stdinErr
				}
				if got := errb.String(); got != want {
					t.Errorf("%s: messages differ:\n%s", label, testutil.LineDiff(want, got))
				}
				if code != wantCode {
					t.Errorf("%s: exit status %d, want %d", label, code, wantCode)
				}
			}
		}
	}
}

func epoch() time.Time { return time.Unix(0, 0).UTC() }

func writeInput(t *testing.T, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wholeTranslation is what tool prints for the restore file src, named
// name in messages, and its exit status, from the file parsed whole and translated by one
// goroutine (translate.Translator.AddFile).
func wholeTranslation(tool compat.Tool, name, src string) (string, string, int) {
	tr := translate.New(translate.Options{Exact: true})
	tr.AddFile(iptparse.ParseFile(name, src, translate.Registry{}, tool.Family))
	pr := &emit.Printer{Style: emit.Style{Upstream: true}}
	stamp := epoch().Format("Mon Jan _2 15:04:05 2006")
	var out, errb strings.Builder
	fmt.Fprintf(&out, "# Translated by %s v%s on %s\n", tool.Name, compat.Version, stamp)
	for _, c := range tr.Commands() {
		if c.Op == ir.CmdUntranslated {
			out.WriteString(emit.RestoreUntranslated(c) + "\n")
			continue
		}
		out.WriteString(pr.CommandText(c) + "\n")
	}
	fmt.Fprintf(&out, "# Completed on %s\n", stamp)
	code := 0
	for _, d := range tr.Diags() {
		fmt.Fprintf(&errb, "%s: %s\n", tool.Name, d)
		if d.Kind == translate.DiagError || d.Kind == translate.DiagUntranslated {
			code = 1
		}
	}
	return out.String(), errb.String(), code
}

// brokenDump is a 20,000-rule dump with, among rules the workers
// translate, an unknown option on line 5000 and rules the caller must
// translate: untranslatable ones, ones with warnings, with extension
// state across rules (recent, hashlimit, connlimit's numbered sets),
// unknown tables, and commands other than -A and -I.
func brokenDump() string {
	var b strings.Builder
	line := 0
	w := func(format string, args ...any) {
		fmt.Fprintf(&b, format+"\n", args...)
		line++
	}
	w("*filter")
	w(":INPUT DROP [0:0]")
	w(":FORWARD ACCEPT [3:4]")
	w(":web - [0:0]")
	for i := 0; line < 20000; i++ {
		if line == 4999 {
			w("-A INPUT -p tcp --dport 22 --frobnicate -j ACCEPT")
			continue
		}
		switch i % 40 {
		case 7:
			w("-A INPUT -m string --string x%d --algo bm -j DROP", i)
		case 13:
			w("-A INPUT -p tcp --dport %d -m recent --name r%d --set", 1+i%1000, i%3)
		case 14:
			w("-A INPUT -p tcp -m recent --name r%d --rcheck --seconds 60 --hitcount 3 -j DROP", i%3)
		case 17:
			w("-A web -m hashlimit --hashlimit-above 10/sec --hashlimit-mode srcip --hashlimit-name h%d -j DROP", i%2)
		case 19:
			w("-A INPUT -p tcp --syn --dport 80 -m connlimit --connlimit-above 20 -j REJECT")
		case 23:
			w("-A INPUT -p tcp --dport 70000 -j ACCEPT")
		case 29:
			w("-A INPUT -s 10.0.%d.1 -j ACCEPT # a comment", i%256)
		case 31:
			w("-D INPUT -s 10.1.%d.0/24 -j ACCEPT", i%256)
		case 37:
			w("-I web %d -s 192.0.2.%d,198.51.100.%d -p udp -m multiport --dports 53,123 -j ACCEPT", 1+i%5, i%256, i%256)
		default:
			w("[%d:%d] -A INPUT -s 10.%d.%d.0/24 -p tcp -m tcp --dport %d -m comment --comment \"rule %d\" -j ACCEPT", i, 40*i, i/256%256, i%256, 1+i%60000, i)
		}
		if i%2500 == 1249 {
			w("COMMIT")
			w("*nat")
			w("-A PREROUTING -p tcp --dport %d -j DNAT --to-destination 10.9.0.%d:80", 8000+i%100, i%256)
			w("COMMIT")
			w("*bogus")
			w("-A INPUT -j ACCEPT")
			w("COMMIT")
			w("*filter")
		}
	}
	w("COMMIT")
	return b.String()
}
