// Command ipt2nft moves iptables rulesets to nftables.
//
// It is a multi-call binary: run as iptables-translate,
// ip6tables-translate, iptables-restore-translate or
// ip6tables-restore-translate (a symlink, or a subcommand of the same
// name) it behaves like those upstream tools. Run as iptables, ip6tables,
// iptables-save, ip6tables-save, iptables-restore, ip6tables-restore or
// ipset it is the iptables shim (see "ipt2nft shim install").
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/ipt2nft/ipt2nft/compat"
	_ "github.com/ipt2nft/ipt2nft/internal/hugestart"
	_ "github.com/ipt2nft/ipt2nft/internal/stackgrow"
	"github.com/ipt2nft/ipt2nft/shim"
)

func main() {
	os.Exit(dispatch())
}

// dispatch runs the tool os.Args[0] names, profiled when
// IPT2NFT_CPUPROFILE or IPT2NFT_MEMPROFILE asks, and returns its status.
func dispatch() int {
	defer startProfile()()
	if tool, ok := compat.Shim(os.Args[0]); ok {
		return tool.Run(os.Args[1:], shim.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	}
	if tool, ok := compat.Lookup(os.Args[0]); ok {
		return tool.Run(os.Args[1:], compat.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, StreamGC: streamGC})
	}
	if tool, ok := compatSubcommand(os.Args[1:]); ok {
		return tool.Run(os.Args[2:], compat.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, StreamGC: streamGC})
	}
	return run(os.Args[1:])
}

// compatSubcommand finds the upstream tool that "ipt2nft NAME ARGS..."
// runs ("ipt2nft iptables-translate -A INPUT ..."). The cobra
// subcommand of that name parses no flags (DisableFlagParsing) and runs
// the same tool with the same arguments; found here, it runs without
// building the command tree, which cost a seventh of the instructions
// of a one-rule translation.
func compatSubcommand(args []string) (compat.Tool, bool) {
	if len(args) == 0 {
		return compat.Tool{}, false
	}
	for _, t := range compat.Tools {
		if t.Name == args[0] {
			return t, true
		}
	}
	return compat.Tool{}, false
}

// exitError carries an exit status through cobra.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func run(args []string) int {
	root := newCmdFor(args)
	root.SetArgs(args)
	err := root.Execute()
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "ipt2nft:", err)
	return 2
}
