package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -j CLUSTERIP (libipt_CLUSTERIP.c, IPv4): share an address between
// cluster nodes, answering ARP with a multicast MAC and accepting only
// this node's share of the connections. nftables has no equivalent (the
// ARP side and the cluster MAC cannot be expressed; the kernel target
// itself is gone since Linux 6.3).

var tgCLUSTERIP = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "CLUSTERIP", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv4,
			Options: []iptparse.OptionSpec{
				{Name: "new"},
				{Name: "hashmode", Type: iptparse.TypeString, Also: []string{"new"}},
				{Name: "clustermac", Type: iptparse.TypeEtherMAC, Also: []string{"new"}},
				{Name: "total-nodes", Type: iptparse.TypeUint16, Max: 16, Also: []string{"new"}},
				{Name: "local-node", Type: iptparse.TypeUint16, Max: 16, Also: []string{"new"}},
				{Name: "hash-init", Type: iptparse.TypeUint32, Also: []string{"new"}},
			},
			Check: checkCLUSTERIP,
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			return c.Untranslatable(x, "nftables has no CLUSTERIP equivalent (cluster MAC in ARP replies and per-node connection sharing)")
		},
	},
}

func init() { registerAll(tgCLUSTERIP) }

func checkCLUSTERIP(x *iptparse.Ext) error {
	if o := x.Opt("hashmode"); o != nil {
		switch o.Arg() {
		case "sourceip", "sourceip-sourceport", "sourceip-sourceport-destport":
		default:
			return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("Unknown hashmode \"%s\"", o.Arg())}
		}
	}
	if o := x.Opt("clustermac"); o != nil && o.Value.(iptparse.MAC)[0]&1 == 0 {
		return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "MAC has to be a multicast ethernet address"}
	}
	if len(x.Options) == 0 {
		return nil
	}
	for _, n := range []string{"new", "hashmode", "clustermac", "total-nodes", "local-node"} {
		if !x.Has(n) {
			return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "CLUSTERIP target: Invalid parameter combination"}
		}
	}
	return nil
}
