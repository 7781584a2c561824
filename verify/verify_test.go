package verify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
