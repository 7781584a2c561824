package translate_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

// TestExactStreamReusesMemory: exact mode's streaming translation (AddText
// with EmitCommand) reuses the memory of each command's parse tree and IR
// once the command is handed on. Its commands and diagnostics must be
// those of the file parsed and translated whole, with state kept across
// rules far apart in the file (ipset names, whose later uses point back
// at the first), and messages about rules whose memory is reused since.
func TestExactStreamReusesMemory(t *testing.T) {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n")
	for i := range 4000 {
		switch i % 8 {
		case 0:
			fmt.Fprintf(&b, "[%d:%d] -A INPUT -s 10.%d.%d.0/24,192.0.2.%d -p tcp --dport %d -j ACCEPT\n", i, 9*i, i/256, i%256, i%250, 1+i%60000)
		case 1:
			fmt.Fprintf(&b, "-A FORWARD -m comment --comment \"rule %d\" -m conntrack --ctstate NEW -j LOG --log-prefix \"f%d \"\n", i, i)
		case 2:
			fmt.Fprintf(&b, "-A INPUT -p tcp -m hashlimit --hashlimit-upto %d/sec --hashlimit-mode srcip --hashlimit-name hl -j ACCEPT\n", 10+i%3)
		case 3:
			fmt.Fprintf(&b, "-A INPUT -m set --match-set s%d src -j DROP\n", i%5)
		case 4:
			fmt.Fprintf(&b, "-A INPUT -m set --match-set s%d src,dst -j DROP\n", i%7) // some a second time with another shape
		case 5:
			fmt.Fprintf(&b, "-A INPUT -p udp --dport 99999 -j ACCEPT\n") // rejected
		case 6:
			fmt.Fprintf(&b, "-A INPUT -m string --string x%d --algo bm -j DROP\n", i) // untranslatable
		default:
			fmt.Fprintf(&b, "-A FORWARD -i eth%d -m multiport -p udp --dports 53,%d -j REJECT\n", i%4, 1000+i)
		}
	}
	b.WriteString("COMMIT\n")
	src := b.String()

	want, whole := wholeExact(src)

	var got []string
	seen := map[*ir.Command]bool{}
	streamed := translate.New(translate.Options{Exact: true, EmitCommand: func(c *ir.Command) {
		got = append(got, exactText(c)) // printed now: its memory is reused
		if c.Op == ir.CmdAddRule {
			seen[c] = true
		}
	}})
	streamed.AddText("f", src, iptparse.FamilyIPv4)

	if len(got) != len(want) {
		t.Fatalf("%d commands streamed, %d for the whole file", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("command %d differs:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	if len(seen) > len(got)/10 {
		t.Errorf("%d different rule commands in %d commands: their memory is not reused", len(seen), len(got))
	}
	wd, gd := whole.Diags(), streamed.Diags()
	if len(wd) != len(gd) {
		t.Fatalf("%d diagnostics streamed, %d for the whole file", len(gd), len(wd))
	}
	notes := map[string]int{}
	for i := range wd {
		if wd[i] != gd[i] {
			t.Fatalf("diagnostic %d differs:\n got %+v\nwant %+v", i, gd[i], wd[i])
		}
		for _, k := range []string{"here and 1 at f:", "element type assumed", "Port"} {
			if strings.Contains(wd[i].Msg, k) {
				notes[k]++
			}
		}
	}
	if len(notes) != 3 || whole.Stats() != streamed.Stats() {
		t.Errorf("the test file is not what it should be: %v, %+v", notes, whole.Stats())
	}
}

// TestExactStreamReusesChainDecls: the chain declarations a streamed
// file starts with (a kube-proxy dump's thousands) are handed on in
// memory reused as a rule's command is, and print as the file
// translated whole does.
func TestExactStreamReusesChainDecls(t *testing.T) {
	var b strings.Builder
	b.WriteString("*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n")
	for i := range 3000 {
		fmt.Fprintf(&b, ":KUBE-SEP-%d - [0:0]\n", i)
	}
	b.WriteString("-A PREROUTING -j KUBE-SEP-1\nCOMMIT\n")
	src := b.String()

	pr := &emit.Printer{Style: emit.Style{Upstream: true}}
	whole := translate.New(translate.Options{Exact: true})
	whole.AddFile(iptparse.ParseFile("f", src, translate.Registry{}, iptparse.FamilyIPv4))
	var want []string
	for _, c := range whole.Commands() {
		want = append(want, pr.CommandText(c))
	}
	var got []string
	cmds, chains := map[*ir.Command]bool{}, map[*ir.Chain]bool{}
	streamed := translate.New(translate.Options{Exact: true, NoOrigin: true, EmitCommand: func(c *ir.Command) {
		got = append(got, pr.CommandText(c))
		if c.Op == ir.CmdAddChain {
			cmds[c], chains[c.Chain] = true, true
		}
	}})
	streamed.AddText("f", src, iptparse.FamilyIPv4)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("streamed:\n%.500s\nwhole:\n%.500s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(cmds) > len(got)/4 || len(chains) > len(got)/4 {
		t.Errorf("%d different chain commands and %d chains in %d commands: their memory is not reused", len(cmds), len(chains), len(got))
	}
}

// TestExactStreamHoldsFromFirstSet: a streamed file with a rule that
// changes a set (-j SET) is held from its first set declaration on, not
// from its start: the commands before it are handed on as translated, in
// memory reused, and those from it on are kept, in memory of their own,
// until the file is read, so that the declaration shows the flags the
// later rule gives the set. Both print as the file translated whole.
func TestExactStreamHoldsFromFirstSet(t *testing.T) {
	for _, change := range []string{"--add-set", "--del-set"} {
		var b strings.Builder
		b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n")
		line := func(i int) {
			switch i % 4 {
			case 0:
				fmt.Fprintf(&b, "[%d:%d] -A INPUT -s 10.%d.%d.0/24 -p tcp --dport %d -j ACCEPT\n", i, 9*i, i/256, i%256, 1+i%60000)
			case 1:
				fmt.Fprintf(&b, "-A FORWARD -m comment --comment \"rule %d\" -m conntrack --ctstate NEW -j LOG --log-prefix \"f%d \"\n", i, i)
			case 2:
				fmt.Fprintf(&b, "-A INPUT -m string --string x%d --algo bm -j DROP\n", i) // untranslatable
			default:
				fmt.Fprintf(&b, "-A FORWARD -i eth%d -m multiport -p udp --dports 53,%d -j REJECT\n", i%4, 1000+i)
			}
		}
		for i := range 3000 {
			line(i)
		}
		b.WriteString("-A INPUT -m set --match-set s src -j DROP\n")
		for i := range 3000 {
			line(i)
			if i%500 == 0 {
				fmt.Fprintf(&b, "-A INPUT -m set --match-set t%d dst -j DROP\n", i)
			}
		}
		fmt.Fprintf(&b, "-A INPUT -p tcp --dport 22 -j SET %s s src\nCOMMIT\n", change)
		src := b.String()

		want, _ := wholeExact(src)

		var got []string
		before := map[*ir.Command]bool{} // rule commands handed on before the first set's
		parsing := true                  // no set declared yet
		streamed := translate.New(translate.Options{Exact: true, EmitCommand: func(c *ir.Command) {
			got = append(got, exactText(c)) // printed now: its memory may be reused
			if c.Op == ir.CmdAddSet {
				parsing = false
			}
			if parsing && c.Op == ir.CmdAddRule {
				before[c] = true
			}
		}})
		streamed.AddText("f", src, iptparse.FamilyIPv4)

		if len(got) != len(want) {
			t.Fatalf("%s: %d commands streamed, %d for the whole file", change, len(got), len(want))
		}
		sets := 0
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: command %d differs:\n got %s\nwant %s", change, i, got[i], want[i])
			}
			if strings.HasPrefix(want[i], "add set ip filter s ") {
				sets++
				if !strings.Contains(want[i], "dynamic") {
					t.Errorf("%s: the test file does not change set s: %s", change, want[i])
				}
			}
		}
		if sets == 0 {
			t.Fatalf("%s: set s never declared", change)
		}
		// Handed on while the file was read: the 3,000 rules' 4,000-odd
		// commands before the first set, in a few reused commands; none
		// of those after it.
		if n := len(before); n == 0 || n > 500 {
			t.Errorf("%s: %d different rule commands handed on while the file was read; want a few (reused), before the first set only", change, n)
		}
	}
}

// TestExactStreamCtxCleared: the context exact mode's streaming
// translation reuses from rule to rule (newCtx) holds nothing of the
// rule before, whether that rule translated or failed after declaring
// sets, helpers or chains or splitting: the file translates as when
// parsed and translated whole.
func TestExactStreamCtxCleared(t *testing.T) {
	rules := []string{
		"-A INPUT -p tcp -m connlimit --connlimit-above 2 -j DROP",                                          // a set
		"-A INPUT -p tcp -m connlimit --connlimit-above 3 -m string --string x --algo bm -j DROP",           // a set, then untranslatable
		"-A INPUT -p tcp -m connlimit --connlimit-above 4 -m comment --comment c -j DROP",                   // a set, a comment
		"-A INPUT -m set --match-set s1 src -m comment --comment c2 -m string --string y --algo bm -j DROP", // a comment, then untranslatable
		"-A INPUT -m conntrack --ctstate NEW,INVALID -m conntrack --ctstatus CONFIRMED -j ACCEPT",
		"-A INPUT -j ACCEPT",
		"-A INPUT -p tcp -m tcpmss ! --mss 536:65535 -j DROP",                        // split in two rules
		"-A INPUT -p tcp -m tcpmss ! --mss 5 -m string --string z --algo bm -j DROP", // split, then untranslatable
		"-A INPUT -p tcp --dport 22 -j DROP",
	}
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n")
	for i := range 60 {
		b.WriteString(rules[(i*5)%len(rules)] + "\n")
	}
	b.WriteString("COMMIT\n*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -j CT --helper ftp\n-A PREROUTING -j ACCEPT\nCOMMIT\n")
	// a helper chain
	b.WriteString("*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xff0000 --ctmask 0xff0000\n-A PREROUTING -j ACCEPT\nCOMMIT\n")
	src := b.String()

	want, _ := wholeExact(src)
	var got []string
	streamed := translate.New(translate.Options{Exact: true, EmitCommand: func(c *ir.Command) { got = append(got, exactText(c)) }})
	streamed.AddText("f", src, iptparse.FamilyIPv4)
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Fatalf("streamed:\n%s\nwhole:\n%s", g, w)
	}
	if n := strings.Count(strings.Join(want, "\n"), "add set"); n < 10 || !strings.Contains(strings.Join(want, "\n"), "ct helper") || !strings.Contains(strings.Join(want, "\n"), "add chain ip mangle connmark") {
		t.Errorf("the test file is not what it should be: %d sets declared, a helper and a chain:\n%s", n, strings.Join(want, "\n"))
	}
}

// exactText is the text of c as iptables-restore-translate prints it.
func exactText(c *ir.Command) string {
	if c.Op == ir.CmdUntranslated {
		return emit.RestoreUntranslated(c)
	}
	return (&emit.Printer{Style: emit.Style{Upstream: true}}).CommandText(c)
}

// wholeExact is the text of the exact-mode commands of the save file
// src parsed and translated whole (AddFile), and its Translator.
func wholeExact(src string) ([]string, *translate.Translator) {
	whole := translate.New(translate.Options{Exact: true})
	whole.AddFile(iptparse.ParseFile("f", src, translate.Registry{}, iptparse.FamilyIPv4))
	var want []string
	for _, c := range whole.Commands() {
		want = append(want, exactText(c))
	}
	return want, whole
}
