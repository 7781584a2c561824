package ir_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/ir"
)

func TestIsBareIdent(t *testing.T) {
	for name, want := range map[string]bool{
		"INPUT": true, "ufw-before-input": true, "f2b-sshd": true, "a.b": true,
		"a/b": true, "_x": true, "DOCKER_USER": true, "input": true, "ssh": true,
		"dynamic": false, "reject": false, "counter": false, "1chain": false,
		"a@b": false, "a b": false, "-x": false, "": false, "a+b": false,
	} {
		if got := ir.IsBareIdent(name); got != want {
			t.Errorf("IsBareIdent(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestKeywordsLowerCase: no keyword has a capital letter (IsBareIdent
// does not look those names up).
func TestKeywordsLowerCase(t *testing.T) {
	for _, kw := range ir.Keywords() {
		if kw != strings.ToLower(kw) {
			t.Errorf("keyword %q has a capital letter", kw)
		}
	}
}

// TestIsBareIdentPattern: IsBareIdent is its pattern, and no keyword.
func TestIsBareIdentPattern(t *testing.T) {
	re := regexp.MustCompile(`^[a-zA-Z_.][a-zA-Z0-9/\-_.]*$`)
	for c := 0; c < 256; c++ {
		for _, name := range []string{string(rune(c)), "a" + string(rune(c)), "A" + string(rune(c)) + "b", string([]byte{byte(c)}), "x" + string([]byte{byte(c)})} {
			want := re.MatchString(name) && !ir.IsKeyword(name)
			if got := ir.IsBareIdent(name); got != want {
				t.Errorf("IsBareIdent(%q) = %v, want %v", name, got, want)
			}
		}
		// The byte at each place of a longer name (read four bytes at
		// a time, then one by one).
		for at := 1; at < 10; at++ {
			name := []byte("kube-sep-x")
			name[at] = byte(c)
			want := re.Match(name) && !ir.IsKeyword(string(name))
			if got := ir.IsBareIdent(string(name)); got != want {
				t.Errorf("IsBareIdent(%q) = %v, want %v", name, got, want)
			}
		}
	}
	for _, kw := range ir.Keywords() {
		if ir.IsBareIdent(kw) {
			t.Errorf("IsBareIdent(%q) = true for a keyword", kw)
		}
	}
}

// TestKeywordsMatchInstalledNft checks the keyword list against the nft on
// this machine: every listed keyword must fail as a bare chain name, and
// the bare identifiers above must load.
func TestKeywordsMatchInstalledNft(t *testing.T) {
	ns := testutil.NewNetns(t)
	var bad []string
	for _, kw := range ir.Keywords() {
		if err := ns.NftCheck(fmt.Sprintf("table ip t {\nchain %s {\n}\n}\n", kw)); err == nil {
			bad = append(bad, kw)
		}
	}
	if len(bad) > 0 {
		t.Errorf("listed as keywords but the installed nft accepts them as chain names: %s", strings.Join(bad, " "))
	}
	for _, name := range []string{"INPUT", "ufw-before-input", "a.b", "input", "ssh", "state", "filter"} {
		if err := ns.NftCheck(fmt.Sprintf("table ip t {\nchain %s {\n}\n}\n", name)); err != nil {
			t.Errorf("%s should load as a chain name: %v", name, err)
		}
	}
}

// TestIsBareIdentAsPattern checks the hand-written test against the
// pattern it implements, on names made of every kind of character.
func TestIsBareIdentAsPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-zA-Z_.][a-zA-Z0-9/\-_.]*$`)
	pieces := []string{"a", "Z", "_", ".", "0", "9", "/", "-", "+", " ", "é", "\xff", "\n", "@", "input", "dynamic"}
	var names []string
	for _, a := range pieces {
		for _, b := range pieces {
			for _, c := range pieces {
				names = append(names, a, a+b, a+b+c)
			}
		}
	}
	for _, name := range names {
		if got, want := ir.IsBareIdent(name), pattern.MatchString(name) && !ir.IsKeyword(name); got != want {
			t.Errorf("IsBareIdent(%q) = %v, the pattern says %v", name, got, want)
		}
	}
}

// TestKeywordsSorted: IsKeyword's binary search needs the list sorted,
// without repeats.
func TestKeywordsSorted(t *testing.T) {
	kws := ir.Keywords()
	for i := 1; i < len(kws); i++ {
		if kws[i-1] >= kws[i] {
			t.Errorf("keywords %q and %q out of order", kws[i-1], kws[i])
		}
	}
	for _, kw := range kws {
		if !ir.IsKeyword(kw) {
			t.Errorf("IsKeyword(%q) = false", kw)
		}
	}
	for _, w := range []string{"", "a", "accepts", "filter", "zzz", "INPUT"} {
		if ir.IsKeyword(w) {
			t.Errorf("IsKeyword(%q) = true", w)
		}
	}
}
