package translate

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/shlex"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// matchCase is one command line with its expected exact-mode and
// normal-mode translations ("" skips that mode).
type matchCase struct {
	cmd, exact, native string
}

// badCase is a command line that must fail; kind is DiagError for input
// iptables rejects, DiagUntranslated for rules nft cannot express; msg is
// a part of the message.
type badCase struct {
	cmd  string
	kind DiagKind
	msg  string
}

// checkMatchCases runs the cases through both modes and then loads every
// normal-mode rule into nft in a private network namespace.
func checkMatchCases(t *testing.T, fam iptparse.Family, cases []matchCase, bad []badCase) {
	t.Helper()
	var load []string
	for _, c := range cases {
		if c.exact != "" {
			got, err := xlate(t, fam, true, c.cmd)
			if err != nil || got != c.exact {
				t.Errorf("exact %q:\n got %q, %v\nwant %q", c.cmd, got, err, c.exact)
			}
		}
		if c.native != "" {
			got, err := xlate(t, fam, false, c.cmd)
			if err != nil || got != c.native {
				t.Errorf("native %q:\n got %q, %v\nwant %q", c.cmd, got, err, c.native)
			}
			load = append(load, c.cmd)
		}
	}
	for _, b := range bad {
		for _, exact := range []bool{true, false} {
			got, err := xlate(t, fam, exact, b.cmd)
			var de *diagError
			switch {
			case err == nil:
				t.Errorf("%q (exact %v): want %s, got %q", b.cmd, exact, b.kind, got)
			case errors.As(err, &de):
				if de.d.Kind != b.kind || !strings.Contains(de.d.Msg, b.msg) {
					t.Errorf("%q (exact %v): want %s containing %q, got %s", b.cmd, exact, b.kind, b.msg, de.d)
				}
			default:
				// A parse error: iptables rejects the input.
				if b.kind != DiagError || !strings.Contains(err.Error(), b.msg) {
					t.Errorf("%q (exact %v): want %s containing %q, got parse error %v", b.cmd, exact, b.kind, b.msg, err)
				}
			}
		}
	}
	if len(load) > 0 && !t.Failed() {
		rs := nativeRuleset(t, fam, load...)
		ns := testutil.NewNetns(t)
		if err := ns.NftCheck(rs); err != nil {
			t.Errorf("normal-mode ruleset does not load: %v\n%s", err, rs)
		}
	}
}

func TestParseValMask(t *testing.T) {
	for _, c := range []struct {
		arg       string
		val, mask uint64
		name      string
		bad       bool
	}{
		{"4", 4, 0xffffffff, "", false},
		{"0x10/0xf0", 0x10, 0xf0, "", false},
		{"010", 8, 0xffffffff, "", false},
		{"cosmos", 0, 0, "cosmos", false},
		{"5/", 0, 0, "", true},
		{"5/0x1x", 0, 0, "", true},
		{"4294967296", 0, 0, "", true},
		{"12ab", 0, 0, "12ab", false},
	} {
		v, m, n, err := parseValMask("realm", "realm", c.arg)
		if (err != nil) != c.bad || (!c.bad && (v != c.val || m != c.mask || n != c.name)) {
			t.Errorf("parseValMask(%q) = %#x, %#x, %q, %v", c.arg, v, m, n, err)
		}
	}
}

// wantWarning checks that translating cmd (in normal mode) gives a warning
// containing msg.
func wantWarning(t *testing.T, fam iptparse.Family, cmd, msg string) {
	t.Helper()
	wantWarningMode(t, fam, false, cmd, msg)
}

// wantWarningMode is wantWarning in exact or normal mode.
func wantWarningMode(t *testing.T, fam iptparse.Family, exact bool, cmd, msg string) {
	t.Helper()
	args, err := shlex.Split(cmd)
	if err != nil {
		t.Fatal(err)
	}
	p := &iptparse.Parser{Registry: Registry{}, Family: fam}
	c, err := p.ParseCommand(iptparse.WordsFromArgs(args, "test"))
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	tr := New(Options{Exact: exact})
	tr.AddCommand(c)
	for _, d := range tr.Diags() {
		if d.Kind == DiagWarning && strings.Contains(d.Msg, msg) {
			return
		}
	}
	t.Errorf("%q: no warning containing %q in %v", cmd, msg, tr.Diags())
}

// normalCase is a rule and its normal-mode translation, or "untranslated".
type normalCase struct{ cmd, want string }

// checkNormal checks normal-mode translations.
func checkNormal(t *testing.T, fam iptparse.Family, cases []normalCase) {
	t.Helper()
	for _, c := range cases {
		got, err := xlate(t, fam, false, c.cmd)
		if c.want == "untranslated" {
			if err == nil {
				t.Errorf("%s: got %q, want untranslated", c.cmd, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s:\n got %q, %v\nwant %q", c.cmd, got, err, c.want)
		}
	}
}
