package verify

import (
	"context"
	"os"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestDump(t *testing.T) {
	name := os.Getenv("DUMP")
	if name == "" {
		t.Skip()
	}
	fam := iptparse.FamilyAny
	ipt := readTestdata(t, name+".rules")
	ps, _ := Probes(ipt, fam, 300, 1)
	t.Logf("topology: %+v tcp %v udp %v", ps.Topology, ps.TCPPorts, ps.UDPPorts)
	h := newHarness(t)
	res, err := h.Compare(context.Background(), Ruleset{IptablesSave: ipt, Family: iptparse.DetectFamily(ipt)}, Ruleset{Nft: readTestdata(t, name+".nft")}, ps)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Probes {
		t.Logf("%s\n   %s\n   A: %s", p.Probe.Name, p.Probe.Describe(), p.A)
	}
}
