package translate

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Helpers for the target tests (tg_*_test.go).

// tgCase is one translation: the command (without the program name), what
// exact mode prints (upstream's "add rule ..." form) and the rule text of
// normal mode. fam 0 is IPv4.
type tgCase struct {
	fam           iptparse.Family
	cmd           string
	exact, native string
}

func famOf(f iptparse.Family) iptparse.Family {
	if f == 0 {
		return iptparse.FamilyIPv4
	}
	return f
}

// checkCases translates each case in both modes and compares the text.
func checkCases(t *testing.T, cases []tgCase) {
	t.Helper()
	for _, c := range cases {
		fam := famOf(c.fam)
		got, err := xlate(t, fam, true, c.cmd)
		if err != nil || got != c.exact {
			t.Errorf("exact %q:\n got %q, %v\nwant %q", c.cmd, got, err, c.exact)
		}
		got, err = xlate(t, fam, false, c.cmd)
		if err != nil || got != c.native {
			t.Errorf("native %q:\n got %q, %v\nwant %q", c.cmd, got, err, c.native)
		}
	}
}

// tgBad is input that must fail: with an error (iptables refuses it) or
// as untranslatable, in both modes; msg is part of the message.
type tgBad struct {
	fam            iptparse.Family
	cmd            string
	untranslatable bool
	msg            string
}

func checkBad(t *testing.T, cases []tgBad) {
	t.Helper()
	for _, c := range cases {
		for _, exact := range []bool{true, false} {
			got, err := xlate(t, famOf(c.fam), exact, c.cmd)
			if err == nil {
				t.Errorf("%q (exact %v): want an error, got %q", c.cmd, exact, got)
				continue
			}
			var de *diagError
			isUntr := errors.As(err, &de) && de.d.Kind == DiagUntranslated
			if isUntr != c.untranslatable {
				t.Errorf("%q (exact %v): untranslatable=%v, want %v: %v", c.cmd, exact, isUntr, c.untranslatable, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%q (exact %v): error %q does not contain %q", c.cmd, exact, err, c.msg)
			}
		}
	}
}

// loadNative translates commands of one family in normal mode and loads
// the ruleset into a fresh network namespace with "nft -f": unlike
// "nft -c", a real load also runs the kernel's hook validation (a dnat in
// postrouting, "rt mtu" in prerouting...).
func loadNative(t *testing.T, fam iptparse.Family, cmds ...string) {
	t.Helper()
	rs := nativeRuleset(t, famOf(fam), cmds...)
	ns := testutil.NewNetns(t)
	if err := ns.NftLoad(rs); err != nil {
		t.Errorf("normal-mode ruleset does not load: %v\n%s", err, rs)
	}
}

// nativeCmds returns the commands of the cases of one family.
func nativeCmds(cases []tgCase, fam iptparse.Family) []string {
	var cmds []string
	for _, c := range cases {
		if famOf(c.fam) == fam {
			cmds = append(cmds, c.cmd)
		}
	}
	return cmds
}
