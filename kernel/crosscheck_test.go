package kernel_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/corpus"
	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/kernel"
	"github.com/ipt2nft/ipt2nft/translate"
)

// normal translates iptables input the way "ipt2nft" does by default
// (normal mode, inet merge, optimizer on).
func normal(name, src string, fam iptparse.Family) *ir.Ruleset {
	tr := translate.New(translate.Options{Table: "ipt2nft"})
	tr.AddFile(iptparse.ParseFile(name, src, translate.Registry{}, fam))
	rs := tr.Ruleset()
	translate.MergeInet(rs, &translate.OptReport{})
	translate.Optimize(rs, kernel.DefaultOptimizer)
	return rs
}

// setAsideQueue replaces the queue statements of rules (this kernel has
// no nft_queue, so neither side could load them) by a counter, so that
// the rest of those rules is still cross-checked; it counts them. The
// queue statement itself is checked by TestQueueBytecode.
func setAsideQueue(rs *ir.Ruleset) int {
	n := 0
	for _, t := range rs.Tables {
		for _, c := range t.Chains {
			for _, r := range c.Rules {
				queued := false
				for i, s := range r.Stmts {
					if _, ok := s.(*ir.Queue); ok {
						r.Stmts[i] = &ir.Counter{}
						queued = true
					}
				}
				if queued && r.Untranslated() == nil {
					n++
				}
			}
		}
	}
	return n
}

var (
	handleRE  = regexp.MustCompile(`(?m)^((?:ip|ip6|inet|arp|bridge|netdev) \S+ \S+)( \d+)+$`)
	expiresRE = regexp.MustCompile(` expires [0-9dhms]+`)
)

// normaliseDebug makes "nft --debug=netlink list ruleset" comparable:
// rule handles go, and set elements are sorted (hash sets list in
// bucket order).
func normaliseDebug(s string) string {
	s = handleRE.ReplaceAllString(s, "$1")
	lines := strings.Split(s, "\n")
	var out, elems []string
	flush := func() {
		sort.Strings(elems)
		out = append(out, elems...)
		elems = nil
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "\telement ") {
			elems = append(elems, l)
			continue
		}
		flush()
		out = append(out, l)
	}
	flush()
	return strings.Join(out, "\n")
}

type side struct{ list, debug string }

func listBoth(t *testing.T, ns string) side {
	t.Helper()
	l, err := kernel.Nft(ns, "", "list", "ruleset")
	if err != nil {
		t.Fatal(err)
	}
	d, err := kernel.Nft(ns, "", "--debug=netlink", "list", "ruleset")
	if err != nil {
		t.Fatal(err)
	}
	return side{expiresRE.ReplaceAllString(l, ""), normaliseDebug(expiresRE.ReplaceAllString(d, ""))}
}

// crossCheck loads rs as text in one namespace and through the netlink
// backend in another, and compares both listings. It returns the number
// of rules compared.
func crossCheck(t *testing.T, rs *ir.Ruleset) int {
	t.Helper()
	var text strings.Builder
	p := &emit.Printer{}
	if err := p.WriteRuleset(&text, rs, emit.RulesetOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	prog, err := emit.CompileNetlink(rs)
	if err != nil {
		t.Errorf("compile: %v", err)
		return 0
	}
	msgs, err := prog.Messages()
	if err != nil {
		t.Fatal(err)
	}
	a, b := testutil.NewNetns(t), testutil.NewNetns(t)
	if err := a.NftLoad(text.String()); err != nil {
		t.Skipf("the text does not load (not a netlink matter): %v", err)
	}
	if err := kernel.SendBatch(b.Name, msgs, nil); err != nil {
		t.Errorf("netlink: %v", err)
		return 0
	}
	want, got := listBoth(t, a.Name), listBoth(t, b.Name)
	if dir := os.Getenv("IPT2NFT_XCHECK_DUMP"); dir != "" && (want != got) {
		// keep both sides for a closer look
		base := filepath.Join(dir, strings.NewReplacer("/", "_").Replace(t.Name()))
		os.WriteFile(base+".text", []byte(want.list+want.debug), 0o644)
		os.WriteFile(base+".netlink", []byte(got.list+got.debug), 0o644)
	}
	if want.list != got.list {
		t.Errorf("nft list ruleset differs:\n%s", lineDiff(want.list, got.list))
	}
	if want.debug != got.debug {
		t.Errorf("nft --debug=netlink list ruleset differs:\n%s", lineDiff(want.debug, got.debug))
	}
	if t.Failed() {
		return 0
	}
	return prog.Rules()
}

// lineDiff shows the first differing lines with some context.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	from := max(0, i-8)
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d\n--- text (nft -f):\n", i+1)
	for j := from; j < min(len(w), i+6); j++ {
		b.WriteString("  " + w[j] + "\n")
	}
	b.WriteString("--- netlink:\n")
	for j := from; j < min(len(g), i+6); j++ {
		b.WriteString("  " + g[j] + "\n")
	}
	return b.String()
}

// TestNetlinkMatchesText is the bytecode cross-check: every rule of the
// golden cases and of the real-world corpus, translated in normal mode,
// must put the same thing into the kernel through the netlink backend as
// "nft -f" of the printed text.
func TestNetlinkMatchesText(t *testing.T) {
	if ok, why := testutil.CanUseNetns(); !ok {
		t.Skip(why)
	}
	total, queue := 0, 0
	var inputs []struct{ name, src string }
	golden, _ := filepath.Glob(filepath.Join(testutil.RepoRoot(), "corpus", "testdata", "*.txtar"))
	for _, g := range golden {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		c := corpus.Parse(filepath.Base(g), data)
		if !normalArgs(c.Args) {
			continue
		}
		for _, in := range c.Inputs {
			inputs = append(inputs, struct{ name, src string }{c.Name + "/" + in.Name, string(in.Data)})
		}
	}
	own, _ := filepath.Glob("testdata/*.rules")
	for _, f := range own {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, struct{ name, src string }{"testdata/" + filepath.Base(f), string(data)})
	}
	dir := testutil.SharedDir(t, "corpus/realworld")
	files, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
	scripts, _ := filepath.Glob(filepath.Join(dir, "*.sh"))
	for _, f := range append(files, scripts...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, struct{ name, src string }{filepath.Base(f), string(data)})
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			rs := normal(in.name, in.src, iptparse.FamilyAny)
			queue += setAsideQueue(rs)
			total += crossCheck(t, rs)
		})
	}
	t.Logf("cross-check: %d rules compiled through netlink gave the same kernel state as nft -f of the text (%d inputs; %d queue rules checked with a counter in place of the queue statement: no nft_queue here)", total, len(inputs), queue)
}

// normalArgs reports whether a golden case runs in normal text mode.
func normalArgs(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "--exact") || strings.HasPrefix(a, "--format") {
			return false
		}
	}
	return true
}
