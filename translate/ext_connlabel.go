package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m connlabel (libxt_connlabel.c): "ct label BIT", "ct label set BIT".
//
// Labels are bit numbers 0-127. iptables also accepts names, which it
// looks up in /etc/xtables/connlabel.conf on the host that loads the
// rule; ipt2nft does not read that file (the translation must not depend
// on the translating host), so names are untranslatable: write the bit
// number.
//
// With --set the kernel sets the bit and the match is true.
//
// "! --label" matches packets without a conntrack entry (untracked or
// invalid) in the kernel, but nft's ct expressions never match a packet
// without one, and one rule cannot say "no conntrack or label not set":
// it is untranslatable. Upstream prints "ct label and BIT != BIT", which
// misses those packets (docs/upstream-differences.md).

var extConnlabel = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "connlabel", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "label", Type: iptparse.TypeString, Min: 1, Flags: mand | inv},
				{Name: "set"},
			},
		},
		Translate: translateConnlabel,
	},
}

func init() { registerAll(extConnlabel) }

const connlabelMaxBit = 127 // XT_CONNLABEL_MAXBIT

func translateConnlabel(c *Ctx, x *iptparse.Ext) error {
	o := x.Opt("label")
	v, rest := strtoulBase0(o.Arg())
	if rest != "" {
		return c.Untranslatable(x, "label name %q: names come from /etc/xtables/connlabel.conf on the host that loads the rule; ipt2nft does not read it, give the label's bit number (0-%d)", o.Arg(), connlabelMaxBit)
	}
	if v > connlabelMaxBit {
		return c.Errorf(x, "label %s is out of range (0-%d): the kernel rejects the rule", o.Arg(), connlabelMaxBit)
	}
	if o.Neg {
		return c.Untranslatable(x, "! --label also matches packets without a conntrack entry (untracked or invalid); nft's ct label never matches those, and one rule cannot test \"no conntrack or label not set\"")
	}
	bit := ir.Sym(fmt.Sprint(v))
	if x.Has("set") {
		c.Add(&ir.Assign{Key: &ir.Ct{Key: "label"}, Value: bit})
	}
	c.Add(ir.Eq(&ir.Ct{Key: "label"}, bit))
	return nil
}
