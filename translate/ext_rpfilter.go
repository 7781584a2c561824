package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m rpfilter (libxt_rpfilter.c): reverse path filter, as a fib lookup of
// the source address.

var extRpfilter = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "rpfilter", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "loose"},
				{Name: "validmark"},
				{Name: "accept-local"},
				{Name: "invert"},
			},
		},
		Translate: translateRPFilter,
	},
}

func init() { registerAll(extRpfilter) }

func translateRPFilter(c *Ctx, x *iptparse.Ext) error {
	// xt_rpfilter's checkentry and hook mask.
	if c.Table != "raw" && c.Table != "mangle" {
		return c.Errorf(x, "rpfilter match: only valid in 'raw' or 'mangle' table, not '%s'", c.Table)
	}
	if isBuiltinChain(c.Table, c.Chain) && c.Chain != "PREROUTING" {
		return c.Errorf(x, "rpfilter match: only valid in the PREROUTING chain")
	}
	invert := x.Has("invert")
	loose := x.Has("loose")
	if x.Has("accept-local") {
		if !invert {
			// The test passes for local sources too: "oif != 0 or
			// type local" needs two rules.
			return c.Untranslatable(x, "--accept-local without --invert passes packets whose source is a local address or whose reverse path is valid; nft cannot express that alternative in one rule")
		}
		if !loose && !c.Exact {
			// xt_rpfilter still checks the interface of a local
			// source's route (without --loose); upstream's
			// "fib saddr type != local" skips every local source.
			return c.Untranslatable(x, "--accept-local --invert without --loose also matches packets with a local source address that arrive on another interface than that address's; \"fib saddr type != local\" would skip them all")
		}
		c.Add(ir.EqOrNe(&ir.Fib{Flags: []string{"saddr"}, Result: "type"}, true, ir.Sym("local")))
	}
	flags := []string{"saddr"}
	if x.Has("validmark") {
		flags = append(flags, "mark")
	}
	if !loose {
		flags = append(flags, "iif")
	}
	c.Add(ir.EqOrNe(&ir.Fib{Flags: flags, Result: "oif"}, !invert, ir.Int(0)))
	return nil
}
