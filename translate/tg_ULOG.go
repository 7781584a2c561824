package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j ULOG (libipt_ULOG.c, IPv4 only). ipt_ULOG sent packets to a netlink
// multicast group (1-32) of its own protocol; Linux 3.17 removed it in
// favour of NFLOG (nfnetlink_log), so a rule with ULOG no longer loads in
// any current kernel. Upstream iptables-translate has no translation.
//
// The nearest equivalent is nft's log statement with a group, which is
// NFLOG: it is not terminal either and does not change the packet, so the
// firewall behaves the same; only the log reader changes. The rule is
// translated to "log group N" with the same group number, copy range and
// queue threshold, with a warning that the log daemon must read NFLOG
// group N (e.g. ulogd2's NFLOG plugin) instead of ULOG.

var tgULOG = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "ULOG", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv4,
			Options: []iptparse.OptionSpec{
				{Name: "ulog-nlgroup", Type: iptparse.TypeUint8, Min: 1, Max: 32},
				{Name: "ulog-prefix", Type: iptparse.TypeString, Min: 1},
				{Name: "ulog-cprange", Type: iptparse.TypeUint64},
				{Name: "ulog-qthreshold", Type: iptparse.TypeUint64, Min: 1, Max: 50},
			},
			Check: func(x *iptparse.Ext) error { return checkNoNewline(x, "ulog-prefix", "--ulog-prefix") },
		},
		Translate: translateULOG,
	},
}

func init() { registerAll(tgULOG) }

const (
	ulogDefaultGroup      = 1 // ULOG_DEFAULT_NLGROUP
	ulogDefaultQthreshold = 1 // ULOG_DEFAULT_QTHRESHOLD
)

func translateULOG(c *Ctx, x *iptparse.Ext) error {
	group := uint64(ulogDefaultGroup)
	if n, ok := optUint(x, "ulog-nlgroup"); ok {
		group = n
	}
	l := &ir.Log{}
	if p, ok := optString(x, "ulog-prefix"); ok {
		// struct ipt_ulog_info keeps 31 bytes of the prefix.
		l.Args = append(l.Args, ir.LogArg{Key: "prefix", Value: ir.Str(c.truncPrefix(x, p, 31))})
	}
	// A copy range of 0 meant the whole packet, as no snaplen does.
	if n, ok := optUint(x, "ulog-cprange"); ok && n != 0 {
		if n > 0xffffffff {
			n = 0xffffffff
		}
		l.Args = append(l.Args, ir.LogArg{Key: "snaplen", Value: ir.Int(n)})
	}
	// ULOG sent each packet at once unless told to batch (threshold 1);
	// nfnetlink_log batches by default, so the threshold is always given.
	qthr := uint64(ulogDefaultQthreshold)
	if n, ok := optUint(x, "ulog-qthreshold"); ok {
		qthr = n
	}
	l.Args = append(l.Args, ir.LogArg{Key: "queue-threshold", Value: ir.Int(qthr)})
	l.Args = append(l.Args, ir.LogArg{Key: "group", Value: ir.Int(group)})
	c.Warn(x.Pos, "%s: ULOG was removed from Linux 3.17; translated to NFLOG \"log group %d\": the log daemon must read NFLOG group %d (e.g. ulogd2's NFLOG input) instead of ULOG netlink group %d", x.Label(), group, group, group)
	c.Add(l)
	return nil
}
