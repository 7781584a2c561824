package kernel_test

import (
	"errors"
	"os"
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
	prog, err := emit.CompileNetlink(normal("rules.v4", string(src), iptparse.FamilyIPv4))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := prog.Messages()
	if err != nil {
		t.Fatal(err)
	}
	ours := kernel.TableRef{Family: ir.FamilyIP, Name: "ipt2nft"}
	fresh := kernel.WithoutAbsentDeletes(msgs, map[kernel.TableRef]bool{})
	if len(fresh) != len(msgs)-2 {
		t.Fatalf("%d messages without the deletion, want %d", len(fresh), len(msgs)-2)
	}
	was := listRuleset(t, ns)
	err = kernel.SendBatch(ns, fresh, nil)
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
