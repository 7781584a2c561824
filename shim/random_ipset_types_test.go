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

