package emit_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

// planOf translates the bundled example and writes it as a plan; it
// returns the plan, the text and the messages it was made of.
func planOf(t testing.TB) ([]byte, []byte, []emit.NLMsg) {
	t.Helper()
	src, err := os.ReadFile("../examples/rules.v4")
	if err != nil {
		t.Fatal(err)
	}
	tr := translate.New(translate.Options{Table: "ipt2nft"})
	tr.AddFile(iptparse.ParseFile("rules.v4", string(src), translate.Registry{}, iptparse.FamilyAny))
	rs := tr.Ruleset()
	translate.Optimize(rs, translate.OptOptions{Sets: true, LogFuse: true, Deps: true})
	var text bytes.Buffer
	if err := (&emit.Printer{}).WriteRuleset(&text, rs, emit.RulesetOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	prog, err := emit.CompileNetlink(rs)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := prog.Messages()
	if err != nil {
		t.Fatal(err)
	}
	var tables []emit.PlanTable
	for _, tb := range rs.Tables {
		tables = append(tables, emit.PlanTable{Family: tb.Family, Name: tb.Name})
	}
	var plan bytes.Buffer
	if err := emit.WritePlan(&plan, text.Bytes(), tables, msgs, 0); err != nil {
		t.Fatal(err)
	}
	return plan.Bytes(), text.Bytes(), msgs
}

// TestPlanRoundTrip: a plan reads back as the text and the very messages
// it was written from; rules are named by their source lines.
func TestPlanRoundTrip(t *testing.T) {
	plan, text, msgs := planOf(t)
	if !emit.IsPlan(string(plan)) {
		t.Fatal("not recognised as a plan")
	}
	p, err := emit.ReadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	if p.Text != string(text) {
		t.Errorf("text differs:\n%s", p.Text)
	}
	if len(p.Tables) != 1 || p.Tables[0].Name != "ipt2nft" || p.Tables[0].Family.String() != "ip" {
		t.Errorf("tables: %+v", p.Tables)
	}
	if len(p.Msgs) != len(msgs) {
		t.Fatalf("%d messages, want %d", len(p.Msgs), len(msgs))
	}
	rules := 0
	for i, m := range msgs {
		g := p.Msgs[i]
		if g.Type != m.Type || g.Flags != m.Flags || g.Family != m.Family || !bytes.Equal(g.Data, m.Data) {
			t.Fatalf("message %d (%s) differs", i, m.What)
		}
		if m.Type == unix.NFT_MSG_NEWRULE {
			rules++
			if want := m.Rule.Pos().String(); g.What != want {
				t.Errorf("message %d: What %q, want the rule's position %q", i, g.What, want)
			}
		} else if g.What != m.What {
			t.Errorf("message %d: What %q, want %q", i, g.What, m.What)
		}
	}
	if p.Rules != rules || rules == 0 {
		t.Errorf("%d rules, counted %d", p.Rules, rules)
	}
	// nft reads the batch as comments: every line after the text is one
	for _, l := range strings.Split(strings.TrimSuffix(string(plan[bytes.Index(plan, []byte("\n#@plan"))+1:]), "\n"), "\n") {
		if !strings.HasPrefix(l, "#") {
			t.Fatalf("batch line is not a comment: %.60q", l)
		}
	}
}

// TestPlanRefusals: a plan whose text was edited, that was cut short or
// damaged, or compiled for another byte order, is refused with a reason.
func TestPlanRefusals(t *testing.T) {
	plan, _, _ := planOf(t)
	s := string(plan)
	meta := s[strings.Index(s, "\n#@plan ")+1:]
	meta = meta[:strings.IndexByte(meta, '\n')]
	firstData := strings.Index(s, "\n#@ ") + 4
	other := "big"
	if strings.Contains(meta, `"byteOrder":"big"`) {
		other = "little"
	}
	cases := map[string]struct {
		plan string
		want string
	}{
		"edited text":    {strings.Replace(s, "accept", "drop", 1), "text was changed"},
		"cut short":      {s[:len(s)-200], "incomplete"},
		"no batch":       {s[:strings.Index(s, "\n#@plan ")+1], "batch is missing"},
		"bad base64":     {s[:firstData] + "!" + s[firstData+1:], "line 1 of the batch"},
		"other order":    {strings.Replace(s, meta, strings.NewReplacer(`"byteOrder":"little"`, `"byteOrder":"`+other+`"`, `"byteOrder":"big"`, `"byteOrder":"`+other+`"`).Replace(meta), 1), "-endian machine"},
		"newer format":   {strings.Replace(s, `"format":1`, `"format":2`, 1), "format 2"},
		"wrong count":    {strings.Replace(s, `"messages":`, `"messages":1`, 1), "messages, the #@plan line says"},
		"not a plan":     {"*filter\nCOMMIT\n", "not an ipt2nft plan"},
		"trailing lines": {s + "#@ AAAA\n", ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := emit.ReadPlan([]byte(c.plan))
			if c.want == "" {
				// after #@end nothing is read: a comment added by hand is harmless
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}

// FuzzReadPlan: no input makes ReadPlan panic, and what it accepts
// writes back to the same plan.
func FuzzReadPlan(f *testing.F) {
	plan, _, _ := planOf(f)
	f.Add(plan)
	f.Add([]byte(emit.PlanHeader + "\n#@plan {\"format\":1}\n#@end\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := emit.ReadPlan(data)
		if err != nil {
			return
		}
		var again bytes.Buffer
		if err := emit.WritePlan(&again, []byte(p.Text), p.Tables, p.Msgs, p.Untranslated); err != nil {
			t.Fatal(err)
		}
		q, err := emit.ReadPlan(again.Bytes())
		if err != nil {
			t.Fatalf("a plan written from an accepted one is refused: %v", err)
		}
		if q.Text != p.Text || len(q.Msgs) != len(p.Msgs) || q.Rules != p.Rules {
			t.Fatalf("read back differently: %d/%d messages, %d/%d rules", len(q.Msgs), len(p.Msgs), q.Rules, p.Rules)
		}
		for i := range p.Msgs {
			if !bytes.Equal(q.Msgs[i].Data, p.Msgs[i].Data) || q.Msgs[i].What != p.Msgs[i].What || q.Msgs[i].Type != p.Msgs[i].Type {
				t.Fatalf("message %d read back differently", i)
			}
		}
	})
}
