package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateCluster(t *testing.T) {
	const pre = "-A PREROUTING -t mangle -i eth1 -m cluster --cluster-hash-seed 0xdeadbeef --cluster-total-nodes "
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		// Node N is hash value N-1 (upstream writes N).
		{pre + "2 --cluster-local-node 1",
			`add rule ip mangle PREROUTING iifname "eth1" jhash ct original saddr mod 2 seed 0xdeadbeef eq 0 meta pkttype set host counter`,
			`iifname "eth1" jhash ct original ip saddr mod 2 seed 0xdeadbeef 0 meta pkttype set host counter`},
		{pre + "32 --cluster-local-node 32",
			`add rule ip mangle PREROUTING iifname "eth1" jhash ct original saddr mod 32 seed 0xdeadbeef eq 31 meta pkttype set host counter`, ""},
		{pre + "32 --cluster-local-nodemask 32",
			`add rule ip mangle PREROUTING iifname "eth1" jhash ct original saddr mod 32 seed 0xdeadbeef eq 5 meta pkttype set host counter`, ""},
		// Masks with several nodes: upstream is right.
		{pre + "32 --cluster-local-nodemask 5",
			`add rule ip mangle PREROUTING iifname "eth1" jhash ct original saddr mod 32 seed 0xdeadbeef { 0, 2 } meta pkttype set host counter`,
			`iifname "eth1" jhash ct original ip saddr mod 32 seed 0xdeadbeef { 0, 2 } meta pkttype set host counter`},
		{pre + "7 --cluster-local-nodemask 9",
			`add rule ip mangle PREROUTING iifname "eth1" jhash ct original saddr mod 7 seed 0xdeadbeef { 0, 3 } meta pkttype set host counter`, ""},
		// '!' (upstream ignores it).
		{pre + "2 ! --cluster-local-node 2",
			`add rule ip mangle PREROUTING iifname "eth1" jhash ct original saddr mod 2 seed 0xdeadbeef != 1 meta pkttype set host counter`,
			`iifname "eth1" jhash ct original ip saddr mod 2 seed 0xdeadbeef != 1 meta pkttype set host counter`},
		{pre + "4 ! --cluster-local-nodemask 3",
			`add rule ip mangle PREROUTING iifname "eth1" jhash ct original saddr mod 4 seed 0xdeadbeef != { 0, 1 } meta pkttype set host counter`, ""},
		{pre + "2 --cluster-local-node 3", "!must be <= `--cluster-total-nodes'", "!must be <="},
		{pre + "2 --cluster-local-nodemask 4", "!too big", "!too big"},
		{pre + "2", "!is missing", "!is missing"},
		{pre + "33 --cluster-local-node 1", "!out of range", "!out of range"},
		{"-A PREROUTING -m cluster --cluster-total-nodes 2 --cluster-local-node 1", "!\"--cluster-hash-seed\" must be specified", "!must be specified"},
	})
	runXCases(t, iptparse.FamilyIPv6, []xcase{
		{"-A PREROUTING -t mangle -m cluster --cluster-total-nodes 2 --cluster-local-node 2 --cluster-hash-seed 1",
			"add rule ip6 mangle PREROUTING jhash ct original saddr mod 2 seed 0x1 eq 1 meta pkttype set host counter",
			"jhash ct original ip6 saddr mod 2 seed 0x1 1 meta pkttype set host counter"},
	})
	tr, _ := translateAll(t, iptparse.FamilyIPv4, pre+"2 --cluster-local-node 1")
	if !diagsContain(tr, DiagWarning, "expectation") {
		t.Errorf("no warning about expected connections: %v", tr.Diags())
	}
	nftLoads(t, iptparse.FamilyIPv4, pre+"2 --cluster-local-node 1", pre+"32 ! --cluster-local-nodemask 5", pre+"7 --cluster-local-nodemask 9")
	nftLoads(t, iptparse.FamilyIPv6, "-A PREROUTING -t mangle -m cluster --cluster-total-nodes 2 --cluster-local-node 2 --cluster-hash-seed 1")
}
