package translate

import (
	"math"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m statistic (libxt_statistic.c).
//
// random: the kernel matches when (random & 0x7fffffff) < round(p * 2^31),
// which is "meta random & 2147483647 < N".
//
// nth: the kernel's counter starts so that packets p, p+n, p+2n... (counted
// from 0) match; nft's "numgen inc mod n" gives packet k the value k mod n
// (its counter starts at n-1), so "numgen inc mod n p" matches the same
// packets.

var extStatistic = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "statistic", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "mode", Type: iptparse.TypeString, Flags: mand},
				{Name: "probability", Type: iptparse.TypeDouble, Flags: inv, Min: 0, Max: 1, Excl: []string{"every", "packet"}},
				{Name: "every", Type: iptparse.TypeUint32, Min: 1, Flags: inv, Excl: []string{"probability"}, Also: []string{"packet"}},
				{Name: "packet", Type: iptparse.TypeUint32, Excl: []string{"probability"}, Also: []string{"every"}},
			},
			Check: checkStatistic,
		},
		Translate: translateStatistic,
	},
}

func init() { registerAll(extStatistic) }

func checkStatistic(x *iptparse.Ext) error {
	mode := x.Opt("mode")
	errf := func(pos iptparse.Pos, msg string) error {
		return &iptparse.Error{Pos: pos, Ext: x.Label(), Msg: msg}
	}
	switch mode.Arg() {
	case "random":
		if !x.Has("probability") {
			return errf(x.Pos, "--probability must be specified when using random mode")
		}
	case "nth":
		if !x.Has("every") && !x.Has("packet") {
			return errf(x.Pos, "--every and --packet must be specified when using nth mode")
		}
	default:
		return errf(mode.Pos, "Bad mode \""+mode.Arg()+"\"")
	}
	every, _ := optUint(x, "every")
	packet, _ := optUint(x, "packet")
	if every > 0 && packet > every-1 || every == 0 && packet > 0 {
		return errf(x.Opt("packet").Pos, "the --packet p must be 0 <= p <= n-1")
	}
	return nil
}

// statisticNeg reports whether any option of the match was negated: like
// statistic_parse, a '!' anywhere inverts the whole match.
func statisticNeg(x *iptparse.Ext) bool {
	for _, o := range x.Options {
		if o.Neg {
			return true
		}
	}
	return false
}

func translateStatistic(c *Ctx, x *iptparse.Ext) error {
	neg := statisticNeg(x)
	if x.Opt("mode").Arg() == "random" {
		p := x.Opt("probability").Value.(float64)
		n := uint64(math.Round(0x80000000 * p))
		op := ir.CmpLt
		if neg {
			op = ir.CmpGe
		}
		// (from the blocks: a service's load balancing has one such
		// rule for each endpoint but the last)
		a := &c.tr.alloc
		bin, m := a.binaries.new(), a.matches.new()
		*bin = ir.Binary{Op: ir.OpAnd, Left: a.meta("random"), Right: c.int(math.MaxInt32)}
		*m = ir.Match{Left: bin, Op: op, Right: c.int(n)}
		c.Add(m)
		return nil
	}
	every, _ := optUint(x, "every")
	packet, _ := optUint(x, "packet")
	c.Add(ir.EqOrNe(&ir.Numgen{Mode: "inc", Mod: uint32(every)}, neg, ir.Int(packet)))
	return nil
}
