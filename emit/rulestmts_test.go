package emit

import (
	"net/netip"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestRuleStatements checks the statements rule and match write on their
// own (payload matches of an address or number, counters, verdicts) next
// to those they leave to stmt and expr: spellings, operators, values and
// skipped comments.
func TestRuleStatements(t *testing.T) {
	saddr := &ir.Payload{Proto: "ip", Field: "saddr"}
	addr := &ir.Addr{Addr: netip.MustParseAddr("192.0.2.1")}
	port := &ir.Integer{Value: 8080}
	m := func(op ir.CmpOp, spell ir.Spelling, right ir.Expr) *ir.Match {
		return &ir.Match{Left: saddr, Op: op, Right: right, Spell: spell}
	}
	for _, tc := range []struct {
		upstream bool
		stmts    []ir.Stmt
		want     string
	}{
		{true, []ir.Stmt{m(ir.CmpEq, ir.SpellDefault, addr), &ir.Counter{}, &ir.Verdict{Kind: ir.VerdictDrop}}, "ip saddr 192.0.2.1 counter drop"},
		{true, []ir.Stmt{m(ir.CmpEq, ir.SpellImplicit, port)}, "ip saddr 8080"},
		{true, []ir.Stmt{m(ir.CmpEq, ir.SpellSymbol, addr)}, "ip saddr == 192.0.2.1"},
		{true, []ir.Stmt{m(ir.CmpEq, ir.SpellWord, port)}, "ip saddr eq 8080"},
		{false, []ir.Stmt{m(ir.CmpEq, ir.SpellWord, port)}, "ip saddr 8080"},
		{true, []ir.Stmt{m(ir.CmpNe, ir.SpellDefault, addr)}, "ip saddr != 192.0.2.1"},
		{true, []ir.Stmt{m(ir.CmpLt, ir.SpellWord, port)}, "ip saddr lt 8080"},
		{true, []ir.Stmt{m(ir.CmpEq, ir.SpellDefault, &ir.Integer{Value: 16, Base: 16, Width: 4})}, "ip saddr 0x0010"},
		{true, []ir.Stmt{m(ir.CmpEq, ir.SpellDefault, &ir.Integer{Value: 123456789})}, "ip saddr 123456789"},
		{true, []ir.Stmt{m(ir.CmpEq, ir.SpellDefault, &ir.Prefix{Prefix: netip.MustParsePrefix("10.0.0.0/8")})}, "ip saddr 10.0.0.0/8"},
		{true, []ir.Stmt{&ir.Match{Left: &ir.Payload{Proto: "ip"}, Right: ir.Sym("x")}}, "ip x"},
		{true, []ir.Stmt{&ir.Comment{Text: "a"}, &ir.Counter{HasValues: true, Packets: 1, Bytes: 2}, &ir.Comment{Text: "b"}, &ir.Verdict{Kind: ir.VerdictAccept}}, "counter packets 1 bytes 2 accept"},
		{true, []ir.Stmt{&ir.Verdict{Kind: ir.VerdictJump, Chain: "my chain"}}, `jump "my chain"`},
		{true, []ir.Stmt{&ir.Match{Left: &ir.Meta{Key: "iifname"}, Right: ir.Str("eth0")}, &ir.Comment{Text: "c"}}, `iifname "eth0"`},
		// a meta key's match, as expr writes its key and value
		{true, []ir.Stmt{ir.Eq(&ir.Meta{Key: "l4proto"}, ir.Sym("tcp"))}, "meta l4proto tcp"},
		{true, []ir.Stmt{&ir.Match{Left: &ir.Meta{Key: "l4proto"}, Right: ir.Sym("tcp"), Spell: ir.SpellWord}}, "meta l4proto eq tcp"},
		{false, []ir.Stmt{&ir.Match{Left: &ir.Meta{Key: "l4proto"}, Right: ir.Sym("tcp"), Spell: ir.SpellWord}}, "meta l4proto tcp"},
		{true, []ir.Stmt{&ir.Match{Left: &ir.Meta{Key: "l4proto"}, Op: ir.CmpNe, Right: ir.Sym("tcp")}}, "meta l4proto != tcp"},
		{true, []ir.Stmt{ir.Eq(&ir.Meta{Key: "mark", Bare: true}, &ir.Integer{Value: 5})}, "mark 5"},
		{false, []ir.Stmt{ir.Eq(&ir.Meta{Key: "mark", Bare: true}, &ir.Integer{Value: 5})}, "meta mark 5"},
		{true, []ir.Stmt{ir.Eq(&ir.Meta{Key: "oifname"}, &ir.String{Value: "eth1", Bare: true})}, "oifname eth1"},
		// a plain counter and the verdict after it written together
		{true, []ir.Stmt{&ir.Counter{}, &ir.Verdict{Kind: ir.VerdictAccept}}, "counter accept"},
		{true, []ir.Stmt{&ir.Counter{}, &ir.Verdict{Kind: ir.VerdictDrop}, &ir.Log{}}, "counter drop log"},
		{true, []ir.Stmt{&ir.Counter{}, &ir.Verdict{Kind: ir.VerdictReturn}}, "counter return"},
		{true, []ir.Stmt{&ir.Counter{}, &ir.Verdict{Kind: ir.VerdictJump, Chain: "X"}}, "counter jump X"},
		{true, []ir.Stmt{&ir.Counter{}, &ir.Comment{Text: "c"}, &ir.Verdict{Kind: ir.VerdictDrop}}, "counter drop"},
		{true, []ir.Stmt{&ir.Counter{}, &ir.Counter{}, &ir.Verdict{Kind: ir.VerdictAccept}}, "counter counter accept"},
		{true, []ir.Stmt{&ir.Counter{}}, "counter"},
	} {
		p := &Printer{Style: Style{Upstream: tc.upstream}}
		if got := p.Rule(&ir.Rule{Stmts: tc.stmts}); got != tc.want {
			t.Errorf("upstream %v: %q; want %q", tc.upstream, got, tc.want)
		}
	}
}

// refRule is rule as it was before its fast paths (the leading matches,
// the counter and verdict or the one statement after them): one loop
// over the statements.
func refRule(p *Printer, r *ir.Rule) string {
	var b textBuf
	n, skip := 0, -1
	for i, s := range r.Stmts {
		if _, ok := s.(*ir.Comment); ok || i == skip {
			continue
		}
		if n > 0 {
			b.WriteByte(' ')
		}
		n++
		if c, ok := s.(*ir.Counter); ok && !c.HasValues && i+1 < len(r.Stmts) {
			if v, ok := r.Stmts[i+1].(*ir.Verdict); ok {
				b.WriteString("counter ")
				writeVerdict(&b, v.Kind, v.Chain)
				skip = i + 1
				continue
			}
		}
		p.stmt(&b, s)
	}
	if r.Comment != "" {
		if n > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`comment "`)
		p.writeQuotedRest(&b, r.Comment, SanitizeString)
	}
	return b.String()
}

// TestRuleFastPaths holds Rule to refRule for every list of up to four
// statements of a few kinds, with and without a comment, in both styles.
func TestRuleFastPaths(t *testing.T) {
	kinds := []ir.Stmt{
		ir.Eq(&ir.Payload{Proto: "ip", Field: "saddr"}, &ir.Addr{Addr: netip.MustParseAddr("192.0.2.1")}),
		&ir.Match{Left: &ir.Meta{Key: "l4proto"}, Right: ir.Sym("tcp"), Spell: ir.SpellWord},
		&ir.Counter{},
		&ir.Counter{HasValues: true, Packets: 1, Bytes: 2},
		&ir.Verdict{Kind: ir.VerdictAccept},
		&ir.Verdict{Kind: ir.VerdictDrop},
		&ir.Verdict{Kind: ir.VerdictJump, Chain: "X"},
		&ir.Comment{Text: "c"},
		&ir.Nat{Kind: ir.NatDNAT, Addr: &ir.Addr{Addr: netip.MustParseAddr("10.0.0.1")}},
		&ir.Log{},
	}
	var stmts []ir.Stmt
	var walk func(depth int)
	n := 0
	walk = func(depth int) {
		for _, upstream := range []bool{true, false} {
			for _, comment := range []string{"", "a b"} {
				p := &Printer{Style: Style{Upstream: upstream}}
				r := &ir.Rule{Stmts: stmts, Comment: comment}
				if got, want := p.Rule(r), refRule(p, r); got != want {
					t.Errorf("upstream %v, %d statements %v, comment %q: %q; want %q", upstream, len(stmts), stmts, comment, got, want)
				}
				n++
			}
		}
		if depth == 4 {
			return
		}
		for _, s := range kinds {
			stmts = append(stmts, s)
			walk(depth + 1)
			stmts = stmts[:len(stmts)-1]
		}
	}
	walk(0)
	if n < 4*11111 {
		t.Fatalf("%d rules compared", n)
	}
}
