package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m devgroup (libxt_devgroup.c): the group of the input or output device.

var extDevgroup = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "devgroup", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "src-group", Type: iptparse.TypeString, Flags: inv},
				{Name: "dst-group", Type: iptparse.TypeString, Flags: inv},
			},
			Check: func(x *iptparse.Ext) error {
				if !x.Has("src-group") && !x.Has("dst-group") {
					return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "devgroup match: You must specify either '--src-group' or '--dst-group'"}
				}
				for _, name := range []string{"src-group", "dst-group"} {
					if o := x.Opt(name); o != nil {
						if _, _, _, err := parseValMask("devgroup", name, o.Arg()); err != nil {
							return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: err.Error()}
						}
					}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			for _, f := range []struct {
				opt, key string
				hooks    []string
			}{
				{"src-group", "iifgroup", []string{"prerouting", "input", "forward"}},
				{"dst-group", "oifgroup", []string{"forward", "output", "postrouting"}},
			} {
				o := x.Opt(f.opt)
				if o == nil {
					continue
				}
				if err := c.checkHooks(x, "devgroup --"+f.opt, f.hooks...); err != nil {
					return err
				}
				// Upstream carries the negation of --src-group over to
				// --dst-group; each option has its own in xt_devgroup.
				c.Add(c.valMaskMatch(x, o, "devgroup", &ir.Meta{Key: f.key}, true))
			}
			return nil
		},
	},
}

func init() { registerAll(extDevgroup) }

// valMaskMatch translates a "value[/mask]" or name option (devgroup,
// realm). Names are left for nft to resolve from /etc/iproute2 on the
// machine that loads the ruleset, as iptables would have done there.
//
// maskValue is set where the kernel masks the value too (xt_devgroup
// compares (group ^ value) & mask); xt_realm compares the value as is.
func (c *Ctx) valMaskMatch(x *iptparse.Ext, o *iptparse.Option, ext string, key ir.Expr, maskValue bool) *ir.Match {
	val, mask, name, _ := parseValMask(ext, o.Name, o.Arg())
	if name != "" {
		c.Warn(o.Pos, "%s: --%s %s: the name is resolved by nft from /etc/iproute2 on the machine that loads the ruleset", x.Label(), o.Name, name)
		return ir.EqOrNe(key, o.Neg, &ir.String{Value: name, Bare: true})
	}
	if maskValue {
		val &= mask
	} else {
		c.warnMaskedValue(x, o.Name, val, mask, o.Neg)
	}
	return maskedMatch(key, val, mask, o.Neg)
}
