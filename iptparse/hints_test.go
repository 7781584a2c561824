package iptparse

import (
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// v6Hints and v4Hints are the signs of either family, as patterns:
// the specification v6HintAt and v4HintAt are checked against (the
// hand-written matchers are what DetectFamily uses).
var (
	v6Hints = regexp.MustCompile(`(?m)(ip6tables|\s(-s|-d|--source|--destination|--src|--dst)\s+!?\s*[0-9a-fA-F]*:[0-9a-fA-F:.]*(/\d+)?(\s|$)|\s-p\s+(ipv6-icmp|icmpv6|58)\b|--icmpv6-type|-m\s+(icmp6|hl|rt|frag|hbh|dst|mh|ipv6header|eui64|ah6)\b|icmp6-|\s-j\s+(HL|DNPT|SNPT)\b)`)
	v4Hints = regexp.MustCompile(`(?m)(iptables-save|\s(-s|-d|--source|--destination|--src|--dst)\s+!?\s*\d+\.\d+\.\d+\.\d+|\s-p\s+icmp\b|--icmp-type|icmp-[a-z]+-unreachable|--reject-with\s+icmp-|-j\s+(TTL|ECN|CLUSTERIP|ULOG)\b|-m\s+(ttl|realm)\b)`)
)

// hintVocabulary is made of the words the hint patterns look for, their
// near misses, and blanks of every kind \s knows.
var hintVocabulary = []string{
	"ip6tables", "iptables", "iptables-save", "ip6tables-save", "-s", "-d", "--source", "--destination",
	"--src", "--dst", "--sport", "!", "2001:db8::1", "::1/128", "fe80::", "1.2.3.4", "10.0.0.0/8", "a:b",
	"-p", "ipv6-icmp", "icmpv6", "58", "icmp", "icmpx", "--icmpv6-type", "--icmp-type", "-m", "icmp6",
	"hl", "rt", "frag", "ttl", "realm", "realms", "icmp6-", "icmp-port-unreachable", "icmp-host-unreachable",
	"--reject-with", "icmp-net-prohibited", "-j", "HL", "DNPT", "SNPT", "TTL", "ECN", "CLUSTERIP", "ULOG",
	"-A", "INPUT", "ACCEPT", "#", "x", "-", "--", "i", "\"", "/64", "/", "1.2.3", "!2001::", "icmp-foo-unreachable", "icmp--unreachable",
	"-unreachable", "5", ":", ".", "ipv6header", "ah6", "eui64", "hbh", "mh", "dst", "SNPTX", "-sport", "--dport",
}

var blanks = []string{" ", " ", " ", "\t", "\n", "\r\n", "\f", "\v", "", "  "}

func hintSoup(r *rand.Rand) string {
	var b strings.Builder
	for n := r.Intn(60); n > 0; n-- {
		b.WriteString(blanks[r.Intn(len(blanks))])
		b.WriteString(hintVocabulary[r.Intn(len(hintVocabulary))])
	}
	return b.String()
}

func checkHintCounts(t *testing.T, name, src string) {
	t.Helper()
	for _, c := range []struct {
		name string
		at   func(string, int) int
		re   *regexp.Regexp
	}{{"v6", v6HintAt, v6Hints}, {"v4", v4HintAt, v4Hints}} {
		if got, want := hintCount(src, c.at), len(c.re.FindAllStringIndex(src, -1)); got != want {
			t.Fatalf("%s: %s hints: counted %d, the pattern finds %d in %q", name, c.name, got, want, src)
		}
	}
	n6, n4 := hintCounts(src)
	if want6, want4 := hintCount(src, v6HintAt), hintCount(src, v4HintAt); n6 != want6 || n4 != want4 {
		t.Fatalf("%s: hintCounts gives %d, %d; hintCount %d, %d in %q", name, n6, n4, want6, want4, src)
	}
	// with dashOptions (where there is one) and without (in blocks of
	// one size: the blocks' ends, where the loop it spares reads the
	// last bytes, are dashOptions')
	defer func(b int, d bool) { hintBlock, simdHints = b, d }(hintBlock, simdHints)
	for _, simdHints = range []bool{false, simdHints} {
		blocks := []int{1 << 18}
		if simdHints {
			blocks = []int{1, 2, 3, 17, 1 << 18}
		}
		for _, hintBlock = range blocks {
			for parts := 2; parts <= 3; parts++ {
				if got := v6HintCount(src, 0, parts); got != n6 {
					t.Fatalf("%s: v6HintCount (dashOptions %v) in %d parts of blocks of %d gives %d, hintCounts %d in %q", name, simdHints, parts, hintBlock, got, n6, src)
				}
			}
		}
		for parts := 1; parts <= 5; parts++ {
			if got := v6HintCount(src, 0, parts); got != n6 {
				t.Fatalf("%s: v6HintCount (dashOptions %v) in %d parts gives %d, hintCounts %d in %q", name, simdHints, parts, got, n6, src)
			}
			// from the first byte with a hint, that it tells none before
			from := 0
			for from < len(src) && len(v6HintsIn(src, 0, from+1)) == 0 {
				from++
			}
			if got := v6HintCount(src, from, parts); got != n6 {
				t.Fatalf("%s: v6HintCount (dashOptions %v) from %d in %d parts gives %d, hintCounts %d in %q", name, simdHints, from, parts, got, n6, src)
			}
		}
	}
	defer func(w int) { hintWindow = w }(hintWindow)
	for _, hintWindow = range []int{1, 2, 3, 7, 4096} {
		for _, n := range []int{0, 1, 2, n4, n4 + 1} {
			if got := v4HintsReach(src, n, len(src)); got != (n4 >= n) {
				t.Fatalf("%s: v4HintsReach(%d) in windows of %d gives %v with %d IPv4 hints in %q", name, n, hintWindow, got, n4, src)
			}
		}
	}
	if got, want := DetectFamily(src), familyByCounts(src); got != want {
		t.Fatalf("%s: DetectFamily gives %v, the counts %v in %q", name, got, want, src)
	}
	for parts := 1; parts <= 5; parts++ {
		if p6, p4 := hintCountsParallel(src, parts); p6 != n6 || p4 != n4 {
			t.Fatalf("%s: hintCountsParallel in %d parts gives %d, %d; hintCounts %d, %d in %q", name, parts, p6, p4, n6, n4, src)
		}
	}
}

// familyByCounts is DetectFamily as it was, from both counts in full.
func familyByCounts(src string) Family {
	head := src[:min(len(src), 400)]
	switch n6, n4 := hintCounts(src); {
	case strings.Contains(head, "ip6tables-save"):
		return FamilyIPv6
	case strings.Contains(head, "iptables-save") && !strings.Contains(head, "ip6tables"):
		return FamilyIPv4
	case n6 > n4:
		return FamilyIPv6
	}
	return FamilyIPv4
}

// TestHintMatchers checks that the hand-written matchers count what the
// patterns find.
func TestHintMatchers(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		checkHintCounts(t, "soup", hintSoup(r))
	}
	files, _ := filepath.Glob("../corpus/testdata/*.txtar")
	more, _ := filepath.Glob("../examples/*")
	for _, name := range append(files, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		checkHintCounts(t, name, string(b))
	}
	if len(files) == 0 {
		t.Error("no test files found")
	}
}

func FuzzHintCount(f *testing.F) {
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 20; i++ {
		f.Add(hintSoup(r))
	}
	f.Fuzz(func(t *testing.T, src string) { checkHintCounts(t, "fuzz", src) })
}

// TestByteClasses checks the byte tests of the matchers against the
// classes of the patterns, for every byte.
func TestByteClasses(t *testing.T) {
	space, hex := regexp.MustCompile(`^\s$`), regexp.MustCompile(`^[0-9a-fA-F]$`)
	for c := 0; c < 256; c++ {
		b := string([]byte{byte(c)})
		if got, want := isRegexpSpace(byte(c)), space.MatchString(b); got != want {
			t.Errorf("isRegexpSpace(%#x) = %v, want %v", c, got, want)
		}
		if got, want := isHexByte(byte(c)), hex.MatchString(b); got != want {
			t.Errorf("isHexByte(%#x) = %v, want %v", c, got, want)
		}
	}
}

// TestV6HintsInFindsEvery checks that v6HintsIn, on a text cut into
// pieces, finds every place v6HintAt matches at, once, and no other,
// with dashOptions (where there is one) and without.
func TestV6HintsInFindsEvery(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	srcs := []string{"-m  hl -p\tipv6-icmp --icmpv6-type x-j SNPT -j\nHL", "--icmpv6-type", "ip6tables"}
	for i := 0; i < 5000; i++ {
		srcs = append(srcs, hintSoup(r))
	}
	defer func(d bool) { simdHints = d }(simdHints)
	for _, simdHints = range []bool{false, simdHints} {
		checkV6HintsIn(t, srcs)
	}
}

func checkV6HintsIn(t *testing.T, srcs []string) {
	for _, src := range srcs {
		var want []hintMatch
		for p := range len(src) {
			if e := v6HintAt(src, p); e >= 0 {
				want = append(want, hintMatch{p, e})
			}
		}
		for parts := 1; parts <= 4; parts++ {
			var got []hintMatch
			for i := range parts {
				got = append(got, v6HintsIn(src, len(src)*i/parts, len(src)*(i+1)/parts)...)
			}
			slices.SortFunc(got, func(a, b hintMatch) int { return a.start - b.start })
			if !slices.Equal(got, want) {
				t.Fatalf("v6HintsIn in %d parts finds %v, v6HintAt matches at %v in %q", parts, got, want, src)
			}
		}
	}
}

// TestDashOptions: dashOptions marks the places of an "-m", "-p" or "-j"
// followed by a byte up to ' ', and no other, among the first 64 (and
// the places before the last two bytes) of any string of 18 bytes or
// more: each of the bytes that make one, and a few others, at every
// place of strings of 18 to 90 bytes.
func TestDashOptions(t *testing.T) {
	if !simdHints {
		t.Skip("no dashOptions here")
	}
	r := rand.New(rand.NewSource(8))
	kinds := []byte("-mpj \t\n\v\x00!\x80\xa0\xed\xf0aM")
	for n := 18; n <= 90; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = kinds[r.Intn(len(kinds))]
		}
		for c := range len(kinds) * n {
			was := b[c%n]
			b[c%n] = kinds[c/n]
			s := string(b)
			b[c%n] = was
			var want uint64
			for k := 0; k < min(n-2, 64); k++ {
				if s[k] == '-' && (s[k+1] == 'm' || s[k+1] == 'p' || s[k+1] == 'j') && s[k+2] <= ' ' {
					want |= 1 << k
				}
			}
			if got := dashOptions(s); got != want {
				t.Fatalf("dashOptions(%q) = %#x, want %#x", s, got, want)
			}
		}
	}
}

// index returns first and second as built from k's words.
func (k *keywords) index() (first, second [256]uint16) {
	for i, w := range k.words {
		first[w[0]] |= 1 << i
		second[w[1]] |= 1 << i
	}
	return first, second
}

// TestKeywordsIndexed: the first and second bytes the compiler lays out
// for each keyword list are its words', and the words fit them (at most
// 16, of two bytes or more).
func TestKeywordsIndexed(t *testing.T) {
	for name, k := range map[string]*keywords{
		"v6MatchWords": v6MatchWords, "v6ProtoWords": v6ProtoWords, "v6TargetWords": v6TargetWords,
		"v4TargetWords": v4TargetWords, "v4MatchWords": v4MatchWords, "v4ProtoWords": v4ProtoWords,
	} {
		if len(k.words) > 16 {
			t.Errorf("%s: %d words, more than first and second have bits", name, len(k.words))
		}
		for _, w := range k.words {
			if len(w) < 2 {
				t.Errorf("%s: %q has fewer than two bytes", name, w)
			}
		}
		if first, second := k.index(); first != k.first || second != k.second {
			t.Errorf("%s: first and second are not its words' first and second bytes", name)
		}
	}
}
