package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j CT and -j NOTRACK (libxt_CT.c): conntrack template of new
// connections, set in the raw table before connection tracking.
//
//   - --notrack: nft's notrack (the kernel ignores every other option then).
//   - --zone/--zone-orig/--zone-reply N: "ct [original|reply] zone set N",
//     which, like the CT template, is set before connection tracking.
//   - --helper NAME: a ct helper object and "ct helper set". Unlike the CT
//     template, nft attaches a helper to a connection that conntrack has
//     already created (unconfirmed), so the rule only works in a chain
//     that runs after conntrack (priority above -200), not at the raw
//     priority; see the warning below.
//   - --zone mark, --timeout, --ctevents, --expevents: no exact nft
//     equivalent (see the reasons given).

var tgCT = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "CT", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "notrack"},
				{Name: "helper", Type: iptparse.TypeString},
				{Name: "timeout", Type: iptparse.TypeString},
				{Name: "ctevents", Type: iptparse.TypeString},
				{Name: "expevents", Type: iptparse.TypeString},
				{Name: "zone-orig", Type: iptparse.TypeString},
				{Name: "zone-reply", Type: iptparse.TypeString},
				{Name: "zone", Type: iptparse.TypeString},
			},
			Check: checkCT,
		},
		Translate: translateCT,
	},
	{
		ExtensionSpec: iptparse.ExtensionSpec{Name: "NOTRACK", Kind: iptparse.KindTarget},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			if c.Table != "raw" {
				return c.Errorf(x, "NOTRACK target: only valid in raw table, not %s", c.Table)
			}
			c.Add(&ir.Notrack{})
			return nil
		},
	},
}

func init() { registerAll(tgCT) }

var ctEventNames = []string{"new", "related", "destroy", "reply", "assured", "protoinfo", "helper", "mark", "natseqinfo", "secmark"}

func checkCT(x *iptparse.Ext) error {
	for _, o := range x.Options {
		switch o.Name {
		case "zone", "zone-orig", "zone-reply":
			if strings.EqualFold(o.Arg(), "mark") {
				continue
			}
			if _, ok := iptparse.ParseUint(o.Arg(), 0, 0, 0xffff); !ok {
				return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("Cannot parse %s as a zone ID", o.Arg())}
			}
		case "ctevents", "expevents":
			names := ctEventNames
			if o.Name == "expevents" {
				names = []string{"new"}
			}
			for _, ev := range strings.Split(o.Arg(), ",") {
				found := false
				for _, n := range names {
					found = found || n == ev
				}
				if !found {
					return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("Unknown event type \"%s\"", ev)}
				}
			}
		}
	}
	return nil
}

func translateCT(c *Ctx, x *iptparse.Ext) error {
	if c.Table != "raw" {
		return c.Errorf(x, "CT target: only valid in raw table, not %s", c.Table)
	}
	if x.Has("notrack") {
		c.Add(&ir.Notrack{})
		return nil
	}
	// The template has one zone id: the last one given, with the
	// directions of all zone options.
	var zone uint64
	var orig, reply, mark, hasZone bool
	for _, o := range x.Options {
		switch o.Name {
		case "zone", "zone-orig", "zone-reply":
			hasZone = true
			orig = orig || o.Name == "zone-orig"
			reply = reply || o.Name == "zone-reply"
			zone = 0
			if strings.EqualFold(o.Arg(), "mark") {
				mark = true
			} else {
				zone, _ = iptparse.ParseUint(o.Arg(), 0, 0, 0xffff)
			}
		}
	}
	if mark {
		return c.Untranslatable(x, "--zone mark: nft 1.0.6 cannot set the conntrack zone from the packet mark (\"ct zone set meta mark\" is refused: datatype mismatch)")
	}
	if x.Has("timeout") {
		return c.Untranslatable(x, "--timeout %s names a timeout policy defined outside the ruleset (nfct); declare it as an nft ct timeout object and use \"ct timeout set\"", x.Opt("timeout").Arg())
	}
	if x.Has("ctevents") || x.Has("expevents") {
		return c.Untranslatable(x, "--ctevents/--expevents set the event masks of new connections through the template; nft's \"ct event set\" changes established connections too and cannot set expectation events")
	}
	if hasZone {
		dir := ""
		switch {
		case orig && !reply:
			dir = "original"
		case reply && !orig:
			dir = "reply"
		}
		c.Add(&ir.Assign{Key: &ir.Ct{Dir: dir, Key: "zone"}, Value: ir.Int(zone)})
	}
	if o := x.Opt("helper"); o != nil {
		name := o.Arg()
		if len(name) > 15 { // kept in a 16-byte field
			name = name[:15]
		}
		name = c.tr.keep(name)
		p, ok := c.Protocol()
		if !ok {
			return c.Errorf(x, "CT target: --helper needs a layer 4 protocol (-p), not negated")
		}
		proto := iptparse.ProtocolName(p)
		if proto != "tcp" && proto != "udp" {
			return c.Untranslatable(x, "--helper with protocol %d: nft ct helper objects are for tcp or udp", p)
		}
		obj := ctHelperObjName(name, proto)
		c.DeclareCtHelper(&ir.CtHelper{Name: obj, Helper: name, Protocol: proto})
		c.Add(&ir.ObjRef{Type: "ct helper", Name: ir.Str(obj)})
		if c.Exact && c.Table == "raw" {
			c.Warn(x.Pos, "nft assigns ct helpers only to connections conntrack has already created: \"ct helper set\" has no effect at the raw priority (-300); normal mode moves it to a chain right after conntrack")
		}
	}
	return nil
}

// ctHelperObjName names the ct helper object for a kernel helper and
// protocol: "ftp-tcp", "sip-udp".
func ctHelperObjName(helper, proto string) string {
	var b strings.Builder
	for _, r := range helper + "-" + proto {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if !ir.IsBareIdent(s) {
		s = "helper_" + s
	}
	return s
}
