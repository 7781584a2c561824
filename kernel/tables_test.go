package kernel_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/kernel"
)

// TestExclusiveDefinition: a batch told a table is absent defines it with
// NLM_F_EXCL, so a table that exists after all fails the batch and
// nothing changes; told the truth, the same batch replaces it.
func TestExclusiveDefinition(t *testing.T) {
	ns, _, f := setup(t)
	src, _ := os.ReadFile(f)
	_, msgs := compiled(t, normal("rules.v4", string(src), iptparse.FamilyIPv4), nil)
	ours := kernel.TableRef{Family: ir.FamilyIP, Name: "ipt2nft"}
	fresh := kernel.WithoutAbsentDeletes(msgs, map[kernel.TableRef]bool{})
	if len(fresh) != len(msgs)-2 {
		t.Fatalf("%d messages without the deletion, want %d", len(fresh), len(msgs)-2)
	}
	was := listRuleset(t, ns)
	err := kernel.SendBatch(ns, fresh, nil)
	var be *kernel.BatchError
	if !errors.As(err, &be) || be.Errors[0].Errno != syscall.EEXIST {
		t.Fatalf("exclusive definition of an existing table: %v", err)
	}
	if got := listRuleset(t, ns); got != was {
		t.Fatalf("the refused batch changed the ruleset:\n%s", got)
	}
	if kept := kernel.WithoutAbsentDeletes(msgs, map[kernel.TableRef]bool{ours: true}); len(kept) != len(msgs) {
		t.Fatalf("an existing table lost its deletion: %d of %d messages", len(kept), len(msgs))
	}
	if err := kernel.SendBatch(ns, kernel.WithoutAbsentDeletes(msgs, map[kernel.TableRef]bool{ours: true}), nil); err != nil {
		t.Fatal(err)
	}
	if got := listRuleset(t, ns); strings.Contains(got, "2222") || !strings.Contains(got, "udp dport 53 accept") {
		t.Errorf("not replaced:\n%s", got)
	}
	empty := testutil.NewNetns(t)
	if err := kernel.SendBatch(empty.Name, fresh, nil); err != nil {
		t.Fatalf("exclusive definition in an empty namespace: %v", err)
	}
}

// TestListTables: the tables found by netlink are the ones nft lists, in
// every family, and absent ones list as "".
func TestListTables(t *testing.T) {
	ns := testutil.NewNetns(t)
	present := []kernel.TableRef{{Family: ir.FamilyIP, Name: "a"}, {Family: ir.FamilyIP6, Name: "a"}, {Family: ir.FamilyInet, Name: "b"},
		{Family: ir.FamilyARP, Name: "c"}, {Family: ir.FamilyBridge, Name: "d"}, {Family: ir.FamilyNetdev, Name: "e"}}
	var text strings.Builder
	for _, tb := range present {
		text.WriteString("table " + tb.String() + " {\n\tchain x {\n\t}\n}\n")
	}
	if err := ns.NftLoad(text.String()); err != nil {
		t.Fatal(err)
	}
	absent := []kernel.TableRef{{Family: ir.FamilyIP, Name: "b"}, {Family: ir.FamilyInet, Name: "a"}, {Family: ir.FamilyNetdev, Name: "a"}}
	got, err := kernel.ListTables(ns.Name, append(append([]kernel.TableRef{}, present...), absent...))
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range present {
		want, err := kernel.Nft(ns.Name, "", "list", "table", tb.Family.String(), tb.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got[tb] != want {
			t.Errorf("%s: listed %q, want %q", tb, got[tb], want)
		}
	}
	for _, tb := range absent {
		if s, ok := got[tb]; !ok || s != "" {
			t.Errorf("%s does not exist but lists as %q", tb, s)
		}
	}
}

// TestDupToDevice: "dup to ADDR device DEV" (TEE --oif) compiles with the
// interface's index in the namespace the rules go to, as nft looks it up
// when it loads the text; without a namespace to ask (a plan) it does not
// compile.
func TestDupToDevice(t *testing.T) {
	const src = "*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p udp --dport 514 -j TEE --gateway 10.0.0.9 --oif x0\nCOMMIT\n"
	rs := normal("tee.v4", src, iptparse.FamilyIPv4)
	var text strings.Builder
	if err := (&emit.Printer{}).WriteRuleset(&text, rs, emit.RulesetOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), `dup to 10.0.0.9 device "x0"`) {
		t.Fatalf("not a dup to a device:\n%s", text.String())
	}
	if _, err := emit.CompileNetlink(rs); err == nil || !strings.Contains(err.Error(), "a plan cannot carry it") {
		t.Errorf("compiled without interface indexes: %v", err)
	}
	// veths (this kernel has no dummy interfaces); "other" first moves
	// x0 to another index
	withLinks := func(names ...string) *testutil.Netns {
		ns := testutil.NewNetns(t)
		for _, n := range names {
			if out, err := ns.Exec("", "ip", "link", "add", n, "type", "veth", "peer", "name", n+"p"); err != nil {
				t.Skipf("no veth: %v %s", err, out)
			}
		}
		return ns
	}
	byText, same, moved := withLinks("x0"), withLinks("x0"), withLinks("other", "x0")
	if err := byText.NftLoad(text.String()); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []*testutil.Netns{same, moved} {
		_, msgs := compiled(t, rs, kernel.IfIndexIn(ns.Name))
		if err := kernel.SendBatch(ns.Name, msgs, nil); err != nil {
			t.Fatal(err)
		}
	}
	want, got := listBoth(t, byText.Name), listBoth(t, same.Name)
	if want.list != got.list || want.debug != got.debug {
		t.Errorf("netlink and text differ:\n%s\n%s", lineDiff(want.list, got.list), lineDiff(want.debug, got.debug))
	}
	// in the other namespace the index differs, and names the same device
	if m := listBoth(t, moved.Name); m.list != want.list || m.debug == want.debug {
		t.Errorf("x0 at another index: listed\n%s\nbytecode the same as at the first index: %v", m.list, m.debug == want.debug)
	}
	if _, err := emit.CompileNetlinkWith(rs, kernel.IfIndexIn(testutil.NewNetns(t).Name)); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a device the namespace lacks: %v", err)
	}
	// apply, then diff: the plan is listed in a namespace without x0,
	// where nft shows the index as a number
	f := filepath.Join(t.TempDir(), "tee.v4")
	os.WriteFile(f, []byte(src), 0o644)
	live := withLinks("other", "x0")
	if out, code := run(t, "", "apply", "--netns", live.Name, "--state-dir", t.TempDir(), f); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	if out, code := run(t, "", "diff", "--netns", live.Name, f); code != 0 {
		t.Errorf("diff after apply: exit %d\n%s", code, out)
	}
}
