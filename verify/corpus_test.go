package verify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// TestCorpusAgainstItself loads each real-world iptables-save dump on both
// sides: any difference is the harness's own nondeterminism. The ipsets a
// dump uses are made for it (UsedIPSets, IPSetSave). Dumps that
// iptables-legacy-restore itself rejects (partial dumps, rules it refuses)
// are skipped.
func TestCorpusAgainstItself(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus/realworld")
	h := newHarness(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.rules"))
	if err != nil || len(files) == 0 {
		t.Skipf("skipped: no *.rules in %s", dir)
	}
	type outcome struct {
		res *Result
		err error
	}
	out := make([]outcome, len(files))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		fam := iptparse.DetectFamily(src)
		ps, err := Probes(src, fam, 80, 1)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			sets, err := IPSetSave(UsedIPSets(src), fam, ps, nil)
			if err != nil {
				out[i] = outcome{nil, err}
				return
			}
			r := Ruleset{IptablesSave: src, Family: fam, IPSetSave: sets}
			res, err := h.Compare(context.Background(), r, r, ps)
			out[i] = outcome{res, err}
		}()
	}
	wg.Wait()
	compared := 0
	for i, f := range files {
		name := filepath.Base(f)
		o := out[i]
		switch {
		case o.err != nil && strings.Contains(o.err.Error(), "loading the iptables ruleset"):
			t.Logf("%s: not loadable here: %s", name, strings.SplitN(o.err.Error(), "\n", 2)[0])
		case o.err != nil:
			t.Errorf("%s: %v", name, o.err)
		default:
			compared++
			var b strings.Builder
			o.res.Report(&b, 5)
			if o.res.Differ != 0 {
				t.Errorf("%s: the same ruleset on both sides differs:\n%s", name, b.String())
			} else {
				t.Logf("%s: %s", name, strings.TrimSpace(b.String()))
			}
		}
	}
	if compared == 0 {
		t.Error("no dump of the corpus could be compared")
	}
}
