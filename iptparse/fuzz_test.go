package iptparse_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/shlex"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

var seedLines = []string{
	`-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT`,
	`-A INPUT -i eth0 ! -s 10.0.0.0/255.0.255.0 -p udp --sport 53:54 -j DROP`,
	`-t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.1:8080`,
	`-I INPUT 2 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
	`-A INPUT -m comment --comment "a \"quoted\" } ; comment" -j LOG --log-prefix "x$y "`,
	`-A FORWARD -m multiport --dports 1,2,3:5 -m limit --limit 3/min -j REJECT --reject-with tcp-reset`,
	`-A INPUT -s ! 1.2.3.4 -p tcp --dport ! 80 -j ACCEPT`,
	`-P INPUT DROP`, `-N dynamic`, `-E a b`, `-D INPUT 3`, `-F`, `-X`, `-Z INPUT 1`,
	`-A INPUT -m recent --name SSH --update --seconds 60 --hitcount 4 -j DROP`,
	`-A INPUT -m set --match-set blacklist src,dst -j DROP`,
	`-A INPUT -m u32 --u32 "0>>22&0x3C@12>>26&0x3C@0=0x12345678" -j DROP`,
	`-A INPUT -p icmp --icmp-type port-unreachable -j ACCEPT`,
	`-6 -A INPUT -p ipv6-icmp --icmpv6-type 130 -j ACCEPT`,
	`-A INPUT -m hashlimit --hashlimit-above 20/sec --hashlimit-mode srcip --hashlimit-name x -j DROP`,
}

// FuzzParseCommand feeds arbitrary lines through splitting, parsing,
// translation in both modes and printing. Nothing may panic, word
// positions must agree with shlex, and printed rules stay on one line.
func FuzzParseCommand(f *testing.F) {
	for _, l := range seedLines {
		f.Add(l, false)
		f.Add(l, true)
	}
	f.Fuzz(func(t *testing.T, line string, v6 bool) {
		if strings.ContainsAny(line, "\n\r") {
			return
		}
		words, _, err := iptparse.SplitLine(line, "fuzz", 1)
		if err != nil {
			return
		}
		if texts, err := shlex.Split(line); err == nil && len(texts) != len(words) {
			t.Fatalf("SplitLine found %d words, shlex %d", len(words), len(texts))
		}
		fam := iptparse.FamilyIPv4
		if v6 {
			fam = iptparse.FamilyIPv6
		}
		p := &iptparse.Parser{Registry: translate.Registry{}, Family: fam}
		cmd, err := p.ParseCommand(words)
		if err != nil {
			if _, ok := err.(*iptparse.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, exact := range []bool{false, true} {
			tr := translate.New(translate.Options{Exact: exact})
			tr.AddCommand(cmd)
			pr := &emit.Printer{Style: emit.Style{Upstream: exact}}
			if exact {
				for _, c := range tr.Commands() {
					if s := pr.CommandText(c); strings.ContainsAny(s, "\n\r") {
						t.Fatalf("command text spans lines: %q", s)
					}
				}
				continue
			}
			var b strings.Builder
			if err := pr.WriteRuleset(&b, tr.Ruleset(), emit.RulesetOptions{}); err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(b.String(), "\n") {
				if strings.Count(l, `"`)%2 != 0 {
					t.Fatalf("unbalanced quotes in %q", l)
				}
			}
		}
	})
}

// FuzzParseFile feeds arbitrary files through the save-file and command
// list parsers and the translator.
func FuzzParseFile(f *testing.F) {
	f.Add("*filter\n:INPUT ACCEPT [0:0]\n[1:2] -A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n")
	f.Add("*nat\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n*filter\n-A FORWARD -j nowhere\n")
	f.Add("iptables -A INPUT -j ACCEPT\nip6tables -A INPUT -s ::1 -j DROP\n")
	f.Add("*filter\n:dynamic - [0:0]\n-A INPUT -j dynamic\n-A dynamic -m bogus\nCOMMIT\n")
	f.Fuzz(func(t *testing.T, src string) {
		file := iptparse.ParseFile("fuzz", src, translate.Registry{}, iptparse.FamilyAny)
		tr := translate.New(translate.Options{})
		tr.AddFile(file)
		var b strings.Builder
		if err := (&emit.Printer{}).WriteRuleset(&b, tr.Ruleset(), emit.RulesetOptions{Replace: true}); err != nil {
			t.Fatal(err)
		}
		st := tr.Stats()
		if st.Translated+st.Untranslated+st.Errors != st.Rules {
			t.Fatalf("rules lost: %+v", st)
		}
	})
}

// FuzzStreamedFile: a save file parsed and translated a piece at a time
// (ParseFileFunc, and iptables-restore-translate's streamed exact mode)
// gives what the file parsed and translated whole gives: the same items
// in order, the same warnings, the same commands and messages. The input
// is repeated to some 600 lines so that it is scanned and parsed in
// chunks on several cores.
func FuzzStreamedFile(f *testing.F) {
	f.Add("*filter\n:INPUT ACCEPT [0:0]\n[1:2] -A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp --dport 99999 -j ACCEPT\n")
	f.Add("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p udp --dport 53 -j DNAT --to-destination 10.0.0.1\nCOMMIT\n*filter\n-A FORWARD -j nowhere\n")
	f.Add("*filter\n:dynamic - [0:0]\n-A INPUT -j dynamic\n-A dynamic -m bogus\nCOMMIT\n")
	f.Add("*filter\n" + strings.Join(seedLines, "\n") + "\nCOMMIT\n")
	f.Add("*mangle\n-A PREROUTING -m recent --name A --set\n-A PREROUTING -m recent --name A --rcheck --seconds 5 -j DROP\n" +
		"-A PREROUTING -m hashlimit --hashlimit-upto 5/sec --hashlimit-name h -j ACCEPT\n-A INPUT -m set --match-set s src -j DROP\n")
	f.Add("*filter\n-A INPUT -m set --match-set s src -j DROP\n-A INPUT -p tcp --dport 23 -j SET --add-set s src\nCOMMIT\n")
	f.Fuzz(func(t *testing.T, src string) {
		lines := strings.Count(src, "\n") + 1
		if len(src) > 4096 || lines > 600 {
			return
		}
		big := strings.Repeat(src+"\n", 600/lines+1)

		whole := iptparse.ParseFile("fuzz", big, translate.Registry{}, iptparse.FamilyAny)
		var items []iptparse.Item
		streamed := iptparse.ParseFileFunc("fuzz", big, translate.Registry{}, iptparse.FamilyAny, nil,
			func(it iptparse.Item) { items = append(items, it) })
		if streamed.Family != whole.Family || !reflect.DeepEqual(streamed.Warnings, whole.Warnings) {
			t.Fatalf("family %v, warnings %v; whole: %v, %v", streamed.Family, streamed.Warnings, whole.Family, whole.Warnings)
		}
		if len(items) != len(whole.Items) {
			t.Fatalf("%d items streamed, %d whole", len(items), len(whole.Items))
		}
		for i := range items {
			if !reflect.DeepEqual(items[i], whole.Items[i]) {
				t.Fatalf("item %d: %#v streamed, %#v whole", i, items[i], whole.Items[i])
			}
		}

		p := &emit.Printer{Style: emit.Style{Upstream: true}}
		var got []string
		tr := translate.New(translate.Options{Exact: true, EmitCommand: func(c *ir.Command) { got = append(got, p.CommandText(c)) }})
		tr.AddText("fuzz", big, iptparse.FamilyAny)
		ref := translate.New(translate.Options{Exact: true})
		ref.AddFile(whole)
		var want []string
		for _, c := range ref.Commands() {
			want = append(want, p.CommandText(c))
		}
		if !slices.Equal(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("command %d: %q streamed, %q whole", i, got[i], want[i])
				}
			}
			t.Fatalf("%d commands streamed, %d whole", len(got), len(want))
		}
		if g, w := fmt.Sprint(tr.Diags()), fmt.Sprint(ref.Diags()); g != w {
			t.Fatalf("messages differ:\nstreamed %s\nwhole    %s", g, w)
		}
	})
}
