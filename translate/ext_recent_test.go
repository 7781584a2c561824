package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// recentRules translates commands in normal mode and returns the rule
// lines of the ruleset (sets, chains and rules, without indentation).
func recentRuleset(t *testing.T, fam iptparse.Family, cmds ...string) (*Translator, string) {
	t.Helper()
	tr, rs := translateAll(t, fam, cmds...)
	var lines []string
	for _, l := range strings.Split(rs, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return tr, strings.Join(lines, "\n")
}

func TestRecentSSHPattern(t *testing.T) {
	cmds := []string{
		"-A INPUT -p tcp --dport 22 -m recent --name SSH --set",
		"-A INPUT -p tcp --dport 22 -m recent --name SSH --update --seconds 60 -j DROP",
	}
	_, rs := recentRuleset(t, iptparse.FamilyIPv4, cmds...)
	want := `table ip ipt2nft {
set recent_SSH {
type ipv4_addr
flags dynamic,timeout
timeout 60s
size 65535
comment "-m recent --name SSH"
}
chain input {
type filter hook input priority filter; policy accept;
tcp dport 22 update @recent_SSH { ip saddr } counter
tcp dport 22 ip saddr @recent_SSH update @recent_SSH { ip saddr } counter drop
}
}`
	if rs != want {
		t.Errorf("got\n%s\nwant\n%s", rs, want)
	}
	nftLoads(t, iptparse.FamilyIPv4, cmds...)
}

// One set per --seconds value, and one without timeout for checks of the
// whole list; --set and --update refresh all of them, --remove deletes
// from all of them.
func TestRecentViews(t *testing.T) {
	cmds := []string{
		"-A INPUT -m recent --set --name L --rdest",
		"-A INPUT -m recent --rcheck --seconds 60 --name L -j DROP",
		"-A INPUT -m recent ! --rcheck --seconds 3600 --name L -j ACCEPT",
		"-A INPUT -m recent --update --name L -j LOGDROP",
		"-A INPUT -m recent --remove --name L -j ACCEPT",
		"-A INPUT -m recent --remove --name L",
		"-N LOGDROP",
	}
	_, rs := recentRuleset(t, iptparse.FamilyIPv4, cmds...)
	for _, want := range []string{
		"set recent_L {\ntype ipv4_addr\nflags dynamic\nsize 65535\ncomment \"-m recent --name L\"\n}",
		"set recent_L_60s {\ntype ipv4_addr\nflags dynamic,timeout\ntimeout 60s\nsize 65535",
		"set recent_L_3600s {\ntype ipv4_addr\nflags dynamic,timeout\ntimeout 3600s\nsize 65535",
		"update @recent_L { ip daddr } update @recent_L_60s { ip daddr } update @recent_L_3600s { ip daddr } counter\n",
		"ip saddr @recent_L_60s counter drop\n",
		"ip saddr != @recent_L_3600s counter accept\n",
		"ip saddr @recent_L update @recent_L { ip saddr } update @recent_L_60s { ip saddr } update @recent_L_3600s { ip saddr } counter jump LOGDROP\n",
		"ip saddr @recent_L delete @recent_L { ip saddr } delete @recent_L_60s { ip saddr } delete @recent_L_3600s { ip saddr } counter accept\n",
		"# -m recent --remove --name L: the rule counts every packet, not only those whose address was on the list\ndelete @recent_L { ip saddr } delete @recent_L_60s { ip saddr } delete @recent_L_3600s { ip saddr } counter\n",
	} {
		if !strings.Contains(rs, want) {
			t.Errorf("ruleset lacks\n%s\n---\n%s", want, rs)
		}
	}
	nftLoads(t, iptparse.FamilyIPv4, cmds...)
}

func TestRecentMaskAndOptions(t *testing.T) {
	tr, rs := recentRuleset(t, iptparse.FamilyIPv4,
		"-A INPUT -m recent --rcheck --seconds 86400 --name portscan --mask 255.255.255.0 --rsource -j DROP",
		"-A INPUT -m recent --remove --name portscan --mask 255.255.255.255 --rsource",
		"-A INPUT -m recent --set --name portscan --rdest --rsource",
		"-A INPUT -m recent --update --seconds 60 --hitcount 1 --reap --name portscan -j DROP",
		"-A INPUT -m recent --set --name never -j ACCEPT",
	)
	for _, want := range []string{
		// The --reap rule is dropped, so one view remains.
		"ip saddr & 255.255.255.0 == @recent_portscan counter drop",
		"delete @recent_portscan { ip saddr & 255.255.255.0 } counter",
		"update @recent_portscan { ip saddr & 255.255.255.0 } counter",
		"# -m recent: no translated rule checks list never, so the address is not recorded\ncounter accept",
		// --reap with a longer view elsewhere.
		"# untranslated (-m recent: --reap deletes entries not seen for 60 seconds from the whole list portscan at unpredictable times, and other rules look further back (--seconds 86400))",
	} {
		if !strings.Contains(rs, want) {
			t.Errorf("ruleset lacks\n%s\n---\n%s", want, rs)
		}
	}
	if !diagsContain(tr, DiagWarning, "got its mask from the rule at") {
		t.Errorf("no warning about the mask: %v", tr.Diags())
	}
	if st := tr.Stats(); st.Rules != 5 || st.Translated != 4 || st.Untranslated != 1 {
		t.Errorf("stats %+v, want 5 rules, 4 translated, 1 untranslated", st)
	}
	// Reaping is left out when no view outlives it.
	_, rs = recentRuleset(t, iptparse.FamilyIPv4,
		"-A INPUT -m recent --set --name r",
		"-A INPUT -m recent --update --seconds 60 --reap --name r -j DROP")
	if !strings.Contains(rs, "ip saddr @recent_r update @recent_r { ip saddr } counter drop") {
		t.Errorf("reap rule not translated:\n%s", rs)
	}
}

func TestXlateRecent(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		{"-A INPUT -m recent --rcheck --seconds 5 -j DROP", "!iptables-translate has no translation", "ip saddr @recent_DEFAULT counter drop"},
		{"-A INPUT -p tcp -m recent --update --seconds 60 --hitcount 10 -j DROP", "!iptables-translate", "!--hitcount 10 counts how often"},
		{"-A INPUT -m recent --rcheck --seconds 60 --rttl --name x -j DROP", "", "!--rttl also needs"},
		{"-A INPUT -m recent ! --set", "", "!! --set records"},
		{"-A INPUT -m recent ! --update --name x", "", "!! --update changes the list"},
		{"-A INPUT -m recent ! --remove --name x", "", "!! --remove changes the list"},
		// Errors.
		{"-A INPUT -m recent --name x", "!you must specify one of", "!you must specify one of"},
		{"-A INPUT -m recent --set --rcheck", "!cannot be used together", "!cannot be used together"},
		{"-A INPUT -m recent --set --seconds 5", "!--seconds cannot be used with --set", "!--seconds cannot be used with --set"},
		{"-A INPUT -m recent --remove --hitcount 5", "!--hitcount cannot be used with --remove", "!--hitcount cannot be used"},
		{"-A INPUT -m recent --rcheck --reap", "!also requires \"--seconds\"", "!also requires"},
		{"-A INPUT -m recent --set --rttl", "!cannot be used together", "!cannot be used together"},
		{"-A INPUT -m recent --rcheck --seconds 0", "!out of range", "!out of range"},
		{"-A INPUT -m recent --rcheck --mask 255.255.0.0.1", "!", "!"},
	})
	runXCases(t, iptparse.FamilyIPv6, []xcase{
		{"-A INPUT -m recent --update --seconds 60 --name DEFAULT --rsource -j DROP", "", "ip6 saddr @recent_DEFAULT update @recent_DEFAULT { ip6 saddr } counter drop"},
		{"-A INPUT -m recent --rcheck --name x --mask ffff:ffff:: -j DROP", "", "ip6 saddr & ffff:ffff:: == @recent_x counter drop"},
		{"-A INPUT -m recent --rcheck --name x --mask 255.255.255.0 -j DROP", "", "!"},
	})
}

// Realistic uses from the corpus load.
func TestRecentLoads(t *testing.T) {
	nftLoads(t, iptparse.FamilyIPv4,
		"-A INPUT -p tcp -m recent --set --name TCP-PORTSCAN --mask 255.255.255.255 --rsource -j ACCEPT",
		"-A INPUT -p udp -m recent --set --name UDP-PORTSCAN --mask 255.255.255.255 --rsource -j DROP",
		"-A INPUT -p tcp -m recent --update --seconds 60 --name TCP-PORTSCAN --mask 255.255.255.255 --rsource -j DROP",
		"-A INPUT -m recent --rcheck --seconds 86400 --name portscan --mask 255.255.255.0 --rsource -j DROP",
		"-A INPUT -m recent --remove --name portscan --mask 255.255.255.255 --rsource",
		"-A INPUT -m recent --rcheck --name limited --rsource -j DROP",
		"-A INPUT -m recent --set --name limited --rsource -j DROP",
		"-A INPUT -m recent --remove --name limited --rsource",
		"-A INPUT -m recent --set --name a%b",
		"-A INPUT -m recent --rcheck --name a#b",
		"-A INPUT -m recent --rcheck --name a%b",
	)
	nftLoads(t, iptparse.FamilyIPv6,
		"-A INPUT -m recent --set --name DEFAULT",
		"-A INPUT -m recent --update --seconds 60 --name DEFAULT --rsource -j DROP",
		"-A INPUT -m recent --rcheck --seconds 360 --name DEFAULT --mask ffff:ffff:ffff:ffff:: -j DROP")
}
