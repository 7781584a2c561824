package emit

import (
	"net/netip"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Shorthands for building IR in the JSON tests.

func pl(proto, field string) *ir.Payload { return &ir.Payload{Proto: proto, Field: field} }
func meta(key string) *ir.Meta           { return &ir.Meta{Key: key} }
func ct(key string) *ir.Ct               { return &ir.Ct{Key: key} }
func addr(s string) *ir.Addr             { return ir.IP(netip.MustParseAddr(s)) }
func pfx(s string) *ir.Prefix            { return &ir.Prefix{Prefix: netip.MustParsePrefix(s)} }
func flags(f ...string) *ir.FlagList     { return &ir.FlagList{Flags: f} }
func and(l, r ir.Expr) *ir.Binary        { return &ir.Binary{Op: ir.OpAnd, Left: l, Right: r} }
func or(l, r ir.Expr) *ir.Binary         { return &ir.Binary{Op: ir.OpOr, Left: l, Right: r} }
func set(e ...ir.Expr) *ir.SetLit        { return &ir.SetLit{Elems: e} }
func cat(e ...ir.Expr) *ir.Concat        { return &ir.Concat{Elems: e} }
func me(k, v ir.Expr) *ir.MapElem        { return &ir.MapElem{Key: k, Value: v} }
func vx(k ir.VerdictKind, chain string) *ir.VerdictExpr {
	return &ir.VerdictExpr{Kind: k, Chain: chain}
}
func verdict(k ir.VerdictKind) *ir.Verdict { return &ir.Verdict{Kind: k} }

var (
	accept = verdict(ir.VerdictAccept)
	drop   = verdict(ir.VerdictDrop)
)

func rule(s ...ir.Stmt) *ir.Rule { return &ir.Rule{Stmts: s} }

func commented(c string, s ...ir.Stmt) *ir.Rule { return &ir.Rule{Stmts: s, Comment: c} }

func base(name, typ, hook string, prio ir.Priority, policy string, rules ...*ir.Rule) *ir.Chain {
	return &ir.Chain{Name: name, Hook: &ir.Hook{Type: typ, Hook: hook, Priority: prio, Policy: policy}, Rules: rules}
}

func regular(name string, rules ...*ir.Rule) *ir.Chain { return &ir.Chain{Name: name, Rules: rules} }

func prio(name string, off int) ir.Priority { return ir.Priority{Name: name, Offset: off} }

func logArg(k string, v ir.Expr) ir.LogArg { return ir.LogArg{Key: k, Value: v} }
