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
// the kernel refused (the rename is only done at commit). 80 seeds pass;
// IPT2NFT_RANDOM_SEED runs another.
func TestRandomCommandsLikeLegacy(t *testing.T) {
	bin := tools(t)
	seeds := []uint64{1, 2, 14}
	if s := os.Getenv("IPT2NFT_RANDOM_SEED"); s != "" {
		seed, _ := strconv.ParseUint(s, 10, 64)
		seeds = []uint64{seed}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { randomCommands(t, bin, seed) })
	}
}

func randomCommands(t *testing.T, bin string, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 99))
	legacy := side{ns: testutil.NewNetns(t)}
	ours := side{ns: testutil.NewNetns(t), dir: bin}
	chains := []string{"INPUT", "A", "B", "C"}
	rule := func() string {
		var parts []string
		if r.IntN(2) == 0 {
			parts = append(parts, fmt.Sprintf("-s 10.0.0.%d", r.IntN(4)))
		}
		if r.IntN(3) == 0 {
			parts = append(parts, "-p tcp -m multiport --dports "+[]string{"22,80", "137,138", "443"}[r.IntN(3)])
		}
		if r.IntN(4) == 0 {
			parts = append(parts, "-m comment --comment c"+strconv.Itoa(r.IntN(2)))
		}
		parts = append(parts, "-j "+[]string{"ACCEPT", "DROP", "RETURN"}[r.IntN(3)])
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
			return []string{"-N B", "-X B", "-E B C", "-E C B", "-A INPUT -j B", "-D INPUT -j B", "-A A -j C", "-D A -j C"}[r.IntN(8)]
		}
	}
	for _, c := range []string{"-N A", "-N B", "-A INPUT -j A"} {
		legacy.run("", "iptables", splitArgs(c)...)
		ours.run("", "iptables", splitArgs(c)...)
	}
	compared := 0
	for step := range 80 {
		var tool string
		var args []string
		var stdin string
		if r.IntN(3) == 0 {
			tool = "iptables-restore"
			args = []string{"--noflush"}
			var b strings.Builder
			b.WriteString("*filter\n")
			for range 1 + r.IntN(5) {
				b.WriteString(command() + "\n")
			}
			b.WriteString("COMMIT\n")
			stdin = b.String()
		} else {
			tool = "iptables"
			args = splitArgs(command())
		}
		_, le, lc := legacy.run(stdin, tool, args...)
		_, oe, oc := ours.run(stdin, tool, args...)
		if (lc == 0) != (oc == 0) {
			t.Fatalf("seed %d step %d: %s %q %q: status %d, legacy %d\n  shim: %s\n  legacy: %s", seed, step, tool, args, stdin, oc, lc, strings.TrimSpace(oe), strings.TrimSpace(le))
		}
		want, _, _ := legacy.run("", "iptables", "-S")
		got, _, _ := ours.run("", "iptables", "-S")
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
