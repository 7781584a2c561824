package translate

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -j LED (libxt_LED.c): blink a LED trigger. nftables cannot drive LEDs.

var tgLED = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "LED", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				// The trigger id is "netfilter-" + name in 27 bytes.
				{Name: "led-trigger-id", Type: iptparse.TypeString, Flags: mand, Max: 27 - 11},
				{Name: "led-delay", Type: iptparse.TypeString},
				{Name: "led-always-blink"},
			},
			Check: func(x *iptparse.Ext) error {
				if o := x.Opt("led-delay"); o != nil && !strings.HasPrefix(strings.ToLower(o.Arg()), "inf") {
					if _, ok := iptparse.ParseUint(o.Arg(), 0, 0, 0xffffffff); !ok {
						return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "Delay value must be within range 0..4294967295"}
					}
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			return c.Untranslatable(x, "nftables cannot drive LED triggers")
		},
	},
}

func init() { registerAll(tgLED) }
