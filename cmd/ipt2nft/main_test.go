package main

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/compat"
)

// TestCompatSubcommand: dispatch runs "ipt2nft NAME ARGS..." of every
// upstream tool without cobra, which is faithful only while the cobra
// subcommand of that name parses no flags of its own; other first
// arguments (files, other commands, a path ending in a tool's name) go
// to cobra.
func TestCompatSubcommand(t *testing.T) {
	root := newRootCmd()
	for _, tool := range compat.Tools {
		got, ok := compatSubcommand([]string{tool.Name, "-A", "INPUT"})
		if !ok || got.Name != tool.Name {
			t.Errorf("compatSubcommand(%s) = %q, %v", tool.Name, got.Name, ok)
		}
		cmd, rest, err := root.Find([]string{tool.Name, "-A", "INPUT"})
		if err != nil || cmd.Name() != tool.Name || len(rest) != 2 {
			t.Errorf("cobra finds %q for %s (args %q, %v)", cmd.Name(), tool.Name, rest, err)
			continue
		}
		if !cmd.DisableFlagParsing {
			t.Errorf("the cobra subcommand %s parses flags: dispatch must not bypass it", tool.Name)
		}
	}
	for _, args := range [][]string{nil, {}, {"translate"}, {"rules.v4"}, {"/usr/sbin/iptables-translate"}, {"iptables"}, {"--help"}} {
		if tool, ok := compatSubcommand(args); ok {
			t.Errorf("compatSubcommand(%q) = %s, want none", args, tool.Name)
		}
	}
}
