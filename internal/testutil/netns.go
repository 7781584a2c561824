package testutil

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CanUseNetns reports whether this process may create network namespaces
// and has nft; kernel tests skip with the reason otherwise.
func CanUseNetns() (bool, string) {
	if os.Geteuid() != 0 {
		return false, "not root"
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false, tool + " not installed"
		}
	}
	return true, ""
}

// Netns is a throwaway network namespace.
type Netns struct {
	Name string
	// Lock is this namespace's xtables lock (XTABLES_LOCKFILE for the
	// commands run in it): the machine's /run/xtables.lock is one file
	// for every namespace, and iptables without -w fails at once while
	// a test running at the same time holds it.
	Lock string
}

// NewNetns creates a network namespace with a unique name and deletes it
// when the test ends, even if it fails. It skips the test when namespaces
// cannot be used.
func NewNetns(t testing.TB) *Netns {
	t.Helper()
	if ok, why := CanUseNetns(); !ok {
		t.Skipf("skipped: kernel test needs network namespaces (%s)", why)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "ipt2nft-test-" + hex.EncodeToString(b[:])
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", name).Run()
	})
	return &Netns{Name: name, Lock: filepath.Join(t.TempDir(), "xtables.lock")}
}

// Command is a command run inside the namespace, with its own xtables
// lock.
func (n *Netns) Command(args ...string) *exec.Cmd {
	cmd := exec.Command("ip", append([]string{"netns", "exec", n.Name}, args...)...)
	cmd.Env = append(os.Environ(), "XTABLES_LOCKFILE="+n.Lock)
	return cmd
}

// Exec runs a command inside the namespace with stdin, returning its
// combined output.
func (n *Netns) Exec(stdin string, args ...string) (string, error) {
	cmd := n.Command(args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// NftCheck checks that a ruleset loads: it replaces the namespace's whole
// ruleset with it in one transaction. A real load, not "nft -c", because
// only a real load runs the kernel's hook checks (e.g. "rt mtu" outside
// forward/output/postrouting, "ipsec out" in input).
func (n *Netns) NftCheck(ruleset string) error {
	out, err := n.Exec("flush ruleset\n"+ruleset, "nft", "-f", "-")
	if err != nil {
		return fmt.Errorf("nft -f: %v\n%s", err, out)
	}
	return nil
}

// NftLoad loads a ruleset with "nft -f -" in the namespace.
func (n *Netns) NftLoad(ruleset string) error {
	out, err := n.Exec(ruleset, "nft", "-f", "-")
	if err != nil {
		return fmt.Errorf("nft -f: %v\n%s", err, out)
	}
	return nil
}
