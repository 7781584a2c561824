package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j CLASSIFY (libxt_CLASSIFY.c): "meta priority set MAJOR:MINOR". The
// kernel accepts it from FORWARD, OUTPUT and POSTROUTING only.

var tgCLASSIFY = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "CLASSIFY", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "set-class", Type: iptparse.TypeString, Flags: mand},
			},
			Check: func(x *iptparse.Ext) error {
				o := x.Opt("set-class")
				if _, ok := parseClass(o.Arg()); !ok {
					return optError(x, o, "Bad class value \"%s\"", o.Arg())
				}
				return nil
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if err := c.checkTargetHooks(x, "forward", "output", "postrouting"); err != nil {
				return err
			}
			prio, _ := parseClass(x.Opt("set-class").Arg())
			var v ir.Expr
			switch prio {
			case 0xffffffff: // TC_H_ROOT
				v = ir.Sym("root")
			case 0: // TC_H_UNSPEC
				v = ir.Sym("none")
			default:
				v = ir.Sym(fmt.Sprintf("%x:%x", prio>>16, prio&0xffff))
			}
			c.Add(&ir.Assign{Key: &ir.Meta{Key: "priority"}, Value: v})
			return nil
		},
	},
}

func init() { registerAll(tgCLASSIFY) }

// parseClass is CLASSIFY_string_to_priority: sscanf(s, "%x:%x") and
// TC_H_MAKE(major<<16, minor). Like sscanf it skips blanks before each
// number, takes an optional sign and 0x, and ignores what follows the
// second number.
func parseClass(s string) (uint32, bool) {
	major, rest, ok := scanHex(s)
	if !ok || !strings.HasPrefix(rest, ":") {
		return 0, false
	}
	minor, _, ok := scanHex(rest[1:])
	if !ok {
		return 0, false
	}
	return major<<16 | minor&0xffff, true
}

// scanHex is scanf's %x into an unsigned int.
func scanHex(s string) (uint32, string, bool) {
	i := 0
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && isHexDigit(s[i+2]) {
		i += 2
	}
	j := i
	var v uint64
	for j < len(s) && isHexDigit(s[j]) {
		if v <= 0xffffffff {
			v = v<<4 | uint64(digitVal(s[j]))
		}
		j++
	}
	if j == i {
		return 0, s, false
	}
	if v > 0xffffffff {
		v = 0xffffffff
	}
	if neg {
		v = -v
	}
	return uint32(v), s[j:], true
}
