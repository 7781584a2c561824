package shim

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// prepareIPSets gives the translator the definitions of the ipsets a
// rule uses (read from the kernel).
func (m *model) prepareIPSets(cmd *iptparse.Command) error {
	return nil
}

func runIPSet(args []string, s IO) int {
	fmt.Fprintln(s.Stderr, "ipset: not implemented yet")
	return 1
}
