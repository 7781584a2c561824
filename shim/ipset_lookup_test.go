package shim

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/kernel"
)

// TestIPSetAddLooksUp: one add, del or test of a few elements asks the
// kernel for those elements instead of reading the set (fail2ban bans
// and blocklist loops call "ipset add" once per address: 0.1 s a call
// on a set of 50,000). A restore, a set of networks and a big range
// still read the whole set. The results are checked in the kernel.
func TestIPSetAddLooksUp(t *testing.T) {
	if ok, why := testutil.CanUseNetns(); !ok {
		t.Skip(why)
	}
	bin := testutil.Binary(t)
	ns := testutil.NewNetns(t)
	ipset := func(args ...string) string {
		t.Helper()
		out, err := ns.Command(append([]string{bin, "shim", "run", "ipset"}, args...)...).CombinedOutput()
		if err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				t.Fatal(err)
			}
		}
		return string(out)
	}
	ipset("create", "ips", "hash:ip", "timeout", "600")
	ipset("create", "nets", "hash:net")
	ipset("add", "ips", "10.0.0.1", "timeout", "100")
	ipset("add", "ips", "10.0.0.2")
	ipset("add", "nets", "10.1.0.0/16")

	type call struct {
		args     []string
		readsAll bool
		err      string
	}
	calls := []call{
		{[]string{"add", "ips", "10.0.0.3"}, false, ""},
		{[]string{"add", "ips", "10.0.0.1"}, false, "it's already added"},
		{[]string{"-exist", "add", "ips", "10.0.0.1", "timeout", "300"}, false, ""},
		{[]string{"del", "ips", "10.0.0.2"}, false, ""},
		{[]string{"del", "ips", "10.0.0.9"}, false, "it's not added"},
		{[]string{"test", "ips", "10.0.0.3"}, false, ""},
		{[]string{"test", "ips", "10.0.0.2"}, false, "is NOT in set"},
		{[]string{"add", "ips", "10.0.1.0/28"}, false, ""},
		{[]string{"add", "ips", "10.0.2.0/24"}, true, ""},
		{[]string{"test", "nets", "10.1.2.3"}, true, ""},
		{[]string{"add", "nets", "10.2.0.0/16"}, true, ""},
	}
	for _, c := range calls {
		err := kernel.InNetns(ns.Name, func() error {
			m, err := loadIPSets()
			if err != nil {
				return err
			}
			read := false
			m.readElems = func(fam family, set string) ([]*kElem, error) {
				read = true
				return readElems(fam, set)
			}
			cmd, rest, err := m.globals(c.args, true)
			if err != nil {
				return err
			}
			m.single = true
			err = m.command(cmd, rest)
			if err == nil {
				err = m.send()
			}
			if read != c.readsAll {
				t.Errorf("ipset %s: read the whole set %v, want %v", strings.Join(c.args, " "), read, c.readsAll)
			}
			if got := ""; err != nil {
				got = err.Error()
				if c.err == "" || !strings.Contains(got, c.err) {
					t.Errorf("ipset %s: %s, want %q", strings.Join(c.args, " "), got, c.err)
				}
			} else if c.err != "" {
				t.Errorf("ipset %s: no error, want %q", strings.Join(c.args, " "), c.err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	save := ipset("save", "ips")
	var elems []string
	for _, l := range strings.Split(save, "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "add" {
			elems = append(elems, f[2]+" "+strings.Join(f[3:], " "))
		}
	}
	// 10.0.0.1 was added again with timeout 300 (-exist refreshes it);
	// the remaining seconds tick, so only their start is compared.
	got := strings.Join(elems, "\n") + "\n"
	for _, want := range []string{`10\.0\.0\.1 timeout (29\d|300)\n`, `10\.0\.0\.3 timeout`, `10\.0\.1\.15 timeout`, `10\.0\.2\.255 timeout`} {
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("ipset save ips has no %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "10.0.0.2 ") || len(elems) != 2+16+256 {
		t.Errorf("ipset save ips: %d elements:\n%s", len(elems), save)
	}
}
