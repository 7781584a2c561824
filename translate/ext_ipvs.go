package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -m ipvs (libxt_ipvs.c): properties of the IPVS connection of the
// packet. nftables has no access to IPVS connections, so the match is
// checked and reported as untranslatable.

var extIpvs = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "ipvs", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "ipvs", Flags: inv},
				{Name: "vproto", Type: iptparse.TypeProtocol, Flags: inv},
				{Name: "vaddr", Type: iptparse.TypeHostMask, Flags: inv},
				{Name: "vport", Type: iptparse.TypePort, Flags: inv},
				{Name: "vdir", Type: iptparse.TypeString},
				{Name: "vmethod", Type: iptparse.TypeString, Flags: inv},
				{Name: "vportctl", Type: iptparse.TypePort, Flags: inv},
			},
			Check: checkIPVS,
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			return c.Untranslatable(x, "nftables cannot see IPVS connections (no equivalent of the ipvs property, VIP, direction or forwarding method)")
		},
	},
}

func init() { registerAll(extIpvs) }

func checkIPVS(x *iptparse.Ext) error {
	if len(x.Options) == 0 {
		return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "IPVS: At least one option is required"}
	}
	if o := x.Opt("vdir"); o != nil && !strings.EqualFold(o.Arg(), "ORIGINAL") && !strings.EqualFold(o.Arg(), "REPLY") {
		return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("Bad value for \"--vdir\" option: \"%s\"", o.Arg())}
	}
	if o := x.Opt("vmethod"); o != nil {
		switch strings.ToUpper(o.Arg()) {
		case "GATE", "IPIP", "MASQ":
		default:
			return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("Bad value for \"--vmethod\" option: \"%s\"", o.Arg())}
		}
	}
	if o := x.Opt("ipvs"); o != nil && o.Neg && len(x.Options) > 1 {
		return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "! --ipvs cannot be together with other options"}
	}
	return nil
}
