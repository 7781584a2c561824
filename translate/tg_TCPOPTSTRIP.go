package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -j TCPOPTSTRIP (libxt_TCPOPTSTRIP.c): overwrite TCP options with NOPs.
// nft 1.0.6 cannot remove TCP options ("tcp option NAME reset" is not in
// its grammar, and setting fields cannot blank a whole option), so the
// target is checked and reported.

var tgTCPOPTSTRIP = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "TCPOPTSTRIP", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "strip-options", Type: iptparse.TypeString},
			},
			Check: checkTCPOPTSTRIP,
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if c.Table != "mangle" {
				return c.Errorf(x, "TCPOPTSTRIP target: only valid in mangle table, not %s", c.Table)
			}
			if p, ok := c.Protocol(); !ok || p != 6 {
				return c.Errorf(x, "TCPOPTSTRIP target: only valid for protocol tcp (-p tcp)")
			}
			return c.Untranslatable(x, "nft 1.0.6 cannot strip TCP options (the options stay in the packets)")
		},
	},
}

func init() { registerAll(tgTCPOPTSTRIP) }

var tcpOptstripNames = lazy.Of[map[string]uint64]{New: func() map[string]uint64 {
	return map[string]uint64{
		"wscale": 3, "mss": 2, "sack-permitted": 4, "sack": 5, "timestamp": 8, "md5": 19,
	}
}}

func checkTCPOPTSTRIP(x *iptparse.Ext) error {
	o := x.Opt("strip-options")
	if o == nil {
		return nil
	}
	seen := map[uint64]bool{}
	for _, name := range strings.Split(o.Arg(), ",") {
		v, ok := tcpOptstripNames.Get()[name]
		if !ok {
			if v, ok = iptparse.ParseUint(name, 0, 0, 255); !ok {
				return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("Bad TCP option value \"%s\"", name)}
			}
		}
		if v < 2 {
			return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "Option value may not be 0 or 1"}
		}
		if seen[v] {
			return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("Option \"%s\" already specified", name)}
		}
		seen[v] = true
	}
	return nil
}
