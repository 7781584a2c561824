package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m dccp (libxt_dccp.c): ports, packet types and options of DCCP. The
// kernel's xt_dccp needs "-p dccp". --dccp-option has no nft equivalent.

var extDccp = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "dccp", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "sport", Aliases: []string{"source-port"}, Type: iptparse.TypePortRC, Flags: inv},
				{Name: "dport", Aliases: []string{"destination-port"}, Type: iptparse.TypePortRC, Flags: inv},
				{Name: "dccp-types", Type: iptparse.TypeString, Flags: inv},
				{Name: "dccp-option", Type: iptparse.TypeUint8, Min: 1, Max: 255, Flags: inv},
			},
			Check: checkDCCP,
		},
		Translate: translateDCCP,
	},
}

func init() { registerAll(extDccp) }

// dccpTypes are iptables' DCCP packet type names by type number, and
// nft's names for them; INVALID stands for types 10-15.
var dccpTypes = []struct{ ipt, nft string }{
	{"REQUEST", "request"}, {"RESPONSE", "response"}, {"DATA", "data"},
	{"ACK", "ack"}, {"DATAACK", "dataack"}, {"CLOSEREQ", "closereq"},
	{"CLOSE", "close"}, {"RESET", "reset"}, {"SYNC", "sync"},
	{"SYNCACK", "syncack"}, {"INVALID", "10-15"},
}

// parseDCCPTypes is parse_dccp_types: a bit per type; INVALID also sets
// the bits of types 11-15.
func parseDCCPTypes(s string) (uint16, error) {
	var mask uint16
	for _, t := range strings.Split(s, ",") {
		if t == "" {
			continue // strtok skips empty fields
		}
		found := false
		for i, d := range dccpTypes {
			if strings.EqualFold(d.ipt, t) {
				mask |= 1 << i
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("Unknown DCCP type `%s'", t)
		}
	}
	if mask&(1<<10) != 0 {
		mask |= 0xf800
	}
	return mask, nil
}

func checkDCCP(x *iptparse.Ext) error {
	if o := x.Opt("dccp-types"); o != nil {
		if _, err := parseDCCPTypes(o.Arg()); err != nil {
			return optErr(x, o, "%s", err)
		}
	}
	return checkPortRanges(x)
}

// checkPortRanges rejects "--sport 80:22" like xtables' port range parser.
func checkPortRanges(x *iptparse.Ext) error {
	for _, name := range []string{"sport", "dport"} {
		if o := x.Opt(name); o != nil {
			if r := o.Value.(*iptparse.PortRange); r.Lo > r.Hi {
				return optErr(x, o, "invalid portrange (min > max)")
			}
		}
	}
	return nil
}

func translateDCCP(c *Ctx, x *iptparse.Ext) error {
	if err := c.requireProto(x, 33, "dccp"); err != nil {
		return err
	}
	if x.Has("dccp-option") {
		return c.Untranslatable(x, "--dccp-option: nftables 1.0.6 cannot match DCCP options")
	}
	n := len(c.stmts)
	for _, name := range []string{"sport", "dport"} {
		if o := x.Opt(name); o != nil {
			r := o.Value.(*iptparse.PortRange)
			c.Add(ir.EqOrNe(&ir.Payload{Proto: "dccp", Field: name}, o.Neg, intOrRange(uint64(r.Lo), uint64(r.Hi))))
		}
	}
	if o := x.Opt("dccp-types"); o != nil {
		mask, _ := parseDCCPTypes(o.Arg())
		typ := &ir.Payload{Proto: "dccp", Field: "type"}
		if mask&0xfc00 != 0 {
			mask = mask&^0xfc00 | 1<<10
		}
		var elems []ir.Expr
		for i, d := range dccpTypes {
			if mask&(1<<i) == 0 {
				continue
			}
			if i == 10 {
				elems = append(elems, ir.IntRange(10, 15))
			} else {
				elems = append(elems, ir.Sym(d.nft))
			}
		}
		switch {
		case len(elems) == 1:
			c.Add(ir.EqOrNe(typ, o.Neg, elems[0]))
		case len(elems) > 1:
			c.Add(ir.EqOrNe(typ, o.Neg, &ir.SetLit{Elems: elems}))
		case !o.Neg:
			// No type at all: iptables matches no packet.
			c.neverMatches(o, "no DCCP type is given")
			c.Add(never(typ, 15))
		}
	}
	if !c.addedSince(n) {
		c.Add(l4protoIs("dccp"))
	}
	return nil
}
