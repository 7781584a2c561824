package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m limit (libxt_limit.c): token bucket rate limit.

const (
	limitScale        = 10000 // XT_LIMIT_SCALE
	limitDefaultAvg   = "3/hour"
	limitDefaultBurst = 5
)

var extLimit = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "limit", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "limit", Type: iptparse.TypeString},
				{Name: "limit-burst", Type: iptparse.TypeUint32, Max: 10000},
			},
			Check: func(x *iptparse.Ext) error {
				if o := x.Opt("limit"); o != nil {
					if _, err := parseLimitRate(o.Arg()); err != nil {
						return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: err.Error()}
					}
				}
				return nil
			},
		},
		Translate: translateLimit,
	},
}

func init() { registerAll(extLimit) }

// atoi is C's atoi: optional blanks and sign, then digits; 0 if none.
func atoi(s string) int32 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var v int64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		v = v*10 + int64(s[i]-'0')
		if v > 1<<31 {
			v = 1 << 31
		}
	}
	if neg {
		v = -v
	}
	return int32(v)
}

// parseLimitRate is libxt_limit's parse_rate: "N[/second|minute|hour|day]"
// (units may be abbreviated) becomes the average period between packets
// in 1/10000 s.
func parseLimitRate(rate string) (uint32, error) {
	mult := uint32(1)
	if i := strings.IndexByte(rate, '/'); i >= 0 {
		unit := rate[i+1:]
		switch {
		case unit == "":
			return 0, fmt.Errorf("bad rate \"%s\"'", rate)
		case strncasePrefix(unit, "second"):
			mult = 1
		case strncasePrefix(unit, "minute"):
			mult = 60
		case strncasePrefix(unit, "hour"):
			mult = 60 * 60
		case strncasePrefix(unit, "day"):
			mult = 24 * 60 * 60
		default:
			return 0, fmt.Errorf("bad rate \"%s\"'", rate)
		}
	}
	r := uint32(atoi(rate))
	if r == 0 {
		return 0, fmt.Errorf("bad rate \"%s\"'", rate)
	}
	avg := limitScale * mult / r
	if avg == 0 {
		return 0, fmt.Errorf("Rate too fast \"%s\"", rate)
	}
	return avg, nil
}

// limitRate turns a period back into a rate the way print_rate_xlate
// does: the largest unit that divides the period cleanly enough.
func limitRate(period uint32) (uint64, string) {
	units := []struct {
		name string
		mult uint32
	}{
		{"day", limitScale * 24 * 60 * 60}, {"hour", limitScale * 60 * 60},
		{"minute", limitScale * 60}, {"second", limitScale},
	}
	i := 1
	for ; i < len(units); i++ {
		if period > units[i].mult || units[i].mult/period < units[i].mult%period {
			break
		}
	}
	return uint64(units[i-1].mult / period), units[i-1].name
}

func translateLimit(c *Ctx, x *iptparse.Ext) error {
	rate := limitDefaultAvg
	if s, ok := optString(x, "limit"); ok {
		rate = s
	}
	avg, _ := parseLimitRate(rate)
	burst := uint64(limitDefaultBurst)
	if b, ok := optUint(x, "limit-burst"); ok {
		burst = b
	}
	if burst == 0 && !c.Exact {
		// xt_limit's checkentry refuses a zero burst ("Overflow, try
		// lower"); upstream translates it to nft's default burst.
		return c.Errorf(x, "--limit-burst 0: the kernel refuses this rule (xt_limit: Overflow, try lower)")
	}
	l := &ir.Limit{}
	l.Rate, l.Per = limitRate(avg)
	if burst != 0 {
		l.Burst, l.BurstUnit = burst, "packets"
	}
	c.Add(l)
	return nil
}
