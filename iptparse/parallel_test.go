package iptparse_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

// TestParallelParse: a save file parsed on several cores gives the items
// and warnings of a parse on one, bad lines and all, whether the caller
// has one worker to share the chunks with or several.
func TestParallelParse(t *testing.T) {
	src := mixedSaveFile()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	sequential := iptparse.ParseFile("p", src, translate.Registry{}, iptparse.FamilyAny)
	if len(sequential.Items) < 3000 || len(sequential.Errors()) == 0 {
		t.Fatalf("%d items, %d errors: the test file is not what it should be", len(sequential.Items), len(sequential.Errors()))
	}
	for _, procs := range []int{2, 5} {
		runtime.GOMAXPROCS(procs)
		parallel := iptparse.ParseFile("p", src, translate.Registry{}, iptparse.FamilyAny)
		if !reflect.DeepEqual(parallel, sequential) {
			t.Errorf("GOMAXPROCS %d: parsing in parallel gives another result", procs)
			for i := range parallel.Items {
				if !reflect.DeepEqual(parallel.Items[i], sequential.Items[i]) {
					t.Fatalf("first difference at item %d: %#v vs %#v", i, parallel.Items[i], sequential.Items[i])
				}
			}
		}
	}
}

// mixedSaveFile is a save file of 3,000 rules of all kinds, bad lines and
// tables without COMMIT among them.
func mixedSaveFile() string {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n")
	for i := 0; i < 3000; i++ {
		switch i % 7 {
		case 0:
			fmt.Fprintf(&b, "[%d:%d] -A INPUT -s 10.0.%d.0/24 -p tcp --dport %d -j ACCEPT\n", i, i*60, i%256, i)
		case 1:
			fmt.Fprintf(&b, "-A FORWARD -m comment --comment \"rule %d\" -j DROP # tail\n", i)
		case 2:
			fmt.Fprintf(&b, "-A INPUT -p tcp --dport 99999 -j ACCEPT\n") // bad
		case 3:
			b.WriteString(seedLines[i%len(seedLines)] + "\r\n")
		case 4:
			fmt.Fprintf(&b, ":CHAIN%d - [0:0]\n", i)
		case 5:
			fmt.Fprintf(&b, "  -A INPUT -i eth%d -m conntrack --ctstate NEW -j LOG --log-prefix \"in %d \"\n", i%4, i)
		default:
			if i%700 == 6 {
				b.WriteString("COMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n")
			}
			fmt.Fprintf(&b, "-A PREROUTING -p udp --dport %d -j DNAT --to-destination 10.1.1.%d\n", i, i%250)
		}
	}
	return b.String()
}

// TestParseFileFuncStreams: ParseFileFunc, which scans and parses a save
// file a piece at a time, hands on the items ParseFile keeps, in order,
// and ends with the same warnings, on several cores and on one.
func TestParseFileFuncStreams(t *testing.T) {
	src := mixedSaveFile() + "*raw\n-A PREROUTING -j NOTRACK\n" // and one more table left open
	for _, procs := range []int{runtime.GOMAXPROCS(0), 1} {
		prev := runtime.GOMAXPROCS(procs)
		whole := iptparse.ParseFile("p", src, translate.Registry{}, iptparse.FamilyAny)
		var items []iptparse.Item
		started := false
		f := iptparse.ParseFileFunc("p", src, translate.Registry{}, iptparse.FamilyAny,
			func(f *iptparse.File) { started = len(items) == 0 },
			func(it iptparse.Item) { items = append(items, it) })
		runtime.GOMAXPROCS(prev)
		if !started || len(whole.Warnings) < 2 {
			t.Fatalf("GOMAXPROCS %d: start called first: %v; %d warnings", procs, started, len(whole.Warnings))
		}
		if f.Family != whole.Family || !reflect.DeepEqual(f.Warnings, whole.Warnings) {
			t.Errorf("GOMAXPROCS %d: family %v, warnings %v; whole file: %v, %v", procs, f.Family, f.Warnings, whole.Family, whole.Warnings)
		}
		if len(items) != len(whole.Items) {
			t.Fatalf("GOMAXPROCS %d: %d items, whole file %d", procs, len(items), len(whole.Items))
		}
		for i := range items {
			if !reflect.DeepEqual(items[i], whole.Items[i]) {
				t.Fatalf("GOMAXPROCS %d: item %d: %#v, whole file %#v", procs, i, items[i], whole.Items[i])
			}
		}
	}
}

// TestParallelParseCorpus parses, on several cores and on one, a save
// file made of every rule of the upstream translation tests and the
// real-world dumps (the race detector watches the extensions' parsers:
// go test -race -run TestParallelParseCorpus ./iptparse).
func TestParallelParseCorpus(t *testing.T) {
	src := corpusSaveFile(t)
	for _, fam := range []iptparse.Family{iptparse.FamilyIPv4, iptparse.FamilyIPv6} {
		parallel := iptparse.ParseFile("c", src, translate.Registry{}, fam)
		prev := runtime.GOMAXPROCS(1)
		sequential := iptparse.ParseFile("c", src, translate.Registry{}, fam)
		runtime.GOMAXPROCS(prev)
		if len(parallel.Items) < 1000 {
			t.Fatalf("only %d items", len(parallel.Items))
		}
		if !reflect.DeepEqual(parallel, sequential) {
			t.Errorf("family %v: parsing in parallel gives another result", fam)
		}
	}
}

// corpusSaveFile is a save file of every rule of the upstream translation
// tests and the real-world dumps, in each table.
func corpusSaveFile(t *testing.T) string {
	var b strings.Builder
	for _, table := range []string{"filter", "nat", "mangle", "raw", "security"} {
		fmt.Fprintf(&b, "*%s\n", table)
		files, _ := filepath.Glob(filepath.Join(testutil.SharedDir(t, "corpus/upstream"), "*.txlate"))
		more, _ := filepath.Glob(filepath.Join(testutil.SharedDir(t, "corpus/realworld"), "*.rules"))
		for _, name := range append(files, more...) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(src), "\n") {
				for _, prog := range []string{"iptables-translate ", "ip6tables-translate "} {
					line = strings.TrimPrefix(line, prog)
				}
				if strings.HasPrefix(line, "-A ") || strings.HasPrefix(line, "-I ") || strings.HasPrefix(line, "[") {
					b.WriteString(line + "\n")
				}
			}
		}
		b.WriteString("COMMIT\n")
	}
	return b.String()
}

// TestParseFileReuse: ParseFileReuse hands on the items ParseFile keeps,
// in order, each as it was parsed (compared before the next one is
// taken: their memory is reused), on several cores and on one, and it
// does reuse the memory of the rules and chain declarations handed on.
func TestParseFileReuse(t *testing.T) {
	files := map[string]string{
		"mixed":  strings.Repeat(mixedSaveFile(), 4) + "*raw\n-A PREROUTING -j NOTRACK\n",
		"corpus": corpusSaveFile(t),
	}
	for name, src := range files {
		for _, procs := range []int{runtime.GOMAXPROCS(0), 1} {
			prev := runtime.GOMAXPROCS(procs)
			whole := iptparse.ParseFile("p", src, translate.Registry{}, iptparse.FamilyAny)
			n := 0
			cmds, decls, declItems := map[*iptparse.Command]bool{}, map[*iptparse.ChainDecl]bool{}, 0
			f := iptparse.ParseFileReuse("p", src, translate.Registry{}, iptparse.FamilyAny, nil, func(it iptparse.Item) {
				if n < len(whole.Items) && !reflect.DeepEqual(it, whole.Items[n]) && !t.Failed() {
					t.Errorf("%s, GOMAXPROCS %d: item %d: %#v, ParseFile %#v", name, procs, n, it, whole.Items[n])
				}
				switch it := it.(type) {
				case *iptparse.CommandLine:
					cmds[it.Command] = true
				case *iptparse.ChainDecl:
					decls[it] = true
					declItems++
				}
				n++
			})
			runtime.GOMAXPROCS(prev)
			if n != len(whole.Items) || !reflect.DeepEqual(f.Warnings, whole.Warnings) {
				t.Fatalf("%s, GOMAXPROCS %d: %d items, warnings %v; ParseFile: %d, %v", name, procs, n, f.Warnings, len(whole.Items), whole.Warnings)
			}
			if rules := len(whole.Items); len(cmds) > rules/3 {
				t.Errorf("%s, GOMAXPROCS %d: %d different commands in %d items: their memory is not reused", name, procs, len(cmds), rules)
			}
			if name == "mixed" && (declItems < 1000 || len(decls) > declItems/3) {
				t.Errorf("%s, GOMAXPROCS %d: %d different chain declarations in %d: their memory is not reused", name, procs, len(decls), declItems)
			}
		}
	}
}

// TestParseSaveFileFuncStreams: ParseSaveFileFunc hands on, in order, the
// items ParseSaveFile keeps, on several cores and on one.
func TestParseSaveFileFuncStreams(t *testing.T) {
	src := mixedSaveFile()
	whole := iptparse.ParseSaveFile("s", src, translate.Registry{}, iptparse.FamilyIPv4)
	for _, procs := range []int{runtime.GOMAXPROCS(0), 1} {
		prev := runtime.GOMAXPROCS(procs)
		var items []iptparse.Item
		iptparse.ParseSaveFileFunc("s", src, translate.Registry{}, iptparse.FamilyIPv4, func(it iptparse.Item) { items = append(items, it) })
		runtime.GOMAXPROCS(prev)
		if len(items) != len(whole.Items) || len(items) < 3000 {
			t.Fatalf("%d procs: %d items, ParseSaveFile %d", procs, len(items), len(whole.Items))
		}
		for i := range items {
			if !reflect.DeepEqual(items[i], whole.Items[i]) {
				t.Fatalf("%d procs: item %d: %#v, ParseSaveFile %#v", procs, i, items[i], whole.Items[i])
			}
		}
	}
}
