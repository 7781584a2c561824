package translate_test

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

// TestExactRuleChains: exact mode gives consecutive rules of a chain one
// chain value; each rule command must still name its own chain when the
// chains alternate, in another table too, whether the commands are
// streamed (and reused) or held.
func TestExactRuleChains(t *testing.T) {
	src := "*filter\n:INPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n" +
		"-A A -j ACCEPT\n-A A -j DROP\n-A B -j ACCEPT\n-A A -j RETURN\n-I B 2 -j DROP\n-A INPUT -j A\nCOMMIT\n" +
		"*mangle\n:A - [0:0]\n-A A -j ACCEPT\n-A A -j DROP\nCOMMIT\n"
	want := []string{
		"add rule ip filter A counter accept",
		"add rule ip filter A counter drop",
		"add rule ip filter B counter accept",
		"add rule ip filter A counter return",
		"insert rule ip filter B index 1 counter drop",
		"add rule ip filter INPUT counter jump A",
		"add rule ip mangle A counter accept",
		"add rule ip mangle A counter drop",
	}
	pr := &emit.Printer{Style: emit.Style{Upstream: true}}
	rules := func(cmds []string) string {
		var out []string
		for _, c := range cmds {
			if strings.HasPrefix(c, "add rule") || strings.HasPrefix(c, "insert rule") {
				out = append(out, c)
			}
		}
		return strings.Join(out, "\n")
	}

	var streamed []string
	tr := translate.New(translate.Options{Exact: true, EmitCommand: func(c *ir.Command) {
		streamed = append(streamed, pr.CommandText(c))
	}})
	tr.AddText("f", src, iptparse.FamilyIPv4)
	if got := rules(streamed); got != strings.Join(want, "\n") {
		t.Errorf("streamed:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}

	whole := translate.New(translate.Options{Exact: true})
	whole.AddFile(iptparse.ParseFile("f", src, translate.Registry{}, iptparse.FamilyIPv4))
	var held []string
	for _, c := range whole.Commands() {
		held = append(held, pr.CommandText(c))
	}
	if got := rules(held); got != strings.Join(want, "\n") {
		t.Errorf("held:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}
