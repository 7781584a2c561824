package translate

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Deliberate changes of meaning, for reports: the layout and the optimizer
// announce them in diagnostics; these tell which chains carry them.

// CtHelperChain reports whether c is a chain the layout added to run the
// raw table's ct helper assignments right after conntrack (iptables
// assigns helpers before conntrack, which nft cannot do).
func CtHelperChain(c *ir.Chain) bool {
	return c.Hook != nil && c.Hook.Priority == ir.Priority{Offset: helperPriority}
}

// IPSChain reports whether c is a chain the IPS pass moved NFQUEUE rules
// into (hooked after the filter chain instead of before it).
func IPSChain(c *ir.Chain) bool {
	return c.Hook != nil && c.Hook.Hook == "forward" && strings.HasPrefix(c.Comment, ipsComment)
}
