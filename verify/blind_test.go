package verify

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestRuleBlindSpots(t *testing.T) {
	for _, c := range []struct {
		rule string
		want []string
	}{
		{"-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", nil},
		{"-A INPUT -m limit --limit 5/min -j LOG --log-prefix x", []string{"logging", "time and rate"}},
		{"-A PREROUTING -j NFQUEUE --queue-num 0", []string{"queues"}},
		{"-A PREROUTING -j MARK --set-mark 1", []string{"marks"}},
		{"-A INPUT -f -j DROP", []string{"unprobed packets"}},
		{"-A POSTROUTING -o eth0 -j MASQUERADE --random", []string{"random NAT ports"}},
		{"-A POSTROUTING -o eth0 -j SNAT --to-source 1.2.3.4:1000-2000", []string{"random NAT ports"}},
		{"-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1:80", nil},
		{"-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1]:80-90", []string{"random NAT ports"}},
		{"-A PREROUTING -p tcp -j REDIRECT --to-ports 3128", nil},
		{"-A PREROUTING -p tcp -j CT --helper ftp", []string{"unprobed packets"}},
		{"-A INPUT -m set --match-set s src -j DROP", []string{"ipsets"}},
		{"-A INPUT -j SET --add-set s src", []string{"ipsets"}},
	} {
		if got := RuleBlindSpots(c.rule); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.rule, got, c.want)
		}
	}
	// With the sets given (verify --ipset), a rule whose sets are all
	// given is not in the ipsets blind spot.
	for _, c := range []struct {
		rule  string
		given []string
		want  []string
	}{
		{"-A INPUT -m set --match-set s src -j DROP", []string{"t", "s"}, nil},
		{"-A INPUT -m set --match-set s src -m set ! --match-set u dst -j DROP", []string{"s"}, []string{"ipsets"}},
		{"-A INPUT -m set --match-set s src -j SET --add-set u src", []string{"s"}, []string{"ipsets"}},
		{"-A INPUT -m set --match-set s src -j SET --add-set u src", []string{"s", "u"}, nil},
		{"-A INPUT -m owner --uid-owner 0 -m set --match-set s src -j DROP", []string{"s"}, []string{"unprobed packets"}},
	} {
		if got := RuleBlindSpots(c.rule, c.given...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s given %v: %v, want %v", c.rule, c.given, got, c.want)
		}
	}
	for _, b := range BlindSpots {
		if b.Name == "unprobed packets" && strings.Contains(b.What, "ipset") {
			t.Errorf("ipsets are their own blind spot: %s", b.What)
		}
		if b.Name == "ipsets" && !strings.Contains(b.What, "no --ipset file defines") {
			t.Errorf("the ipsets blind spot does not say when it applies: %s", b.What)
		}
	}
	names := map[string]bool{}
	for _, b := range BlindSpots {
		names[b.Name] = true
	}
	for w, b := range blindWords.Get() {
		if !names[b] {
			t.Errorf("%s: unknown blind spot %q", w, b)
		}
	}
}

// ruleTexts are the lines of the repository's rule files and some
// spacing the words scanner must split as strings.Fields does.
func ruleTexts(t *testing.T) []string {
	texts := []string{
		"", " ", "\t\t", "-A INPUT", "  -A  INPUT  ", "\t-A\tINPUT\t-j\tLOG\t",
		"-A INPUT\v-j\fLOG\r\n", "-A\u0085INPUT\u00a0-j\u2003LOG\u3000", "-j\xffLOG \xff -m\xc2",
		`-A INPUT -m comment --comment "a  b	c" -j ACCEPT`, `-A INPUT -m comment --comment 'it''s' -j DROP`,
		"-A INPUT -m comment --comment \"\u00e9t\u00e9 \u2028 x\" -j LOG",
	}
	var files []string
	for _, g := range []string{"testdata/*.rules", "../examples/*.v4", "../report/testdata/*", "../corpus/testdata/*.txtar", "../corpus/testdata/kernel/*.rules"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 5 {
		t.Fatalf("rule files: %v", files)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, strings.Split(string(b), "\n")...)
	}
	// Words that matter to RuleBlindSpots, joined at random by spaces of
	// every kind.
	var vocab []string
	for k := range blindWords.Get() {
		vocab = append(vocab, strings.Fields(k)...)
	}
	slices.Sort(vocab)
	vocab = append(vocab, "--jump", "--goto", "-g", "--match", "SNAT", "DNAT", "MASQUERADE", "REDIRECT", "NETMAP",
		"--to-ports", "--to-source", "--to-destination", "--to", "1.2.3.4:1000-2000", "[::1]:80-90", "8000-8010",
		"10.0.0.1", "--match-set", "--set", "--add-set", "--del-set", "--map-set", "s", "u", "src", `"a b"`, "\u00e9")
	// and phrases, so that rare sequences come up too.
	vocab = append(vocab, "-g DNAT", "-j DNAT", "--goto SNAT", "--jump SNAT", "--to-destination 1.2.3.4:1000-2000",
		"--to-ports\t8000-8010", "--to\u00a010.0.0.0/8", "-m set --match-set s src", "--match-set -j", "--add-set -m",
		"--del-set u", "-j SET --map-set s", "-m\tset")
	spaces := []string{" ", "  ", "\t", " \t ", "\n", "\u00a0", "\u0085", "\u2003"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(spaces[rng.IntN(len(spaces))])
			b.WriteString(vocab[rng.IntN(len(vocab))])
		}
		if rng.IntN(2) == 0 {
			b.WriteString(spaces[rng.IntN(len(spaces))])
		}
		texts = append(texts, b.String())
	}
	return texts
}

func TestWordsAsFields(t *testing.T) {
	for _, s := range ruleTexts(t) {
		var got []string
		f := words{s}
		for w := f.next(); w != ""; w = f.next() {
			got = append(got, w)
		}
		if want := strings.Fields(s); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", s, got, want)
		}
	}
}

// TestRuleBlindSpotsAsFields compares RuleBlindSpots with the version
// that split rules with strings.Fields (fieldsBlindSpots below).
func TestRuleBlindSpotsAsFields(t *testing.T) {
	hits := 0
	for _, s := range ruleTexts(t) {
		for _, given := range [][]string{nil, {"s"}, {"s", "u"}} {
			got, want := RuleBlindSpots(s, given...), fieldsBlindSpots(s, given...)
			if !slices.Equal(got, want) {
				t.Errorf("%q given %q: %q, want %q", s, given, got, want)
			}
			hits += len(want)
		}
	}
	if hits < 1000 {
		t.Errorf("only %d blind spots found: the texts do not exercise RuleBlindSpots", hits)
	}
	// Every key is found, however long: blindWord joins them in a buffer.
	for k, b := range blindWords.Get() {
		prefix, word := "", k
		if strings.HasPrefix(k, "-j ") || strings.HasPrefix(k, "-m ") {
			prefix, word = k[:3], k[3:]
		}
		if got := blindWord(prefix, word); got != b {
			t.Errorf("blindWord(%q, %q) = %q, want %q", prefix, word, got, b)
		}
	}
}

// fieldsBlindSpots is RuleBlindSpots as it was, with strings.Fields.
func fieldsBlindSpots(rule string, given ...string) []string {
	f := strings.Fields(rule)
	hit := map[string]bool{}
	for i, w := range f {
		key := w
		switch w {
		case "-j", "--jump", "-g", "--goto":
			if i+1 < len(f) {
				key = "-j " + f[i+1]
			}
		case "-m", "--match":
			if i+1 < len(f) {
				key = "-m " + f[i+1]
			}
		}
		if b := blindWords.Get()[key]; b != "" {
			hit[b] = true
		}
	}
	allGiven := func() bool {
		n := 0
		for i, w := range f {
			switch w {
			case "--match-set", "--set", "--add-set", "--del-set", "--map-set":
				if i+1 < len(f) && !strings.HasPrefix(f[i+1], "-") {
					if !slices.Contains(given, f[i+1]) {
						return false
					}
					n++
				}
			}
		}
		return n > 0
	}
	natTarget := func() bool {
		for i, w := range f {
			if (w == "-j" || w == "--jump") && i+1 < len(f) {
				switch f[i+1] {
				case "SNAT", "DNAT", "MASQUERADE", "REDIRECT", "NETMAP":
					return true
				}
			}
		}
		return false
	}
	if hit["ipsets"] && len(given) > 0 && allGiven() {
		delete(hit, "ipsets")
	}
	if hit["random NAT ports"] || !natTarget() {
		return order(hit)
	}
	for i, w := range f {
		if (w == "--to-ports" || w == "--to-source" || w == "--to-destination" || w == "--to") && i+1 < len(f) && strings.Contains(portPart(f[i+1]), "-") {
			hit["random NAT ports"] = true
		}
	}
	return order(hit)
}
