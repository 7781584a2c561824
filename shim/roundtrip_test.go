package shim_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

var failedLineRe = regexp.MustCompile(`line (\d+) failed: (.*)`)

// TestRoundTripRealWorld feeds every real-world dump to the shim's
// iptables-restore and reads it back with its iptables-save, and does the
// same with iptables-legacy-restore and iptables-legacy-save: both must
// give the same dump (comments and counters aside).
//
// The shim refuses a whole dump when one rule cannot be stored as
// nftables, naming the line (iptables-restore is atomic too). The test
// takes such lines out, one by one, as an administrator would, and
// compares what remains, loaded into both; the lines taken out are
// counted and logged with the reason.
func TestRoundTripRealWorld(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus/realworld")
	files, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
	if len(files) == 0 {
		t.Skip("no .rules files")
	}
	bin := tools(t)
	type stat struct {
		name                 string
		rules, dropped       int
		equal, legacyRefused bool
		reasons              []string
	}
	stats := make([]stat, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6)
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		name := filepath.Base(f)
		fam := iptparse.DetectFamily(src)
		prog := "iptables"
		if fam == iptparse.FamilyIPv6 {
			prog = "ip6tables"
		}
		st := &stats[i]
		st.name = name
		for _, l := range strings.Split(src, "\n") {
			if strings.HasPrefix(strings.TrimSpace(countersRe.ReplaceAllString(l, "")), "-A") {
				st.rules++
			}
		}
		legacy := side{ns: testutil.NewNetns(t)}
		ours := side{ns: testutil.NewNetns(t), dir: bin}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, e, code := legacy.run(src, prog+"-restore"); code != 0 {
				st.legacyRefused = true
				st.reasons = append(st.reasons, "iptables-legacy-restore refuses it: "+strings.TrimSpace(e))
				return
			}
			lines := strings.Split(src, "\n")
			for try := 0; ; try++ {
				_, e, code := ours.run(strings.Join(lines, "\n"), prog+"-restore")
				if code == 0 {
					break
				}
				m := failedLineRe.FindStringSubmatch(e)
				if m == nil || try > 400 {
					st.reasons = append(st.reasons, fmt.Sprintf("restore failed without naming a line (status %d): %s", code, strings.TrimSpace(e)))
					return
				}
				n, _ := strconv.Atoi(m[1])
				st.reasons = append(st.reasons, fmt.Sprintf("line %d: %s", n, m[2]))
				lines[n-1] = ""
				st.dropped++
			}
			filtered := strings.Join(lines, "\n")
			if st.dropped > 0 {
				if _, e, code := legacy.run(filtered, prog+"-restore"); code != 0 {
					st.reasons = append(st.reasons, "iptables-legacy-restore refuses the dump without the dropped lines: "+strings.TrimSpace(e))
					return
				}
			}
			want, _, _ := legacy.run("", prog+"-save")
			got, e, code := ours.run("", prog+"-save")
			if code != 0 {
				st.reasons = append(st.reasons, "save failed: "+e)
				return
			}
			nw, ng := normalizeSave(want), normalizeSave(got)
			st.equal = nw == ng
			if !st.equal {
				st.reasons = append(st.reasons, "differs:\n"+testutil.LineDiff(nw, ng))
			}
		}()
	}
	wg.Wait()
	var total, dropped, equalFiles, compared int
	for _, st := range stats {
		if st.legacyRefused {
			t.Logf("%s: skipped: %s", st.name, strings.Join(st.reasons, "; "))
			continue
		}
		compared++
		total += st.rules
		dropped += st.dropped
		if st.equal {
			equalFiles++
		}
		t.Logf("%s: %d rules, %d not translatable, equal=%v", st.name, st.rules, st.dropped, st.equal)
		for _, r := range st.reasons {
			t.Logf("    %s", r)
		}
		if !st.equal {
			t.Errorf("%s: the shim's save differs from iptables-legacy-save", st.name)
		}
	}
	t.Logf("round trip: %d dumps compared, %d equal; %d rules, %d left out as not translatable", compared, equalFiles, total, dropped)
}
