package iptparse

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// checkSplitFast checks that splitFast, where it takes a line, splits it
// as splitLine splits the line with the bytes before from blanked out.
// It checks splitFast with masks64 (if the processor has it) and
// without.
func checkSplitFast(t *testing.T, line string, from int) {
	t.Helper()
	defer func(m bool) { haveMasks = m }(haveMasks)
	for _, haveMasks = range []bool{false, haveMasks} {
		checkSplitFastOnce(t, line, from)
	}
}

func checkSplitFastOnce(t *testing.T, line string, from int) {
	t.Helper()
	for _, a := range []*arena{nil, {}} {
		words, comment, ok := splitFast(a, line, from, "f", 3)
		if !ok {
			return
		}
		for _, w := range words {
			// without parted, the words are as Quote leaves them, each
			// the line's at its column
			if a != nil && !a.parted && (Quote(w.Text) != w.Text || line[w.Pos.Col-1:int(w.Pos.Col)-1+len(w.Text)] != w.Text) {
				t.Fatalf("%q from %d: splitFast says not parted, but the word %q at %d is not bare", line, from, w.Text, w.Pos.Col)
			}
		}
		want, wantComment, err := splitLine(strings.Repeat(" ", from)+line[from:], "f", 3)
		if err != nil || comment != wantComment || !reflect.DeepEqual(words, want) {
			t.Fatalf("%q from %d: splitFast gives %q, %v; splitLine %q, %v, %v", line, from, words, comment, want, wantComment, err)
		}
	}
}

func TestSplitFast(t *testing.T) {
	lines := []string{
		"", " ", "-A INPUT -j ACCEPT", "\t-A\tINPUT  -j ACCEPT\r",
		`-A INPUT -m comment --comment "a b" -j ACCEPT`, `--comment 'a b'"c d"e`, `x"" ''`, `"unterminated`,
		`-j ACCEPT # tail`, `-j ACCEPT#x`, `# all`, `a\ b`, "caf\u00e9", "a\nb", `"#x" '#' #`,
		"[1:2] -A INPUT -j ACCEPT", "[1:2]-A X",
		// plain words after quoted ones, which splitSpaced reads again
		`-A X -m comment --comment "ns/a:b cluster IP" -m tcp --dport 80 -j KUBE-SVC-ABCDEFGH`,
		`--comment "a b"c -p tcp -m tcp --dport 80 "x y" -j ACCEPT --log-prefix "p q" a`,
		`"a" -p tcp -m tcp --dport 80 -j ACCEPT 'b'	-p tcp -m tcp --dport 80 -j ACCEPT #`,
	}
	r := rand.New(rand.NewSource(1))
	parts := []string{" ", "\t", "\r", "a", "-A", "#", `"`, "'", `"q q"`, "'s s'", "\\", "é", "\f", "\v", "[1:2]", "*", "a b",
		// runs of plain words, which splitSpaced reads eight bytes at a time
		"-s 10.0.0.1/32 ", "--dport", "!", "!!", "  ", "KUBE-SVC-ABCDEFGH", "-A INPUT -j ACCEPT"}
	for i := 0; i < 5000; i++ {
		var b strings.Builder
		for n := r.Intn(20); n > 0; n-- {
			b.WriteString(parts[r.Intn(len(parts))])
		}
		lines = append(lines, b.String())
	}
	for _, l := range lines {
		for from := 0; from <= len(l) && from < 6; from++ {
			checkSplitFast(t, l, from)
		}
	}
}

// TestMasks64: masks64 marks the spaces, and the bytes notSpacedPlain
// marks, of the first 64 bytes of any string of 16 bytes or more, and
// nothing past them: every byte at every place of strings of 16 to 80
// bytes, among bytes of the kinds a rule line has.
func TestMasks64(t *testing.T) {
	if !haveMasks {
		t.Skip("no masks64 here")
	}
	r := rand.New(rand.NewSource(7))
	common := []byte("aZ09-./: \"\t!_=#%@")
	for n := 16; n <= 80; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = common[r.Intn(len(common))]
		}
		for c := range 256 * n {
			was := b[c%n]
			b[c%n] = byte(c / n)
			s := string(b)
			b[c%n] = was
			var spaces, bad uint64
			for k := 0; k < min(n, 64); k++ {
				if s[k] == ' ' {
					spaces |= 1 << k
				}
				if notSpacedPlain[s[k]] != 0 {
					bad |= 1 << k
				}
			}
			if gs, gb := masks64(s); gs != spaces || gb != bad {
				t.Fatalf("masks64(%q) = %#x, %#x; want %#x, %#x", s, gs, gb, spaces, bad)
			}
		}
	}
}

// FuzzSplitFast checks splitFast against splitLine on any line (lines
// have no newline: a '#' word makes splitFast drop the rest of the line,
// where shlex starts again after a newline).
func FuzzSplitFast(f *testing.F) {
	for _, l := range append([]string{`-m comment --comment "a b"'c'd -j X`, `x"" '' "#" #y`, "\ta\r\f b ", `"unterminated`, `a"b\"c"`}, benchLines...) {
		f.Add(l, 0)
	}
	f.Fuzz(func(t *testing.T, line string, from int) {
		if from < 0 || from > len(line) || strings.Contains(line, "\n") {
			return
		}
		checkSplitFast(t, line, from)
	})
}

// benchLines are rule lines of the shapes iptables-save writes.
var benchLines = []string{
	`[847:84059] -A PREROUTING -d 203.0.113.1/32 -i eth0 -p tcp -m tcp --dport 10001 -j DNAT --to-destination 192.168.1.2:80`,
	`[383:66728] -A SERVICES -s 10.233.3.0/24 -p tcp -m tcp --dport 1983 -m comment --comment "service 983" -j ACCEPT`,
	`[604:17195] -A FORWARD -p tcp -m tcp --dport 20513 -j LOG --log-prefix "blocked 20513: "`,
	`[85:97] -A BLOCKLIST -s 11.4.204.1/32 -j DROP`,
	`-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
}

func BenchmarkSplitFast(b *testing.B) {
	a := &arena{reusable: true}
	froms := make([]int, len(benchLines))
	for i, l := range benchLines {
		if _, n, ok := leadingCounters(l); ok {
			froms[i] = n
		}
	}
	for b.Loop() {
		for i, l := range benchLines {
			if _, _, ok := splitFast(a, l, froms[i], "f", 1); !ok {
				b.Fatal(l)
			}
		}
		a.reset()
	}
}

// TestQuoteEnd: quoteEnd stops where a loop over the bytes stops (at the
// quote or a byte lexOther), from every place of random lines of the
// bytes near those it looks for.
func TestQuoteEnd(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	common := []byte("a \"'\\\n\x80\xff\x7f\x01\x00\x09\x0a\x0b\x5b\x5c\x5d\x21\x23\x26\x27\x28é")
	for n := 0; n <= 40; n++ {
		b := make([]byte, n)
		for range 200 {
			for i := range b {
				b[i] = 'a'
				if r.Intn(4) == 0 {
					b[i] = common[r.Intn(len(common))]
				}
			}
			line := string(b)
			for j := 0; j <= n; j++ {
				for _, q := range []byte{'"', '\''} {
					want := j
					for want < len(line) && line[want] != q && lexClass[line[want]] != lexOther {
						want++
					}
					if got := quoteEnd(line, j, q); got != want {
						t.Fatalf("quoteEnd(%q, %d, %q) = %d, want %d", line, j, q, got, want)
					}
				}
			}
		}
	}
}
