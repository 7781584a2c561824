package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateOwner(t *testing.T) {
	cases := []matchCase{
		{"-t nat -A OUTPUT -p tcp --dport 80 -m owner --uid-owner root -j ACCEPT",
			"add rule ip nat OUTPUT tcp dport 80 skuid 0 counter accept",
			"tcp dport 80 meta skuid 0 counter accept"},
		{"-t nat -A OUTPUT -p tcp --dport 80 -m owner --gid-owner 0-10 -j ACCEPT",
			"add rule ip nat OUTPUT tcp dport 80 skgid 0-10 counter accept",
			"tcp dport 80 meta skgid 0-10 counter accept"},
		{"-t nat -A OUTPUT -p tcp --dport 80 -m owner ! --uid-owner 1000 -j ACCEPT",
			"add rule ip nat OUTPUT tcp dport 80 skuid != 1000 counter accept",
			// packets without a local socket match too: a helper chain
			"tcp dport 80 jump nat_owner_not_uid_1000\nmeta skuid 1000 return\ncounter accept"},
		{"-A OUTPUT -m owner --uid-owner 1000:1005",
			"add rule ip filter OUTPUT skuid 1000-1005 counter",
			"meta skuid 1000-1005 counter"},
		// Both: upstream cannot translate it.
		{"-A OUTPUT -m owner --uid-owner 0x10 ! --gid-owner 100",
			"add rule ip filter OUTPUT skuid 16 skgid != 100 counter",
			"meta skuid 16 meta skgid != 100 counter"},
		// A name is left for nft to resolve on the target machine.
		{"-A OUTPUT -m owner --uid-owner www-data -j ACCEPT",
			`add rule ip filter OUTPUT skuid "www-data" counter accept`,
			`meta skuid "www-data" counter accept`},
		{"-t mangle -A POSTROUTING -m owner --gid-owner root",
			"add rule ip mangle POSTROUTING skgid 0 counter",
			"meta skgid 0 counter"},
	}
	bad := []badCase{
		{"-A OUTPUT -m owner", DiagError, "At least one of --uid-owner, --gid-owner or --socket-exists is required"},
		{"-A OUTPUT -m owner --suppl-groups --gid-owner 5", DiagError, "you need to use --gid-owner first"},
		{"-A OUTPUT -m owner --uid-owner 4294967295", DiagError, `Bad value for "--uid-owner"`},
		{"-A OUTPUT -m owner --uid-owner 5-", DiagError, `Bad value for "--uid-owner"`},
		{"-A OUTPUT -m owner --uid-owner '$tor_uid'", DiagError, `Bad value for "--uid-owner"`},
		{"-A OUTPUT -m owner --gid-owner ''", DiagError, `Bad value for "--gid-owner"`},
		{"-A INPUT -m owner --uid-owner 0", DiagError, "only valid from OUTPUT/POSTROUTING"},
		{"-A OUTPUT -m owner --socket-exists", DiagUntranslated, "local socket"},
		{"-A OUTPUT -m owner --gid-owner 5 --suppl-groups", DiagUntranslated, "supplementary groups"},
		{"-A OUTPUT -m owner --uid-owner 10-5", DiagUntranslated, "reversed"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	wantWarning(t, iptparse.FamilyIPv4, "-A OUTPUT -m owner --uid-owner www-data", "resolved by nft")
	wantWarningMode(t, iptparse.FamilyIPv4, true, "-A OUTPUT -m owner ! --gid-owner 5", "without a local socket")
	if _, err := xlate(t, iptparse.FamilyIPv4, true, "-t mangle -A POSTROUTING -m owner ! --uid-owner 5"); err == nil || !strings.Contains(err.Error(), "forwarded packets") {
		t.Errorf("exact POSTROUTING ! --uid-owner: %v, want untranslated", err)
	}
	// Normal mode: "unless the socket belongs to ..." in a helper chain,
	// which also holds the rest of the rule.
	checkNormal(t, iptparse.FamilyIPv4, []normalCase{
		{"-t mangle -A POSTROUTING -m owner ! --uid-owner 5",
			"jump mangle_owner_not_uid_5\nmeta skuid 5 return\ncounter"},
		{"-A OUTPUT -p udp -m owner ! --uid-owner 0-99 ! --gid-owner 50 -m udp --dport 53 -j LOG",
			"jump owner_not_uid_0_99_gid_50\nmeta skuid 0-99 return\nmeta skgid 50 return\nudp dport 53 counter log"},
		{"-t nat -A OUTPUT -p tcp -m owner ! --uid-owner tor -j REDIRECT --to-ports 9040",
			"ip protocol tcp jump nat_owner_not_uid_tor\nmeta skuid \"tor\" return\nip protocol tcp counter redirect to :9040"},
		{"-A OUTPUT -m owner ! --uid-owner 5 -j RETURN", "untranslated"},
		{"-A OUTPUT -m owner ! --uid-owner 5 -g X", "untranslated"},
	})
	checkMatchCases(t, iptparse.FamilyIPv6, []matchCase{
		{"-A OUTPUT -m owner --uid-owner 0 --gid-owner 0", "add rule ip6 filter OUTPUT skuid 0 skgid 0 counter", "meta skuid 0 meta skgid 0 counter"},
	}, nil)
}
