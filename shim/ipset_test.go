package shim_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/shim"
	"github.com/ipt2nft/ipt2nft/verify"
)

// ipsetSide runs ipset and iptables under one implementation: the real
// ipset 7.17 and iptables-legacy, or the shim.
type ipsetSide struct {
	ns  *testutil.Netns
	dir string // "" for the real tools
}

func (s ipsetSide) run(stdin, prog string, args ...string) (string, string, int) {
	if prog == "iptables" || prog == "ip6tables" {
		// the xtables lock is the machine's, shared with other tests
		args = append([]string{"-w"}, args...)
	}
	switch {
	case s.dir != "":
		prog = filepath.Join(s.dir, prog)
	case prog == "iptables" || prog == "ip6tables":
		prog += "-legacy"
	case prog == "iptables-save":
		prog = "iptables-legacy-save"
	}
	return run(s.ns, stdin, append([]string{prog}, args...)...)
}

var (
	initvalRe   = regexp.MustCompile(` initval 0x[0-9a-f]{8}`)
	remainingRe = regexp.MustCompile(` timeout \d+`)
	memRe       = regexp.MustCompile(`(?m)^Size in memory: \d+$`)
)

// normalizeIPSetSave makes two "ipset save" outputs comparable: initval
// is random, the remaining timeouts of elements tick, and elements are
// listed in hash order.
func normalizeIPSetSave(s string) string {
	var out []string
	var adds []string
	flush := func() {
		sort.Strings(adds)
		out = append(out, adds...)
		adds = nil
	}
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		l = initvalRe.ReplaceAllString(l, "")
		if strings.HasPrefix(l, "add ") {
			adds = append(adds, remainingRe.ReplaceAllString(l, " timeout T"))
			continue
		}
		flush()
		out = append(out, l)
	}
	flush()
	return strings.Join(out, "\n")
}

// normalizeIPSetList is the same for "ipset list" output ("Size in
// memory" is made up by the shim: nft does not tell).
func normalizeIPSetList(s string) string {
	var out []string
	for _, block := range strings.Split(strings.TrimSpace(s), "\n\n") {
		head, members, _ := strings.Cut(block, "Members:\n")
		head = memRe.ReplaceAllString(initvalRe.ReplaceAllString(head, ""), "Size in memory: N")
		ms := strings.Split(remainingRe.ReplaceAllString(members, " timeout T"), "\n")
		sort.Strings(ms)
		out = append(out, head+"Members:\n"+strings.Join(ms, "\n"))
	}
	return strings.Join(out, "\n\n")
}

// TestIPSetLikeReal runs a sequence of ipset (and iptables) commands
// through the real ipset and iptables-legacy in one namespace and
// through the shim in another: the same exit statuses and messages for
// every command, and the same "ipset save" and "ipset list" after each.
func TestIPSetLikeReal(t *testing.T) {
	bin := tools(t)
	real := ipsetSide{ns: testutil.NewNetns(t)}
	ours := ipsetSide{ns: testutil.NewNetns(t), dir: bin}
	cmds := []string{
		"ipset create f2b-sshd hash:ip timeout 600",
		"ipset create f2b-sshd hash:ip timeout 600",
		"ipset -exist create f2b-sshd hash:ip timeout 600",
		"ipset -exist create f2b-sshd hash:ip timeout 60",
		"ipset -exist create f2b-sshd hash:net",
		"ipset create blk hash:net counters comment",
		"ipset create web hash:ip,port comment",
		"ipset create nets hash:net,port family inet hashsize 100 maxelem 1000 bucketsize 5",
		"ipset create v6 hash:ip family inet6 timeout 30",
		"ipset create ports bitmap:port range 1000-2000",
		"ipset create trip hash:ip,port,ip",
		"ipset create ifn hash:net,iface",
		"ipset create bad hash:foo",
		"ipset create bad",
		"ipset create bad hash:ip family inet7",
		"ipset create bad hash:ip hashsize",
		"ipset create bad hash:ip foo 1",
		"ipset add f2b-sshd 198.19.0.7 timeout 600 -exist",
		"ipset add f2b-sshd 198.19.0.7",
		"ipset -exist add f2b-sshd 198.19.0.7 timeout 300",
		"ipset add f2b-sshd 198.19.0.8 timeout 0",
		"ipset add f2b-sshd 10.0.0.0/30",
		"ipset add f2b-sshd 10.1.0.1-10.1.0.3",
		"ipset add f2b-sshd 1.2.3.300",
		"ipset add f2b-sshd ::1",
		"ipset add nosuch 1.2.3.4",
		"ipset add blk 203.0.113.0/24 comment 'bad net' packets 5 bytes 300",
		"ipset add blk 198.51.100.9",
		"ipset add blk 192.0.2.0-192.0.2.5",
		"ipset add blk 10.0.0.0/0",
		"ipset add blk 10.0.0.0/33",
		"ipset add web 198.19.0.9,tcp:80 comment www",
		"ipset add web 198.19.0.9,udp:53",
		"ipset add web 198.19.0.10,8080-8081",
		"ipset add web 198.19.0.10",
		"ipset add web 198.19.0.11,tcp:99999",
		"ipset add nets 10.0.0.0/8,tcp:22",
		"ipset add nets 192.168.0.0/16,udp:53",
		"ipset add v6 2001:db8::1",
		"ipset add v6 1.2.3.4",
		"ipset add ports 1500",
		"ipset add ports 3000",
		"ipset add ports 1600-1602",
		"ipset add trip 1.2.3.4,tcp:80,5.6.7.8",
		"ipset add ifn 10.0.0.0/8,eth0",
		"ipset add web 1.2.3.4,tcp:1 timeout 5",
		"ipset add f2b-sshd 1.2.3.4 packets 5",
		"ipset add f2b-sshd 1.2.3.4 comment x",
		"ipset add web",
		"ipset add",
		"ipset list web blk",
		"ipset flush web blk",
		"ipset",
		"ipset test f2b-sshd 198.19.0.7",
		"ipset test f2b-sshd 198.19.0.99",
		"ipset -q test f2b-sshd 198.19.0.99",
		"ipset test blk 203.0.113.77",
		"ipset test nets 10.1.2.3,tcp:22",
		"ipset test nets 10.1.2.3,udp:22",
		"ipset del f2b-sshd 10.0.0.1",
		"ipset del f2b-sshd 10.0.0.1",
		"ipset -exist del f2b-sshd 10.0.0.1",
		"ipset del blk 198.51.100.9",
		"ipset del web 198.19.0.10,tcp:8081",
		"ipset -q add nosuch 1.2.3.4",
		"ipset bogus",
		"iptables -A INPUT -m set --match-set f2b-sshd src -j DROP",
		"iptables -A INPUT -m set --match-set nosuch src -j DROP",
		"iptables -A INPUT -m set --match-set v6 src -j DROP",
		"iptables -A INPUT -p tcp -m set --match-set web dst,dst -j ACCEPT",
		"iptables -A INPUT -m set ! --match-set blk src -j ACCEPT",
		"iptables -A FORWARD -j SET --add-set f2b-sshd src --exist --timeout 100",
		"ipset destroy f2b-sshd",
		"ipset destroy",
		"ipset rename f2b-sshd x",
		"ipset rename web blk",
		"ipset rename trip trip2",
		"ipset rename nosuch x",
		"ipset swap nets blk",
		"ipset swap trip2 nosuch",
		"ipset create tmp hash:ip,port comment",
		"ipset add tmp 198.19.0.12,tcp:443",
		"ipset swap tmp web",
		"ipset destroy tmp",
		"ipset flush nosuch",
		"ipset flush ports",
		"ipset list nosuch",
		"ipset -n list",
		"ipset -t list web",
		"ipset -o save list web",
		"iptables -F",
		"ipset destroy web",
		"ipset flush",
		"ipset destroy",
	}
	most := 0 // the most lines "ipset save" had: the comparison compared something
	for _, c := range cmds {
		args := splitArgs(c)
		ro, re, rc := real.run("", args[0], args[1:]...)
		oo, oe, oc := ours.run("", args[0], args[1:]...)
		oe = strings.ReplaceAll(oe, "iptables v"+shim.Version+" (ipt2nft)", "iptables v1.8.9 (legacy)")
		if rc != oc || strings.TrimSpace(re) != strings.TrimSpace(oe) {
			t.Errorf("%s: exit %d (real %d)\n  shim: %s\n  real: %s", c, oc, rc, strings.TrimSpace(oe), strings.TrimSpace(re))
		}
		if strings.HasPrefix(c, "ipset -n") || strings.HasPrefix(c, "ipset -o") {
			if normalizeIPSetSave(ro) != normalizeIPSetSave(oo) {
				t.Errorf("%s: output differs:\n%s", c, testutil.LineDiff(normalizeIPSetSave(ro), normalizeIPSetSave(oo)))
			}
		}
		if strings.HasPrefix(c, "ipset -t") {
			if normalizeIPSetList(ro) != normalizeIPSetList(oo) {
				t.Errorf("%s: output differs:\n%s", c, testutil.LineDiff(normalizeIPSetList(ro), normalizeIPSetList(oo)))
			}
		}
		rs, _, _ := real.run("", "ipset", "save")
		os, _, _ := ours.run("", "ipset", "save")
		if normalizeIPSetSave(rs) != normalizeIPSetSave(os) {
			t.Errorf("after %s: ipset save differs:\n%s", c, testutil.LineDiff(normalizeIPSetSave(rs), normalizeIPSetSave(os)))
		}
		most = max(most, strings.Count(os, "\n"))
		rl, _, _ := real.run("", "ipset", "list")
		ol, _, _ := ours.run("", "ipset", "list")
		if normalizeIPSetList(rl) != normalizeIPSetList(ol) {
			t.Errorf("after %s: ipset list differs:\n%s", c, testutil.LineDiff(normalizeIPSetList(rl), normalizeIPSetList(ol)))
		}
	}
	if most < 25 {
		t.Errorf("ipset save never had more than %d lines", most)
	}
}

// TestIPSetRestore loads an "ipset save" through both (one transaction
// in the shim) and compares what they save; a failing line fails the
// same way.
func TestIPSetRestore(t *testing.T) {
	bin := tools(t)
	real := ipsetSide{ns: testutil.NewNetns(t)}
	ours := ipsetSide{ns: testutil.NewNetns(t), dir: bin}
	dump := `create blocklist hash:net family inet hashsize 4096 maxelem 200000 comment bucketsize 12 initval 0x11223344
add blocklist 203.0.113.0/24 comment "spam"
add blocklist 198.51.100.0/25
add blocklist 192.0.2.7
create allow hash:ip,port family inet hashsize 1024 maxelem 65536 timeout 3600 bucketsize 12 initval 0x55667788
add allow 198.19.0.5,tcp:22 timeout 3000
add allow 198.19.0.6,udp:53 timeout 0
create six hash:net family inet6 hashsize 1024 maxelem 65536 counters bucketsize 12 initval 0x01020304
add six 2001:db8::/48 packets 10 bytes 1000
create p bitmap:port range 0-1023
add p 22
add p 80
# a comment
create tmp hash:net family inet hashsize 1024 maxelem 65536 comment bucketsize 12 initval 0x0a0b0c0d
add tmp 1.1.1.0/24
swap tmp blocklist
swap tmp blocklist
rename tmp tmp2
destroy tmp2
`
	for _, s := range []ipsetSide{real, ours} {
		if _, e, c := s.run(dump, "ipset", "restore"); c != 0 {
			t.Fatalf("restore (%s): exit %d: %s", s.dir, c, e)
		}
	}
	rs, _, _ := real.run("", "ipset", "save")
	os, _, _ := ours.run("", "ipset", "save")
	if normalizeIPSetSave(rs) != normalizeIPSetSave(os) {
		t.Errorf("ipset save differs:\n%s", testutil.LineDiff(normalizeIPSetSave(rs), normalizeIPSetSave(os)))
	}
	// -exist restore of the same dump changes nothing; without -exist
	// the first line fails.
	for _, args := range [][]string{{"-exist", "restore"}, {"restore"}} {
		_, re, rc := real.run(dump, "ipset", args...)
		_, oe, oc := ours.run(dump, "ipset", args...)
		if rc != oc || re != oe {
			t.Errorf("ipset %s: exit %d (real %d)\n  shim: %s\n  real: %s", strings.Join(args, " "), oc, rc, oe, re)
		}
	}
	// A blocklist refreshed in place: flush, then add the list again,
	// most of it what was there. The shim lost re-added networks of an
	// interval set with -exist, and refused them without.
	for _, refresh := range []string{
		"flush blocklist\nadd blocklist 203.0.113.0/24\nadd blocklist 10.9.0.0/16\n",
		"flush blocklist\n-exist add blocklist 198.51.100.0/25\nadd blocklist 192.0.2.7\nadd blocklist 10.8.0.0/16\n",
		"flush allow\nadd allow 198.19.0.6,udp:53 timeout 100\n",
	} {
		restoreLikeReal(t, real, ours, refresh)
	}
}

// TestIPSetPacketFate: fail2ban and DOM style blocking through the
// shim behaves like ipset + iptables-legacy. A rule drops what is in a
// set; addresses are added to the set afterwards (the rule stays); probes
// from those addresses are dropped, others pass; an ip,port set allows
// services per address.
func TestIPSetPacketFate(t *testing.T) {
	bin := tools(t)
	h, err := verify.New(verify.Options{})
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	defer h.Close()
	real := ipsetSide{ns: testutil.NewNetns(t)}
	ours := ipsetSide{ns: testutil.NewNetns(t), dir: bin}
	cmds := []string{
		"ipset create f2b-sshd hash:ip timeout 600",
		"ipset create dom hash:net",
		"ipset create svc hash:ip,port",
		"iptables -N f2b-sshd",
		"iptables -A f2b-sshd -m set --match-set f2b-sshd src -j REJECT --reject-with icmp-port-unreachable",
		"iptables -A f2b-sshd -j RETURN",
		"iptables -I INPUT -p tcp -m multiport --dports 22 -j f2b-sshd",
		"iptables -I INPUT -m set --match-set dom src -j DROP",
		"iptables -A INPUT -p tcp -m set --match-set svc src,dst -j ACCEPT",
		"iptables -A INPUT -p tcp --dport 80 -j DROP",
		"ipset add f2b-sshd 198.19.0.7 timeout 600 -exist",
		"ipset add dom 198.19.0.64/26",
		"ipset add svc 198.19.0.20,tcp:80",
		"ipset add f2b-sshd 198.19.0.8 timeout 600 -exist",
		"ipset del f2b-sshd 198.19.0.8",
	}
	for _, c := range cmds {
		args := splitArgs(c)
		_, re, rc := real.run("", args[0], args[1:]...)
		_, oe, oc := ours.run("", args[0], args[1:]...)
		if rc != 0 || oc != 0 {
			t.Fatalf("%s: exit %d (real %d): %s %s", c, oc, rc, oe, re)
		}
	}
	save, _, _ := real.run("", "iptables-save")
	sets, _, _ := real.run("", "ipset", "save")
	nft, e, code := run(ours.ns, "", "nft", "list", "table", "ip", shim.TableName)
	if code != 0 {
		t.Fatalf("nft list: %s", e)
	}
	ps := &verify.ProbeSet{Topology: verify.Simple("eth0", "eth1"), TCPPorts: []uint16{22, 80}}
	fw := netip.MustParseAddr("198.18.0.1")
	for _, src := range []string{"198.19.0.7", "198.19.0.8", "198.19.0.9", "198.19.0.70", "198.19.0.20"} {
		for _, port := range []uint16{22, 80} {
			p := verify.Packet{Src: netip.MustParseAddr(src), Dst: fw, Proto: verify.ProtoTCP, SrcPort: 40000, DstPort: port, Flags: verify.SYN}
			ps.Probes = append(ps.Probes, verify.Probe{Name: src + ":" + p.Summary(), Steps: []verify.Step{{In: "eth0", Packet: p}}})
		}
	}
	res, err := h.Compare(context.Background(), verify.Ruleset{IptablesSave: save, IPSetSave: sets, Family: iptparse.FamilyIPv4}, verify.Ruleset{Nft: nft}, ps)
	if err != nil {
		t.Fatalf("compare: %v", err)
	}
	t.Logf("%d probes, %d same, %d differ", len(res.Probes), res.Same, res.Differ)
	for _, d := range res.Differences() {
		t.Errorf("probe differs: %+v", d)
	}
	// the fates themselves: the banned address is refused, the others
	// reach the services they are allowed to
	fates := map[string]string{}
	for _, p := range res.Probes {
		fates[p.Probe.Name] = p.B.String()
	}
	if len(fates) == 0 || fates[ps.Probes[0].Name] == fates[ps.Probes[2].Name] {
		t.Errorf("the banned source 198.19.0.7 fares like 198.19.0.8: %v", fates)
	}
}

// restoreLikeReal runs "ipset restore" of in through the shim and ipset
// 7.17 and reports whether the exit status, the messages and the sets
// afterwards ("ipset save") are the same, saying where not.
func restoreLikeReal(t *testing.T, real, ours ipsetSide, in string) bool {
	t.Helper()
	_, re, rc := real.run(in, "ipset", "restore")
	_, oe, oc := ours.run(in, "ipset", "restore")
	same := true
	if rc != oc || re != oe {
		t.Errorf("restore %q: exit %d (ipset %d)\n  shim: %s\n  ipset: %s", in, oc, rc, oe, re)
		same = false
	}
	rs, _, _ := real.run("", "ipset", "save")
	os, _, _ := ours.run("", "ipset", "save")
	if normalizeIPSetSave(rs) != normalizeIPSetSave(os) {
		t.Errorf("after restore %q: ipset save differs:\n%s", in, testutil.LineDiff(normalizeIPSetSave(rs), normalizeIPSetSave(os)))
		same = false
	}
	return same
}
