package translate

import (
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j NFLOG (libxt_NFLOG.c): "log [prefix P] [snaplen N] [queue-threshold
// N] group G".

var tgNFLOG = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "NFLOG", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "nflog-group", Type: iptparse.TypeUint16},
				{Name: "nflog-prefix", Type: iptparse.TypeString, Min: 1},
				{Name: "nflog-range", Type: iptparse.TypeUint32, Excl: []string{"nflog-size"}},
				{Name: "nflog-size", Type: iptparse.TypeUint32, Excl: []string{"nflog-range"}},
				{Name: "nflog-threshold", Type: iptparse.TypeUint16},
			},
			Check: func(x *iptparse.Ext) error { return checkNoNewline(x, "nflog-prefix", "--log-prefix") },
		},
		Translate: translateNFLOG,
	},
}

func init() { registerAll(tgNFLOG) }

func translateNFLOG(c *Ctx, x *iptparse.Ext) error {
	l := &ir.Log{}
	if p, ok := optString(x, "nflog-prefix"); ok {
		// struct xt_nflog_info keeps 63 bytes of the prefix.
		l.Args = append(l.Args, ir.LogArg{Key: "prefix", Value: ir.Str(c.truncPrefix(x, p, 63))})
	}
	if o := x.Opt("nflog-range"); o != nil {
		// iptables itself warns and the kernel ignores the value (it only
		// copies a length with XT_NFLOG_F_COPY_LEN, set by --nflog-size).
		c.Warn(o.Pos, "%s: --nflog-range has never worked and is no longer supported, please use --nflog-size instead (ignored)", x.Label())
	}
	if n, ok := optUint(x, "nflog-size"); ok {
		l.Args = append(l.Args, ir.LogArg{Key: "snaplen", Value: ir.Int(n)})
	}
	// XT_NFLOG_DEFAULT_THRESHOLD is 0.
	if n, ok := optUint(x, "nflog-threshold"); ok && n != 0 {
		l.Args = append(l.Args, ir.LogArg{Key: "queue-threshold", Value: ir.Int(n)})
	}
	group, _ := optUint(x, "nflog-group")
	l.Args = append(l.Args, ir.LogArg{Key: "group", Value: ir.Int(group)})
	c.Add(l)
	return nil
}
