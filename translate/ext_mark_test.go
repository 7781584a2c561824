package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateMark(t *testing.T) {
	cases := []matchCase{
		{"-I INPUT -p tcp -m mark ! --mark 0xa/0xa",
			"insert rule ip filter INPUT ip protocol tcp mark and 0xa != 0xa counter",
			"ip protocol tcp meta mark & 0xa != 0xa counter"},
		{"-I INPUT -p tcp -m mark ! --mark 0x1",
			"insert rule ip filter INPUT ip protocol tcp mark != 0x1 counter",
			"ip protocol tcp meta mark != 0x1 counter"},
		{"-A FORWARD -m mark --mark 16/0xff00ff -j DROP",
			"add rule ip filter FORWARD mark and 0xff00ff == 0x10 counter drop",
			"meta mark & 0xff00ff == 0x10 counter drop"},
		{"-A FORWARD -m mark --mark 0/0",
			"add rule ip filter FORWARD mark and 0x0 == 0x0 counter",
			"meta mark & 0x0 == 0x0 counter"},
	}
	bad := []badCase{
		{"-A INPUT -m mark", DiagError, `"--mark" must be specified`},
		{"-A INPUT -m mark --mark 0x100000000", DiagError, "Bad mark value"},
		{"-A INPUT -m mark --mark 1/x", DiagError, "Bad mask"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	checkMatchCases(t, iptparse.FamilyIPv6, []matchCase{
		{"-A OUTPUT -m mark --mark 7", "add rule ip6 filter OUTPUT mark 0x7 counter", "meta mark 0x7 counter"},
	}, nil)
}

func TestXlateConnmark(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -m connmark --mark 2 -j ACCEPT",
			"add rule ip filter INPUT ct mark 0x2 counter accept",
			"ct mark 0x2 counter accept"},
		{"-A INPUT -m connmark ! --mark 2 -j ACCEPT",
			"add rule ip filter INPUT ct mark != 0x2 counter accept",
			"ct mark != 0x2 counter accept"},
		{"-A INPUT -m connmark --mark 10/10 -j ACCEPT",
			"add rule ip filter INPUT ct mark and 0xa == 0xa counter accept",
			"ct mark & 0xa == 0xa counter accept"},
		{"-A INPUT -m connmark ! --mark 10/10 -j ACCEPT",
			"add rule ip filter INPUT ct mark and 0xa != 0xa counter accept",
			"ct mark & 0xa != 0xa counter accept"},
		{"-t mangle -A PREROUTING -p tcp --dport 40 -m connmark --mark 0x40",
			"add rule ip mangle PREROUTING tcp dport 40 ct mark 0x40 counter",
			"tcp dport 40 ct mark 0x40 counter"},
	}
	bad := []badCase{
		{"-A INPUT -m connmark", DiagError, `"--mark" must be specified`},
		{"-A INPUT -m connmark --mark", DiagError, "requires an argument"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
}

func TestXlateDevgroup(t *testing.T) {
	cases := []matchCase{
		{"-A FORWARD -m devgroup --src-group 0x2 -j ACCEPT",
			"add rule ip filter FORWARD iifgroup 0x2 counter accept",
			"iifgroup 0x2 counter accept"},
		{"-A FORWARD -m devgroup --dst-group 0xc/0xc -j ACCEPT",
			"add rule ip filter FORWARD oifgroup and 0xc == 0xc counter accept",
			"oifgroup & 0xc == 0xc counter accept"},
		{"-t mangle -A PREROUTING -p tcp --dport 46000 -m devgroup --src-group 23 -j ACCEPT",
			"add rule ip mangle PREROUTING tcp dport 46000 iifgroup 0x17 counter accept",
			"tcp dport 46000 iifgroup 0x17 counter accept"},
		{"-A FORWARD -m devgroup ! --dst-group 0xc/0xc -j ACCEPT",
			"add rule ip filter FORWARD oifgroup and 0xc != 0xc counter accept",
			"oifgroup & 0xc != 0xc counter accept"},
		// Upstream negates --dst-group too.
		{"-A FORWARD -m devgroup ! --src-group 0x2 --dst-group 0xc/0xc -j ACCEPT",
			"add rule ip filter FORWARD iifgroup != 0x2 oifgroup and 0xc == 0xc counter accept",
			"iifgroup != 0x2 oifgroup & 0xc == 0xc counter accept"},
		// xt_devgroup masks the value too (upstream writes "and 0x1 == 0x3").
		{"-A FORWARD -m devgroup --src-group 3/1",
			"add rule ip filter FORWARD iifgroup and 0x1 == 0x1 counter",
			"iifgroup & 0x1 == 0x1 counter"},
		// Names are resolved by nft where the ruleset is loaded.
		{"-A FORWARD -m devgroup --src-group default ! --dst-group default",
			"add rule ip filter FORWARD iifgroup default oifgroup != default counter",
			`iifgroup "default" oifgroup != "default" counter`},
	}
	bad := []badCase{
		{"-A FORWARD -m devgroup", DiagError, "You must specify either"},
		{"-A FORWARD -m devgroup --src-group 1/2x", DiagError, "trailing garbage"},
		{"-A FORWARD -m devgroup --src-group 1/", DiagError, "bad integer value"},
		{"-A OUTPUT -m devgroup --src-group 1", DiagError, "only valid from PREROUTING/INPUT/FORWARD"},
		{"-A INPUT -m devgroup --dst-group 1", DiagError, "only valid from FORWARD/OUTPUT/POSTROUTING"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	wantWarning(t, iptparse.FamilyIPv4, "-A FORWARD -m devgroup --src-group default", "resolved by nft")
	wantWarning(t, iptparse.FamilyIPv4, "-A FORWARD -m realm --realm 3/1", "bits outside the mask")
}

func TestXlateRealm(t *testing.T) {
	cases := []matchCase{
		{"-A PREROUTING -m realm --realm 4",
			"add rule ip filter PREROUTING rtclassid 0x4 counter",
			"meta rtclassid 0x4 counter"},
		{"-A PREROUTING -m realm --realm 5/5",
			"add rule ip filter PREROUTING rtclassid and 0x5 == 0x5 counter",
			"meta rtclassid & 0x5 == 0x5 counter"},
		{"-A PREROUTING -m realm ! --realm 50",
			"add rule ip filter PREROUTING rtclassid != 0x32 counter",
			"meta rtclassid != 0x32 counter"},
		{"-A INPUT -m realm --realm 1/0xf",
			"add rule ip filter INPUT rtclassid and 0xf == 0x1 counter",
			"meta rtclassid & 0xf == 0x1 counter"},
		// A name from /etc/iproute2/rt_realms, left to nft.
		{"-t mangle -A POSTROUTING -m realm --realm cosmos",
			"add rule ip mangle POSTROUTING rtclassid cosmos counter",
			`meta rtclassid "cosmos" counter`},
	}
	bad := []badCase{
		{"-A INPUT -m realm", DiagError, `"--realm" must be specified`},
		{"-t mangle -A PREROUTING -m realm --realm 1", DiagError, "only valid from INPUT/FORWARD/OUTPUT/POSTROUTING"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	if _, err := xlate(t, iptparse.FamilyIPv6, false, "-A INPUT -m realm --realm 1"); err == nil {
		t.Errorf("realm must not exist for ip6tables")
	}
}
