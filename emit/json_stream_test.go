package emit_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/gen"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

// jsonOfDump translates an iptables-save dump as the command does for
// --format json and returns WriteJSON's output and the tree-built one.
func jsonOfDump(t *testing.T, name, src string) (got, want string) {
	t.Helper()
	tr := translate.New(translate.Options{})
	tr.AddFile(iptparse.ParseFile(name, src, translate.Registry{}, iptparse.FamilyAny))
	rs := tr.Ruleset()
	o := translate.AllOpt()
	o.NoElementCounters = true
	translate.Optimize(rs, o)
	return checkStream(t, rs)
}

// checkStream compares WriteJSON with RefJSON, errors included.
func checkStream(t *testing.T, rs *ir.Ruleset) (got, want string) {
	t.Helper()
	var b bytes.Buffer
	err := emit.WriteJSON(&b, rs)
	want, refErr := emit.RefJSON(rs)
	if (err == nil) != (refErr == nil) || (err != nil && err.Error() != refErr.Error()) {
		t.Fatalf("WriteJSON error %v, the tree's %v", err, refErr)
	}
	if err != nil {
		if b.Len() > 0 {
			t.Errorf("WriteJSON failed (%v) but wrote %d bytes", err, b.Len())
		}
		return "", ""
	}
	if b.String() != want {
		firstDiff(t, b.String(), want)
	}
	return b.String(), want
}

func firstDiff(t *testing.T, got, want string) {
	t.Helper()
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(i-80, 0)
	t.Errorf("streamed JSON differs from the tree's at byte %d (lengths %d, %d):\n got …%s\nwant …%s",
		i, len(got), len(want), got[lo:min(i+80, len(got))], want[lo:min(i+80, len(want))])
}

// TestJSONStreamRealWorld holds the streaming encoder to the tree encoded
// with encoding/json over the real-world rulesets.
func TestJSONStreamRealWorld(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus/realworld")
	files, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
	if len(files) == 0 {
		t.Skip("no real-world rulesets")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) { jsonOfDump(t, f, string(src)) })
	}
}

// TestJSONStreamGenerated does the same over generated dumps of every
// shape, with and without counters.
func TestJSONStreamGenerated(t *testing.T) {
	for _, shape := range []gen.Shape{gen.Mixed, gen.Blocklist, gen.Dispatch, gen.Scattered} {
		for _, counters := range []bool{false, true} {
			var b bytes.Buffer
			if err := gen.Write(&b, gen.Options{Rules: 3000, Shape: shape, Seed: 3, Counters: counters}); err != nil {
				t.Fatal(err)
			}
			got, _ := jsonOfDump(t, string(shape), b.String())
			if shape == gen.Mixed && len(got) < 64<<10 {
				t.Errorf("%s: %d bytes: the output should span several writes", shape, len(got))
			}
		}
	}
}

// TestJSONStreamStrings writes table, chain and rule comments that need
// escaping (they reach the metainfo and the rule).
func TestJSONStreamStrings(t *testing.T) {
	odd := []string{
		`say "hi"`, `back\slash\`, "tab\there\nnewline\r\b\f", "\x00\x01\x1f\x7f",
		"<script>&amp;</script>", "line\u2028sep\u2029", "bad \xff\xfe utf8 \xc3", "ünïcødé ✓",
	}
	for _, s := range odd {
		rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "f", Comment: s, Chains: []*ir.Chain{{
			Name: "c", Comment: s,
			Rules: []*ir.Rule{{Comment: s, Stmts: []ir.Stmt{&ir.Verdict{Kind: ir.VerdictAccept}}}},
		}}}}}
		checkStream(t, rs)
	}
}
