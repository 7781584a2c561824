package kernel_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/gen"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/kernel"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}

// foreign is a table that is not ours (Docker's, iptables-nft's): apply
// must never touch it.
const foreign = `table ip docker {
	chain DOCKER-USER {
		iifname "docker0" counter accept
	}
}
`

const before = `table ip ipt2nft {
	chain input {
		type filter hook input priority filter; policy drop;
		tcp dport 2222 accept
	}
}
`

const rulesV4 = `*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp --dport 22 -j ACCEPT
-A INPUT -p tcp --dport 80 -j ACCEPT
-A INPUT -p udp --dport 53 -j ACCEPT
-A INPUT -s 10.0.0.0/8 -j ACCEPT
COMMIT
`

// compiled is the program that loads rs and its batch; ifIndex as for
// emit.CompileNetlinkWith.
func compiled(t testing.TB, rs *ir.Ruleset, ifIndex emit.IfIndex) (*emit.NLProgram, []emit.NLMsg) {
	t.Helper()
	prog, err := emit.CompileNetlinkWith(rs, ifIndex)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := prog.Messages()
	if err != nil {
		t.Fatal(err)
	}
	return prog, msgs
}

func listRuleset(t *testing.T, ns string) string {
	t.Helper()
	out, err := kernel.Nft(ns, "", "list", "ruleset")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// run runs the ipt2nft binary and returns stderr and the exit status.
func run(t *testing.T, stdin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), 0
}

// setup makes a namespace holding our old table and a foreign one, and a
// state directory; it returns the namespace, the state dir and a rules
// file.
func setup(t *testing.T) (string, string, string) {
	t.Helper()
	ns := testutil.NewNetns(t)
	if err := ns.NftLoad(foreign + before); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "rules.v4")
	if err := os.WriteFile(f, []byte(rulesV4), 0o644); err != nil {
		t.Fatal(err)
	}
	return ns.Name, filepath.Join(dir, "state"), f
}

// TestAtomicity: a batch whose last rule the kernel rejects leaves the
// ruleset byte-identical, also for a batch too large for default socket
// buffers.
func TestAtomicity(t *testing.T) {
	for _, n := range []int{1, 3000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			ns, _, _ := setup(t)
			was := listRuleset(t, ns)
			var src strings.Builder
			src.WriteString("*filter\n:INPUT ACCEPT [0:0]\n")
			for i := 0; i < n; i++ {
				fmt.Fprintf(&src, "-A INPUT -s 10.%d.%d.1 -p tcp --dport %d -j ACCEPT\n", i/250, i%250, 1000+i)
			}
			src.WriteString("-A INPUT -j QUEUE\nCOMMIT\n") // no nft_queue here: refused
			_, msgs := compiled(t, normal("atomic.rules", src.String(), iptparse.FamilyIPv4), nil)
			err := kernel.SendBatch(ns, msgs, nil)
			var be *kernel.BatchError
			if !errors.As(err, &be) {
				t.Fatalf("want a refused batch, got %v", err)
			}
			if len(be.Errors) != 1 || be.Errors[0].Msg.Rule == nil || int(be.Errors[0].Msg.Rule.Pos().Line) != n+3 {
				t.Errorf("the error should name the queue rule (line %d): %v", n+3, err)
			}
			if got := listRuleset(t, ns); got != was {
				t.Errorf("ruleset changed by a refused batch:\n%s", got)
			}
		})
	}
}

// TestLargeBatch: 20,000 rules in one batch apply (no ENOBUFS).
func TestLargeBatch(t *testing.T) {
	ns := testutil.NewNetns(t)
	prog, msgs := compiled(t, normal("big.rules", scattered(t, 20000), iptparse.FamilyIPv4), nil)
	if err := kernel.SendBatch(ns.Name, msgs, nil); err != nil {
		t.Fatal(err)
	}
	out, err := kernel.Nft(ns.Name, "", "-a", "list", "ruleset")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out, "# handle"); got < prog.Rules() {
		t.Errorf("%d objects listed, want at least the %d rules", got, prog.Rules())
	}
	t.Logf("%d nft rules (%d messages) from a 20,000-rule dump in one batch", prog.Rules(), len(msgs))
}

// TestApplyTwiceSameState: applying is idempotent, and other tables are
// not touched.
func TestApplyTwiceSameState(t *testing.T) {
	ns, state, f := setup(t)
	out, code := run(t, "", "apply", "--netns", ns, "--state-dir", state, f)
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	first := listRuleset(t, ns)
	if !strings.Contains(first, "udp dport 53 accept") || !strings.Contains(first, foreign[:30]) {
		t.Fatalf("unexpected state after apply:\n%s", first)
	}
	if strings.Contains(first, "2222") {
		t.Errorf("old table content still there:\n%s", first)
	}
	if out, code := run(t, "", "apply", "--netns", ns, "--state-dir", state, f); code != 0 {
		t.Fatalf("second apply: exit %d\n%s", code, out)
	}
	if second := listRuleset(t, ns); second != first {
		t.Errorf("applying twice changed the state:\n--- first\n%s--- second\n%s", first, second)
	}
	out, code = run(t, "", "diff", "--netns", ns, "--state-dir", state, f)
	if code != 0 || out != "" {
		t.Errorf("diff after apply: exit %d\n%s", code, out)
	}
	if _, code := run(t, "", "rollback", "--state-dir", state); code != 0 {
		t.Fatal("rollback failed")
	}
	// the last backup is from before the second apply: same as first
	if got := listRuleset(t, ns); got != first {
		t.Errorf("rollback of the second apply:\n%s", got)
	}
}

// TestRollbackCommand: rollback restores the state before apply
// byte-identically.
func TestRollbackCommand(t *testing.T) {
	ns, state, f := setup(t)
	was := listRuleset(t, ns)
	if out, code := run(t, "", "apply", "--netns", ns, "--state-dir", state, f); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	out, code := run(t, "", "diff", "--netns", ns, "--state-dir", state, filepath.Join(filepath.Dir(f), "none"))
	if code != 2 {
		t.Errorf("diff of a missing file: exit %d\n%s", code, out)
	}
	if out, code := run(t, "", "rollback", "--state-dir", state); code != 0 {
		t.Fatalf("rollback: exit %d\n%s", code, out)
	}
	if got := listRuleset(t, ns); got != was {
		t.Errorf("not restored byte for byte:\n--- before\n%s--- after\n%s", was, got)
	}
	out, code = run(t, "", "diff", "--netns", ns, "--state-dir", state, f)
	if code != 1 || !strings.Contains(out, "+\t\tudp dport 53 accept") || !strings.Contains(out, "-\t\ttcp dport 2222 accept") {
		t.Errorf("diff against the restored state: exit %d\n%s", code, out)
	}
}

// TestConfirmTimeout: an unconfirmed --confirm 2s apply restores the
// previous ruleset by itself, byte-identically.
func TestConfirmTimeout(t *testing.T) {
	ns, state, f := setup(t)
	was := listRuleset(t, ns)
	out, code := run(t, "", "apply", "--netns", ns, "--state-dir", state, "--confirm", "2s", f)
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	if got := listRuleset(t, ns); got == was {
		t.Fatal("apply changed nothing")
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if listRuleset(t, ns) == was {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := listRuleset(t, ns); got != was {
		t.Fatalf("not rolled back after the deadline:\n--- before\n%s--- now\n%s", was, got)
	}
	if _, code := run(t, "", "confirm", "--state-dir", state); code == 0 {
		t.Error("confirm after the rollback should fail")
	}
}

// TestConfirm: "ipt2nft confirm" from another shell keeps the ruleset.
func TestConfirm(t *testing.T) {
	ns, state, f := setup(t)
	if out, code := run(t, "", "apply", "--netns", ns, "--state-dir", state, "--confirm", "2s", f); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	applied := listRuleset(t, ns)
	if out, code := run(t, "", "confirm", "--state-dir", state); code != 0 {
		t.Fatalf("confirm: exit %d\n%s", code, out)
	}
	time.Sleep(3 * time.Second)
	if got := listRuleset(t, ns); got != applied {
		t.Errorf("confirmed ruleset changed:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(state, "pending.json")); err == nil {
		t.Error("pending confirmation left behind")
	}
}

// TestUnsupportedRules: the feature probe names every rule the kernel
// cannot run before changing anything; --check changes nothing;
// --skip-unsupported applies the rest.
func TestUnsupportedRules(t *testing.T) {
	ns, state, f := setup(t)
	was := listRuleset(t, ns)
	src := strings.Replace(rulesV4, "COMMIT", "-A INPUT -p udp --dport 500 -j QUEUE\n-A FORWARD -j QUEUE\nCOMMIT", 1)
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{}, {"--check"}, {"--check", "--skip-unsupported"}} {
		out, code := run(t, "", append([]string{"apply", "--netns", ns, "--state-dir", state, f}, args...)...)
		want := regexp.MustCompile(`rules.v4:10:\d+: QUEUE needs the kernel's nft_queue support\n.*rules.v4:11:\d+: QUEUE needs the kernel's nft_queue support`)
		if !want.MatchString(out) {
			t.Errorf("%v: both queue rules should be named:\n%s", args, out)
		}
		if (code == 0) != (len(args) == 2) {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
		if got := listRuleset(t, ns); got != was {
			t.Fatalf("%v changed the ruleset", args)
		}
	}
	out, code := run(t, "", "apply", "--netns", ns, "--state-dir", state, "--skip-unsupported", f)
	if code != 0 || !strings.Contains(out, "skipped 2 rules") {
		t.Fatalf("--skip-unsupported: exit %d\n%s", code, out)
	}
	if got := listRuleset(t, ns); !strings.Contains(got, "udp dport 53 accept") || strings.Contains(got, "queue") {
		t.Errorf("after --skip-unsupported:\n%s", got)
	}
}

var appliedRE = regexp.MustCompile(`applied (\d+) rules`)

// TestRealWorldApply: every real-world dump's translation applies into a
// throwaway namespace with --skip-unsupported (rules this kernel cannot
// run are named first), and the result is what "nft -f" of the text
// gives.
func TestRealWorldApply(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus/realworld")
	files, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
	if len(files) == 0 {
		t.Skip("no dumps")
	}
	rules, dumps := 0, 0
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ns := testutil.NewNetns(t)
			state := t.TempDir()
			out, code := run(t, "", "apply", "--netns", ns.Name, "--state-dir", state, "--allow-partial", "--skip-unsupported", path)
			if code != 0 {
				t.Fatalf("apply: exit %d\n%s", code, out)
			}
			m := appliedRE.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no summary:\n%s", out)
			}
			n, _ := strconv.Atoi(m[1])
			rules += n
			dumps++
			if out, code := run(t, "", "diff", "--netns", ns.Name, "--allow-partial", path); code != 0 {
				t.Errorf("diff after apply: exit %d\n%s", code, lastLines(out, 20))
			}
		})
	}
	t.Logf("%d of %d real-world dumps applied through netlink, %d nft rules", dumps, len(files), rules)
}

func lastLines(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

var _ = ir.FamilyIP

// scattered returns a generated dump of about n rules that the optimizer
// can hardly merge, so the kernel sees about n rules.
func scattered(t testing.TB, n int) string {
	var b strings.Builder
	if err := gen.Write(&b, gen.Options{Rules: n, Shape: gen.Scattered, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
