package iptparse

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// TestScanLines: saveScanner.scan, a few entries at a time and over the
// file in pieces, finds the rule lines a plain split of the file gives
// (each without its trailing CRs, with its number and table), and the
// other items scanSave finds in one go.
func TestScanLines(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	parts := []string{"*filter\n", "*nat\n", "COMMIT\n", ":X - [0:0]\n", ":INPUT ACCEPT [1:2]\n", "-A X -j DROP\n",
		"[3:4] -A X -j DROP\r\n", "-A X\r\r\n", "\n", "\r\n", "# c\n", "  -A X -p tcp\n", "\t[0:0] -A X\n", "-A Y",
		"-A Z\r", "bad line\n", ":\n", "[5:6]\n"}
	inputs := []string{"", "\n", "*filter\n-A X\r\r\nCOMMIT\n", "*filter\n-A X", "*filter\n-A X\n\n"}
	for range 3000 {
		var b strings.Builder
		for n := r.Intn(12); n > 0; n-- {
			b.WriteString(parts[r.Intn(len(parts))])
		}
		inputs = append(inputs, b.String())
	}
	for _, src := range inputs {
		whole := scanSave(&File{Name: "f"}, src)
		// the reference: the rule lines of a plain split
		var want []string
		table := ""
		for i, raw := range strings.Split(src, "\n") {
			line := strings.TrimRight(raw, "\r")
			switch t := strings.TrimSpace(line); {
			case strings.HasPrefix(t, "*"):
				table = t[1:]
			case t == "COMMIT":
				table = ""
			case table != "" && t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, ":"):
				want = append(want, fmt.Sprintf("%d %s %q", i+1, table, line))
			}
		}
		var got []string
		for _, e := range whole {
			if e.item == nil {
				got = append(got, fmt.Sprintf("%d %s %q", e.lineNo, e.table, e.line))
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%q: rules\n%s\nwant\n%s", src, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// a few entries at a time, from pieces ending at line ends
		var pieces []string
		for rest := src; rest != ""; {
			n := strings.Count(rest, "\n")
			i := len(rest)
			if k := r.Intn(4); k < n {
				i = nthLineEnd(rest, k) + 1
			}
			pieces = append(pieces, rest[:i])
			if r.Intn(3) == 0 {
				pieces = append(pieces, "")
			}
			rest = rest[i:]
		}
		f := &File{Name: "f"}
		sc := saveScanner{f: f, next: func() (string, bool) {
			if len(pieces) == 0 {
				return "", false
			}
			p := pieces[0]
			pieces = pieces[1:]
			return p, true
		}}
		var bits []entry
		for max := 1 + r.Intn(3); !sc.done; {
			bits = sc.scan(bits, len(bits)+max)
		}
		if len(bits) != len(whole) {
			t.Fatalf("%q: %d entries a few at a time, %d in one go", src, len(bits), len(whole))
		}
		for i := range bits {
			a, b := bits[i], whole[i]
			if a.line != b.line || a.table != b.table || a.lineNo != b.lineNo || (a.item == nil) != (b.item == nil) ||
				a.item != nil && a.item.Position() != b.item.Position() {
				t.Fatalf("%q: entry %d: %+v a few at a time, %+v in one go", src, i, a, b)
			}
		}
	}
}

// nthLineEnd is the index of the k+1st '\n' of s, which has more.
func nthLineEnd(s string, k int) int {
	i := -1
	for ; k >= 0; k-- {
		i += 1 + strings.IndexByte(s[i+1:], '\n')
	}
	return i
}
