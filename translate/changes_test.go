package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestChangeChains(t *testing.T) {
	tr := New(Options{})
	tr.AddFile(iptparse.ParseFile("r", "*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 21 -j CT --helper ftp\nCOMMIT\n*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j NFQUEUE --queue-num 0\nCOMMIT\n*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n", Registry{}, iptparse.FamilyIPv4))
	rs := tr.Ruleset()
	Optimize(rs, AllOpt())
	var helpers, ips, other int
	for _, tb := range rs.Tables {
		for _, c := range tb.Chains {
			switch {
			case CtHelperChain(c):
				helpers++
			case IPSChain(c):
				ips++
			default:
				other++
			}
		}
	}
	if helpers != 1 || ips != 1 || other == 0 {
		t.Errorf("helper chains %d, IPS chains %d, others %d; want 1, 1, some", helpers, ips, other)
	}
}
