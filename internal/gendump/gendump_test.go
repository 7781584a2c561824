package gendump

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

func TestDump(t *testing.T) {
	a, b := Dump(1000, 7), Dump(1000, 7)
	if a != b {
		t.Fatal("not deterministic")
	}
	if a == Dump(1000, 8) {
		t.Error("the seed changes nothing")
	}
	if n := strings.Count(a, "\n-A "); n != 1000 {
		t.Errorf("%d rules, want 1000", n)
	}
	// iptables itself accepts it
	ns := testutil.NewNetns(t)
	if out, err := ns.Exec(a, "iptables-legacy-restore"); err != nil {
		t.Errorf("iptables-legacy-restore: %v\n%s", err, out)
	}
}
