package iptparse_test

import (
	"strings"
	"testing"

	"github.com/google/shlex"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// testRegistry has a few extensions, so the parser can be tested without
// package translate.
type testRegistry struct{}

var specs = map[string]*iptparse.ExtensionSpec{
	"tcp": {Name: "tcp", Options: []iptparse.OptionSpec{
		{Name: "sport", Aliases: []string{"source-port"}, Type: iptparse.TypePortRC, Flags: iptparse.Invert},
		{Name: "dport", Aliases: []string{"destination-port"}, Type: iptparse.TypePortRC, Flags: iptparse.Invert},
		{Name: "syn", Flags: iptparse.Invert},
		{Name: "tcp-flags", Type: iptparse.TypeRaw, NArgs: 2, Flags: iptparse.Invert},
	}},
	"comment": {Name: "comment", Options: []iptparse.OptionSpec{
		{Name: "comment", Type: iptparse.TypeString, Flags: iptparse.Mandatory},
	}},
	"mark": {Name: "mark", Options: []iptparse.OptionSpec{
		{Name: "mark", Type: iptparse.TypeMarkMask32, Flags: iptparse.Invert},
	}},
}

var targets = map[string]*iptparse.ExtensionSpec{
	"DNAT": {Name: "DNAT", Kind: iptparse.KindTarget, Options: []iptparse.OptionSpec{
		{Name: "to-destination", Type: iptparse.TypeString},
		{Name: "random"},
		{Name: "persistent"},
	}},
	"LOG": {Name: "LOG", Kind: iptparse.KindTarget, Options: []iptparse.OptionSpec{
		{Name: "log-prefix", Type: iptparse.TypeString},
		{Name: "log-level", Type: iptparse.TypeSyslogLevel},
	}},
}

func (testRegistry) Match(name string, _ iptparse.Family) *iptparse.ExtensionSpec {
	return specs[name]
}
func (testRegistry) Target(name string, _ iptparse.Family) *iptparse.ExtensionSpec {
	return targets[name]
}

func parse(t *testing.T, fam iptparse.Family, line string) (*iptparse.Command, error) {
	t.Helper()
	args, err := shlex.Split(line)
	if err != nil {
		t.Fatal(err)
	}
	p := &iptparse.Parser{Registry: testRegistry{}, Family: fam}
	return p.ParseCommand(iptparse.WordsFromArgs(args, "t"))
}

func TestParseBasics(t *testing.T) {
	cmd, err := parse(t, iptparse.FamilyIPv4, `-t nat -I PREROUTING 3 -i eth0 ! -s 10.0.0.0/8 -p tcp --dport 80:90 -j DNAT --to 10.1.1.1`)
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Table != "nat" || cmd.Op != iptparse.OpInsert || cmd.Chain != "PREROUTING" || cmd.RuleNum != 3 {
		t.Fatalf("command: %+v", cmd)
	}
	r := cmd.Rule
	if r.In == nil || r.In.Name != "eth0" || r.In.Neg {
		t.Errorf("in: %+v", r.In)
	}
	if r.Src == nil || !r.Src.Neg || r.Src.Addrs[0].String() != "10.0.0.0/8" {
		t.Errorf("src: %+v", r.Src)
	}
	if r.Proto == nil || r.Proto.Num != 6 {
		t.Errorf("proto: %+v", r.Proto)
	}
	if len(r.Matches) != 1 || r.Matches[0].Name != "tcp" || !r.Matches[0].Implicit {
		t.Fatalf("matches: %+v", r.Matches)
	}
	dport := r.Matches[0].Opt("dport").Value.(*iptparse.PortRange)
	if dport.Lo != 80 || dport.Hi != 90 {
		t.Errorf("dport %+v", dport)
	}
	tg := r.Target
	if tg == nil || tg.Ext == nil || tg.Ext.Opt("to-destination").Arg() != "10.1.1.1" {
		t.Errorf("target: %+v", tg)
	}
	// The abbreviation --to was resolved but is remembered as written.
	if w := tg.Ext.Opt("to-destination").Written; w != "--to" {
		t.Errorf("written %q", w)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		line, want string
	}{
		{`-A INPUT -m tcp --dportz 22`, `t:1:17: -m tcp: unknown option "--dportz"`},
		{`-A INPUT -p tcp --dport`, `-m tcp: option "--dport" requires an argument`},
		{`-A INPUT -m comment`, `-m comment: option "--comment" must be specified`},
		{`-A INPUT -p tcp ! --tcp-flags SYN`, `requires 2 arguments`},
		{`-A INPUT -s example.com -j ACCEPT`, "host names are not resolved"},
		{`-A INPUT -s 10.0.0.1/33`, "invalid mask"},
		{`-A INPUT -p tcp --dport 1 --dport 2`, `can only be used once`},
		{`-A INPUT -m mark ! ! --mark 1`, "multiple consecutive ! not allowed"},
		{`-A INPUT -p tcp -p udp`, "multiple -p flags not allowed"},
		{`-A INPUT -i eth0 -i eth1`, "multiple -i flags not allowed"},
		{`-A INPUT -j LOG --log-level bogus`, `log level "bogus" unknown`},
		{`-A INPUT -p bogusproto`, `unknown protocol "bogusproto"`},
		{`-A INPUT -j ACCEPT extra`, "Bad argument `extra'"},
		{`-A INPUT -o eth0`, "Can't use -o with INPUT"},
		{`-t nat -A POSTROUTING -j DROP`, `"nat" table is not intended for filtering`},
		{`-A INPUT -p tcp --d 22`, "ambiguous"},
		{`-A INPUT -A OUTPUT`, "Cannot use -A with -A"},
		{`-N -bad`, "not allowed to start with"},
		{`-A INPUT ! -j ACCEPT`, "cannot have ! before -j"},
		{`-s 1.2.3.4`, "no command specified"},
		{`-A INPUT -p tcp -p udp`, "t:1:17: multiple -p flags not allowed"},
		{`-A INPUT -s 10.0.0.1 -d 10.0.0.2 -s 10.0.0.3`, "t:1:34: multiple -s flags not allowed"},
		{`-A INPUT -i eth0 -i eth1`, "t:1:18: multiple -i flags not allowed"},
		{`-A INPUT -j ACCEPT -g X`, "t:1:20: multiple -j flags not allowed"},
		{`-A INPUT -c 1 2 -c 3 4`, "t:1:17: multiple -c flags not allowed"},
		{`-A INPUT -A OUTPUT`, "t:1:10: Cannot use -A with -A"},
		{`-A INPUT ! -I OUTPUT`, "t:1:10: unexpected '!' flag"},
	}
	for _, c := range cases {
		_, err := parse(t, iptparse.FamilyIPv4, c.line)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant error containing %q", c.line, err, c.want)
		}
	}
}

func TestIntrapositionedNegation(t *testing.T) {
	cmd, err := parse(t, iptparse.FamilyIPv4, `-A INPUT -s ! 172.168.0.0/255.255.0.0 -p tcp --dport ! 22 -j ACCEPT`)
	if err != nil {
		t.Fatal(err)
	}
	if !cmd.Rule.Src.Neg || cmd.Rule.Src.Addrs[0].String() != "172.168.0.0/16" {
		t.Errorf("src %+v", cmd.Rule.Src)
	}
	if o := cmd.Rule.Matches[0].Opt("dport"); !o.Neg {
		t.Errorf("dport not negated")
	}
	if len(cmd.Warnings) != 2 {
		t.Errorf("want 2 deprecation warnings, got %v", cmd.Warnings)
	}
	// the warning points at the "!", in a word of its own or inline;
	// the arguments are the words after it
	for _, c := range []struct {
		line string
		col  int32
	}{
		{`-A INPUT -p tcp --dport ! 22 -j ACCEPT`, 25},
		{`-A INPUT -p tcp --dport=! 22 -j ACCEPT`, 17},
	} {
		cmd, err := parse(t, iptparse.FamilyIPv4, c.line)
		if err != nil {
			t.Fatalf("%s: %v", c.line, err)
		}
		o := cmd.Rule.Matches[len(cmd.Rule.Matches)-1].Options[0]
		if len(cmd.Warnings) != 1 || cmd.Warnings[0].Pos.Col != c.col || !o.Neg || len(o.Args) != 1 || o.Args[0].Text[:2] != "22" {
			t.Errorf("%s: warnings %v, option %+v", c.line, cmd.Warnings, o)
		}
	}
}

func TestAddresses(t *testing.T) {
	cases := []struct {
		fam  iptparse.Family
		arg  string
		want []string
	}{
		{iptparse.FamilyIPv4, "10.11.12.13/255.255.0.0", []string{"10.11.0.0/16"}},
		{iptparse.FamilyIPv4, "10.11.12.13/255.0.255.0", []string{"10.0.12.0/255.0.255.0"}},
		{iptparse.FamilyIPv4, "10.1", []string{"10.1.0.0/32"}},
		{iptparse.FamilyIPv4, "010.0.0.1", []string{"8.0.0.1/32"}},
		{iptparse.FamilyIPv4, "1.2.3.4,5.6.7.0/24", []string{"1.2.3.4/32", "5.6.7.0/24"}},
		{iptparse.FamilyIPv4, "anything.example/0", []string{"0.0.0.0/0"}},
		{iptparse.FamilyIPv6, "feed:babe::1/ffff:ff00::", []string{"feed:ba00::/24"}},
		{iptparse.FamilyIPv6, "::/0", []string{"::/0"}},
	}
	for _, c := range cases {
		cmd, err := parse(t, c.fam, "-A INPUT -s "+c.arg)
		if err != nil {
			t.Errorf("%s: %v", c.arg, err)
			continue
		}
		var got []string
		for _, a := range cmd.Rule.Src.Addrs {
			got = append(got, a.String())
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: got %v want %v", c.arg, got, c.want)
		}
	}
}

func TestCommands(t *testing.T) {
	cases := []struct {
		line    string
		op      iptparse.Op
		chain   string
		num     int
		newName string
		policy  string
	}{
		{"-N FOO", iptparse.OpNewChain, "FOO", 0, "", ""},
		{"-X", iptparse.OpDeleteChain, "", 0, "", ""},
		{"-F INPUT", iptparse.OpFlush, "INPUT", 0, "", ""},
		{"-P FORWARD DROP", iptparse.OpPolicy, "FORWARD", 0, "", "DROP"},
		{"-E OLD NEW", iptparse.OpRenameChain, "OLD", 0, "NEW", ""},
		{"-D INPUT 4", iptparse.OpDeleteNum, "INPUT", 4, "", ""},
		{"-D INPUT -p tcp -j ACCEPT", iptparse.OpDelete, "INPUT", 0, "", ""},
		{"-R INPUT 2 -j DROP", iptparse.OpReplace, "INPUT", 2, "", ""},
		{"-nvL INPUT", iptparse.OpList, "INPUT", 0, "", ""},
		{"-w 5 -A INPUT -j ACCEPT", iptparse.OpAppend, "INPUT", 0, "", ""},
		{"--append=INPUT -j ACCEPT", iptparse.OpAppend, "INPUT", 0, "", ""},
		{"-AINPUT -jACCEPT", iptparse.OpAppend, "INPUT", 0, "", ""},
		{"-I INPUT", iptparse.OpInsert, "INPUT", 1, "", ""},
	}
	for _, c := range cases {
		cmd, err := parse(t, iptparse.FamilyIPv4, c.line)
		if err != nil {
			t.Errorf("%s: %v", c.line, err)
			continue
		}
		if cmd.Op != c.op || cmd.Chain != c.chain || cmd.RuleNum != c.num || cmd.NewName != c.newName || cmd.Policy != c.policy {
			t.Errorf("%s: got op %v chain %q num %d new %q policy %q", c.line, cmd.Op, cmd.Chain, cmd.RuleNum, cmd.NewName, cmd.Policy)
		}
	}
	cmd, err := parse(t, iptparse.FamilyIPv4, "-A INPUT -c 10 20 -j ACCEPT")
	if err != nil || cmd.Counters == nil || cmd.Counters.Packets != 10 || cmd.Counters.Bytes != 20 {
		t.Errorf("counters: %+v %v", cmd.Counters, err)
	}
}

func TestSaveFile(t *testing.T) {
	src := `# Generated by iptables-save
*filter
:INPUT DROP [10:2000]
:MYCHAIN - [0:0]
[5:300] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -m tcp --bogus -j ACCEPT
   
-A INPUT -j MYCHAIN
COMMIT
*nat
-A POSTROUTING -j MASQ
`
	f := iptparse.ParseFile("rules.v4", src, testRegistry{}, iptparse.FamilyAny)
	if f.Family != iptparse.FamilyIPv4 || f.Format != iptparse.FormatSave {
		t.Fatalf("family %v format %v", f.Family, f.Format)
	}
	var kinds []string
	for _, it := range f.Items {
		switch it := it.(type) {
		case *iptparse.TableHeader:
			kinds = append(kinds, "table:"+it.Name)
		case *iptparse.ChainDecl:
			kinds = append(kinds, "chain:"+it.Name+":"+it.Policy)
		case *iptparse.CommandLine:
			kinds = append(kinds, "cmd:"+it.Chain)
			if it.Pos.Line == 5 && (it.Counters == nil || it.Counters.Packets != 5) {
				t.Errorf("counters not read: %+v", it.Counters)
			}
		case *iptparse.BadLine:
			kinds = append(kinds, "bad:"+it.Err.Pos.String())
			if !it.IsRule {
				t.Errorf("bad line not seen as a rule")
			}
		case *iptparse.Commit:
			kinds = append(kinds, "commit")
		}
	}
	want := "table:filter chain:INPUT:DROP chain:MYCHAIN:- cmd:INPUT bad:rules.v4:6:17 cmd:INPUT commit table:nat cmd:POSTROUTING"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("items:\n got %s\nwant %s", got, want)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0].Msg, "no COMMIT") {
		t.Errorf("warnings: %v", f.Warnings)
	}
}

func TestDetectFamily(t *testing.T) {
	cases := map[string]iptparse.Family{
		"# Generated by ip6tables-save v1.8.7\n*filter\n":                iptparse.FamilyIPv6,
		"*filter\n-A INPUT -s 2001:db8::/32 -j ACCEPT\nCOMMIT\n":         iptparse.FamilyIPv6,
		"*filter\n-A INPUT -p ipv6-icmp -j ACCEPT\nCOMMIT\n":             iptparse.FamilyIPv6,
		"*filter\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\nCOMMIT\n":            iptparse.FamilyIPv4,
		"*filter\n-A INPUT -m mac --mac-source 00:11:22:33:44:55\n":      iptparse.FamilyIPv4,
		"ip6tables -A INPUT -p tcp --dport 22 -j ACCEPT\n":               iptparse.FamilyIPv6,
		"iptables -A INPUT -p icmp --icmp-type echo-request -j ACCEPT\n": iptparse.FamilyIPv4,
	}
	for src, want := range cases {
		if got := iptparse.DetectFamily(src); got != want {
			t.Errorf("%q: got %v want %v", src, got, want)
		}
	}
}

func TestCommandList(t *testing.T) {
	src := "iptables -A INPUT -p tcp --dport 22 -j ACCEPT\nsudo /sbin/ip6tables -A INPUT -j DROP\necho hello\n"
	f := iptparse.ParseFile("fw.txt", src, testRegistry{}, iptparse.FamilyAny)
	if f.Format != iptparse.FormatCommands {
		t.Fatalf("format %v", f.Format)
	}
	var fams []iptparse.Family
	for _, it := range f.Items {
		if c, ok := it.(*iptparse.CommandLine); ok {
			fams = append(fams, c.Family)
		}
	}
	if len(fams) != 2 || fams[0] != iptparse.FamilyIPv4 || fams[1] != iptparse.FamilyIPv6 {
		t.Errorf("families %v", fams)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0].Msg, "not an iptables command") {
		t.Errorf("warnings %v", f.Warnings)
	}
}

func TestSplitLinePositions(t *testing.T) {
	words, comment, err := iptparse.SplitLine(`-A INPUT -m comment --comment "a \"b\" c" -j ACCEPT # tail`, "f", 3)
	if err != nil {
		t.Fatal(err)
	}
	if !comment {
		t.Error("trailing comment not seen")
	}
	want := []struct {
		text string
		col  int32
	}{{"-A", 1}, {"INPUT", 4}, {"-m", 10}, {"comment", 13}, {"--comment", 21}, {`a "b" c`, 31}, {"-j", 43}, {"ACCEPT", 46}}
	if len(words) != len(want) {
		t.Fatalf("words %v", words)
	}
	for i, w := range want {
		if words[i].Text != w.text || words[i].Pos.Col != w.col || words[i].Pos.Line != 3 {
			t.Errorf("word %d: got %q at %v, want %q at col %d", i, words[i].Text, words[i].Pos, w.text, w.col)
		}
	}
}

// TestTargetNameSpace: a target name with a space is refused however
// the line was split (the parser skips the look for spaces in the words
// of a line split into bare words only).
func TestTargetNameSpace(t *testing.T) {
	for _, src := range []string{
		"*filter\n-A INPUT -j \"AC CEPT\"\nCOMMIT\n",
		"*filter\n[1:2] -A INPUT -j 'AC\tCEPT'\nCOMMIT\n",
		"*filter\n-A INPUT -j AC\\ CEPT\nCOMMIT\n",
		"*filter\n-A INPUT -j \"AC\\\\ CEPT\"\nCOMMIT\n",
		"iptables -A INPUT -j \"AC CEPT\"\n",
		"iptables -A INPUT -j AC\\ CEPT\n",
	} {
		f := iptparse.ParseFile("f", src, testRegistry{}, iptparse.FamilyIPv4)
		bad := 0
		for _, it := range f.Items {
			if b, ok := it.(*iptparse.BadLine); ok {
				bad++
				if !strings.Contains(b.Err.Msg, "Invalid target name") {
					t.Errorf("%q: %v", src, b.Err)
				}
			}
		}
		if bad != 1 {
			t.Errorf("%q: %d bad lines, want 1", src, bad)
		}
	}
}
