package translate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m time (libxt_time.c).
//
// Time zones: xt_time works in UTC unless --kerneltz (or its old name
// --localtz) asks for the kernel's time zone. In nft, "meta hour" and
// "meta time" compare with UTC in the kernel, but nft converts quoted
// values ("12:00:00", "2021-01-01 00:00:00") from the local time zone of
// the nft process that loads the ruleset; plain numbers (seconds since
// midnight, seconds since the epoch) are taken as UTC. "meta day" uses
// the kernel's time zone.
//
// Exact mode prints upstream's quoted values, which only mean UTC when
// the ruleset is loaded with TZ=UTC. Normal mode writes numbers for the
// UTC case, so the rule does not depend on the loader's time zone, and
// quoted values for --kerneltz (the loader's zone, with a warning).
// Weekdays become "meta day" in both modes; without --kerneltz that is
// only the same when the kernel time zone is UTC (the usual setting when
// the hardware clock is in UTC), which normal mode warns about.
//
// Daytime ranges are inclusive. A start after the stop wraps around
// midnight ("meta hour != stop+1-start-1"); a start equal to the stop
// matches all day in the kernel. Dates are inclusive to the second:
// "meta time >= start meta time < stop+1". The kernel's default upper
// date bound (2038-01-19 03:14:07, INT_MAX) is not written when no
// --datestop is given. --monthdays has no nft equivalent.
// --contiguous moves the part of a wrapping daytime range after midnight
// to the previous day for the weekday test; that is untranslatable
// when weekdays are restricted (upstream ignores it).

var extTime = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "time", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "datestart", Type: iptparse.TypeString},
				{Name: "datestop", Type: iptparse.TypeString},
				{Name: "timestart", Type: iptparse.TypeString},
				{Name: "timestop", Type: iptparse.TypeString},
				{Name: "contiguous"},
				{Name: "weekdays", Type: iptparse.TypeString, Flags: inv},
				{Name: "monthdays", Type: iptparse.TypeString, Flags: inv},
				{Name: "localtz", Excl: []string{"utc"}},
				{Name: "utc", Excl: []string{"localtz", "kerneltz"}},
				{Name: "kerneltz", Excl: []string{"utc"}},
			},
			Check: func(x *iptparse.Ext) error {
				_, err := parseTime(x)
				return err
			},
		},
		Translate: translateTime,
	},
}

func init() { registerAll(extTime) }

const (
	timeAllWeekdays  = 0xfe       // XT_TIME_ALL_WEEKDAYS
	timeAllMonthdays = 0xfffffffe // XT_TIME_ALL_MONTHDAYS
	timeMaxDaytime   = 24*60*60 - 1
)

type timeInfo struct {
	dateStart, dateStop uint64 // seconds since the epoch, UTC
	hasStart, hasStop   bool
	dayStart, dayStop   uint32 // seconds since midnight
	hasDaytime          bool
	weekdays, monthdays uint32
	kernelTZ            bool
	contiguous          bool
}

func timeErr(x *iptparse.Ext, o *iptparse.Option, format string, args ...any) error {
	return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf(format, args...)}
}

// strtoul10 reads leading decimal digits like strtoul(s, &e, 10) and
// returns the value and the rest.
func strtoul10(s string) (uint64, string) {
	i := 0
	var v uint64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if v < math.MaxUint64/10 {
			v = v*10 + uint64(s[i]-'0')
		}
		i++
	}
	return v, s[i:]
}

// parseTimeDate is time_parse_date: YYYY[-MM[-DD[Thh[:mm[:ss]]]]] in UTC.
func parseTimeDate(s string) (uint64, bool) {
	fields := []struct {
		max uint64
		sep byte
	}{{2038, '-'}, {12, '-'}, {31, 'T'}, {23, ':'}, {59, ':'}, {59, 0}}
	vals := []uint64{0, 1, 1, 0, 0, 0}
	rest := s
	for i, f := range fields {
		v, r := strtoul10(rest)
		if len(r) > 0 && (f.sep == 0 || r[0] != f.sep) || v > f.max {
			return 0, false
		}
		if i == 0 && v < 1970 {
			return 0, false
		}
		vals[i] = v
		if r == "" {
			break
		}
		rest = r[1:]
	}
	// mktime normalizes out-of-range days (Feb 31 -> Mar 3), as does Date.
	t := time.Date(int(vals[0]), time.Month(vals[1]), int(vals[2]), int(vals[3]), int(vals[4]), int(vals[5]), 0, time.UTC)
	if t.Unix() < 0 {
		return 0, false
	}
	return uint64(t.Unix()), true
}

// parseTimeOfDay is time_parse_minutes: hh:mm[:ss].
func parseTimeOfDay(s string) (uint32, bool) {
	h, r := strtoul10(s)
	if r == "" || r[0] != ':' || h > 23 {
		return 0, false
	}
	m, r := strtoul10(r[1:])
	if r != "" && r[0] != ':' || m > 59 {
		return 0, false
	}
	var sec uint64
	if r != "" {
		sec, r = strtoul10(r[1:])
		if r != "" || sec > 59 {
			return 0, false
		}
	}
	return uint32(h*3600 + m*60 + sec), true
}

// segments splits like my_strseg: at most n-1 characters per item.
func segments(arg string, n int) []string {
	var out []string
	for arg != "" {
		item := arg
		if i := strings.IndexByte(arg, ','); i >= 0 {
			item, arg = arg[:i], arg[i+1:]
		} else {
			arg = ""
		}
		if len(item) > n-1 {
			item = item[:n-1]
		}
		out = append(out, item)
	}
	return out
}

// strtoulBase0 is strtoul(s, &e, 0) returning the value and the rest.
func strtoulBase0(s string) (uint64, string) {
	base := 10
	t := s
	switch {
	case len(t) > 1 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'):
		base, t = 16, t[2:]
	case len(t) > 0 && t[0] == '0':
		base = 8
	}
	i := 0
	for i < len(t) {
		if _, err := strconv.ParseUint(t[i:i+1], base, 8); err != nil {
			break
		}
		i++
	}
	if i == 0 {
		if base == 16 {
			return 0, s[1:]
		}
		return 0, s
	}
	v, _ := strconv.ParseUint(t[:i], base, 64)
	return v, t[i:]
}

var weekDayNames = []string{"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

func parseTime(x *iptparse.Ext) (*timeInfo, error) {
	ti := &timeInfo{dayStop: timeMaxDaytime, weekdays: timeAllWeekdays, monthdays: timeAllMonthdays, dateStop: math.MaxInt32}
	if o := x.Opt("datestart"); o != nil {
		v, ok := parseTimeDate(o.Arg())
		if !ok {
			return nil, timeErr(x, o, "Invalid date \"%s\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]", o.Arg())
		}
		ti.dateStart, ti.hasStart = v, true
	}
	if o := x.Opt("datestop"); o != nil {
		v, ok := parseTimeDate(o.Arg())
		if !ok {
			return nil, timeErr(x, o, "Invalid date \"%s\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]", o.Arg())
		}
		ti.dateStop, ti.hasStop = v, true
	}
	for _, name := range []string{"timestart", "timestop"} {
		if o := x.Opt(name); o != nil {
			v, ok := parseTimeOfDay(o.Arg())
			if !ok {
				return nil, timeErr(x, o, "invalid time \"%s\" specified, should be hh:mm[:ss] format and within the boundaries", o.Arg())
			}
			if name == "timestart" {
				ti.dayStart = v
			} else {
				ti.dayStop = v
			}
		}
	}
	ti.hasDaytime = ti.dayStart != 0 || ti.dayStop != timeMaxDaytime
	if o := x.Opt("monthdays"); o != nil {
		var mask uint32
		for _, d := range segments(o.Arg(), 3) {
			v, rest := strtoulBase0(d)
			if rest != "" || v > 31 {
				return nil, timeErr(x, o, "%s is not a valid day for --monthdays", d)
			}
			mask |= 1 << v
		}
		if o.Neg {
			mask ^= timeAllMonthdays
		}
		ti.monthdays = mask
	}
	if o := x.Opt("weekdays"); o != nil {
		var mask uint32
		for _, d := range segments(o.Arg(), 4) {
			v, rest := strtoulBase0(d)
			if rest == "" {
				if v == 0 {
					return nil, timeErr(x, o, "No, the week does NOT begin with Sunday.")
				}
				mask |= 1 << (v & 31)
				continue
			}
			valid := false
			for i := 1; i < len(weekDayNames); i++ {
				if len(d) >= 2 && d[:2] == weekDayNames[i][:2] {
					mask |= 1 << i
					valid = true
				}
			}
			if !valid {
				return nil, timeErr(x, o, "%s is not a valid day specifier", d)
			}
		}
		if o.Neg {
			mask ^= timeAllWeekdays
		}
		ti.weekdays = mask
	}
	ti.kernelTZ = x.Has("kerneltz") || x.Has("localtz")
	ti.contiguous = x.Has("contiguous")
	if ti.contiguous && ti.dayStart < ti.dayStop {
		return nil, &iptparse.Error{Pos: x.Opt("contiguous").Pos, Ext: x.Label(), Msg: "time: --contiguous only makes sense when stoptime is smaller than starttime"}
	}
	return ti, nil
}

func hms(s uint32) string {
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

func ymdhms(t uint64) string {
	return time.Unix(int64(t), 0).UTC().Format("2006-01-02 15:04:05")
}

func translateTime(c *Ctx, x *iptparse.Ext) error {
	ti, err := parseTime(x)
	if err != nil {
		return err
	}
	if ti.monthdays != timeAllMonthdays {
		return c.Untranslatable(x, "nft has no day-of-month selector for --monthdays")
	}
	if ti.weekdays&timeAllWeekdays == 0 {
		return c.Untranslatable(x, "--weekdays leaves no day: the rule can never match")
	}
	wraps := ti.dayStart >= ti.dayStop
	if ti.contiguous && wraps && ti.weekdays&timeAllWeekdays != timeAllWeekdays {
		return c.Untranslatable(x, "--contiguous tests the weekday of the evening before for the part of the daytime range after midnight; one nft rule cannot combine meta hour and meta day that way")
	}
	if c.Exact {
		if ti.dateStart != 0 || ti.dateStop != math.MaxInt32 {
			c.Add(ir.Eq(&ir.Meta{Key: "time"}, &ir.Range{Lo: ir.Str(ymdhms(ti.dateStart)), Hi: ir.Str(ymdhms(ti.dateStop))}))
		}
		if ti.hasDaytime {
			if ti.dayStart == ti.dayStop {
				// The kernel matches all day when start equals stop;
				// upstream's range would match one second.
			} else {
				c.Add(ir.Eq(&ir.Meta{Key: "hour"}, &ir.Range{Lo: ir.Str(hms(ti.dayStart)), Hi: ir.Str(hms(ti.dayStop))}))
			}
		}
	} else {
		timeExpr := func(secs uint64) ir.Expr {
			if ti.kernelTZ {
				return ir.Str(ymdhms(secs))
			}
			return ir.Int(secs)
		}
		if ti.dateStart != 0 {
			c.Add(ir.Cmp(&ir.Meta{Key: "time"}, ir.CmpGe, timeExpr(ti.dateStart)))
		}
		if ti.hasStop {
			c.Add(ir.Cmp(&ir.Meta{Key: "time"}, ir.CmpLt, timeExpr(ti.dateStop+1)))
		}
		hour := func(s uint32) ir.Expr {
			if ti.kernelTZ {
				return ir.Str(hms(s))
			}
			return ir.Int(uint64(s))
		}
		switch {
		case !ti.hasDaytime, ti.dayStart == ti.dayStop, ti.dayStart == ti.dayStop+1:
			// All day.
		case ti.dayStart < ti.dayStop:
			c.Add(ir.Eq(&ir.Meta{Key: "hour"}, &ir.Range{Lo: hour(ti.dayStart), Hi: hour(ti.dayStop)}))
		default:
			c.Add(ir.Cmp(&ir.Meta{Key: "hour"}, ir.CmpNe, &ir.Range{Lo: hour(ti.dayStop + 1), Hi: hour(ti.dayStart - 1)}))
		}
		if ti.kernelTZ && (ti.hasStart || ti.hasStop || ti.hasDaytime) {
			c.warnOnce("time-kerneltz", x.Pos, "-m time --kerneltz: nft converts quoted dates and times from the time zone of the nft process that loads the ruleset, not from the kernel's time zone; load it with TZ set to the kernel's zone")
		}
	}
	if ti.weekdays&timeAllWeekdays != timeAllWeekdays {
		var days []ir.Expr
		for i := 1; i <= 7; i++ {
			if ti.weekdays&(1<<i) != 0 {
				days = append(days, ir.Int(uint64(i%7)))
			}
		}
		var right ir.Expr = days[0]
		if len(days) > 1 {
			right = &ir.SetLit{Elems: days}
		}
		c.Add(ir.Eq(&ir.Meta{Key: "day"}, right))
		if !c.Exact && !ti.kernelTZ {
			c.warnOnce("time-weekday-utc", x.Pos, "-m time --weekdays: nft's meta day uses the kernel time zone, xt_time uses UTC; they agree when the kernel time zone is UTC (the usual setting when the hardware clock is in UTC)")
		}
	}
	return nil
}
