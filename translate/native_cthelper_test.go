package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestCtHelperAfterConntrack(t *testing.T) {
	dump := `*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:helpers - [0:0]
-A PREROUTING -s 10.9.0.0/16 -j ACCEPT
-A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp
-A PREROUTING -i eth1 -j helpers
-A PREROUTING -p udp --dport 5000 -j CT --notrack
-A helpers -p udp -m udp --dport 5060 -j CT --helper sip
COMMIT
`
	tr := New(Options{})
	tr.AddFile(iptparse.ParseFile("raw.rules", dump, Registry{}, iptparse.FamilyIPv4))
	rs := tr.Ruleset()
	got := rulesOf(rs)
	want := strings.Join([]string{
		`raw_prerouting: ip saddr 10.9.0.0/16 counter accept`,
		`raw_prerouting: iifname "eth1" counter jump raw_helpers`,
		`raw_prerouting: udp dport 5000 counter notrack`,
		`raw_prerouting_helpers: ip saddr 10.9.0.0/16 accept`,
		`raw_prerouting_helpers: tcp dport 21 ct helper set "ftp-tcp"`,
		`raw_prerouting_helpers: iifname "eth1" jump raw_helpers_helpers`,
		`raw_helpers_helpers: udp dport 5060 ct helper set "sip-udp"`,
	}, "\n")
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	text := rulesetText(rs)
	if !strings.Contains(text, "chain raw_prerouting_helpers {\n\t\tcomment") || !strings.Contains(text, "type filter hook prerouting priority -199;") {
		t.Errorf("helper chain not hooked after conntrack:\n%s", text)
	}
	if ok, _ := testutil.CanUseNetns(); ok {
		if err := testutil.NewNetns(t).NftCheck(text); err != nil {
			t.Error(err)
		}
	}
}
