package iptparse

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// TestMayBeBaseLong: the filter before the look-up in baseLong lets
// every name of iptables' own long options through.
func TestMayBeBaseLong(t *testing.T) {
	for name := range baseLong {
		if !mayBeBaseLong(name) {
			t.Errorf("mayBeBaseLong(%q) = false", name)
		}
	}
	for _, name := range []string{"", "dport", "comment", "to-destination", strings.Repeat("x", 40)} {
		if mayBeBaseLong(name) {
			t.Errorf("mayBeBaseLong(%q) = true", name)
		}
	}
}

// TestChainFields: chainFields is the first three of strings.Fields, or
// the first two when the second is "-", with masks64 (if the processor
// has it) and without.
func TestChainFields(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	parts := []string{" ", "\t", "\v", "\f", "\r", "\n", "A", "-", "[0:0]", "\u00a0", "\u0085", "é", "\u2003", "x",
		"KUBE-SEP-0000000", "\x01", "\x7f", "\x80", "!~", "abcdefg", "abcdefg", "abcdefg", " - ", " -", "- [0:0]"}
	inputs := []string{"", " ", "INPUT ACCEPT [0:0]", "X - [0:0]", "X -", "X", "a b c d e", "a\u00a0b c", "a b c\u00a0d", "a b c \u00a0",
		"KUBE-SEP-000000é0 - [0:0]", "X - [0:é]", "X -  ", "X -- [0:0]", "X -x [0:0]", "KUBE-SEP-00000\u00a00 x", "abcdefgh ijklmnop qrstuvwx yz", "abcdefg\x85hij k l"}
	for range 20000 {
		var b strings.Builder
		for n := r.Intn(14); n > 0; n-- {
			b.WriteString(parts[r.Intn(len(parts))])
		}
		inputs = append(inputs, b.String())
	}
	defer func(m bool) { haveMasks = m }(haveMasks)
	for _, s := range inputs {
		var want [3]string
		wantN := copy(want[:], strings.Fields(s))
		if wantN == 3 && want[1] == "-" {
			want[2], wantN = "", 2
		}
		for _, haveMasks = range []bool{false, haveMasks} {
			if got, n := chainFields(s); got != want || n != wantN {
				t.Fatalf("chainFields(%q) (masks64 %v) = %q, %d; want %q, %d", s, haveMasks, got, n, want, wantN)
			}
		}
	}
}

// TestToLower: toLower is strings.ToLower.
func TestToLower(t *testing.T) {
	for _, s := range []string{"", "tcp", "TCP", "Tcp", "udplite", "ipv6-icmp", "conntrack", "É", "é", "x\xff", "a-Z", "@[`{"} {
		if got, want := toLower(s), strings.ToLower(s); got != want {
			t.Errorf("toLower(%q) = %q, want %q", s, got, want)
		}
	}
}

// nameRegistry has a match and a target of every name, for each family.
type nameRegistry map[string]*ExtensionSpec

func (r nameRegistry) spec(name string, kind ExtKind, fam Family) *ExtensionSpec {
	key := fmt.Sprint(name, kind, fam)
	if r[key] == nil {
		r[key] = &ExtensionSpec{Name: name, Kind: kind}
	}
	return r[key]
}

func (r nameRegistry) Match(name string, fam Family) *ExtensionSpec {
	return r.spec(name, KindMatch, fam)
}

func (r nameRegistry) Target(name string, fam Family) *ExtensionSpec {
	return r.spec(name, KindTarget, fam)
}

// TestSpecCache: the extensions of a parse that keeps its registry's
// answers (in its arena) are the registry's, whichever names came
// before.
func TestSpecCache(t *testing.T) {
	reg := nameRegistry{}
	var a arena
	names := []string{"tcp", "udp", "TCP", "state", "comment", "multiport", "x", "DNAT", "LOG", "REJECT", "ab", "ba"}
	r := rand.New(rand.NewSource(5))
	for range 2000 {
		name := names[r.Intn(len(names))]
		fam := []Family{FamilyIPv4, FamilyIPv6}[r.Intn(2)]
		p := Parser{Registry: reg, Family: fam}
		cmd, err := p.parse(WordsFromArgs([]string{"-A", "X", "-m", name, "-j", name}, "t"), &a)
		if err != nil {
			t.Fatal(err)
		}
		if m := cmd.Rule.Matches[0].Spec; m != reg.Match(strings.ToLower(name), fam) {
			t.Fatalf("-m %s for family %v: %+v", name, fam, m)
		}
		if x := cmd.Rule.Target.Ext.Spec; x != reg.Target(name, fam) {
			t.Fatalf("-j %s for family %v: %+v", name, fam, x)
		}
	}
}

// checkRegistry has a match whose options exclude and require others,
// and one with a mandatory option.
type checkRegistry struct{}

var checkSpecs = map[string]*ExtensionSpec{
	"ex": {Name: "ex", Options: []OptionSpec{
		{Name: "a", Excl: []string{"b"}}, {Name: "b", Excl: []string{"a"}},
		{Name: "c", Also: []string{"a"}}, {Name: "d"},
	}},
	"must": {Name: "must", Options: []OptionSpec{{Name: "m", Flags: Mandatory}, {Name: "n"}}},
}

func (checkRegistry) Match(name string, _ Family) *ExtensionSpec  { return checkSpecs[name] }
func (checkRegistry) Target(name string, _ Family) *ExtensionSpec { return nil }

// TestCheckKnownExt: a parse whose arena knows the extensions (and
// skips CheckExt where it has nothing to check) finds the errors a
// parse without an arena finds.
func TestCheckKnownExt(t *testing.T) {
	var a arena
	r := rand.New(rand.NewSource(6))
	opts := []string{"--a", "--b", "--c", "--d", "--m", "--n"}
	for range 3000 {
		args := []string{"-A", "X"}
		for range 1 + r.Intn(2) {
			args = append(args, "-m", []string{"ex", "must"}[r.Intn(2)])
			for range r.Intn(3) {
				args = append(args, opts[r.Intn(len(opts))])
			}
		}
		p := Parser{Registry: checkRegistry{}, Family: FamilyIPv4}
		words := WordsFromArgs(args, "t")
		_, err := p.parse(words, &a)
		_, want := p.parse(words, nil)
		if fmt.Sprint(err) != fmt.Sprint(want) {
			t.Fatalf("%q: with the arena %v, without %v", args, err, want)
		}
	}
}

// TestCheckExt: each option's own rules are checked, whatever its
// place among the extension's options, and only its own.
func TestCheckExt(t *testing.T) {
	spec := &ExtensionSpec{Name: "x", Options: []OptionSpec{
		{Name: "plain"},
		{Name: "mand", Flags: Mandatory},
		{Name: "one", Excl: []string{"two"}},
		{Name: "two", Excl: []string{"one"}, Also: []string{"three"}},
		{Name: "three"},
	}}
	for _, c := range []struct {
		given []string
		err   string // "" for none
	}{
		{[]string{"mand"}, ""},
		{[]string{"plain"}, `"--mand" must be specified`},
		{[]string{"plain", "mand", "one"}, ""},
		{[]string{"mand", "one", "two", "three"}, `"--one" cannot be used together with "--two"`},
		{[]string{"mand", "two"}, `"--two" also requires "--three"`},
		{[]string{"mand", "two", "three"}, ""},
		{[]string{"three", "mand"}, ""},
	} {
		x := &Ext{Name: "x", Spec: spec}
		for _, name := range c.given {
			x.Options = append(x.Options, &Option{Name: name, Spec: spec.Option(name)})
		}
		err := CheckExt(x)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%v: CheckExt gives %v, want %q", c.given, err, c.err)
		}
	}
}

// TestExtScratchCleared: a parse with an arena leaves none of its
// extensions in the list of loaded extensions it lends the next parse
// (which would keep them from the collector).
func TestExtScratchCleared(t *testing.T) {
	reg := nameRegistry{}
	var a arena
	p := Parser{Registry: reg}
	for _, args := range [][]string{{"-A", "X", "-m", "tcp", "-m", "comment", "-j", "LOG"}, {"-A", "X", "-j", "DROP"}} {
		if _, err := p.parse(WordsFromArgs(args, "t"), &a); err != nil {
			t.Fatal(err)
		}
		s := a.extScratch[:cap(a.extScratch)]
		if len(s) < 3 {
			t.Fatalf("%q: a list of %d extensions lent", args, len(s))
		}
		for i, x := range s {
			if x != nil {
				t.Errorf("%q: extension %d (%s) left in the list lent", args, i, x.Name)
			}
		}
	}
}

// TestCutEq: cutEq is strings.Cut(s, "=").
func TestCutEq(t *testing.T) {
	for _, s := range []string{"", "=", "==", "a=", "=a", "dport", "to-destination=1.2.3.4", "a=b=c", "abcdefghij=k", "é=x", strings.Repeat("x", 40) + "="} {
		b, a, ok := cutEq(s)
		wb, wa, wok := strings.Cut(s, "=")
		if b != wb || a != wa || ok != wok {
			t.Errorf("cutEq(%q) = %q, %q, %v; strings.Cut: %q, %q, %v", s, b, a, ok, wb, wa, wok)
		}
	}
}
