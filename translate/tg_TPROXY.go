package translate

import (
	"fmt"
	"net/netip"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j TPROXY (libxt_TPROXY.c): hand the packet to a local transparent
// socket.
//
// xt_TPROXY accepts the packet when it finds a transparent socket (after
// setting the mark) and drops it otherwise. nft's tproxy statement does
// not end the rule: upstream adds "accept", which covers the first case,
// but when no socket is found the nft rule simply stops and the packet
// goes on to the next rule instead of being dropped. One rule cannot say
// "else drop", so the translation warns about it.

var tproxyOptions = []iptparse.OptionSpec{
	{Name: "on-port", Type: iptparse.TypePort, Flags: mand},
	{Name: "on-ip", Type: iptparse.TypeHost},
	{Name: "tproxy-mark", Type: iptparse.TypeMarkMask32},
}

// tgTPROXY is TPROXY for IPv4 and IPv6.
var tgTPROXY = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "TPROXY", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv4,
			Options: tproxyOptions,
		},
		Translate: translateTPROXY,
	},
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "TPROXY", Kind: iptparse.KindTarget, Family: iptparse.FamilyIPv6,
			Options: tproxyOptions,
		},
		Translate: translateTPROXY,
	},
}

func init() { registerAll(tgTPROXY) }

func translateTPROXY(c *Ctx, x *iptparse.Ext) error {
	if c.Table != "mangle" {
		return c.Errorf(x, "TPROXY target: only valid in mangle table, not %s", c.Table)
	}
	if isBuiltinChain(c.Table, c.Chain) && c.Chain != "PREROUTING" {
		return c.Errorf(x, "TPROXY target: only valid in the PREROUTING chain")
	}
	if p, ok := c.Protocol(); !ok || (p != 6 && p != 17) {
		return c.Errorf(x, "TPROXY target: Can be used only with -p tcp or -p udp")
	}
	port := ir.Expr(nil)
	lport := x.Opt("on-port").Value.(uint16)
	var addr ir.Expr
	if o := x.Opt("on-ip"); o != nil {
		if a := o.Value.(netip.Addr); !a.IsUnspecified() {
			addr = ir.IP(a)
			if c.Exact && a.Is6() && lport == 0 {
				// Upstream brackets IPv6 addresses even without a port.
				addr = ir.Sym("[" + a.String() + "]")
			}
		}
	}
	// Port 0 means "the packet's own port"; upstream still writes ":0"
	// when there is no address, since "tproxy to" needs something.
	if addr == nil || lport != 0 {
		port = ir.Int(uint64(lport))
	}
	stmts := []ir.Stmt{&ir.TProxy{Addr: addr, Port: port}}
	if o := x.Opt("tproxy-mark"); o != nil {
		vm := o.Value.(iptparse.ValueMask)
		if st := tproxyMarkSet(vm.Value, vm.Mask); st != nil {
			stmts = append(stmts, st)
		}
	}
	stmts = append(stmts, &ir.Verdict{Kind: ir.VerdictAccept})
	if c.Exact {
		c.Add(stmts...)
		c.Warn(x.Pos, "TPROXY drops packets for which no transparent socket is found; nft's tproxy lets them go on to the next rule (add a drop rule after this one if that matters)")
		return nil
	}
	// xt_TPROXY drops a packet for which no transparent socket is found;
	// nft's tproxy ends the rule instead. The same matches with "drop"
	// as a second rule catch exactly those packets: every other one was
	// accepted by the first.
	drop := []ir.Stmt{&ir.Verdict{Kind: ir.VerdictDrop}}
	if c.Either(stmts, drop) {
		return nil
	}
	// The rule is split already, or has state (a limit) that a second
	// rule would run again: a helper chain holds the two rules.
	rule := func(s ...ir.Stmt) *ir.Rule {
		return (&ir.Rule{Stmts: s, Origin: []iptparse.Pos{c.Cmd.Pos}}).WithSource(c.tr.keepText(c.Cmd.RuleText()))
	}
	// nft wants the transport protocol in the tproxy rule itself
	proto, _ := c.Protocol()
	l4 := ir.Eq(&ir.Meta{Key: "l4proto"}, ProtoExpr(proto))
	ch := &ir.Chain{
		Name:  fmt.Sprintf("tproxy_%s_%d", map[uint8]string{6: "tcp", 17: "udp"}[proto], lport),
		Rules: []*ir.Rule{rule(append([]ir.Stmt{l4}, stmts...)...), rule(drop...)},
	}
	c.Add(&ir.Verdict{Kind: ir.VerdictJump, Chain: c.DeclareChain(ch)})
	return nil
}

// tproxyMarkSet is "meta mark set (meta mark & ~mask) ^ value" the way
// upstream's TPROXY translation writes it: a plain set for a full mask,
// nothing when mask and value are 0.
func tproxyMarkSet(value, mask uint64) ir.Stmt {
	mark := &ir.Meta{Key: "mark"}
	switch {
	case mask == 0xffffffff:
		return &ir.Assign{Key: mark, Value: ir.Hex(value)}
	case mask != 0 || value != 0:
		return &ir.Assign{Key: mark, Value: &ir.Binary{
			Op:    ir.OpXor,
			Left:  &ir.Binary{Op: ir.OpAnd, Left: &ir.Meta{Key: "mark"}, Right: ir.Hex(^mask & 0xffffffff)},
			Right: ir.Hex(value),
			Words: true,
		}}
	}
	return nil
}
