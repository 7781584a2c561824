package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m cluster (libxt_cluster.c).
//
// The kernel hashes the original source address of the connection with
// jhash and the seed, scales it to 0..total-1, and matches when that bit
// of the node mask is set: node N (--cluster-local-node N) is hash value
// N-1, and the mask's bit i is hash value i. "jhash ct original ip saddr
// mod TOTAL seed SEED" computes the same value (the same jhash over the
// same four or sixteen bytes). Upstream compares with N instead of N-1
// for single nodes and ignores '!' (docs/upstream-differences.md).
//
// The match also changes pkt_type from multicast to host for packets to
// a unicast address, whether or not it matches; both modes keep
// upstream's "meta pkttype set host" after the hash test, which does it
// for the packets that match (the ones this node handles).
//
// Normal mode writes "ct original ip saddr" (nft 1.0.6 cannot list rules
// with "ct original saddr" in a hash) and warns that connections created
// from an expectation (FTP data, SIP media...) are hashed on their own
// address, while the kernel hashes the master connection's.

var extCluster = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "cluster", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "cluster-total-nodes", Type: iptparse.TypeUint32, Min: 1, Max: 32, Flags: mand},
				{Name: "cluster-local-node", Type: iptparse.TypeUint32, Min: 1, Max: 32, Flags: inv, Excl: []string{"cluster-local-nodemask"}},
				{Name: "cluster-local-nodemask", Type: iptparse.TypeUint32, Min: 1, Max: 32, Flags: inv, Excl: []string{"cluster-local-node"}},
				{Name: "cluster-hash-seed", Type: iptparse.TypeUint32, Flags: mand},
			},
			Check: checkCluster,
		},
		Translate: translateCluster,
	},
}

func init() { registerAll(extCluster) }

// clusterMask returns the node mask and whether the match is inverted.
func clusterMask(x *iptparse.Ext) (uint64, bool) {
	if o := x.Opt("cluster-local-node"); o != nil {
		return 1 << (o.Value.(uint64) - 1), o.Neg
	}
	if o := x.Opt("cluster-local-nodemask"); o != nil {
		return o.Value.(uint64), o.Neg
	}
	return 0, false
}

func checkCluster(x *iptparse.Ext) error {
	total, _ := optUint(x, "cluster-total-nodes")
	mask, _ := clusterMask(x)
	errf := func(msg string) error { return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: msg} }
	switch {
	case x.Has("cluster-local-node"):
		if mask >= 1<<total {
			return errf("cluster match: `--cluster-local-node' must be <= `--cluster-total-nodes'")
		}
	case x.Has("cluster-local-nodemask"):
		if mask >= 1<<total {
			return errf("cluster match: `--cluster-local-nodemask' too big for `--cluster-total-nodes'")
		}
	default:
		return errf("cluster match: `--cluster-local-node' or`--cluster-local-nodemask' is missing")
	}
	return nil
}

func translateCluster(c *Ctx, x *iptparse.Ext) error {
	total, _ := optUint(x, "cluster-total-nodes")
	seed64, _ := optUint(x, "cluster-hash-seed")
	seed := uint32(seed64)
	mask, neg := clusterMask(x)
	key := &ir.Ct{Dir: "original", Key: "saddr"}
	if !c.Exact {
		key.Key = c.L3() + " saddr"
	}
	hash := &ir.Hash{Kind: "jhash", Expr: key, Mod: uint32(total), Seed: &seed}
	var nodes []ir.Expr
	for i := 0; i < 32; i++ {
		if mask&(1<<i) != 0 {
			nodes = append(nodes, ir.Int(uint64(i)))
		}
	}
	m := ir.EqOrNe(hash, neg, nodes[0])
	if len(nodes) > 1 {
		m.Right = &ir.SetLit{Elems: nodes}
	} else if !neg {
		m.Spell = ir.SpellWord
	}
	c.Add(m, &ir.Assign{Key: &ir.Meta{Key: "pkttype"}, Value: ir.Sym("host")})
	if !c.Exact {
		c.warnOnce("cluster-master", x.Pos, "-m cluster: connections created from an expectation (FTP data, SIP media...) are hashed on their own original source address; the kernel hashes their master connection's")
	}
	return nil
}
