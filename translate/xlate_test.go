package translate

import (
	"strings"
	"testing"

	"github.com/google/shlex"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// xlate translates one iptables command line (without the program name)
// and returns what it becomes: in exact mode the nft commands upstream
// style, one per line; in normal mode the rule texts, one per line. err
// is the parse or translation error, if any.
func xlate(t *testing.T, fam iptparse.Family, exact bool, cmdline string) (string, error) {
	t.Helper()
	cmd, err := parseLine(t, fam, cmdline)
	if err != nil {
		return "", err
	}
	tr := New(Options{Exact: exact})
	tr.AddCommand(cmd)
	for _, d := range tr.Diags() {
		if d.Kind == DiagError || d.Kind == DiagUntranslated {
			return "", &diagError{d}
		}
	}
	var lines []string
	if exact {
		pr := &emit.Printer{Style: emit.Style{Upstream: true}}
		for _, c := range tr.Commands() {
			lines = append(lines, pr.CommandText(c))
		}
		return strings.Join(lines, "\n"), nil
	}
	pr := &emit.Printer{}
	for _, tb := range tr.Ruleset().Tables {
		for _, c := range tb.Chains {
			for _, r := range c.Rules {
				lines = append(lines, pr.Rule(r))
			}
		}
	}
	return strings.Join(lines, "\n"), nil
}

type diagError struct{ d Diag }

func (e *diagError) Error() string { return e.d.String() }

// nativeRuleset translates a command line in normal mode and returns the
// whole ruleset text.
func nativeRuleset(t *testing.T, fam iptparse.Family, cmdlines ...string) string {
	t.Helper()
	tr := New(Options{})
	for _, cl := range cmdlines {
		args, err := shlex.Split(cl)
		if err != nil {
			t.Fatal(err)
		}
		p := &iptparse.Parser{Registry: Registry{}, Family: fam}
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs(args, "test"))
		if err != nil {
			t.Fatalf("%s: %v", cl, err)
		}
		tr.AddCommand(cmd)
	}
	var b strings.Builder
	(&emit.Printer{}).WriteRuleset(&b, tr.Ruleset(), emit.RulesetOptions{})
	return b.String()
}

var _ = ir.FamilyIP

func TestXlateTCP(t *testing.T) {
	cases := []struct {
		cmd, exact, native string
	}{
		{"-A INPUT -p tcp --dport 22 -j ACCEPT",
			"add rule ip filter INPUT tcp dport 22 counter accept",
			"tcp dport 22 counter accept"},
		{"-A INPUT -p tcp --tcp-flags SYN SYN -j DROP",
			"add rule ip filter INPUT tcp flags syn / syn counter drop",
			"tcp flags & syn == syn counter drop"},
		{"-A INPUT -p tcp ! --syn -j DROP",
			"add rule ip filter INPUT tcp flags != syn / fin,syn,rst,ack counter drop",
			"tcp flags != syn / fin,syn,rst,ack counter drop"},
		{"-A INPUT -p tcp --sport 1024: -j ACCEPT",
			"add rule ip filter INPUT tcp sport 1024-65535 counter accept",
			"tcp sport 1024-65535 counter accept"},
	}
	for _, c := range cases {
		got, err := xlate(t, iptparse.FamilyIPv4, true, c.cmd)
		if err != nil || got != c.exact {
			t.Errorf("exact %q:\n got %q, %v\nwant %q", c.cmd, got, err, c.exact)
		}
		got, err = xlate(t, iptparse.FamilyIPv4, false, c.cmd)
		if err != nil || got != c.native {
			t.Errorf("native %q:\n got %q, %v\nwant %q", c.cmd, got, err, c.native)
		}
	}
	for _, bad := range []string{
		"-A INPUT -p tcp --dport 80:22",
		"-A INPUT -p tcp --tcp-flags SYN",
		"-A INPUT -p tcp --tcp-flags SYN,BOGUS SYN",
		"-A INPUT -p tcp --syn --tcp-flags SYN SYN",
		"-A INPUT -m tcp --dportz 22",
	} {
		if got, err := xlate(t, iptparse.FamilyIPv4, false, bad); err == nil {
			t.Errorf("%q: want an error, got %q", bad, got)
		}
	}
}

// parseLine parses one iptables command line (shell words).
func parseLine(t *testing.T, fam iptparse.Family, cmdline string) (*iptparse.Command, error) {
	t.Helper()
	args, err := shlex.Split(cmdline)
	if err != nil {
		t.Fatalf("split %q: %v", cmdline, err)
	}
	p := &iptparse.Parser{Registry: Registry{}, Family: fam}
	return p.ParseCommand(iptparse.WordsFromArgs(args, "test"))
}
