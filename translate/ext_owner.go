package translate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m owner (libxt_owner.c, revision 1): the owner of the local socket that
// sent the packet.
//
// iptables resolves user and group names with getpwnam/getgrnam on the
// machine that loads the rule. ipt2nft does not look names up on the
// translating machine: "root" is uid/gid 0 everywhere; other names are kept
// for nft, which resolves them the same way when the ruleset is loaded.

var extOwner = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "owner", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "uid-owner", Type: iptparse.TypeString, Flags: inv},
				{Name: "gid-owner", Type: iptparse.TypeString, Flags: inv},
				{Name: "socket-exists", Flags: inv},
				{Name: "suppl-groups"},
			},
			Check: checkOwner,
		},
		Translate: translateOwner,
	},
}

func init() { registerAll(extOwner) }

// ownerNameRe is what a user or group name can look like (the shadow
// suite's rules: no leading '-', no ':' or blanks; a trailing '$' for
// machine accounts). Anything else, like an unexpanded "$uid", cannot be
// a name and fails as iptables' getpwnam would.
var ownerNameRe = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$`) }}

// ownerID is a parsed --uid-owner/--gid-owner argument: a number, a
// range, or a name left for nft.
type ownerID struct {
	lo, hi uint64
	name   string
}

// parseOwnerID is owner_mt_parse's fallback owner_parse_range ("N", "N-M"
// or "N:M", numbers up to 2^32-2), or a name.
func parseOwnerID(s string) (ownerID, error) {
	num, rest := splitUint(s)
	if num == "" {
		if s == "root" {
			return ownerID{}, nil
		}
		if !ownerNameRe.Get().MatchString(s) {
			return ownerID{}, fmt.Errorf("bad value")
		}
		return ownerID{name: s}, nil
	}
	lo, ok := iptparse.ParseUint(num, 0, 0, 0xfffffffe)
	if !ok {
		return ownerID{}, fmt.Errorf("bad value")
	}
	id := ownerID{lo: lo, hi: lo}
	if rest != "" && (rest[0] == '-' || rest[0] == ':') {
		num2, rest2 := splitUint(rest[1:])
		hi, ok := iptparse.ParseUint(num2, 0, 0, 0xfffffffe)
		if num2 == "" || !ok {
			return ownerID{}, fmt.Errorf("bad value")
		}
		id.hi, rest = hi, rest2
	}
	if rest != "" {
		// Not a number: a user or group name after all ("1abc").
		if !ownerNameRe.Get().MatchString(s) {
			return ownerID{}, fmt.Errorf("bad value")
		}
		return ownerID{name: s}, nil
	}
	return id, nil
}

func checkOwner(x *iptparse.Ext) error {
	if o := x.Opt("suppl-groups"); o != nil {
		g := x.Opt("gid-owner")
		if g == nil || posAfter(g.Pos, o.Pos) {
			return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "owner: Bad value for \"--suppl-groups\" option: \"you need to use --gid-owner first\""}
		}
	}
	if !x.Has("uid-owner") && !x.Has("gid-owner") && !x.Has("socket-exists") {
		return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "owner: At least one of --uid-owner, --gid-owner or --socket-exists is required"}
	}
	for _, name := range []string{"uid-owner", "gid-owner"} {
		if o := x.Opt(name); o != nil {
			if _, err := parseOwnerID(o.Arg()); err != nil {
				return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("owner: Bad value for \"--%s\" option: \"%s\"", name, o.Arg())}
			}
		}
	}
	return nil
}

// posAfter reports whether a comes after b in the input.
func posAfter(a, b iptparse.Pos) bool {
	if a.Line != b.Line {
		return a.Line > b.Line
	}
	return a.Col > b.Col
}

func translateOwner(c *Ctx, x *iptparse.Ext) error {
	if err := c.checkHooks(x, "owner match", "output", "postrouting"); err != nil {
		return err
	}
	if x.Has("socket-exists") {
		return c.Untranslatable(x, "nft cannot test whether a packet has a local socket (--socket-exists)")
	}
	if x.Has("suppl-groups") {
		return c.Untranslatable(x, "nft's meta skgid compares the socket owner's group only, not its supplementary groups (--suppl-groups)")
	}
	allNeg := true
	for _, name := range []string{"uid-owner", "gid-owner"} {
		if o := x.Opt(name); o != nil && !o.Neg {
			allNeg = false
		}
	}
	// The tests, "meta skuid 1000" (not negated yet).
	var tests []*ir.Match
	var opts []*iptparse.Option
	var kinds []string // uid, gid
	for _, f := range []struct{ opt, key string }{{"uid-owner", "skuid"}, {"gid-owner", "skgid"}} {
		o := x.Opt(f.opt)
		if o == nil {
			continue
		}
		id, _ := parseOwnerID(o.Arg())
		if id.lo > id.hi {
			return c.Untranslatable(x, "--%s %s: the range is reversed, so the test never matches (negated: always)", f.opt, o.Arg())
		}
		var v ir.Expr = intOrRange(id.lo, id.hi)
		if id.name != "" {
			c.Warn(o.Pos, "%s: --%s %s: the name is resolved by nft on the machine that loads the ruleset", x.Label(), f.opt, id.name)
			v = ir.Str(id.name)
		}
		tests = append(tests, ir.Eq(&ir.Meta{Key: f.key, Bare: true}, v))
		opts = append(opts, o)
		kinds = append(kinds, strings.TrimSuffix(f.opt, "-owner"))
	}
	// xt_owner matches packets without a socket (forwarded packets,
	// replies the kernel sends itself) when every test is negated; nft's
	// meta skuid/skgid never match them.
	switch {
	case allNeg && !c.Exact:
		// "unless the socket's owner is one of them" is exact: the
		// guards fail for packets without a socket
		var guards []ir.Stmt
		name := "owner_not"
		for i, m := range tests {
			guards = append(guards, m)
			name += "_" + kinds[i] + "_" + ownerChainPart(opts[i].Arg())
		}
		if !c.Unless(x, name, guards...) {
			return c.Untranslatable(x, "negated --uid-owner/--gid-owner also match packets without a local socket (kernel-generated replies, forwarded packets in POSTROUTING), which nft's meta skuid/skgid never match; the exact form needs a helper chain, and another match uses one already")
		}
		return nil
	case allNeg && c.hook() == "postrouting": // exact mode: upstream's text
		return c.Untranslatable(x, "negated --uid-owner/--gid-owner also match packets without a local socket (all forwarded packets in POSTROUTING), which nft's meta skuid/skgid never match")
	case allNeg:
		c.Warn(x.Pos, "%s: negated --uid-owner/--gid-owner also match packets without a local socket (kernel-generated replies; forwarded packets if the chain is reached from POSTROUTING), which nft's meta skuid/skgid do not match", x.Label())
	}
	for i, m := range tests {
		if opts[i].Neg {
			m.Op = ir.CmpNe
		}
		c.Add(m)
	}
	return nil
}

// ownerChainPart makes a user, group or id range usable in a chain name.
func ownerChainPart(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
