package main

import (
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/verify"
)

func needHarness(t *testing.T) {
	t.Helper()
	if err := verify.Available(); err != nil {
		t.Skipf("skipped: %v", err)
	}
}

var serverRules = filepath.Join("..", "..", "corpus", "testdata", "kernel", "server.rules")

// TestVerifyCommand: exit 0 when every probe meets the same fate, 1 with
// the differences when not, 2 with the reason when verify cannot run.
func TestVerifyCommand(t *testing.T) {
	needHarness(t)
	dir := t.TempDir()

	out, errs, code := runCmd(t, "verify", "--probes", "120", serverRules)
	if code != 0 || !strings.Contains(out, "probes: 120, same: 120, differ: 0") || !strings.Contains(out, "does not notice differences in") {
		t.Errorf("our translation: exit %d\n%s%s", code, out, errs)
	}

	// A translation that accepts what the original drops.
	ours, _, _ := runCmd(t, serverRules)
	bad := strings.Replace(ours, "tcp dport 25 drop", "tcp dport 25 accept", 1)
	if bad == ours {
		t.Fatal("mutation did not apply")
	}
	badFile := filepath.Join(dir, "bad.nft")
	os.WriteFile(badFile, []byte(bad), 0o644)
	out, errs, code = runCmd(t, "verify", "--probes", "120", serverRules, badFile)
	if code != 1 || !strings.Contains(out, "difference 1: ") || !strings.Contains(out, ":25 [S]") || !strings.Contains(out, "original:    1: dropped") {
		t.Errorf("a wrong translation: exit %d\n%s%s", code, out, errs)
	}
	out, _, code = runCmd(t, "verify", "--probes", "120", "--json", serverRules, badFile)
	var res verifyJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if code != 1 || res.Exit != 1 || res.Probes != 120 || res.Differ == 0 || res.Same+res.Differ != res.Probes || len(res.Differences) != res.Differ ||
		res.Differences[0].Original[0] != "dropped" || len(res.NotObserved) != len(verify.BlindSpots) {
		t.Errorf("--json: exit %d: %+v", code, res)
	}

	// Cannot run: say which.
	broken := filepath.Join(dir, "broken.nft")
	os.WriteFile(broken, []byte("table ip t {\n\tchain c {\n\t\tbogus\n\t}\n}\n"), 0o644)
	censored := filepath.Join(dir, "censored.rules")
	os.WriteFile(censored, []byte("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m mac --mac-source XX:XX:XX:XX:XX:XX -j DROP\nCOMMIT\n"), 0o644)
	script := filepath.Join(dir, "fw.sh")
	os.WriteFile(script, []byte("#!/bin/sh\niptables -A INPUT -j DROP\n"), 0o644)
	queue := filepath.Join(dir, "queue.rules")
	os.WriteFile(queue, []byte("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NFQUEUE --queue-num 1\nCOMMIT\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{serverRules, broken}, "the translation (" + broken + ") does not load with nft"},
		{[]string{censored, broken}, "the original does not load with iptables-legacy-restore"},
		{[]string{script}, "is not an iptables-save dump"},
		{[]string{queue}, "queues packets"},
		{[]string{filepath.Join(dir, "missing.rules")}, "no such file"},
	} {
		out, errs, code := runCmd(t, append([]string{"verify", "--probes", "20"}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("verify %v: exit %d, want 2 and %q\n%s%s", c.args, code, c.want, out, errs)
		}
	}
	out, _, code = runCmd(t, "verify", "--json", "--probes", "20", serverRules, broken)
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 2 || res.Exit != 2 || !strings.Contains(res.Error, "does not load") {
		t.Errorf("--json when it cannot run: exit %d, %v: %s", code, err, out)
	}
}

// TestVerifyIPSets: a dump whose rules use ipsets it does not define is
// verified with sets made from how the rules use them, the same on both
// sides (corpus's TestKernelRealWorld shows such elements change fates);
// with a translation of the user's own, verify asks for the sets instead
// of guessing them; sets given with --ipset are used as they are.
func TestVerifyIPSets(t *testing.T) {
	needHarness(t)
	if _, err := exec.LookPath("ipset"); err != nil {
		t.Skip("skipped: no ipset command")
	}
	dir := t.TempDir()
	dump := filepath.Join(dir, "sets.rules")
	os.WriteFile(dump, []byte("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"+
		"-A INPUT -m set --match-set blocked src -j DROP\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n"), 0o644)
	out, errs, code := runCmd(t, "verify", "--probes", "100", dump)
	if code != 0 || !strings.Contains(out, "same: 100, differ: 0") || !strings.Contains(errs, "no --ipset file defines blocked") {
		t.Errorf("made sets: exit %d\n%s%s", code, out, errs)
	}
	// The user's translation: the made elements cannot be known to it.
	ours, _, _ := runCmd(t, dump)
	mine := filepath.Join(dir, "mine.nft")
	os.WriteFile(mine, []byte(ours), 0o644)
	_, errs, code = runCmd(t, "verify", dump, mine)
	if code != 2 || !strings.Contains(errs, "give their \"ipset save\" with --ipset") {
		t.Errorf("own translation without --ipset: exit %d\n%s", code, errs)
	}
	// The sets given: nothing is made.
	sets := filepath.Join(dir, "sets.save")
	os.WriteFile(sets, []byte("create blocked hash:ip family inet\nadd blocked 198.51.100.7\n"), 0o644)
	out, errs, code = runCmd(t, "verify", "--probes", "100", "--ipset", sets, dump)
	if code != 0 || !strings.Contains(out, "differ: 0") || strings.Contains(errs, "no --ipset file defines") {
		t.Errorf("--ipset: exit %d\n%s%s", code, out, errs)
	}
}

// TestVerifyIPSetElements: with the sets given by --ipset, probes are
// aimed at their elements, so a translation that gets a set's members
// wrong is caught. The original's hash:net set has a nomatch hole
// (10.1.0.0/16) with an element inside it (10.1.1.0/24); a translation
// that drops all of 10.0.0.0/8 differs exactly on the hole, which the
// rules' own constants never reach (before probes were aimed at set
// elements, verify reported no difference here). ipt2nft's own
// translation folds the nomatch elements and is the same.
func TestVerifyIPSetElements(t *testing.T) {
	needHarness(t)
	if _, err := exec.LookPath("ipset"); err != nil {
		t.Skip("skipped: no ipset command")
	}
	dir := t.TempDir()
	dump := filepath.Join(dir, "nomatch.rules")
	os.WriteFile(dump, []byte("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"+
		"-A INPUT -m set --match-set s src -j DROP\nCOMMIT\n"), 0o644)
	sets := filepath.Join(dir, "s.save")
	os.WriteFile(sets, []byte("create s hash:net family inet hashsize 1024 maxelem 65536\n"+
		"add s 10.0.0.0/8\nadd s 10.1.0.0/16 nomatch\nadd s 10.1.1.0/24\n"), 0o644)
	wrong := filepath.Join(dir, "wrong.nft")
	os.WriteFile(wrong, []byte("table ip filter {\n\tchain INPUT {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tip saddr { 10.0.0.0/8 } drop\n\t}\n}\n"), 0o644)

	hole := netip.MustParsePrefix("10.1.0.0/16")
	inner := netip.MustParsePrefix("10.1.1.0/24")
	out, errs, code := runCmd(t, "verify", "--json", "--probes", "200", "--ipset", sets, dump, wrong)
	var res verifyJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json: %v\n%s%s", err, out, errs)
	}
	if code != 1 || res.Differ == 0 {
		t.Fatalf("the set without its nomatch hole: exit %d, %d differ\n%s%s", code, res.Differ, out, errs)
	}
	// Every difference is a conversation with a host in the hole (as
	// source, or as the destination whose answer is dropped).
	var aimed []string
	for _, d := range res.Differences {
		// "from eth0: tcp 10.1.0.0:30023 > 198.18.0.1:80 [S] ...", "local: udp 198.18.0.1:1 > 10.1.0.1:2 ..."
		f := strings.Fields(d.Packets)
		peer := ""
		if i := slices.Index(f, ">"); i > 0 && i+1 < len(f) {
			peer, _, _ = strings.Cut(f[i-1], ":")
			if f[0] == "local:" {
				peer, _, _ = strings.Cut(f[i+1], ":")
			}
		}
		a, err := netip.ParseAddr(peer)
		if err != nil || !hole.Contains(a) || inner.Contains(a) {
			t.Errorf("a difference outside the nomatch hole: %s: %s", d.Probe, d.Packets)
		}
		if strings.Contains(d.Probe, "set s element ") {
			aimed = append(aimed, peer)
		}
	}
	for _, want := range []string{"10.1.0.0", "10.1.255.255", "10.1.0.255", "10.1.2.0"} {
		if !slices.Contains(aimed, want) {
			t.Errorf("no difference for the probe aimed at %s: %v", want, aimed)
		}
	}
	for _, b := range res.NotObserved {
		if b.Name == "ipsets" && len(b.Lines) > 0 {
			t.Errorf("the set is given, yet line %v is listed as an ipsets blind spot", b.Lines)
		}
	}

	out, errs, code = runCmd(t, "verify", "--probes", "200", "--ipset", sets, dump)
	if code != 0 || !strings.Contains(out, "same: 200, differ: 0") {
		t.Errorf("ipt2nft's translation: exit %d\n%s%s", code, out, errs)
	}
}
