package translate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// TestSetsPassLinear: 20,000 rules that differ in address and port, each
// with its comment and counter values (iptables-save -c of commented
// rules), become one concatenation whose elements carry both. The pass
// once tried every later rule for each one, cubic time: 20,000 such
// rules took minutes.
func TestSetsPassLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "[%d:%d] -A INPUT -s 10.%d.%d.0/24 -p tcp -m tcp --dport %d -m comment --comment \"service %d\" -j ACCEPT\n", i+1, 60*(i+1), i/250%250, i%250, 1000+i, i)
	}
	b.WriteString("COMMIT\n")
	f := iptparse.ParseFile("perf", b.String(), Registry{}, iptparse.FamilyIPv4)
	tr := New(Options{})
	tr.AddFile(f)
	rs := tr.Ruleset()
	start := time.Now()
	rep := Optimize(rs, AllOpt())
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("optimizing took %v", d)
	}
	if len(rep.Merges) != 1 || rep.After != 1 {
		t.Errorf("%d merges, %d rules; want the 20,000 rules merged into one", len(rep.Merges), rep.After)
	}
}
