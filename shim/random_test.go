package shim_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
)

// TestRandomCommandsLikeLegacy runs random sequences of iptables calls
// and iptables-restore --noflush batches (appends, inserts at the head
// and by number, replacements, deletions by number and by rule, flushes,
// new, renamed and deleted chains) through the shim and through
// iptables-legacy, and compares the exit status and -S after every step.
// Seed 14 renames a chain in a restore after adding rules to it, which
// the kernel refused (the rename is only done at commit). 200 seeds pass,
// 40 for ip6tables and 50 for the nat table (DNAT, REDIRECT; one of
// each runs in CI);
// IPT2NFT_RANDOM_SEED runs another.
func TestRandomCommandsLikeLegacy(t *testing.T) {
	bin := tools(t)
	seeds := randomSeeds(1, 2, 14)
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { randomCommands(t, bin, seed, "iptables", "filter") })
	}
	t.Run("ip6tables", func(t *testing.T) { randomCommands(t, bin, seeds[0], "ip6tables", "filter") })
	t.Run("nat", func(t *testing.T) { randomCommands(t, bin, seeds[0], "iptables", "nat") })
}

func randomCommands(t *testing.T, bin string, seed uint64, prog, table string) {
	r := rand.New(rand.NewPCG(seed, 99))
	legacy := side{ns: testutil.NewNetns(t)}
	ours := side{ns: testutil.NewNetns(t), dir: bin}
	base, targets, policy := "INPUT", []string{"ACCEPT", "DROP", "RETURN"}, "DROP"
	if table == "nat" {
		base, policy = "PREROUTING", "ACCEPT"
		targets = []string{"DNAT --to-destination 192.0.2.1", "DNAT --to-destination 192.0.2.2:8080", "REDIRECT --to-ports 3128", "RETURN", "ACCEPT"}
	}
	chains := []string{base, "A", "B", "C"}
	host := func(net, h int) string {
		if prog == "ip6tables" {
			return fmt.Sprintf("2001:db8:%d::%d", net, h)
		}
		return fmt.Sprintf("10.0.%d.%d", net, h)
	}
	rule := func() string {
		var parts []string
		switch r.IntN(6) {
		case 0, 1, 2:
			parts = append(parts, "-s "+host(0, r.IntN(4)))
		case 3:
			parts = append(parts, "-s "+host(0, r.IntN(4))+","+host(1, r.IntN(2)))
		}
		if r.IntN(3) == 0 {
			parts = append(parts, "-p tcp -m multiport --dports "+[]string{"22,80", "137,138", "443"}[r.IntN(3)])
		}
		if r.IntN(4) == 0 {
			parts = append(parts, "-m comment --comment c"+strconv.Itoa(r.IntN(2)))
		}
		tg := targets[r.IntN(len(targets))]
		if strings.Contains(tg, ":") || strings.HasPrefix(tg, "REDIRECT") {
			if !strings.Contains(strings.Join(parts, " "), "-p tcp") {
				parts = append(parts, "-p tcp")
			}
		}
		parts = append(parts, "-j "+tg)
		return strings.Join(parts, " ")
	}
	added := map[string][]string{} // rules added to each chain, for -D
	command := func() string {
		c := chains[r.IntN(len(chains))]
		n := 1 + r.IntN(3)
		add := func(op string) string {
			x := rule()
			added[c] = append(added[c], x)
			return op + " " + x
		}
		switch r.IntN(14) {
		case 0, 1, 2, 3:
			return add("-A " + c)
		case 4, 5:
			return add("-I " + c)
		case 6:
			return add(fmt.Sprintf("-I %s %d", c, n))
		case 7:
			return add(fmt.Sprintf("-R %s %d", c, n))
		case 8:
			return fmt.Sprintf("-D %s %d", c, n)
		case 9, 10, 11:
			if l := added[c]; len(l) > 0 {
				return "-D " + c + " " + l[r.IntN(len(l))]
			}
			return "-D " + c + " " + rule()
		case 12:
			if r.IntN(3) == 0 {
				return "-F " + c
			}
			return add("-A " + c)
		default:
			if l := added[c]; len(l) > 0 && r.IntN(3) == 0 {
				return "-C " + c + " " + l[r.IntN(len(l))]
			}
			return []string{"-N B", "-X B", "-E B C", "-E C B", "-A " + base + " -j B", "-D " + base + " -j B", "-A A -j C", "-D A -j C", "-P " + base + " " + policy, "-P " + base + " ACCEPT", "-Z", "-F"}[r.IntN(12)]
		}
	}
	tableArgs := func(words []string) []string { return append([]string{"-t", table}, words...) }
	for _, c := range []string{"-N A", "-N B", "-A " + base + " -j A"} {
		legacy.run("", prog, tableArgs(splitArgs(c))...)
		ours.run("", prog, tableArgs(splitArgs(c))...)
	}
	compared := 0
	for step := range 80 {
		var tool string
		var args []string
		var stdin string
		if r.IntN(3) == 0 {
			tool = prog + "-restore"
			args = []string{"--noflush"}
			var b strings.Builder
			b.WriteString("*" + table + "\n")
			for range 1 + r.IntN(5) {
				b.WriteString(command() + "\n")
			}
			b.WriteString("COMMIT\n")
			stdin = b.String()
		} else {
			tool = prog
			args = tableArgs(splitArgs(command()))
		}
		_, le, lc := legacy.run(stdin, tool, args...)
		_, oe, oc := ours.run(stdin, tool, args...)
		if (lc == 0) != (oc == 0) {
			t.Fatalf("seed %d step %d: %s %q %q: status %d, legacy %d\n  shim: %s\n  legacy: %s", seed, step, tool, args, stdin, oc, lc, strings.TrimSpace(oe), strings.TrimSpace(le))
		}
		want, _, _ := legacy.run("", prog, "-t", table, "-S")
		got, _, _ := ours.run("", prog, "-t", table, "-S")
		if want != got {
			t.Fatalf("seed %d step %d: after %s %q %q: -S differs:\n%s", seed, step, tool, args, stdin, testutil.LineDiff(want, got))
		}
		if lc == 0 {
			compared++
		}
	}
	if compared < 20 {
		t.Errorf("only %d of 80 steps succeeded: the sequence tests too little", compared)
	}
}

// TestRandomIPSetLikeReal runs random ipset calls (add, del and test of
// single elements, ranges and networks, with and without -exist, timeouts
// and comments; flush; restore batches) through the shim and ipset 7.17,
// and compares exit statuses, messages and "ipset save" after each.
// Single calls look their elements up in the kernel; restores read sets
// whole; both must answer as ipset does. Seeds 1-40 pass (12 adds and
// deletes one hash:net network twice in a restore). A restore that fails
// must have applied what ipset applied before the failing line.
func TestRandomIPSetLikeReal(t *testing.T) {
	bin := tools(t)
	seed := randomSeeds(7)[0]
	r := rand.New(rand.NewPCG(seed, 8))
	real := ipsetSide{ns: testutil.NewNetns(t)}
	ours := ipsetSide{ns: testutil.NewNetns(t), dir: bin}
	for _, c := range []string{
		"create ips hash:ip timeout 600 comment",
		"create ports hash:ip,port",
		"create nets hash:net",
	} {
		real.run("", "ipset", splitArgs(c)...)
		ours.run("", "ipset", splitArgs(c)...)
	}
	addr := func() string { return fmt.Sprintf("10.0.0.%d", r.IntN(6)) }
	elem := func(set string, ranges bool) string {
		switch set {
		case "ports":
			return addr() + "," + []string{"tcp:22", "tcp:80", "udp:53"}[r.IntN(3)]
		case "nets":
			return []string{"10.0.0.0/24", "10.1.0.0/16", "10.2.0.0/24", "192.0.2.0/25"}[r.IntN(4)]
		}
		if ranges && r.IntN(4) == 0 {
			return "10.0.0.1-10.0.0.3"
		}
		return addr()
	}
	// ipset adds (or deletes) a range's addresses one by one and stops
	// at the first that fails, keeping the ones before; so does the
	// shim (docs/shim.md).
	command := func() string {
		set := []string{"ips", "ips", "ports", "nets"}[r.IntN(4)]
		e := elem(set, true)
		opts := ""
		if set == "ips" && r.IntN(3) == 0 {
			opts = fmt.Sprintf(" timeout %d", 100+r.IntN(100))
		}
		if set == "ips" && r.IntN(4) == 0 {
			opts += " comment c" + strconv.Itoa(r.IntN(2))
		}
		exist := ""
		if r.IntN(3) == 0 {
			exist = "-exist "
		}
		switch r.IntN(10) {
		case 0, 1, 2, 3:
			return exist + "add " + set + " " + e + opts
		case 4, 5:
			return exist + "del " + set + " " + e
		case 6, 7:
			return "test " + set + " " + elem(set, true)
		case 8:
			if r.IntN(4) == 0 {
				return "flush " + set
			}
			return "add " + set + " " + e
		default:
			return "list -n"
		}
	}
	for step := range 120 {
		var args []string
		stdin := ""
		if r.IntN(5) == 0 {
			args = []string{"restore"}
			var b strings.Builder
			for range 1 + r.IntN(4) {
				c := command()
				if strings.HasPrefix(c, "test") || strings.HasPrefix(c, "list") {
					c = "add ips " + addr()
				}
				b.WriteString(c + "\n")
			}
			stdin = b.String()
		} else {
			args = splitArgs(command())
		}
		_, re, rc := real.run(stdin, "ipset", args...)
		_, oe, oc := ours.run(stdin, "ipset", args...)
		if rc != oc || strings.TrimSpace(re) != strings.TrimSpace(oe) {
			rs, _, _ := real.run("", "ipset", "save")
			os, _, _ := ours.run("", "ipset", "save")
			t.Fatalf("step %d: ipset %q %q: exit %d (ipset %d)\n  shim: %s\n  ipset: %s\nsets now, ipset:\n%s\nshim:\n%s", step, args, stdin, oc, rc, strings.TrimSpace(oe), strings.TrimSpace(re), normalizeIPSetSave(rs), normalizeIPSetSave(os))
		}
		rs, _, _ := real.run("", "ipset", "save")
		os, _, _ := ours.run("", "ipset", "save")
		if normalizeIPSetSave(rs) != normalizeIPSetSave(os) {
			t.Fatalf("step %d: after ipset %q %q: ipset save differs:\n%s", step, args, stdin, testutil.LineDiff(normalizeIPSetSave(rs), normalizeIPSetSave(os)))
		}
	}
}

// randomSeeds are the seeds a random test runs: the given ones, or the
// one IPT2NFT_RANDOM_SEED names.
func randomSeeds(defaults ...uint64) []uint64 {
	if s := os.Getenv("IPT2NFT_RANDOM_SEED"); s != "" {
		seed, _ := strconv.ParseUint(s, 10, 64)
		return []uint64{seed}
	}
	return defaults
}
