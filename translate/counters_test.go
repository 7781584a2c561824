package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// A dump's counter values become counters (element counters in a set) by
// default; with NoCounterValues they are dropped as iptables-restore
// without -c drops them. Either way rules whose comments differ merge:
// an element holds its counter, then its comment (the order nft 1.0.6
// reads).
func TestNoCounterValues(t *testing.T) {
	const dump = `*filter
:INPUT DROP [3:120]
[5:300] -A INPUT -p tcp -m tcp --dport 22 -m comment --comment "ssh" -j ACCEPT
[7:420] -A INPUT -p tcp -m tcp --dport 80 -m comment --comment "web" -j ACCEPT
[0:0] -A INPUT -p tcp -m tcp --dport 443 -m comment --comment "web" -j ACCEPT
COMMIT
`
	run := func(o Options) string {
		tr := New(o)
		tr.AddText("dump", dump, iptparse.FamilyIPv4)
		rs := tr.Ruleset()
		Optimize(rs, AllOpt())
		for _, d := range tr.Diags() {
			t.Errorf("diagnostic: %v", d)
		}
		return rulesetText(rs)
	}

	kept := run(Options{})
	keptSet := `tcp dport { 22 counter packets 5 bytes 300 comment "ssh", 80 counter packets 7 bytes 420 comment "web", 443 counter packets 0 bytes 0 comment "web" } accept`
	if !strings.Contains(kept, keptSet) {
		t.Errorf("with counter values: no %q in\n%s", keptSet, kept)
	}

	zero := run(Options{NoCounterValues: true})
	if strings.Contains(zero, "counter") {
		t.Errorf("without counter values: a counter is left in\n%s", zero)
	}
	want := `tcp dport { 22 comment "ssh", 80 comment "web", 443 comment "web" } accept`
	if !strings.Contains(zero, want) {
		t.Errorf("without counter values: no %q in\n%s", want, zero)
	}
	for name, text := range map[string]string{"kept": kept, "zero": zero} {
		if err := testutil.NewNetns(t).NftCheck(text); err != nil {
			t.Errorf("%s: nft refuses the ruleset: %v\n%s", name, err, text)
		}
	}
	// The kernel keeps each element's counter values with its comment,
	// and nft lists them in the order it reads.
	ns := testutil.NewNetns(t)
	if err := ns.NftLoad(kept); err != nil {
		t.Fatalf("loading: %v\n%s", err, kept)
	}
	listed, err := ns.Exec("", "nft", "list", "ruleset")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(listed, keptSet) {
		t.Errorf("the kernel lists\n%s\nwithout %q", listed, keptSet)
	}
}
