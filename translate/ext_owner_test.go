package translate

import (
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
			"tcp dport 80 meta skuid != 1000 counter accept"},
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
		{"-t mangle -A POSTROUTING -m owner ! --uid-owner 5", DiagUntranslated, "forwarded packets"},
		{"-A OUTPUT -m owner --uid-owner 10-5", DiagUntranslated, "reversed"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	wantWarning(t, iptparse.FamilyIPv4, "-A OUTPUT -m owner --uid-owner www-data", "resolved by nft")
	wantWarning(t, iptparse.FamilyIPv4, "-A OUTPUT -m owner ! --gid-owner 5", "without a local socket")
	checkMatchCases(t, iptparse.FamilyIPv6, []matchCase{
		{"-A OUTPUT -m owner --uid-owner 0 --gid-owner 0", "add rule ip6 filter OUTPUT skuid 0 skgid 0 counter", "meta skuid 0 meta skgid 0 counter"},
	}, nil)
}
