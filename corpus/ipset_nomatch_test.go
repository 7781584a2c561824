package corpus

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/verify"
)

// TestKernelIPSetNomatch loads hash:net sets with nomatch elements with
// the real "ipset restore" and rules using them (-m set ... src in INPUT,
// ... dst in FORWARD) with iptables-legacy in one namespace, and
// ipt2nft's translation (the nomatch elements folded into intervals) in
// another, and sends packets from and to the first and last address of
// every element and the addresses just outside them. Every fate must be
// the same, and the original's must be what ipset's rule says (the
// longest element holding the address decides): dropped for members
// only, so that the probes do tell members from the others.
func TestKernelIPSetNomatch(t *testing.T) {
	if _, err := exec.LookPath("ipset"); err != nil {
		t.Skip("no ipset command")
	}
	h := newHarness(t)
	cases := []nomatchCase{
		{iptparse.FamilyIPv4, `create nm hash:net family inet hashsize 1024 maxelem 65536
add nm 10.0.0.0/8
add nm 10.1.0.0/16 nomatch
add nm 10.1.1.0/24
add nm 10.1.1.128/26 nomatch
add nm 10.1.1.160
add nm 10.200.0.7 nomatch
add nm 10.255.255.255 nomatch
add nm 192.0.2.0/24 nomatch
add nm 192.0.2.64/26
add nm 203.0.113.0/24
add nm 203.0.113.10-203.0.113.40 nomatch
add nm 203.0.113.24/30
`, "10.1.1.5 10.1.2.5 10.2.0.0 10.1.1.161", "198.18.0.1", "198.19.1.5"},
		{iptparse.FamilyIPv6, `create nm6 hash:net family inet6 hashsize 1024 maxelem 65536
add nm6 2001:db8::/32
add nm6 2001:db8:1::/48 nomatch
add nm6 2001:db8:1:2::/64
add nm6 2001:db8:1:2::8/125 nomatch
add nm6 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff nomatch
add nm6 3fff::/20 nomatch
add nm6 3fff:0:1::/48
`, "2001:db8:1:2::1 2001:db8:1:3::1 2001:db8:2::1", "2001:2::1", "2001:2:0:101::5"},
	}
	for _, c := range cases {
		for _, returnNomatch := range []bool{false, true} {
			kernelIPSetNomatch(t, h, c, returnNomatch)
		}
	}
}

// nomatchCase is a set of TestKernelIPSetNomatch, with more addresses to
// probe (extra), the firewall's address and a source to forward from.
type nomatchCase struct {
	fam           iptparse.Family
	sets, extra   string
	fw, fwdSource string
}

// kernelIPSetNomatch is one case of TestKernelIPSetNomatch; with
// returnNomatch the rules have --return-nomatch, and drop the addresses
// a nomatch element decides instead of the members.
func kernelIPSetNomatch(t *testing.T, h *verify.Harness, c nomatchCase, returnNomatch bool) {
	flag := ""
	if returnNomatch {
		flag = " --return-nomatch"
	}
	f := iptparse.ParseIPSetSave("sets", c.sets)
	if len(f.Errors) > 0 || len(f.Sets) != 1 {
		t.Fatalf("%v", f.Errors)
	}
	set := f.Sets[0]
	dir := t.TempDir()
	save := fmt.Sprintf("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"+
		"-A INPUT -m set --match-set %[1]s src%[2]s -j DROP\n-A FORWARD -m set --match-set %[1]s dst%[2]s -j DROP\nCOMMIT\n", set.Name, flag)
	rules := filepath.Join(dir, "rules")
	if err := os.WriteFile(rules, []byte(save), 0o644); err != nil {
		t.Fatal(err)
	}
	famArg := "-4"
	if c.fam == iptparse.FamilyIPv6 {
		famArg = "-6"
	}
	nft := translateWithBinary(t, append(ipsetArgs(t, c.sets), famArg, rules)...)
	if !strings.Contains(nft, "set "+set.Name+" {") || strings.Contains(nft, "untranslated") || returnNomatch == strings.Contains(nft, "@"+set.Name) {
		t.Fatalf("%s: the set is not translated:\n%s", set.Name, nft)
	}

	// ipset's answer: the longest element holding the address
	type elem struct {
		p       netip.Prefix
		nomatch bool
	}
	var els []elem
	addrs := map[netip.Addr]bool{}
	add := func(a netip.Addr) {
		if a.IsValid() {
			addrs[a] = true
		}
	}
	for _, e := range set.Elements {
		_, nm := e.Options["nomatch"]
		var ps []netip.Prefix
		if lo, hi, ok := strings.Cut(e.Value, "-"); ok {
			ps = rangePrefixesForTest(netip.MustParseAddr(lo), netip.MustParseAddr(hi))
		} else if strings.Contains(e.Value, "/") {
			ps = []netip.Prefix{netip.MustParsePrefix(e.Value)}
		} else {
			a := netip.MustParseAddr(strings.TrimSpace(e.Value))
			ps = []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}
		}
		for _, p := range ps {
			els = append(els, elem{p, nm})
			first, last := p.Addr(), lastOf(p)
			add(first)
			add(last)
			add(first.Prev())
			add(last.Next())
		}
	}
	for _, a := range strings.Fields(c.extra) {
		add(netip.MustParseAddr(a))
	}
	// member is what the rules test: with --return-nomatch, that a
	// nomatch element decides
	member := func(a netip.Addr) bool {
		best, in := -1, false
		for _, e := range els {
			if e.p.Contains(a) && e.p.Bits() > best {
				best, in = e.p.Bits(), e.nomatch == returnNomatch
			}
		}
		return in
	}

	ps := &verify.ProbeSet{Topology: verify.Simple("eth0", "eth1"), TCPPorts: []uint16{22}}
	fw, fwdSrc := netip.MustParseAddr(c.fw), netip.MustParseAddr(c.fwdSource)
	want := map[string]bool{}
	members := 0
	for a := range addrs {
		if ps.Topology.IsLocal(a) {
			continue
		}
		in := member(a)
		if in {
			members++
		}
		// from a to the firewall (INPUT, src), and through it to a
		// (FORWARD, dst; a is routed out by the default route)
		p := verify.Packet{Src: a, Dst: fw, Proto: verify.ProtoTCP, SrcPort: 40000, DstPort: 22, Flags: verify.SYN}
		name := "src " + a.String()
		ps.Probes = append(ps.Probes, verify.Probe{Name: name, Steps: []verify.Step{{In: "eth0", Packet: p}}})
		want[name] = in
		p = verify.Packet{Src: fwdSrc, Dst: a, Proto: verify.ProtoTCP, SrcPort: 40001, DstPort: 22, Flags: verify.SYN}
		name = "dst " + a.String()
		ps.Probes = append(ps.Probes, verify.Probe{Name: name, Steps: []verify.Step{{In: "eth1", Packet: p}}})
		want[name] = in
	}
	if members < 5 || len(addrs)-members < 5 {
		t.Fatalf("%s: %d members among %d addresses: the probes do not tell them apart", set.Name, members, len(addrs))
	}
	res, err := h.Compare(context.Background(), verify.Ruleset{IptablesSave: save, Family: c.fam, IPSetSave: c.sets}, verify.Ruleset{Nft: nft}, ps)
	if err != nil {
		t.Fatalf("%s: %v", set.Name, err)
	}
	var rep strings.Builder
	res.Report(&rep, 20)
	if res.Differ != 0 {
		t.Errorf("%s: the translation behaves differently:\n%s\ntranslation:\n%s", set.Name, rep.String(), nft)
	} else {
		t.Logf("%s: %s", set.Name, strings.TrimSpace(rep.String()))
	}
	// A probe lost on both sides (a loaded machine) looks dropped: the
	// original's unexpected fates are tried once more.
	var again []verify.Probe
	for _, p := range res.Probes {
		if dropped := p.A.String() == "1: dropped"; dropped != want[p.Probe.Name] {
			again = append(again, *p.Probe)
		}
	}
	if len(again) == 0 {
		return
	}
	ps.Probes = again
	res, err = h.Compare(context.Background(), verify.Ruleset{IptablesSave: save, Family: c.fam, IPSetSave: c.sets}, verify.Ruleset{Nft: nft}, ps)
	if err != nil {
		t.Fatalf("%s: %v", set.Name, err)
	}
	for _, p := range res.Probes {
		if dropped := p.A.String() == "1: dropped"; dropped != want[p.Probe.Name] {
			t.Errorf("%s: %s: the original's fate is %s twice, but the set holds it: %v", set.Name, p.Probe.Name, p.A, want[p.Probe.Name])
		}
	}
}

func lastOf(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// rangePrefixesForTest covers lo-hi with prefixes, one address at a time
// merged where a prefix fits: slow and independent of the translation's.
func rangePrefixesForTest(lo, hi netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for a := lo; !hi.Less(a); {
		bits := a.BitLen()
		for bits > 0 {
			p := netip.PrefixFrom(a, bits-1)
			if p.Masked().Addr() != a || hi.Less(lastOf(p)) {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(a, bits)
		out = append(out, p)
		if lastOf(p) == hi {
			break
		}
		a = lastOf(p).Next()
	}
	return out
}
