package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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
