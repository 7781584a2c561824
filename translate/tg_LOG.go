package translate

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j LOG (libxt_LOG.c): "log [prefix P] [level L] [flags ...]".

var tgLOG = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "LOG", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "log-level", Type: iptparse.TypeSyslogLevel},
				{Name: "log-prefix", Type: iptparse.TypeString, Min: 1},
				{Name: "log-tcp-sequence"},
				{Name: "log-tcp-options"},
				{Name: "log-ip-options"},
				{Name: "log-uid"},
				{Name: "log-macdecode"},
			},
			Check: func(x *iptparse.Ext) error { return checkNoNewline(x, "log-prefix", "--log-prefix") },
		},
		Translate: translateLOG,
	},
}

func init() { registerAll(tgLOG) }

// syslogNames are the names upstream's priority2name finds first for
// each level (glibc's prioritynames order); they are nft's names too.
var syslogNames = [...]string{"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"}

// logDefaultLevel is LOG's default, LOG_WARNING, which nft's log
// statement also uses.
const logDefaultLevel = 4

// logStmt is a log statement with room for its first two arguments:
// one value of the translator's blocks (a prefix and a level at most,
// which most LOG rules have).
type logStmt struct {
	log  ir.Log
	args [2]ir.LogArg
}

func translateLOG(c *Ctx, x *iptparse.Ext) error {
	a := &c.tr.alloc
	la := a.logs.new()
	l := &la.log
	*l = ir.Log{Args: la.args[:0]} // (the args are written as appended)
	if p, ok := optString(x, "log-prefix"); ok {
		// struct xt_log_info keeps 29 bytes of the prefix.
		str := a.strs.new()
		*str = ir.String{Value: c.truncPrefix(x, p, 29)}
		l.Args = append(l.Args, ir.LogArg{Key: "prefix", Value: str})
	}
	if o := x.Opt("log-level"); o != nil {
		if lvl := o.Value.(uint8); lvl != logDefaultLevel {
			l.Args = append(l.Args, ir.LogArg{Key: "level", Value: a.sym(syslogNames[lvl])})
		}
	}
	logFlags(a, l, x)
	if len(l.Args) == 0 {
		l.Args = nil // as with no room made
	}
	c.Add(l)
	return nil
}

// logFlags appends LOG's flags to l. Apart from translateLOG, which the
// compiler inlines where it calls it (Ctx.target, with profile-guided
// devirtualization): with them it was too big to be inlined itself, and
// the rest of target's call, not inlined then, cost 900,000 instructions of
// the dispatch 20,000-rule dump in exact mode.
func logFlags(a *ruleAlloc, l *ir.Log, x *iptparse.Ext) {
	seq, opts := x.Has("log-tcp-sequence"), x.Has("log-tcp-options")
	ipopts, uid, mac := x.Has("log-ip-options"), x.Has("log-uid"), x.Has("log-macdecode")
	flag := func(v string) { l.Args = append(l.Args, ir.LogArg{Key: "flags", Value: a.sym(v)}) }
	if seq && opts && ipopts && uid && mac {
		flag("all")
	} else {
		switch {
		case seq && opts:
			flag("tcp sequence,options")
		case seq:
			flag("tcp sequence")
		case opts:
			flag("tcp options")
		}
		if ipopts {
			flag("ip options")
		}
		if uid {
			flag("skuid")
		}
		if mac {
			flag("ether")
		}
	}
}

// truncPrefix cuts a log prefix to the bytes the iptables target keeps
// (its fixed-size prefix field), as iptables does silently; normal mode
// says so.
func (c *Ctx) truncPrefix(x *iptparse.Ext, p string, max int) string {
	if len(p) <= max {
		return c.tr.keepText(p)
	}
	if !c.Exact {
		c.Warn(x.Pos, "%s: prefix longer than %d bytes, cut to %q as iptables does", x.Label(), max, p[:max])
	}
	return c.tr.keepText(p[:max])
}

// checkNoNewline is the "Newlines not allowed" check of the log targets.
func checkNoNewline(x *iptparse.Ext, opt, written string) error {
	if o := x.Opt(opt); o != nil && strings.Contains(o.Arg(), "\n") {
		return optError(x, o, "Newlines not allowed in %s", written)
	}
	return nil
}
