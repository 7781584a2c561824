package translate

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// caseE is one command line with its expected translations. exact and
// native are the expected texts; when err is set, both modes must fail
// with an error containing it, and untranslated says whether it is an
// "untranslatable" diagnostic rather than invalid input.
type caseE struct {
	fam           iptparse.Family
	cmd           string
	exact, native string
	err           string
	untranslated  bool
}

func (c caseE) family() iptparse.Family {
	if c.fam == 0 {
		return iptparse.FamilyIPv4
	}
	return c.fam
}

func runCasesE(t *testing.T, cases []caseE) {
	t.Helper()
	for _, c := range cases {
		for _, exact := range []bool{true, false} {
			got, err := xlate(t, c.family(), exact, c.cmd)
			mode := map[bool]string{true: "exact", false: "native"}[exact]
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("%s %q: want error containing %q, got %q, %v", mode, c.cmd, c.err, got, err)
					continue
				}
				var d *diagError
				isUntr := errors.As(err, &d) && d.d.Kind == DiagUntranslated
				if isUntr != c.untranslated {
					t.Errorf("%s %q: untranslated=%v, want %v (%v)", mode, c.cmd, isUntr, c.untranslated, err)
				}
				continue
			}
			want := c.native
			if exact {
				want = c.exact
			}
			if err != nil || got != want {
				t.Errorf("%s %q:\n got %q, %v\nwant %q", mode, c.cmd, got, err, want)
			}
		}
	}
}

// loadNativeE translates the command lines in normal mode and loads the
// ruleset into a fresh network namespace (a real load, not "nft -c":
// only a load runs the kernel's hook checks). setup commands run in the
// namespace first.
func loadNativeE(t *testing.T, fam iptparse.Family, setup [][]string, cmdlines ...string) {
	t.Helper()
	rs := nativeRuleset(t, fam, cmdlines...)
	ns := testutil.NewNetns(t)
	for _, s := range setup {
		if out, err := ns.Exec("", s...); err != nil {
			t.Fatalf("%v: %v %s", s, err, out)
		}
	}
	if err := ns.NftLoad(rs); err != nil {
		t.Errorf("ruleset does not load: %v\n%s", err, rs)
	}
}
