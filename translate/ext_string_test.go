package translate

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestStringFixedWindow(t *testing.T) {
	// A window exactly as long as the pattern: a comparison at one offset.
	got, err := xlate(t, iptparse.FamilyIPv4, false, `-A INPUT -p udp -m string --algo bm --from 28 --to 36 --string farewell -j DROP`)
	if err != nil || got != "ip protocol udp @nh,224,64 0x6661726577656c6c counter drop" {
		t.Errorf("fixed window: %q, %v", got, err)
	}
	got, err = xlate(t, iptparse.FamilyIPv4, false, `-A INPUT -m string --algo kmp --from 28 --to 38 --hex-string "|00000000000000005010|" -j DROP`)
	if err != nil || got != "@nh,224,64 0x0000000000000000 @nh,288,16 0x5010 counter drop" {
		t.Errorf("two chunks: %q, %v", got, err)
	}
	// A window shorter than the pattern never matches: the rule is kept
	// as a comment, counted as translated.
	tr := New(Options{})
	p := &iptparse.Parser{Registry: Registry{}, Family: iptparse.FamilyIPv4}
	cmd, err := p.ParseCommand(iptparse.WordsFromArgs(strings.Fields(`-A INPUT -m string --algo bm --from 28 --to 29 --string farewell -j DROP`), "t"))
	if err != nil {
		t.Fatal(err)
	}
	tr.AddCommand(cmd)
	rs := tr.Ruleset()
	r := rs.Tables[0].Chains[0].Rules[0]
	if r.Dead() == "" || len(r.Stmts) != 0 || tr.Stats().Translated != 1 {
		t.Errorf("never-matching rule: %+v, stats %+v", r, tr.Stats())
	}
	if text := rulesetText(rs); !strings.Contains(text, "# never matches (-m string: the pattern (8 bytes) never fits between --from 28 and --to 29") {
		t.Errorf("not kept as a comment:\n%s", text)
	}
	// Searches and negations stay untranslatable; exact mode reports the
	// never-matching rule like upstream does.
	for _, c := range []struct {
		exact bool
		cmd   string
	}{
		{false, `-A INPUT -m string --algo bm --string farewell -j DROP`},
		{false, `-A INPUT -m string --algo bm --from 28 --to 36 ! --string farewell -j DROP`},
		{false, `-A INPUT -m string --algo bm --from 28 --to 36 --icase --string farewell -j DROP`},
		{true, `-A INPUT -m string --algo bm --from 28 --to 29 --string farewell -j DROP`},
	} {
		_, err := xlate(t, iptparse.FamilyIPv4, c.exact, c.cmd)
		var d *diagError
		if !errors.As(err, &d) || d.d.Kind != DiagUntranslated {
			t.Errorf("%s (exact %v): want untranslated, got %v", c.cmd, c.exact, err)
		}
	}
}
