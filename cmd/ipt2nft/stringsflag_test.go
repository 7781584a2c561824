package main

import (
	"slices"
	"testing"

	"github.com/spf13/pflag"
)

// TestStringsFlagAsStringArray: the --ipset and --define flags, defined
// with stringsFlag, show in the usage and take their values as pflag's
// StringArray flags did.
func TestStringsFlagAsStringArray(t *testing.T) {
	root, opts := newBareRootCmd()
	var ipsets, defines []string
	ref := pflag.NewFlagSet("ref", pflag.ContinueOnError)
	ref.StringArrayVar(&ipsets, "ipset", nil, root.Flags().Lookup("ipset").Usage)
	ref.StringArrayVarP(&defines, "define", "D", nil, root.Flags().Lookup("define").Usage)
	got := pflag.NewFlagSet("got", pflag.ContinueOnError)
	got.AddFlag(root.Flags().Lookup("ipset"))
	got.AddFlag(root.Flags().Lookup("define"))
	if g, w := got.FlagUsages(), ref.FlagUsages(); g != w {
		t.Errorf("usage:\n%s\nStringArray flags':\n%s", g, w)
	}
	args := []string{"--ipset", "a", "-D", "X=1", "--ipset=b,c", "--define", "Y=2"}
	if err := root.Flags().Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := ref.Parse(args); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(opts.ipsets, ipsets) || !slices.Equal(opts.defines, defines) {
		t.Errorf("parsed %q and %q, StringArray flags %q and %q", opts.ipsets, opts.defines, ipsets, defines)
	}
	if len(ipsets) != 2 || len(defines) != 2 {
		t.Errorf("StringArray flags parsed %q and %q: the test cannot tell", ipsets, defines)
	}
}
