package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// newHarness returns a harness or skips the test with the reason.
func newHarness(t *testing.T) *Harness {
	t.Helper()
	h, err := New(Options{})
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return h
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type selfCase struct {
	name string
	fam  iptparse.Family
}

var selfCases = []selfCase{
	{"server", iptparse.FamilyIPv4},
	{"router", iptparse.FamilyIPv4},
	{"host6", iptparse.FamilyIPv6},
}

func compare(t *testing.T, h *Harness, a, b Ruleset, ps *ProbeSet) *Result {
	t.Helper()
	res, err := h.Compare(context.Background(), a, b, ps)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSelf compares hand-written iptables rulesets with hand-written nft
// equivalents: every probe must meet the same fate.
func TestSelf(t *testing.T) {
	h := newHarness(t)
	for _, c := range selfCases {
		t.Run(c.name, func(t *testing.T) {
			ipt := readTestdata(t, c.name+".rules")
			nft := readTestdata(t, c.name+".nft")
			ps, err := Probes(ipt, c.fam, 300, 1)
			if err != nil {
				t.Fatal(err)
			}
			res := compare(t, h, Ruleset{IptablesSave: ipt, Family: c.fam}, Ruleset{Nft: nft}, ps)
			var b strings.Builder
			res.Report(&b, 20)
			t.Log(b.String())
			if res.Differ != 0 {
				t.Errorf("%d of %d probes differ", res.Differ, len(res.Probes))
			}
		})
	}
}

// mutant is a hand-made semantic change to a known-good nft ruleset.
type mutant struct {
	what     string
	old, new string // replace old (which must occur once) by new
	swap     bool   // swap lines old and new instead
}

func (m mutant) apply(t *testing.T, src string) string {
	t.Helper()
	if m.swap {
		lines := strings.Split(src, "\n")
		i, j := -1, -1
		for k, l := range lines {
			switch strings.TrimSpace(l) {
			case m.old:
				i = k
			case m.new:
				j = k
			}
		}
		if i < 0 || j < 0 {
			t.Fatalf("mutant %q: lines not found", m.what)
		}
		lines[i], lines[j] = lines[j], lines[i]
		return strings.Join(lines, "\n")
	}
	if n := strings.Count(src, m.old); n != 1 {
		t.Fatalf("mutant %q: %q occurs %d times", m.what, m.old, n)
	}
	return strings.Replace(src, m.old, m.new, 1)
}

var mutants = map[string][]mutant{
	"server": {
		{what: "port changed", old: "tcp dport 22 accept", new: "tcp dport 23 accept"},
		{what: "verdict flipped", old: "udp dport 53 accept", new: "udp dport 53 drop"},
		{what: "rule deleted (invalid)", old: "ct state invalid drop\n", new: ""},
		{what: "rule deleted (ping)", old: "icmp type echo-request accept\n", new: ""},
		{what: "rules swapped", old: `iifname "eth0" jump SERVICES`, new: `ip protocol tcp reject with tcp reset`, swap: true},
		{what: "prefix changed", old: "192.0.2.0/24", new: "192.0.2.0/25"},
		{what: "range end changed", old: "8000-8080", new: "8000-8079"},
		{what: "policy flipped", old: "priority filter; policy drop;\n\t\tiifname \"lo\"", new: "priority filter; policy accept;\n\t\tiifname \"lo\""},
		{what: "interface changed", old: `iifname "eth0" jump SERVICES`, new: `iifname "eth1" jump SERVICES`},
		{what: "reject type changed", old: "ip protocol tcp reject with tcp reset", new: "ip protocol tcp reject with icmp type port-unreachable"},
		{what: "output verdict changed", old: "ip daddr 203.0.113.0/24 reject with icmp type port-unreachable", new: "ip daddr 203.0.113.0/24 drop"},
		{what: "state set narrowed", old: "ct state related,established accept", new: "ct state established accept"},
		{what: "tcp flags test deleted", old: "tcp dport 8000-8080 tcp flags & (syn | rst | ack) == syn accept", new: "tcp dport 8000-8080 accept"},
		{what: "multiport element dropped", old: "{ 80, 443 }", new: "{ 80 }"},
		{what: "output port changed", old: "tcp sport 25 drop", new: "tcp sport 26 drop"},
	},
	"router": {
		{what: "DNAT address changed", old: "dnat to 192.168.1.10:80", new: "dnat to 192.168.1.11:80"},
		{what: "DNAT port changed", old: "dnat to 192.168.1.10:80", new: "dnat to 192.168.1.10:81"},
		{what: "masquerade to snat", old: "masquerade", new: "snat to 198.18.0.7"},
		{what: "masquerade deleted", old: "oifname \"eth0\" ip saddr 192.168.1.0/24 masquerade\n", new: ""},
		{what: "redirect port changed", old: "redirect to :3129", new: "redirect to :3130"},
		{what: "MSS changed", old: "maxseg size set 1400", new: "maxseg size set 1300"},
		{what: "DSCP changed", old: "ip dscp set 10", new: "ip dscp set 12"},
		{what: "TTL changed", old: "ip ttl set 200", new: "ip ttl set 100"},
		{what: "verdict flipped", old: "tcp dport 80 ct state new accept", new: "tcp dport 80 ct state new drop"},
		{what: "DNAT rules swapped", old: `iifname "eth0" tcp dport 8080 dnat to 192.168.1.10:80`, new: `iifname "eth0" tcp dport 8000-8090 dnat to 192.168.1.30`, swap: true},
		{what: "state rule deleted", old: "ct state related,established accept\n", new: ""},
		{what: "forward direction swapped", old: `iifname "eth1" oifname "eth0" ip saddr`, new: `iifname "eth0" oifname "eth1" ip saddr`},
		{what: "udp range changed", old: "udp dport 5000-5010", new: "udp dport 5000-5009"},
		{what: "input drop deleted", old: "iifname \"eth0\" tcp dport 22 drop\n", new: ""},
	},
	"host6": {
		{what: "icmpv6 type changed", old: "icmpv6 type echo-request accept", new: "icmpv6 type echo-reply accept"},
		{what: "hop limit changed", old: "nd-neighbor-solicit ip6 hoplimit 255", new: "nd-neighbor-solicit ip6 hoplimit 254"},
		{what: "prefix changed", old: "2001:db8:1::/48", new: "2001:db8:1::/56"},
		{what: "reject type changed", old: "reject with icmpv6 type admin-prohibited", new: "reject with icmpv6 type port-unreachable"},
		{what: "rule deleted (packet too big)", old: "icmpv6 type packet-too-big accept\n", new: ""},
		{what: "forward direction swapped", old: `iifname "eth1" oifname "eth0" accept`, new: `iifname "eth0" oifname "eth1" accept`},
		{what: "state rule deleted", old: "ct state related,established accept\n\t\ticmpv6 type echo-request", new: "icmpv6 type echo-request"},
		{what: "port changed", old: "udp dport 546", new: "udp dport 547"},
		{what: "rules swapped", old: "icmpv6 type echo-request accept", new: "reject with icmpv6 type admin-prohibited", swap: true},
	},
}

// TestMutants checks that the harness notices semantic changes: each
// mutant of a known-good nft ruleset must differ from the iptables
// original on at least one probe.
func TestMutants(t *testing.T) {
	if _, err := New(Options{}); err != nil {
		t.Skipf("skipped: %v", err)
	}
	h, err := New(Options{MaxDiffs: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	type job struct {
		name string
		m    mutant
		ipt  string
		nft  string
		fam  iptparse.Family
		ps   *ProbeSet
	}
	var jobs []job
	for _, c := range selfCases {
		ipt := readTestdata(t, c.name+".rules")
		nft := readTestdata(t, c.name+".nft")
		ps, err := Probes(ipt, c.fam, 300, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mutants[c.name] {
			jobs = append(jobs, job{c.name, m, ipt, m.apply(t, nft), c.fam, ps})
		}
	}
	type outcome struct {
		res *Result
		err error
	}
	out := make([]outcome, len(jobs))
	sem := make(chan struct{}, 4) // comparisons mostly wait: run a few at once
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			res, err := h.Compare(context.Background(), Ruleset{IptablesSave: j.ipt, Family: j.fam}, Ruleset{Nft: j.nft}, j.ps)
			out[i] = outcome{res, err}
		}()
	}
	wg.Wait()
	caught := 0
	for i, j := range jobs {
		o := out[i]
		switch {
		case errors.Is(o.err, ErrUnavailable):
			t.Skipf("skipped: %v", o.err)
		case o.err != nil:
			t.Fatalf("%s: %s: %v", j.name, j.m.what, o.err)
		case o.res.Differ > 0:
			caught++
			d := o.res.Differences()[0]
			t.Logf("%s: %s: caught after %d probes by %s\n  A: %s\n  B: %s", j.name, j.m.what, len(o.res.Probes), d.Probe.Describe(), d.A, d.B)
		default:
			t.Errorf("%s: mutant not caught: %s", j.name, j.m.what)
		}
	}
	t.Logf("mutation catch rate: %d of %d", caught, len(jobs))
}

// TestCleanup checks that a comparison that fails half-way deletes its
// namespaces, and that load errors name the side and quote nft.
func TestCleanup(t *testing.T) {
	h := newHarness(t)
	// Only this process's namespaces: the tests of other packages (go test
	// ./... runs them at the same time) make their own.
	mine := fmt.Sprintf("%s%d-", nsPrefix, os.Getpid())
	list := func() map[string]bool {
		out, _ := exec.Command("ip", "netns", "list").Output()
		m := map[string]bool{}
		for _, l := range strings.Split(string(out), "\n") {
			if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], mine) {
				m[f[0]] = true
			}
		}
		return m
	}
	before := list()
	ps := &ProbeSet{Topology: Simple("eth0", "eth1")}
	_, err := h.Compare(context.Background(),
		Ruleset{Nft: "table ip t {\n}\n"},
		Ruleset{Nft: "table ip t {\n\tchain c {\n\t\tbogus\n\t}\n}\n"}, ps)
	if err == nil || !strings.Contains(err.Error(), "side B") || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("load error = %v", err)
	}
	if len(h.live) != 0 {
		t.Errorf("namespaces left: %v", h.live)
	}
	for name := range list() {
		if !before[name] {
			t.Errorf("namespace left behind: %s", name)
		}
	}
	_, err = h.Compare(context.Background(), Ruleset{Nft: "table ip t {\n}\n"},
		Ruleset{Nft: "table ip t {\n\tchain c {\n\t\ttype filter hook input priority 0;\n\t\tqueue num 1\n\t}\n}\n"}, ps)
	if !errors.Is(err, ErrQueue) {
		t.Errorf("queue ruleset: %v, want ErrQueue", err)
	}
}

// TestTranslation runs the translator on a ruleset and checks the
// translation behaves like the original.
func TestTranslation(t *testing.T) {
	h := newHarness(t)
	bin := testutil.Binary(t)
	file := filepath.Join("testdata", "basic.rules")
	out, err := exec.Command(bin, file).Output()
	if err != nil {
		t.Fatalf("ipt2nft %s: %v\n%s", file, err, out)
	}
	ipt := readTestdata(t, "basic.rules")
	res, err := h.Verify(context.Background(), ipt, iptparse.FamilyAny, string(out), 300, 1)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	res.Report(&b, 10)
	t.Log(b.String())
	if res.Differ != 0 {
		t.Errorf("translation differs from the original on %d probes:\n%s", res.Differ, out)
	}
}
