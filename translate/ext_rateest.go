package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -m rateest (libxt_rateest.c) and -j RATEEST (libxt_RATEEST.c).
//
// RATEEST feeds packets to a named rate estimator (the kernel's
// gen_estimator: an exponentially weighted moving average of bytes and
// packets per second), and rateest compares estimated rates with a value
// or with each other. nft has no rate estimator objects and no expression
// that reads a rate: its limit statement is a token bucket that only says
// whether a packet is within a configured rate. Both are untranslatable.

var extRateest = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "rateest", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "rateest1", Aliases: []string{"rateest"}, Type: iptparse.TypeString},
				{Name: "rateest2", Type: iptparse.TypeString},
				{Name: "rateest-bps1", Type: iptparse.TypeRaw, Arg: iptparse.ArgOptional},
				{Name: "rateest-pps1", Type: iptparse.TypeRaw, Arg: iptparse.ArgOptional},
				{Name: "rateest-bps2", Aliases: []string{"rateest-bps"}, Type: iptparse.TypeRaw, Arg: iptparse.ArgOptional},
				{Name: "rateest-pps2", Aliases: []string{"rateest-pps"}, Type: iptparse.TypeRaw, Arg: iptparse.ArgOptional},
				{Name: "rateest-delta"},
				{Name: "rateest-lt", Flags: inv, Excl: []string{"rateest-gt", "rateest-eq"}},
				{Name: "rateest-gt", Flags: inv, Excl: []string{"rateest-lt", "rateest-eq"}},
				{Name: "rateest-eq", Flags: inv, Excl: []string{"rateest-lt", "rateest-gt"}},
			},
			Check: func(x *iptparse.Ext) error {
				// xt_rateest_mt_checkentry in the kernel.
				msg := ""
				switch {
				case !x.Has("rateest1"):
					msg = "--rateest1 (or --rateest) is required"
				case !x.Has("rateest-lt") && !x.Has("rateest-gt") && !x.Has("rateest-eq"):
					msg = "one of --rateest-lt, --rateest-gt, --rateest-eq is required"
				case !x.Has("rateest-bps1") && !x.Has("rateest-pps1") && !x.Has("rateest-bps2") && !x.Has("rateest-pps2"):
					msg = "one of --rateest-bps, --rateest-pps (or their 1/2 forms) is required"
				default:
					return nil
				}
				return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: msg + " (the kernel rejects the rule)"}
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			return c.Untranslatable(x, "nft has no rate estimators: nothing can read the rate measured by -j RATEEST (its limit statement is a token bucket, not a rate measurement)")
		},
	},
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "RATEEST", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "rateest-name", Type: iptparse.TypeString, Flags: mand},
				{Name: "rateest-interval", Type: iptparse.TypeString, Flags: mand},
				{Name: "rateest-ewmalog", Type: iptparse.TypeString, Flags: mand},
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			return c.Untranslatable(x, "nft has no rate estimator objects (the kernel's gen_estimator, a moving average of bytes and packets per second) to feed, and no rule could read them")
		},
	},
}

func init() { registerAll(extRateest) }
