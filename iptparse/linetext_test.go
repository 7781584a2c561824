package iptparse_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

// TestRuleTextFromLine: RuleText takes a rule's text from its save-file
// line where the line writes it as RuleText would; it must never differ
// from rendering the words (quotes, tabs, double blanks, counters,
// comments after '#', and every real-world dump).
func TestRuleTextFromLine(t *testing.T) {
	inputs := map[string]string{"edge.rules": "*filter\n" +
		"-A INPUT -p tcp --dport 22 -j ACCEPT\n" +
		"[12:34] -A INPUT -s 10.0.0.1 -j DROP\n" +
		"  [1:2]   -A INPUT  -s 10.0.0.2 -j DROP\n" +
		"-A INPUT\t-s 10.0.0.3 -j DROP\n" +
		"-A INPUT -m comment --comment \"two words\" -j ACCEPT\n" +
		"-A INPUT -m comment --comment 'x' -j ACCEPT\n" +
		"-A INPUT -m comment --comment \"\" -j ACCEPT\n" +
		"-A INPUT -m comment --comment one\"two\" -j ACCEPT\n" +
		"-A INPUT -j LOG --log-prefix \"a\\\"b \"\n" +
		"-A INPUT -s 10.0.0.4 -j DROP # trailing\n" +
		"-A INPUT -s 10.0.0.5 -j DROP \r\n" +
		"-A INPUT -m comment --comment \"bare\" -j ACCEPT\n" +
		"-A INPUT -m comment --comment \"caf\xe9 au lait\" -j ACCEPT\n" +
		"-A INPUT -m comment --comment \"a\\\\b c\" -j ACCEPT\n" +
		"-A INPUT -m comment --comment \"a b\"c -j ACCEPT\n" +
		"-A INPUT -j LOG --log-prefix \"blocked 22: \"\n" +
		"-A INPUT -m comment --comment a[b] -j ACCEPT\n" +
		"-A INPUT -m comment --comment a#b -j ACCEPT\n" +
		"-A INPUT -m comment --comment a\x01b -j ACCEPT\n" +
		"-A INPUT -m comment --comment *  -j ACCEPT\n" +
		"COMMIT\n"}
	files, _ := filepath.Glob(filepath.Join(testutil.SharedDir(t, "corpus/realworld"), "*.rules"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = string(b)
	}
	fromLine := 0
	for name, src := range inputs {
		f := iptparse.ParseFile(name, src, translate.Registry{}, iptparse.FamilyAny)
		for _, it := range f.Items {
			cl, ok := it.(*iptparse.CommandLine)
			if !ok {
				continue
			}
			got, want := cl.Command.RuleText(), iptparse.RenderWords(cl.Command)
			if got != want {
				t.Errorf("%s:%d: RuleText %q, the words render as %q", name, cl.Command.Pos.Line, got, want)
			}
			if iptparse.TextFromLine(cl.Command) {
				fromLine++
			}
		}
	}
	if fromLine == 0 {
		t.Fatal("no rule text was taken from its line: the test tests nothing")
	}
	t.Logf("%d rule texts taken from their lines", fromLine)
}

// TestRuleTextQuotedFromLine: a word in double quotes as Quote writes it
// (a comment or log prefix with blanks) does not keep RuleText from
// taking the text from the line; other quoting does.
func TestRuleTextQuotedFromLine(t *testing.T) {
	for line, want := range map[string]bool{
		`-A INPUT -m comment --comment "two words" -j ACCEPT`: true,
		`-A INPUT -j LOG --log-prefix "blocked 22: "`:         true,
		`-A INPUT -m comment --comment "" -j ACCEPT`:          true,
		`-A INPUT -m comment --comment "bare" -j ACCEPT`:      false,
		`-A INPUT -m comment --comment 'two words' -j ACCEPT`: false,
		`-A INPUT -m comment --comment "a\\b c" -j ACCEPT`:    false,
	} {
		f := iptparse.ParseFile("q.rules", "*filter\n"+line+"\nCOMMIT\n", translate.Registry{}, iptparse.FamilyAny)
		for _, it := range f.Items {
			if cl, ok := it.(*iptparse.CommandLine); ok {
				if got := iptparse.TextFromLine(cl.Command); got != want {
					t.Errorf("%s: text from the line %v, want %v", line, got, want)
				}
				if got, render := cl.Command.RuleText(), iptparse.RenderWords(cl.Command); got != render {
					t.Errorf("%s: RuleText %q, the words render as %q", line, got, render)
				}
			}
		}
	}
}
