package corpus

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
	"github.com/ipt2nft/ipt2nft/verify"
)

// probesPerRuleset is how many probe packets each comparison sends.
const probesPerRuleset = 300

// translateWithBinary runs "ipt2nft FILES..." (the default, optimized
// output) and returns stdout.
// ipsetArgs writes an "ipset save" text to a file and returns the
// command's --ipset option for it; none for an empty text.
func ipsetArgs(t *testing.T, sets string) []string {
	t.Helper()
	if sets == "" {
		return nil
	}
	setFile := filepath.Join(t.TempDir(), "ipsets.save")
	if err := os.WriteFile(setFile, []byte(sets), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"--ipset", setFile}
}

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
// both, and fails on any packet whose fate differs (but for a few on
// rate-limited rules: realDifferences).
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
		if len(realDifferences(t, name, res, probe.src)) != 0 {
			t.Errorf("%s (%s probes): the translation behaves differently:\n%s\ntranslation:\n%s", name, probe.fam, b.String(), nft)
			continue
		}
		t.Logf("%s (%s probes): %s", name, probe.fam, strings.TrimSpace(strings.SplitN(b.String(), "\n", 2)[0]))
	}
}

// probeLineRe reads the rule line a probe was made for from its name.
var probeLineRe = regexp.MustCompile(`^line (\d+) \(`)

// rateLimited reports whether probe p was made for a rule of the dump src
// with a rate limit, or for a rule after one in the same chain: a probe
// made for "-j DROP" after "-m limit ... -j ACCEPT" of the same packets
// meets the limit first. With wholeChain, a limit anywhere in the chain
// counts: a probe made as a near miss of its rule goes on to the rules
// after it; so does, for a random probe, a limit anywhere in the dump.
func rateLimited(src string, p *verify.Probe, wholeChain bool) bool {
	lines := strings.Split(src, "\n")
	limited := func(line string) bool { return slices.Contains(verify.RuleBlindSpots(line), "time and rate") }
	m := probeLineRe.FindStringSubmatch(p.Name)
	if m == nil {
		// Random probes only with wholeChain: a mutant's difference on
		// one counts as a catch, as it always has (noise there can only
		// raise the catch rate, never fail the test).
		return wholeChain && randomProbeLimited(lines, p.Name, limited)
	}
	n, _ := strconv.Atoi(m[1])
	if n < 1 || n > len(lines) {
		return false
	}
	if limited(lines[n-1]) {
		return true
	}
	chain := ruleChain(lines[n-1])
	if chain == "" {
		return false
	}
	if !wholeChain {
		lines = lines[:n-1]
	}
	for _, line := range lines {
		if ruleChain(line) == chain && limited(line) {
			return true
		}
	}
	return false
}

// randomProbeRe tells a random probe (made for no rule) by its name
// ("random #20 (output, answered)").
var randomProbeRe = regexp.MustCompile(`^random #\d+ \(`)

// randomProbeLimited reports whether a random probe can meet a
// rate-limited rule: whenever the dump has one. Its path does not bound
// the chains it reaches: a "forward" probe sent to an address of the
// firewall's own goes through INPUT (15-tor-exitnode-notrack's echo
// requests met INPUT's 2/s limit that way).
func randomProbeLimited(lines []string, name string, limited func(string) bool) bool {
	if !randomProbeRe.MatchString(name) {
		return false
	}
	for _, line := range lines {
		if ruleChain(line) != "" && limited(line) {
			return true
		}
	}
	return false
}

// ruleChain is the chain of a save-file rule line ("[0:0] -A INPUT ..."),
// or "" for other lines.
func ruleChain(line string) string {
	f := strings.Fields(line)
	if len(f) > 0 && strings.HasPrefix(f[0], "[") {
		f = f[1:]
	}
	if len(f) < 2 || (f[0] != "-A" && f[0] != "-I") {
		return ""
	}
	return f[1]
}

// maxRateNoise is how many probes of one comparison may differ on
// rate-limited rules before that is taken for a real difference.
const maxRateNoise = 3

// realDifferences returns the differing probes of a comparison, less the
// few on rate-limited rules of the originals (logged as ignored: a burst
// at a bucket's edge can meet different fates under iptables and nft,
// which verify lists among what it cannot observe).
func realDifferences(t *testing.T, name string, res *verify.Result, srcs ...string) []verify.ProbeResult {
	t.Helper()
	var real, noise []verify.ProbeResult
	for _, d := range res.Differences() {
		limited := false
		for _, src := range srcs {
			limited = limited || rateLimited(src, d.Probe, true)
		}
		if limited {
			noise = append(noise, d)
		} else {
			real = append(real, d)
		}
	}
	if len(noise) > maxRateNoise {
		return append(real, noise...)
	}
	for _, d := range noise {
		t.Logf("%s: ignored: a difference on a rate-limited rule (a blind spot of verify): %s\n    A: %s\n    B: %s", name, d.Probe.Name, d.A, d.B)
	}
	return real
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
		{"transport", "transport.rules", ""},
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
// load here (no partial dumps, no censored data): 0 differing probes, and
// at least six of them compared. The ipsets a dump uses without defining
// them (-m set, -j SET) are made from its rules (verify.UsedIPSets), with
// a few of the probes' addresses as elements, and given to both sides:
// "ipset restore" before the original, --ipset to the translation.
func TestKernelRealWorld(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus/realworld")
	h := newHarness(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
	sort.Strings(files)
	families := manifestFamilies(t, dir)
	_, err := exec.LookPath("ipset")
	haveIPSet := err == nil
	compared, withSets := 0, 0
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
		fam := iptparse.DetectFamily(src)
		if mf, ok := families[name]; ok {
			fam = mf
		}
		// Rules iptables itself rejects make iptables-restore refuse the
		// whole dump; the translation leaves them out (and says so), so
		// the original is loaded without them.
		label := name
		if lines := rejectedLines(f, src, fam); len(lines) > 0 {
			src = dropLines(src, lines)
			label = fmt.Sprintf("%s without the %d rules iptables itself rejects (lines %v)", name, len(lines), lines)
		}
		ps, err := verify.Probes(src, fam, probesPerRuleset, 1)
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"-4", f}
		if fam == iptparse.FamilyIPv6 {
			args[0] = "-6"
		}
		// The sets the rules use, with a few of the probes' addresses,
		// given to both sides.
		sets, err := verify.IPSetSave(verify.UsedIPSets(src), fam, ps, nil)
		if err != nil {
			t.Logf("%s: not compared: %v", name, err)
			continue
		}
		if sets != "" && !haveIPSet {
			t.Logf("%s: not compared: it uses ipsets, and there is no ipset command here", name)
			continue
		}
		args = append(ipsetArgs(t, sets), args...)
		nft := translateWithBinary(t, args...)
		res, err := h.Compare(context.Background(), verify.Ruleset{IptablesSave: src, Family: fam, IPSetSave: sets}, verify.Ruleset{Nft: nft}, ps)
		switch {
		case err != nil && strings.Contains(err.Error(), "loading the iptables ruleset"):
			t.Logf("%s: not compared: iptables-legacy-restore refuses it here: %s", label, strings.SplitN(err.Error(), "\n", 2)[0])
			continue
		case err != nil:
			t.Errorf("%s: %v", label, err)
			continue
		}
		compared++
		if sets != "" {
			withSets++
		}
		var rep strings.Builder
		res.Report(&rep, 10)
		if len(realDifferences(t, label, res, src)) != 0 {
			t.Errorf("%s: the translation behaves differently:\n%s", label, rep.String())
		} else {
			t.Logf("%s: %s", label, strings.TrimSpace(strings.SplitN(rep.String(), "\n", 2)[0]))
		}
	}
	if compared < 6 {
		t.Errorf("only %d real-world dumps compared, want at least 6", compared)
	}
	if haveIPSet && withSets < 2 {
		t.Errorf("only %d real-world dumps with ipsets compared, want at least 2", withSets)
	}
}

// rejectedLines lists the lines of the rules the translator reports as
// errors: input iptables itself rejects.
func rejectedLines(name, src string, fam iptparse.Family) []int {
	tr := translate.New(translate.Options{})
	tr.AddFile(iptparse.ParseFile(name, src, translate.Registry{}, fam))
	tr.Ruleset()
	var lines []int
	for _, d := range tr.Diags() {
		if d.Kind == translate.DiagError && !slices.Contains(lines, int(d.Pos.Line)) {
			lines = append(lines, int(d.Pos.Line))
		}
	}
	sort.Ints(lines)
	return lines
}

// dropLines turns the given lines into comments (keeping the numbering).
func dropLines(src string, lines []int) string {
	ls := strings.Split(src, "\n")
	for _, n := range lines {
		if n >= 1 && n <= len(ls) {
			ls[n-1] = "# rejected by iptables: " + ls[n-1]
		}
	}
	return strings.Join(ls, "\n")
}

var manifestFamily = regexp.MustCompile("(?m)^\\| \\d+ \\| `([^`]+)` \\| (ipv4|ipv6) \\|")

// manifestFamilies reads the family of each dump from MANIFEST.md's
// table: a dump with nothing family-specific in it (09 is an ip6tables
// dump without an address) is compared in the family it was saved from.
func manifestFamilies(t *testing.T, dir string) map[string]iptparse.Family {
	b, err := os.ReadFile(filepath.Join(dir, "MANIFEST.md"))
	if err != nil {
		t.Logf("no MANIFEST.md: families detected from the dumps")
		return nil
	}
	m := map[string]iptparse.Family{}
	for _, g := range manifestFamily.FindAllStringSubmatch(string(b), -1) {
		m[g[1]] = map[string]iptparse.Family{"ipv4": iptparse.FamilyIPv4, "ipv6": iptparse.FamilyIPv6}[g[2]]
	}
	return m
}

// notComparable says why a dump cannot be compared on this kernel: it
// queues packets or has rules iptables itself rejects. (The ipsets a dump
// uses are made for it: see verify.UsedIPSets.)
func notComparable(src string) string {
	switch {
	case strings.Contains(src, "NFQUEUE"):
		return "queues packets (no nft_queue on this kernel)"
	case strings.Contains(src, "XX:XX:XX:XX:XX:XX"):
		return "censored MAC addresses (iptables rejects them)"
	}
	return ""
}

// TestRateLimitedProbes: a probe counts as meeting a rate limit when made
// for a limited rule or one after it in its chain, or, with wholeChain,
// for any rule of a chain with a limited rule; not otherwise.
func TestRateLimitedProbes(t *testing.T) {
	src := strings.Join([]string{
		"*filter",
		":INPUT ACCEPT [0:0]",
		"-A INPUT -p icmp --icmp-type source-quench -j ACCEPT",
		"[3:4] -A INPUT -p icmp --icmp-type echo-request -m limit --limit 2/s -j ACCEPT",
		"-A INPUT -p icmp --icmp-type echo-request -j DROP",
		"-A OTHER -p udp -j DROP",
		"COMMIT",
	}, "\n")
	for line, want := range map[int][2]bool{3: {false, true}, 4: {true, true}, 5: {true, true}, 6: {false, false}, 99: {false, false}} {
		p := &verify.Probe{Name: fmt.Sprintf("line %d (filter/INPUT, input): x", line)}
		for i, whole := range []bool{false, true} {
			if got := rateLimited(src, p, whole); got != want[i] {
				t.Errorf("line %d, wholeChain %v: rateLimited = %v, want %v", line, whole, got, want[i])
			}
		}
	}
	// Random probes meet a limit whenever the dump has one, whatever
	// their path.
	limitedSrc := strings.Join([]string{
		"*filter",
		":INPUT ACCEPT [0:0]",
		"-A INPUT -p icmp --icmp-type echo-request -m limit --limit 2/s -j ACCEPT",
		"-A INPUT -p icmp --icmp-type echo-request -j DROP",
		"COMMIT",
	}, "\n")
	plainSrc := strings.Join([]string{
		"*filter",
		":INPUT ACCEPT [0:0]",
		"-A INPUT -p icmp --icmp-type echo-request -j DROP",
		"COMMIT",
	}, "\n")
	for _, c := range []struct {
		src, name string
		want      bool
	}{
		{limitedSrc, "random #62 (forward, related)", true},
		{limitedSrc, "random #3 (output, new)", true},
		{plainSrc, "random #62 (forward, related)", false},
		{limitedSrc, "something else", false},
	} {
		src, name, want := c.src, c.name, c.want
		if got := rateLimited(src, &verify.Probe{Name: name}, true); got != want {
			t.Errorf("%q: rateLimited = %v, want %v", name, got, want)
		}
		if rateLimited(src, &verify.Probe{Name: name}, false) {
			t.Errorf("%q: rateLimited without wholeChain, want false", name)
		}
	}
}
