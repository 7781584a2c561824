package iptparse

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/google/shlex"
)

var shellPieces = []string{
	" ", "\t", "\r", "\n", "a", "-A", "INPUT", "\"", "'", "\\", "#", "x#y", "\"a b\"", "'c d'",
	`\"`, `\\`, `\'`, "é", "ü\"ö", "\x00", "--comment", "\"\"", "''", "$",
}

func checkShellWords(t *testing.T, line string) {
	t.Helper()
	got, gerr := shellWords(line)
	want, werr := shlex.Split(line)
	if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
		t.Fatalf("%q: error %v, shlex says %v", line, gerr, werr)
	}
	if gerr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: words %q, shlex says %q", line, got, want)
	}
}

func TestShellWordsAsShlex(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 50000; i++ {
		var b strings.Builder
		for n := r.Intn(12); n > 0; n-- {
			b.WriteString(shellPieces[r.Intn(len(shellPieces))])
		}
		checkShellWords(t, b.String())
	}
	checkShellWords(t, `-A INPUT -m comment --comment "a \"b\" c" -j LOG --log-prefix 'x y '`)
	checkShellWords(t, "a \xff b")
}

func FuzzShellWords(f *testing.F) {
	for _, s := range shellPieces {
		f.Add(s)
	}
	f.Add(`-A INPUT -m comment --comment "a \"b\" c" -j ACCEPT # tail`)
	f.Fuzz(checkShellWords)
}
