package shim_test

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

// TestIPSetRestoreQuotes: ipset restore splits lines at blanks outside
// double quotes; a single quote is an ordinary character, an unclosed
// double quote swallows the rest of the line; parameter problems
// (unknown argument, missing value) fail with exit status 2 and name
// no line, and the pending adds of the line before are lost.
func TestIPSetRestoreQuotes(t *testing.T) {
	bin := tools(t)
	real := ipsetSide{ns: testutil.NewNetns(t)}
	ours := ipsetSide{ns: testutil.NewNetns(t), dir: bin}
	for _, in := range []string{
		"create h hash:ip comment\n",
		"add h 1.1.1.1 comment \"a b\"\nadd h 1.1.1.2 comment \"x\n",
		"add h 1.1.1.3\nadd h 1.1.1.4 comment a b\n",
		"add h 1.1.1.5 comment 'a'\n",
		"add h 1.1.1.6 comment a\"b c\"d\n",
		"add h 1.1.1.7\nadd h 1.1.1.8 foo 1\n",
		"add h 1.1.1.9 comment \"\"\n",
		"add h 1.1.1.10 comment \"\"x\n",
		"add h 1.1.1.12 comment \"c d\" \t\nadd h 1.1.1.13 comment \"e\"\n",
	} {
		_, re, rc := real.run(in, "ipset", "restore")
		_, oe, oc := ours.run(in, "ipset", "restore")
		if rc != oc || re != oe {
			t.Errorf("restore %q: exit %d (ipset %d)\n  shim: %s\n  ipset: %s", in, oc, rc, oe, re)
		}
		rs, _, _ := real.run("", "ipset", "save")
		os, _, _ := ours.run("", "ipset", "save")
		if normalizeIPSetSave(rs) != normalizeIPSetSave(os) {
			t.Fatalf("after restore %q: ipset save differs:\n%s", in, testutil.LineDiff(normalizeIPSetSave(rs), normalizeIPSetSave(os)))
		}
	}
}

// TestIPSetTestMessages: "ipset test" names the element as ipset parsed
// it (canonical addresses, the CIDR unless full, the port's protocol),
// not as it was written.
func TestIPSetTestMessages(t *testing.T) {
	bin := tools(t)
	real := ipsetSide{ns: testutil.NewNetns(t)}
	ours := ipsetSide{ns: testutil.NewNetns(t), dir: bin}
	for _, c := range []string{
		"create h hash:ip", "create hp hash:ip,port", "create n hash:net", "create ipn hash:ip,port,net",
		"create ni hash:net,iface", "create bp bitmap:port range 1000-1010", "create v6 hash:net family inet6",
		"create np hash:net,port", "create ipi hash:ip,port,ip",
		"add hp 1.2.3.4,80", "add n 10.0.0.0/24", "add bp 1005",
		"test h 10.0.0.0/30", "test h 10.0.0.1-10.0.0.3", "test h 010.0.0.1", "test h 10.0.0.1/32",
		"test hp 1.2.3.4,80", "test hp 1.2.3.4,udp:53", "test hp 1.2.3.4,http", "test hp 1.2.3.4,0",
		"test n 10.0.0.0/24", "test n 10.0.0.5/32", "test n 10.0.0.5", "test n 10.0.0.7/24", "test n 10.0.0.7/25",
		"test ipn 1.1.1.1,80,1.2.3.4/32", "test ipn 1.1.1.1,80,1.2.3.4/24", "test ni 10.0.0.0/24,eth0",
		"test bp 1005", "test bp tcp:1005", "test bp 1006", "test v6 2001:0db8::1", "test v6 2001:db8::/64",
		"test v6 2001:db8::1/128", "test np 10.0.0.1/32,udp:53", "test ipi 1.1.1.1,tcp:1,2.2.2.2",
	} {
		_, re, rc := real.run("", "ipset", splitArgs(c)...)
		_, oe, oc := ours.run("", "ipset", splitArgs(c)...)
		if rc != oc || re != oe {
			t.Errorf("ipset %s: exit %d (ipset %d)\n  shim: %s\n  ipset: %s", c, oc, rc, oe, re)
		}
	}
}
