package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

// ruleLine matches the rules of a save file the way BASELINE.md counts
// them: -A/-I/-R lines, optionally after [packets:bytes].
var ruleLine = regexp.MustCompile(`^\s*(\[\d+:\d+\]\s*)?(-A|-I|-R|--append|--insert|--replace)\s`)

type fileResult struct {
	name                                    string
	rules, translated, untranslated, errors int
	queueRules, nftRules, auxRules          int
	loads                                   string
}

// expectedErrors are the rules of the corpus that iptables itself rejects,
// per file, with why (BASELINE.md's DATA category). Any other error is a
// bug in ipt2nft.
var expectedErrors = map[string]struct {
	n      int
	reason string
}{
	"18-tum-chair-firewall-v4.rules":          {1931, "MAC addresses censored as XX:XX:XX:XX:XX:XX in the published dump"},
	"19-tum-chair-firewall-v6.rules":          {1959, "MAC addresses censored as XX:XX:XX:XX:XX:XX in the published dump"},
	"24-p2p-block-string-time-mac-2003.rules": {4, "-m time --days, removed from iptables long ago (--weekdays)"},
	"40-k8s-ipvs-cilium-nodelocaldns.rules":   {7, "garbled DNAT lines with --to-destination twice"},
}

// TestRealWorld translates every real-world dump, checks that no rule is
// lost (translated + untranslated + errors = the rules in the file), that
// at least 99.5% of the rules iptables accepts are translated, and that
// every output loads with nft -c in a throwaway namespace (rules this
// kernel cannot run, queue, are set aside and counted).
func TestRealWorld(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus/realworld")
	files, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no .rules files")
	}
	var ns *testutil.Netns
	if ok, why := testutil.CanUseNetns(); ok {
		ns = testutil.NewNetns(t)
	} else {
		t.Logf("not loading outputs: %s", why)
	}
	var results []fileResult
	var total fileResult
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		want := 0
		for _, l := range strings.Split(string(data), "\n") {
			if ruleLine.MatchString(l) {
				want++
			}
		}
		f := iptparse.ParseFile(name, string(data), translate.Registry{}, iptparse.FamilyAny)
		tr := translate.New(translate.Options{})
		tr.AddFile(f)
		rs := tr.Ruleset()
		// The default output: optimized.
		rep := translate.Optimize(rs, translate.AllOpt())
		st := tr.Stats()
		r := fileResult{name: name, rules: st.Rules, translated: st.Translated, untranslated: st.Untranslated, errors: st.Errors, nftRules: realRules(rs), auxRules: auxRules(rs)}
		_ = rep
		if r.nftRules > r.translated {
			t.Errorf("%s: %d translated iptables rules became %d nft rules (the output must not grow)", name, r.translated, r.nftRules)
		}
		if st.Rules != want {
			t.Errorf("%s: %d rules counted by the translator, %d in the file", name, st.Rules, want)
		}
		if st.Translated+st.Untranslated+st.Errors != st.Rules {
			t.Errorf("%s: rules lost: %+v", name, st)
		}
		if want := expectedErrors[name]; st.Errors != want.n {
			for _, d := range tr.Diags() {
				if d.Kind == translate.DiagError {
					t.Log(d)
				}
			}
			t.Errorf("%s: %d rules rejected as errors, want %d (%s)", name, st.Errors, want.n, want.reason)
		}
		r.queueRules = setAsideQueue(rs)
		var b strings.Builder
		p := &emit.Printer{}
		if err := p.WriteRuleset(&b, rs, emit.RulesetOptions{Replace: true}); err != nil {
			t.Fatal(err)
		}
		r.loads = "-"
		if ns != nil {
			if err := ns.NftCheck(b.String()); err != nil {
				r.loads = "NO"
				t.Errorf("%s: output does not load: %v", name, err)
			} else {
				r.loads = "yes"
			}
		}
		results = append(results, r)
		total.rules += r.rules
		total.translated += r.translated
		total.untranslated += r.untranslated
		total.errors += r.errors
		total.queueRules += r.queueRules
		total.nftRules += r.nftRules
		total.auxRules += r.auxRules
	}
	valid := total.rules - total.errors
	rate := 100 * float64(total.translated) / float64(valid)
	report := realWorldReport(results, total, rate)
	t.Log("\n" + report)
	if *update {
		if err := os.WriteFile(filepath.Join(testutil.RepoRoot(), "docs", "realworld.md"), []byte(report), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if rate < 99.5 {
		t.Errorf("%.2f%% of the %d valid rules translated, want at least 99.5%%", rate, valid)
	}
}

// realRules counts the nft rules of a ruleset (placeholders for
// untranslated or never-matching rules are comments, not rules); rules in
// helper chains (ir.Chain.Aux) are counted apart by auxRules.
func realRules(rs *ir.Ruleset) int {
	n := 0
	for _, t := range rs.Tables {
		for _, c := range t.Chains {
			if c.Aux {
				continue
			}
			for _, r := range c.Rules {
				if !r.Placeholder() {
					n++
				}
			}
		}
	}
	return n
}

func auxRules(rs *ir.Ruleset) int {
	n := 0
	for _, t := range rs.Tables {
		for _, c := range t.Chains {
			if c.Aux {
				n += len(c.Rules)
			}
		}
	}
	return n
}

// setAsideQueue turns rules with a queue statement into untranslated
// placeholders, because this kernel has no nft_queue and refuses them; it
// returns how many there were. Their text is checked by the unit tests.
func setAsideQueue(rs *ir.Ruleset) int {
	n := 0
	for _, t := range rs.Tables {
		for _, c := range t.Chains {
			for i, r := range c.Rules {
				for _, s := range r.Stmts {
					if _, ok := s.(*ir.Queue); ok {
						c.Rules[i] = ir.UntranslatedRule(nil, r.Source(), &ir.Untranslated{Reason: "queue: not loadable on this kernel (no nft_queue)"})
						n++
						break
					}
				}
			}
		}
	}
	return n
}

func realWorldReport(results []fileResult, total fileResult, rate float64) string {
	var b strings.Builder
	b.WriteString("# Real-world corpus: translation results\n\n")
	b.WriteString("Measured by `go test ./corpus -run TestRealWorld -update` on the 29 `.rules` dumps of\n")
	b.WriteString("`../shared/corpus/realworld` (normal mode). *Errors* are rules iptables itself rejects\n")
	b.WriteString("(censored MAC addresses, obsolete syntax); *untranslated* are valid rules nftables cannot\n")
	b.WriteString("express, kept as comments and reported. *Loads*: the whole output passes `nft -c -f` in a\n")
	b.WriteString("throwaway network namespace (queue rules set aside: this kernel has no nft_queue).\n\n")
	b.WriteString("| file | rules | translated | untranslated | errors | nft rules (optimized, from the translated ones) | rules in helper chains | queue (not loadable here) | loads |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d | %s |\n", r.name, r.rules, r.translated, r.untranslated, r.errors, r.nftRules, r.auxRules, r.queueRules, r.loads)
	}
	fmt.Fprintf(&b, "| **total** | %d | %d | %d | %d | %d | %d | %d | |\n\n", total.rules, total.translated, total.untranslated, total.errors, total.nftRules, total.auxRules, total.queueRules)
	valid := total.rules - total.errors
	fmt.Fprintf(&b, "Valid rules (accepted by iptables): %d; translated: %d = **%.2f%%**; untranslated: %d.\n",
		valid, total.translated, rate, total.untranslated)
	fmt.Fprintf(&b, "The %d translated iptables rules became %d nft rules: %.1f%% fewer; no file grows. Helper chains add %d rules\n"+
		"that stand in for single iptables rules nft cannot express in one (masked CONNMARK save/restore: one rule per\n"+
		"mask bit; ct helper assignments repeated after conntrack).\n",
		total.translated, total.nftRules, 100-100*float64(total.nftRules)/float64(total.translated), total.auxRules)
	fmt.Fprintf(&b, "Baseline (iptables-restore-translate 1.8.9, BASELINE.md): 46.1%% of all rules as run, 6 of 29 dumps aborted.\n")
	return b.String()
}
