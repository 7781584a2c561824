package corpus

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/verify"
)

// probesPerRuleset is how many probe packets each comparison sends.
const probesPerRuleset = 300

// translateWithBinary runs "ipt2nft FILES..." (the default, optimized
// output) and returns stdout.
func translateWithBinary(t *testing.T, files ...string) string {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t), files...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("ipt2nft %v: %v\n%s", files, err, errb.String())
		}
	}
	return out.String()
}

func newHarness(t *testing.T) *verify.Harness {
	t.Helper()
	h, err := verify.New(verify.Options{})
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// compare loads the original into one firewall namespace (iptables-legacy)
// and ipt2nft's output into another (nft), sends the same probes through
// both, and fails on any packet whose fate differs.
func compare(t *testing.T, h *verify.Harness, name string, v4, v6, nft string) {
	t.Helper()
	orig := verify.Ruleset{IptablesSave: v4, Ip6tablesSave: v6, Family: iptparse.FamilyIPv4}
	if v4 == "" {
		orig = verify.Ruleset{IptablesSave: v6, Family: iptparse.FamilyIPv6}
	}
	for _, probe := range []struct {
		fam iptparse.Family
		src string
	}{{iptparse.FamilyIPv4, v4}, {iptparse.FamilyIPv6, v6}} {
		if probe.src == "" {
			continue
		}
		ps, err := verify.Probes(probe.src, probe.fam, probesPerRuleset, 1)
		if err != nil {
			t.Fatalf("%s: probes: %v", name, err)
		}
		res, err := h.Compare(context.Background(), orig, verify.Ruleset{Nft: nft}, ps)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var b strings.Builder
		res.Report(&b, 10)
		if res.Differ != 0 {
			t.Errorf("%s (%s probes): the translation behaves differently:\n%s\ntranslation:\n%s", name, probe.fam, b.String(), nft)
			continue
		}
		t.Logf("%s (%s probes): %s", name, probe.fam, strings.TrimSpace(strings.SplitN(b.String(), "\n", 2)[0]))
	}
}

// TestKernelOwnRulesets proves our own rulesets on the kernel: the
// optimized translation sends every probe to the same fate as the
// iptables original.
func TestKernelOwnRulesets(t *testing.T) {
	h := newHarness(t)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "kernel", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, c := range []struct{ name, v4, v6 string }{
		{"server", "server.rules", ""},
		{"natrouter", "natrouter.rules", ""},
		{"mangle", "mangle.rules", ""},
		{"conntrack", "conntrack.rules", ""},
		{"tproxy", "tproxy.rules", ""},
		{"owner", "owner.rules", ""},
		{"v6", "", "v6.rules"},
		{"dual-stack inet", "dual4.rules", "dual6.rules"},
	} {
		var files []string
		var v4, v6 string
		if c.v4 != "" {
			v4 = read(c.v4)
			files = append(files, filepath.Join("testdata", "kernel", c.v4))
		}
		if c.v6 != "" {
			v6 = read(c.v6)
			files = append(files, filepath.Join("testdata", "kernel", c.v6))
		}
		nft := translateWithBinary(t, files...)
		compare(t, h, c.name, v4, v6, nft)
	}
}

// TestKernelRealWorld proves the real-world dumps that iptables-legacy can
// load here (no ipsets, no partial dumps, no censored data): 0 differing
// probes, and at least six of them compared.
func TestKernelRealWorld(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus/realworld")
	h := newHarness(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
	sort.Strings(files)
	compared := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		name := filepath.Base(f)
		if reason := notComparable(src); reason != "" {
			t.Logf("%s: not compared: %s", name, reason)
			continue
		}
		nft := translateWithBinary(t, f)
		fam := iptparse.DetectFamily(src)
		ps, err := verify.Probes(src, fam, probesPerRuleset, 1)
		if err != nil {
			t.Fatal(err)
		}
		res, err := h.Compare(context.Background(), verify.Ruleset{IptablesSave: src, Family: fam}, verify.Ruleset{Nft: nft}, ps)
		switch {
		case err != nil && strings.Contains(err.Error(), "loading the iptables ruleset"):
			t.Logf("%s: not compared: iptables-legacy-restore refuses it here: %s", name, strings.SplitN(err.Error(), "\n", 2)[0])
			continue
		case err != nil:
			t.Errorf("%s: %v", name, err)
			continue
		}
		compared++
		var rep strings.Builder
		res.Report(&rep, 10)
		if res.Differ != 0 {
			t.Errorf("%s: the translation behaves differently:\n%s", name, rep.String())
		} else {
			t.Logf("%s: %s", name, strings.TrimSpace(strings.SplitN(rep.String(), "\n", 2)[0]))
		}
	}
	if compared < 6 {
		t.Errorf("only %d real-world dumps compared, want at least 6", compared)
	}
}

// notComparable says why a dump cannot be compared on this kernel: it
// queues packets, uses ipsets that do not exist, or has rules iptables
// itself rejects.
func notComparable(src string) string {
	switch {
	case strings.Contains(src, "NFQUEUE"):
		return "queues packets (no nft_queue on this kernel)"
	case strings.Contains(src, "--match-set") || strings.Contains(src, "-j SET"):
		return "uses ipsets that do not exist here"
	case strings.Contains(src, "XX:XX:XX:XX:XX:XX"):
		return "censored MAC addresses (iptables rejects them)"
	}
	return ""
}
