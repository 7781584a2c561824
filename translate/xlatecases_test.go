package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// xcase is one command with its expected exact-mode and normal-mode
// output. An expectation starting with "!" is an error or untranslated
// rule whose message must contain the rest; "" skips that mode.
type xcase struct {
	cmd, exact, native string
}

func runXCases(t *testing.T, fam iptparse.Family, cases []xcase) {
	t.Helper()
	for _, c := range cases {
		for _, mode := range []struct {
			exact bool
			want  string
		}{{true, c.exact}, {false, c.native}} {
			if mode.want == "" {
				continue
			}
			got, err := xlate(t, fam, mode.exact, c.cmd)
			if msg, isErr := strings.CutPrefix(mode.want, "!"); isErr {
				if err == nil || !strings.Contains(err.Error(), msg) {
					t.Errorf("exact=%v %q:\n got %q, %v\nwant error containing %q", mode.exact, c.cmd, got, err, msg)
				}
				continue
			}
			if err != nil || got != mode.want {
				t.Errorf("exact=%v %q:\n got %q, %v\nwant %q", mode.exact, c.cmd, got, err, mode.want)
			}
		}
	}
}

// nftLoads checks that the normal-mode ruleset of the commands loads in
// a fresh network namespace and that nft can list it back (nft 1.0.6
// aborts listing some expressions it accepts), and returns its text.
func nftLoads(t *testing.T, fam iptparse.Family, cmds ...string) string {
	t.Helper()
	rs := nativeRuleset(t, fam, cmds...)
	ns := testutil.NewNetns(t)
	if err := ns.NftCheck(rs); err != nil {
		t.Errorf("ruleset does not load: %v\n%s", err, rs)
		return rs
	}
	if err := ns.NftLoad(rs); err != nil {
		t.Errorf("ruleset does not load: %v\n%s", err, rs)
		return rs
	}
	if out, err := ns.Exec("", "nft", "list", "ruleset"); err != nil {
		t.Errorf("nft cannot list the loaded ruleset: %v\n%s\n%s", err, out, rs)
	}
	return rs
}

// translateAll translates commands in normal mode and returns the
// translator (for its diagnostics) and the ruleset text.
func translateAll(t *testing.T, fam iptparse.Family, cmds ...string) (*Translator, string) {
	t.Helper()
	tr := New(Options{})
	for _, cl := range cmds {
		p := &iptparse.Parser{Registry: Registry{}, Family: fam}
		args := strings.Fields(cl)
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs(args, "test"))
		if err != nil {
			t.Fatalf("%s: %v", cl, err)
		}
		tr.AddCommand(cmd)
	}
	var b strings.Builder
	(&emit.Printer{}).WriteRuleset(&b, tr.Ruleset(), emit.RulesetOptions{})
	return tr, b.String()
}

// diagsContain reports whether a diagnostic of that kind contains s.
func diagsContain(tr *Translator, kind DiagKind, s string) bool {
	for _, d := range tr.Diags() {
		if d.Kind == kind && strings.Contains(d.String(), s) {
			return true
		}
	}
	return false
}
