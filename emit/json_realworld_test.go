package emit_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

// TestJSONRealWorldSameAsText translates the real-world rulesets and
// checks that the JSON output loads and gives the same ruleset as the text
// output. Chain, table and set comments are not in nft 1.0.6's JSON (they
// are in its metainfo), so "comment" lines of those are left out of the
// text listing; rule comments must match.
func TestJSONRealWorldSameAsText(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus/realworld")
	var files []string
	for _, pat := range []string{"*.rules", "*.sh"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("no real-world rulesets")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			tr := translate.New(translate.Options{})
			tr.AddFile(iptparse.ParseFile(f, string(src), translate.Registry{}, iptparse.FamilyAny))
			rs := tr.Ruleset()
			var text, doc strings.Builder
			p := &emit.Printer{}
			if err := p.WriteRuleset(&text, rs, emit.RulesetOptions{Replace: true}); err != nil {
				t.Fatal(err)
			}
			if err := emit.WriteJSON(&doc, rs); err != nil {
				t.Fatalf("WriteJSON: %v", err)
			}
			nsText, nsJSON := testutil.NewNetns(t), testutil.NewNetns(t)
			if err := nsText.NftLoad(text.String()); err != nil {
				t.Skipf("the text output does not load (not a JSON matter): %v", err)
			}
			if out, err := nsJSON.Exec(doc.String(), "nft", "-j", "-f", "-"); err != nil {
				t.Fatalf("the JSON does not load: %v\n%s", err, out)
			}
			// JSON times are whole seconds, rounded up.
			want := roundTimeouts(withoutObjectComments(list(t, nsText)))
			if got := list(t, nsJSON); got != want {
				t.Errorf("listings differ:\n--- text:\n%s\n--- JSON:\n%s", want, got)
			}
		})
	}
}

var msTimeout = regexp.MustCompile(`timeout (\d+)s\d+ms`)

func roundTimeouts(s string) string {
	return msTimeout.ReplaceAllStringFunc(s, func(m string) string {
		sec, _ := strconv.Atoi(msTimeout.FindStringSubmatch(m)[1])
		return fmt.Sprintf("timeout %ds", sec+1)
	})
}

func list(t *testing.T, ns *testutil.Netns) string {
	t.Helper()
	out, err := ns.Exec("", "nft", "list", "ruleset")
	if err != nil {
		t.Fatalf("nft list ruleset: %v\n%s", err, out)
	}
	return out
}

// Table, chain and set comments stand on a line of their own in nft's
// listing; rule and element comments do not.
var objectComment = regexp.MustCompile(`(?m)^\t+comment ".*"\n`)

func withoutObjectComments(s string) string { return objectComment.ReplaceAllString(s, "") }
