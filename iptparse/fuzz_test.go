package iptparse_test

import (
	"strings"
	"testing"

	"github.com/google/shlex"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
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
