package kernel_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/gen"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

// makePlan runs "ipt2nft --format plan" on input; a partial translation
// (exit 1) still makes a plan.
func makePlan(t *testing.T, input string) string {
	t.Helper()
	plan := filepath.Join(t.TempDir(), filepath.Base(input)+".plan")
	if out, code := run(t, "", "--format", "plan", "-o", plan, input); code > 1 {
		t.Fatalf("--format plan: exit %d\n%s", code, lastLines(out, 10))
	}
	return plan
}

// TestPlanHalvesAgree: "nft -f PLAN" (the text) and "ipt2nft apply PLAN"
// (the compiled batch) give the same ruleset, listed and as bytecode,
// for the bundled example, a generated mixed dump and every real-world
// dump whose text this kernel loads.
func TestPlanHalvesAgree(t *testing.T) {
	mixed := filepath.Join(t.TempDir(), "mixed.v4")
	var dump strings.Builder
	if err := gen.Write(&dump, gen.Options{Rules: 3000, Shape: gen.Mixed, Counters: true, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mixed, []byte(dump.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	compared, skipped := 0, 0
	check := func(t *testing.T, in string) {
		plan := makePlan(t, in)
		a, b := testutil.NewNetns(t), testutil.NewNetns(t)
		if out, err := a.Exec("", "nft", "-f", plan); err != nil {
			// queue rules: this kernel has no nft_queue
			skipped++
			t.Skipf("the text does not load here: %s", lastLines(out, 3))
		}
		if out, code := run(t, "", "apply", "--netns", b.Name, "--state-dir", t.TempDir(), "--allow-partial", plan); code != 0 {
			t.Fatalf("apply of the plan: exit %d\n%s", code, lastLines(out, 10))
		}
		want, got := listBoth(t, a.Name), listBoth(t, b.Name)
		if want.list != got.list {
			t.Errorf("nft list ruleset differs:\n%s", lineDiff(want.list, got.list))
		}
		if want.debug != got.debug {
			t.Errorf("bytecode differs:\n%s", lineDiff(want.debug, got.debug))
		}
		compared++
	}
	for _, in := range []string{filepath.Join(testutil.RepoRoot(), "examples", "rules.v4"), mixed} {
		t.Run(filepath.Base(in), func(t *testing.T) { check(t, in) })
	}
	t.Run("realworld", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(testutil.SharedDir(t, "corpus/realworld"), "*.rules"))
		for _, in := range files {
			t.Run(filepath.Base(in), func(t *testing.T) { check(t, in) })
		}
	})
	if compared < 2 {
		t.Errorf("only %d plans compared", compared)
	}
	t.Logf("%d plans loaded both ways and compared; %d texts do not load on this kernel", compared, skipped)
}

// TestPlanApply: a plan replaces our table like apply of the rules does,
// leaves other tables alone, rolls back byte for byte, and "diff" of the
// plan then shows the difference; --check and a refused plan change
// nothing.
func TestPlanApply(t *testing.T) {
	ns, state, f := setup(t)
	plan := makePlan(t, f)
	was := listRuleset(t, ns)
	if out, code := run(t, "", "apply", "--netns", ns, "--state-dir", state, "--check", plan); code != 0 || !strings.Contains(out, "check passed: 4 rules in table ip ipt2nft") {
		t.Fatalf("--check of the plan: exit %d\n%s", code, out)
	}
	if got := listRuleset(t, ns); got != was {
		t.Fatalf("--check changed the ruleset:\n%s", got)
	}
	if out, code := run(t, "", "apply", "--netns", ns, "--state-dir", state, plan); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	fromPlan := listRuleset(t, ns)
	if !strings.Contains(fromPlan, "udp dport 53 accept") || strings.Contains(fromPlan, "2222") || !strings.Contains(fromPlan, foreign[:30]) {
		t.Fatalf("after applying the plan:\n%s", fromPlan)
	}
	if out, code := run(t, "", "diff", "--netns", ns, plan); code != 0 || out != "" {
		t.Errorf("diff of the plan after applying it: exit %d\n%s", code, out)
	}
	if _, code := run(t, "", "rollback", "--state-dir", state); code != 0 {
		t.Fatal("rollback failed")
	}
	if got := listRuleset(t, ns); got != was {
		t.Errorf("rollback after the plan:\n--- before\n%s--- after\n%s", was, got)
	}
	if out, code := run(t, "", "diff", "--netns", ns, plan); code != 1 || !strings.Contains(out, "-\t\ttcp dport 2222 accept") {
		t.Errorf("diff of the plan against the restored state: exit %d\n%s", code, out)
	}
	if out, code := run(t, "", "apply", "--netns", ns, "--state-dir", state, f); code != 0 {
		t.Fatalf("apply of the rules: exit %d\n%s", code, out)
	}
	if got := listRuleset(t, ns); got != fromPlan {
		t.Errorf("apply of the rules and of their plan differ:\n%s", testutil.LineDiff(fromPlan, got))
	}

	// A plan with a rule this kernel refuses (no nft_queue): the rule is
	// named by its source line, nothing changes, and the flags only a
	// translation has are refused.
	queue := filepath.Join(t.TempDir(), "queue.v4")
	os.WriteFile(queue, []byte("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j NFQUEUE --queue-num 3\nCOMMIT\n"), 0o644)
	qplan := makePlan(t, queue)
	before := listRuleset(t, ns)
	out, code := run(t, "", "apply", "--netns", ns, "--state-dir", state, qplan)
	if code == 0 || !strings.Contains(out, "queue.v4:4:1: rule rejected by the kernel") || !strings.Contains(out, "nothing was changed") {
		t.Errorf("refused plan: exit %d\n%s", code, out)
	}
	if got := listRuleset(t, ns); got != before {
		t.Errorf("a refused plan changed the ruleset:\n%s", got)
	}
	if out, code := run(t, "", "apply", "--netns", ns, "--state-dir", state, "--skip-unsupported", qplan); code == 0 || !strings.Contains(out, "--skip-unsupported does not apply") {
		t.Errorf("--skip-unsupported with a plan: exit %d\n%s", code, out)
	}
	if out, code := run(t, "", plan); code == 0 || !strings.Contains(out, "is an ipt2nft plan") {
		t.Errorf("translating a plan: exit %d\n%s", code, out)
	}
}
