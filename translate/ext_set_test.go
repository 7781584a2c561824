package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateSetMatch(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		{"-A INPUT -i eth0 -m set --match-set MDNS src -p tcp --dport 22 -j ACCEPT",
			"add set ip filter MDNS { type ipv4_addr; flags interval; }\nadd rule ip filter INPUT iifname \"eth0\" ip saddr @MDNS tcp dport 22 counter accept",
			"iifname \"eth0\" ip saddr @MDNS tcp dport 22 counter accept"},
		{"-A scaner-detect -m set ! --match-set pub-port-set dst -j DROP",
			"add set ip filter pub-port-set { type ipv4_addr; flags interval; }\nadd rule ip filter scaner-detect ip daddr != @pub-port-set counter drop",
			"ip daddr != @pub-port-set counter drop"},
		{"-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
			"add set ip filter KUBE-CLUSTER-IP { type ipv4_addr . inet_proto . inet_service; flags interval; }\nadd rule ip filter KUBE-SERVICES ip daddr . meta l4proto . th dport @KUBE-CLUSTER-IP counter accept",
			"ip daddr . meta l4proto . th dport @KUBE-CLUSTER-IP counter accept"},
		{"-t nat -A KUBE-POSTROUTING -m set --match-set KUBE-LOOP-BACK dst,dst,src -j ACCEPT",
			"", "ip daddr . meta l4proto . th dport . ip saddr @KUBE-LOOP-BACK counter accept"},
		{"-A INPUT -m set --set old src", "", "ip saddr @old counter"},
		{"-A INPUT -m set --match-set a src,dst,src,dst", "!4 dimensions", "!4 dimensions"},
		{"-A INPUT -m set --match-set a src --return-nomatch", "!nomatch", "!nomatch"},
		{"-A scaner-detect -m set --match-set scanner-ip-set src ! --update-counters --packets-gt 3 -j DROP", "!--update-counters", "!--update-counters"},
		{"-A INPUT -m set --match-set a src --update-counters --bytes-lt 3", "!--bytes-lt compares", "!--bytes-lt compares"},
		{"-A INPUT -m set --match-set a src --update-counters", "add set ip filter a { type ipv4_addr; flags interval; }\nadd rule ip filter INPUT ip saddr @a counter", ""},
		// Errors iptables reports.
		{"-A INPUT -m set --match-set a", "!requires 2 arguments", "!requires 2 arguments"},
		{"-A INPUT -m set --match-set a --return-nomatch", "!--match-set requires two args.", "!requires two args"},
		{"-A INPUT -m set --match-set a foo", "!'src' or 'dst'", "!'src' or 'dst'"},
		{"-A INPUT -m set --match-set a src,src,src,src,src,src,src", "!Can't be more src/dst options than 6.", "!Can't be more"},
		{"-A INPUT -m set --match-set abcdefghijklmnopqrstuvwxyz0123456789 src", "!too long, max 31", "!too long"},
		{"-A INPUT -m set --match-set a src ! --return-nomatch", "!--return-nomatch flag cannot be inverted", "!cannot be inverted"},
		{"-A INPUT -m set --match-set a src ! --packets-gt 3", "!--packets-gt option cannot be inverted", "!cannot be inverted"},
		{"-A INPUT -m set --match-set a src --packets-gt 3 --packets-lt 5", "!cannot be used together", "!cannot be used together"},
		{"-A INPUT -m set --match-set a src --match-set b dst", "!only be used once", "!only be used once"},
		{"-A INPUT -m set --return-nomatch", "!You must specify `--match-set'", "!You must specify"},
	})
	runXCases(t, iptparse.FamilyIPv6, []xcase{
		{"-A FORWARD -p tcp -m set --match-set iana-allocated src -j ACCEPT",
			"add set ip6 filter iana-allocated { type ipv6_addr; flags interval; }\nadd rule ip6 filter FORWARD meta l4proto tcp ip6 saddr @iana-allocated counter accept",
			"meta l4proto tcp ip6 saddr @iana-allocated counter accept"},
	})
}

func TestXlateSETTarget(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		{"-A trap-scan -j SET --add-set scanner-set src",
			"add set ip filter scanner-set { type ipv4_addr; flags dynamic; }\nadd rule ip filter trap-scan counter add @scanner-set { ip saddr }",
			"counter add @scanner-set { ip saddr }"},
		{"-t raw -A pcheck -j SET --exist --add-set TEST1 src",
			"", "counter update @TEST1 { ip saddr }"},
		{"-A record -j SET --add-set egress dst,dst --exist --timeout 3600",
			"add set ip filter egress { type ipv4_addr . inet_proto . inet_service; flags dynamic,timeout; }\nadd rule ip filter record counter update @egress { ip daddr . meta l4proto . th dport timeout 3600s }",
			"counter update @egress { ip daddr . meta l4proto . th dport timeout 3600s }"},
		{"-A reconnect -j SET --del-set LEGIT src,src", "", "counter delete @LEGIT { ip saddr . meta l4proto . th sport }"},
		{"-A x -j SET --add-set a src --del-set b dst", "", "counter add @a { ip saddr } delete @b { ip daddr }"},
		{"-A x -j SET --add-set a src --timeout 0", "", "counter add @a { ip saddr }"},
		{"-A x -j SET --map-set a src --map-mark", "!--map-set", "!--map-set"},
		{"-A x -j SET --del-set a src --exist", "!`--exist' can be used with `--add-set' only", "!--exist"},
		{"-A x -j SET --del-set a src --timeout 5", "!`--timeout' can be used with `--add-set' only", "!--timeout"},
		{"-A x -j SET --add-set a src --map-prio", "!`--map-prio' can be used with `--map-set' only", "!--map-prio"},
		{"-A x -j SET --map-set a src", "!You must specify flags", "!You must specify flags"},
		{"-A x -j SET --exist", "!You must specify either", "!You must specify either"},
		{"-A x -j SET --add-set a src --add-set b src", "!only be used once", "!only be used once"},
	})
}

// A set used by -m set and -j SET is declared once, as a dynamic set, and
// the whole ruleset loads.
func TestIPSetSharedLoads(t *testing.T) {
	cmds := []string{
		"-N trap-scan",
		"-A trap-scan -m set --match-set scanner-set src -j DROP",
		"-A trap-scan -j SET --add-set scanner-set src",
		"-A INPUT -p tcp --syn -m set ! --match-set pub-port-set dst,dst -j trap-scan",
		"-A INPUT -j SET --add-set egress src,src --exist --timeout 60",
		"-A INPUT -m set --match-set egress dst,dst -j ACCEPT",
		"-A INPUT -m set --match-set lb dst,dst,src -j ACCEPT",
	}
	tr, rs := translateAll(t, iptparse.FamilyIPv4, cmds...)
	if strings.Count(rs, "set scanner-set {") != 1 || !strings.Contains(rs, "set scanner-set {\n\t\ttype ipv4_addr\n\t\tflags dynamic\n\t}") {
		t.Errorf("scanner-set not declared once as a dynamic set:\n%s", rs)
	}
	if !diagsContain(tr, DiagWarning, "element type assumed") {
		t.Errorf("no warning about the assumed type: %v", tr.Diags())
	}
	nftLoads(t, iptparse.FamilyIPv4, cmds...)
	nftLoads(t, iptparse.FamilyIPv6,
		"-A INPUT -m set --match-set scanner-ipv6-set src -j DROP",
		"-A INPUT -j SET --add-set scanner-ipv6-set src",
		"-A INPUT -j SET --add-set ipv6-egress-port-set dst,dst --exist")
	// Different numbers of directions cannot share one guessed type.
	tr, _ = translateAll(t, iptparse.FamilyIPv4, "-A INPUT -m set --match-set a src", "-A INPUT -m set --match-set a src,dst")
	if !diagsContain(tr, DiagUntranslated, "direction(s) here") {
		t.Errorf("want an untranslated rule: %v", tr.Diags())
	}
}
