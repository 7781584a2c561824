package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateCT(t *testing.T) {
	runCasesE(t, []caseE{
		{cmd: "-A PREROUTING -t raw -j NOTRACK",
			exact:  "add rule ip raw PREROUTING counter notrack",
			native: "counter notrack"},
		{cmd: "-t raw -A PREROUTING -i lo -j CT --notrack",
			exact:  `add rule ip raw PREROUTING iifname "lo" counter notrack`,
			native: `iifname "lo" counter notrack`},
		// The kernel ignores the other options with --notrack.
		{cmd: "-t raw -A OUTPUT -p tcp -j CT --notrack --helper ftp",
			exact:  "add rule ip raw OUTPUT ip protocol tcp counter notrack",
			native: "ip protocol tcp counter notrack"},
		// Real use (20-shorewall-home-router.rules): a helper object.
		{cmd: "-t raw -A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp",
			exact: "add ct helper ip raw ftp-tcp { type \"ftp\" protocol tcp; }\n" +
				`add rule ip raw PREROUTING tcp dport 21 counter ct helper set "ftp-tcp"`,
			native: `tcp dport 21 ct helper set "ftp-tcp"`},
		{fam: iptparse.FamilyIPv6, cmd: "-t raw -A OUTPUT -p udp -m udp --dport 5060 -j CT --helper sip",
			exact: "add ct helper ip6 raw sip-udp { type \"sip\" protocol udp; }\n" +
				`add rule ip6 raw OUTPUT udp dport 5060 counter ct helper set "sip-udp"`,
			native: `udp dport 5060 ct helper set "sip-udp"`},
		{cmd: "-t raw -A PREROUTING -j CT --zone 5",
			exact:  "add rule ip raw PREROUTING counter ct zone set 5",
			native: "counter ct zone set 5"},
		{cmd: "-t raw -A PREROUTING -j CT --zone-orig 0x10",
			exact:  "add rule ip raw PREROUTING counter ct original zone set 16",
			native: "counter ct original zone set 16"},
		{cmd: "-t raw -A PREROUTING -j CT --zone-reply 7",
			exact:  "add rule ip raw PREROUTING counter ct reply zone set 7",
			native: "counter ct reply zone set 7"},
		// One zone id in the template: the last; both directions.
		{cmd: "-t raw -A PREROUTING -j CT --zone-orig 5 --zone-reply 7",
			exact:  "add rule ip raw PREROUTING counter ct zone set 7",
			native: "counter ct zone set 7"},
		{cmd: "-t raw -A PREROUTING -p tcp -j CT --zone 3 --helper ftp",
			exact: "add ct helper ip raw ftp-tcp { type \"ftp\" protocol tcp; }\n" +
				`add rule ip raw PREROUTING ip protocol tcp counter ct zone set 3 ct helper set "ftp-tcp"`,
			native: "ip protocol tcp counter ct zone set 3\nip protocol tcp ct helper set \"ftp-tcp\""},
		// A template without anything in it changes nothing.
		{cmd: "-t raw -A PREROUTING -j CT",
			exact:  "add rule ip raw PREROUTING counter",
			native: "counter"},
		{cmd: "-t raw -A PREROUTING -j CT --zone mark", err: "zone mark", untranslated: true},
		{cmd: "-t raw -A PREROUTING -p udp -j CT --timeout udp-slow", err: "--timeout udp-slow", untranslated: true},
		{cmd: "-t raw -A PREROUTING -j CT --ctevents new,destroy", err: "--ctevents", untranslated: true},
		{cmd: "-t raw -A PREROUTING -j CT --expevents new", err: "--expevents", untranslated: true},
		{cmd: "-t raw -A PREROUTING -p sctp -j CT --helper ftp", err: "tcp or udp", untranslated: true},
		{cmd: "-t raw -A PREROUTING -j CT --helper ftp", err: "needs a layer 4 protocol"},
		{cmd: "-t raw -A PREROUTING ! -p tcp -j CT --helper ftp", err: "needs a layer 4 protocol"},
		{cmd: "-t raw -A PREROUTING -j CT --zone 65536", err: "Cannot parse 65536 as a zone ID"},
		{cmd: "-t raw -A PREROUTING -j CT --ctevents new,bogus", err: `Unknown event type "bogus"`},
		{cmd: "-t raw -A PREROUTING -j CT --expevents destroy", err: `Unknown event type "destroy"`},
		{cmd: "-t raw -A PREROUTING -j CT --zone 1 --zone 2", err: "only be used once"},
		{cmd: "-t mangle -A PREROUTING -j CT --notrack", err: "only valid in raw table"},
		{cmd: "-A INPUT -j NOTRACK", err: "only valid in raw table"},
		{cmd: "-t raw -A PREROUTING -j NOTRACK --notrack", err: "unknown option"},
	})
	loadNativeE(t, iptparse.FamilyIPv4, nil,
		"-t raw -A PREROUTING -j NOTRACK",
		"-t raw -A OUTPUT -o lo -j CT --notrack",
		"-t raw -A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp",
		"-t raw -A OUTPUT -p tcp -m tcp --dport 21 -j CT --helper ftp",
		"-t raw -A PREROUTING -p udp -m udp --dport 1719 -j CT --helper RAS",
		"-t raw -A PREROUTING -p tcp -m tcp --dport 1720 -j CT --helper Q.931",
		"-t raw -A PREROUTING -p udp -m udp --dport 137 -j CT --helper netbios-ns",
		"-t raw -A PREROUTING -j CT --zone-orig 5",
		"-t raw -A PREROUTING -i eth9 -j CT --zone 7")
}

// One helper object per kernel helper and protocol, declared once.
func TestCTHelperDeclaredOnce(t *testing.T) {
	rs := nativeRuleset(t, iptparse.FamilyIPv4,
		"-t raw -A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp",
		"-t raw -A OUTPUT -p tcp -m tcp --dport 21 -j CT --helper ftp",
		"-t raw -A PREROUTING -p udp -m udp --dport 5060 -j CT --helper sip",
		"-t raw -A PREROUTING -p tcp -m tcp --dport 5060 -j CT --helper sip")
	for obj, n := range map[string]int{"ct helper ftp-tcp {": 1, "ct helper sip-udp {": 1, "ct helper sip-tcp {": 1, `ct helper set "ftp-tcp"`: 2} {
		if got := strings.Count(rs, obj); got != n {
			t.Errorf("%q appears %d times, want %d:\n%s", obj, got, n, rs)
		}
	}
	if !strings.Contains(rs, "type \"sip\" protocol udp") {
		t.Errorf("sip helper object missing:\n%s", rs)
	}
}

// In the raw table nft's "ct helper set" comes before conntrack and has no
// effect: the translation says so.
func TestCTHelperRawWarning(t *testing.T) {
	tr := New(Options{Exact: true})
	p := &iptparse.Parser{Registry: Registry{}, Family: iptparse.FamilyIPv4}
	cmd, err := p.ParseCommand(iptparse.WordsFromArgs(strings.Fields("-t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp"), "test"))
	if err != nil {
		t.Fatal(err)
	}
	tr.AddCommand(cmd)
	found := false
	for _, d := range tr.Diags() {
		found = found || (d.Kind == DiagWarning && strings.Contains(d.Msg, "right after conntrack"))
	}
	if !found {
		t.Errorf("no warning about the helper priority: %v", tr.Diags())
	}
}
