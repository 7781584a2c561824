package emit

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/ir"
)

// JSON encoding of IR expressions and statements: one case per node type.
// A new IR node needs a case in expr or stmt (and in text.go); an unknown
// node is an error naming its type, never skipped.

// exprCtx says where an expression stands, for the few nodes whose JSON
// depends on it.
type exprCtx uint8

const (
	ctxTop    exprCtx = iota // a match side, statement argument, set element
	ctxBinary                // an operand of &, |, ^, <<, >> (no JSON lists there)
)

// jsonConstants are strings libnftables' JSON parser always reads as a
// protocol (or icmp type) constant, whatever the other side's type.
var jsonConstants = lazy.Of[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"tcp": true, "udp": true, "udplite": true, "esp": true, "ah": true,
		"icmp": true, "icmpv6": true, "comp": true, "dccp": true, "sctp": true,
		"redirect": true,
	}
}}

// exthdrNames are the IPv6 extension headers: "frag id" is an exthdr
// expression in nft, not a payload one.
var exthdrNames = lazy.Of[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"hbh": true, "rt": true, "rt0": true, "rt2": true, "srh": true,
		"frag": true, "dst": true, "mh": true,
	}
}}

// jsonBinOps are the JSON names of binary operators.
var jsonBinOps = lazy.Of[map[ir.BinOp]string]{New: func() map[ir.BinOp]string {
	return map[ir.BinOp]string{
		ir.OpAnd: "&", ir.OpOr: "|", ir.OpXor: "^", ir.OpLShift: "<<", ir.OpRShift: ">>",
	}
}}

// jsonCmpOps are the JSON names of relational operators; CmpEq is decided
// by match.
var jsonCmpOps = lazy.Of[map[ir.CmpOp]string]{New: func() map[ir.CmpOp]string {
	return map[ir.CmpOp]string{
		ir.CmpNe: "!=", ir.CmpLt: "<", ir.CmpGt: ">", ir.CmpLe: "<=", ir.CmpGe: ">=", ir.CmpNeg: "!",
	}
}}

func (j *jsonWriter) expr(e ir.Expr, ctx exprCtx) (any, error) {
	switch e := e.(type) {
	case *ir.Payload:
		// Rules name the same few header fields over and over: their
		// JSON is built once per walk (values are never changed).
		k := [2]string{e.Proto, e.Field}
		if v, ok := j.payloads[k]; ok {
			return v, nil
		}
		v, err := j.payload(e)
		if err == nil {
			if j.payloads == nil {
				j.payloads = map[[2]string]any{}
			}
			j.payloads[k] = v
		}
		return v, err
	case *ir.RawPayload:
		if e.Base == "ih" {
			return nil, fmt.Errorf("raw payload @ih: nft 1.0.6 JSON has no inner header base")
		}
		return one("payload", obj("base", e.Base, "offset", uint64(e.Offset), "len", uint64(e.Len))), nil
	case *ir.Exthdr:
		return one("exthdr", obj("name", e.Name)), nil
	case *ir.TCPOption:
		return tcpOption(e.Name, e.Field)
	case *ir.Meta:
		return one("meta", obj("key", e.Key)), nil
	case *ir.Ct:
		// "ct original ip saddr" has the JSON key "ip saddr".
		o := obj("key", e.Key)
		if e.Dir != "" {
			o.set("dir", e.Dir)
		}
		return one("ct", o), nil
	case *ir.Fib:
		flags := make([]any, len(e.Flags))
		for i, f := range e.Flags {
			flags[i] = f
		}
		return one("fib", obj("result", e.Result, "flags", flags)), nil
	case *ir.Socket:
		o := obj("key", e.Key)
		if e.Key == "cgroupv2" {
			o.set("level", uint64(e.Level))
		}
		return one("socket", o), nil
	case *ir.Rt:
		o := obj("key", e.Key)
		if e.Family != "" {
			o.set("family", e.Family)
		}
		return one("rt", o), nil
	case *ir.Ipsec:
		o := jobj{}
		key := e.Key
		if fam, k, ok := strings.Cut(key, " "); ok && (fam == "ip" || fam == "ip6") {
			o.set("family", fam)
			key = k
		}
		o.set("key", key)
		o.set("dir", e.Dir)
		if e.Spnum != 0 {
			o.set("spnum", uint64(e.Spnum))
		}
		return one("ipsec", o), nil
	case *ir.Numgen:
		o := obj("mode", e.Mode, "mod", uint64(e.Mod))
		if e.Offset != 0 {
			o.set("offset", uint64(e.Offset))
		}
		return one("numgen", o), nil
	case *ir.Hash:
		o := obj("mod", uint64(e.Mod))
		if e.Offset != 0 {
			o.set("offset", uint64(e.Offset))
		}
		switch e.Kind {
		case "jhash":
			if e.Expr == nil {
				return nil, fmt.Errorf("jhash without an expression")
			}
			v, err := j.expr(e.Expr, ctxBinary)
			if err != nil {
				return nil, err
			}
			o.set("expr", v)
			if e.Seed != nil {
				o.set("seed", uint64(*e.Seed))
			}
		case "symhash":
		default:
			return nil, fmt.Errorf("unknown hash kind %q", e.Kind)
		}
		return one(e.Kind, o), nil
	case *ir.Osf:
		o := obj("key", e.Key)
		if e.TTL != "" {
			o.set("ttl", e.TTL)
		}
		return one("osf", o), nil
	case *ir.Binary:
		op, ok := jsonBinOps.Get()[e.Op]
		if !ok {
			return nil, fmt.Errorf("unknown binary operator %d", e.Op)
		}
		l, err := j.expr(e.Left, ctxBinary)
		if err != nil {
			return nil, err
		}
		r, err := j.expr(e.Right, ctxBinary)
		if err != nil {
			return nil, err
		}
		return one(op, []any{l, r}), nil
	case *ir.Integer:
		return e.Value, nil
	case *ir.String:
		if err := jsonStringOK(e.Value); err != nil {
			return nil, err
		}
		return e.Value, nil
	case *ir.Symbol:
		switch e.Name {
		case "exists":
			return true, nil
		case "missing":
			return false, nil
		}
		if strings.HasPrefix(e.Name, "@") || e.Name == "*" || e.Name == "" {
			return nil, fmt.Errorf("symbol %q cannot be written in JSON", e.Name)
		}
		return e.Name, nil
	case *ir.Addr:
		return e.Addr.String(), nil
	case *ir.Prefix:
		return one("prefix", obj("addr", e.Prefix.Addr().String(), "len", uint64(e.Prefix.Bits()))), nil
	case *ir.EtherAddr:
		a := e.Addr
		return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]), nil
	case *ir.Range:
		lo, err := j.expr(e.Lo, ctxBinary)
		if err != nil {
			return nil, err
		}
		hi, err := j.expr(e.Hi, ctxBinary)
		if err != nil {
			return nil, err
		}
		return one("range", []any{lo, hi}), nil
	case *ir.SetLit:
		elems := make([]any, len(e.Elems))
		for i, el := range e.Elems {
			v, err := j.expr(el, ctxTop)
			if err != nil {
				return nil, err
			}
			elems[i] = v
		}
		return one("set", elems), nil
	case *ir.AddrSet:
		return j.expr(&ir.SetLit{Elems: e.Exprs()}, ctx)
	case *ir.Elem:
		return j.elem(e.Key, e.Timeout(), e.Expires(), e.Comment, e.Counter)
	case *ir.MapLookup:
		k, err := j.expr(e.Key, ctxTop)
		if err != nil {
			return nil, err
		}
		m, err := j.expr(e.Map, ctxTop)
		if err != nil {
			return nil, err
		}
		return one("map", obj("key", k, "data", m)), nil
	case *ir.MapElem:
		k, err := j.expr(e.Key, ctxTop)
		if err != nil {
			return nil, err
		}
		v, err := j.expr(e.Value, ctxTop)
		if err != nil {
			return nil, err
		}
		return []any{k, v}, nil
	case *ir.Concat:
		elems := make([]any, len(e.Elems))
		for i, el := range e.Elems {
			v, err := j.expr(el, ctxBinary)
			if err != nil {
				return nil, err
			}
			elems[i] = v
		}
		return one("concat", elems), nil
	case *ir.SetRef:
		return "@" + e.Name, nil
	case *ir.FlagList:
		return flagList(e.Flags, ctx)
	case *ir.VerdictExpr:
		return verdictJSON(e.Kind, e.Chain)
	case nil:
		return nil, fmt.Errorf("missing expression")
	}
	return nil, fmt.Errorf("JSON output does not know the expression type %T", e)
}

// jsonStringOK rejects strings libnftables would read as something else.
func jsonStringOK(s string) error {
	switch {
	case strings.HasPrefix(s, "@"):
		return fmt.Errorf("string %q: libnftables JSON reads a leading '@' as a set reference", s)
	case s == "*":
		return fmt.Errorf(`string "*": libnftables JSON reads it as a wildcard`)
	case jsonConstants.Get()[s]:
		return fmt.Errorf("string %q: libnftables JSON reads it as a protocol constant", s)
	}
	return nil
}

// payload maps nft's header expressions: "ip saddr" (payload), "frag id"
// (IPv6 extension header), "sctp chunk data flags", "tcp option maxseg
// size", "ip option rr ptr".
func (j *jsonWriter) payload(p *ir.Payload) (any, error) {
	words := strings.Fields(p.Proto + " " + p.Field)
	if len(words) == 0 {
		return nil, fmt.Errorf("empty payload expression")
	}
	named := func(kind string, rest []string) (any, error) {
		switch len(rest) {
		case 1:
			return one(kind, obj("name", rest[0])), nil
		case 2:
			return one(kind, obj("name", rest[0], "field", rest[1])), nil
		}
		return nil, fmt.Errorf("payload %q: cannot split it into header and field", strings.Join(words, " "))
	}
	switch {
	case len(words) >= 3 && words[0] == "sctp" && words[1] == "chunk":
		return named("sctp chunk", words[2:])
	case len(words) >= 3 && words[0] == "tcp" && words[1] == "option":
		field := ""
		if len(words) == 4 {
			field = words[3]
		} else if len(words) > 4 {
			return nil, fmt.Errorf("payload %q: cannot split it into option and field", strings.Join(words, " "))
		}
		return tcpOption(words[2], field)
	case len(words) >= 3 && words[0] == "ip" && words[1] == "option":
		return named("ip option", words[2:])
	case exthdrNames.Get()[words[0]]:
		if words[0] == "rt0" {
			return nil, fmt.Errorf("payload %q: rt0 headers are not supported in JSON output", strings.Join(words, " "))
		}
		return named("exthdr", words)
	case len(words) == 2:
		return one("payload", obj("protocol", words[0], "field", words[1])), nil
	}
	return nil, fmt.Errorf("payload %q: cannot split it into protocol and field", strings.Join(words, " "))
}

// tcpOption writes "tcp option NAME [FIELD]"; a numeric option (kind N)
// has no name in JSON and is written as its raw kind byte.
func tcpOption(name, field string) (any, error) {
	if n, err := parseUint8(name); err == nil {
		if field != "" {
			return nil, fmt.Errorf("tcp option %s %s: a numbered option has no named fields", name, field)
		}
		return one("tcp option", obj("base", uint64(n), "offset", uint64(0), "len", uint64(8))), nil
	}
	o := obj("name", name)
	if field != "" {
		o.set("field", field)
	}
	return one("tcp option", o), nil
}

func parseUint8(s string) (uint8, error) {
	var n uint8
	if s == "" {
		return 0, fmt.Errorf("empty")
	}
	for _, c := range s {
		if c < '0' || c > '9' || n > 25 || (n == 25 && c > '5') {
			return 0, fmt.Errorf("not a byte")
		}
		n = n*10 + uint8(c-'0')
	}
	return n, nil
}

// flagList is "fin,syn" as a JSON list, except as an operand of a binary
// operator, where lists are not allowed and nft's "(fin | syn)" is meant.
func flagList(flags []string, ctx exprCtx) (any, error) {
	if len(flags) == 0 {
		return nil, fmt.Errorf("empty flag list")
	}
	for _, f := range flags {
		if err := jsonStringOK(f); err != nil {
			return nil, err
		}
	}
	if len(flags) == 1 {
		return flags[0], nil
	}
	if ctx == ctxBinary {
		var v any = flags[0]
		for _, f := range flags[1:] {
			v = one("|", []any{v, f})
		}
		return v, nil
	}
	l := make([]any, len(flags))
	for i, f := range flags {
		l[i] = f
	}
	return l, nil
}

// The verdicts without a chain, built once (values are never changed).
var (
	jsonAccept   any = one("accept", nil)
	jsonDrop     any = one("drop", nil)
	jsonReturn   any = one("return", nil)
	jsonContinue any = one("continue", nil)
)

func verdictJSON(k ir.VerdictKind, chain string) (any, error) {
	switch k {
	case ir.VerdictAccept:
		return jsonAccept, nil
	case ir.VerdictDrop:
		return jsonDrop, nil
	case ir.VerdictReturn:
		return jsonReturn, nil
	case ir.VerdictContinue:
		return jsonContinue, nil
	case ir.VerdictJump:
		return one("jump", obj("target", chain)), nil
	case ir.VerdictGoto:
		return one("goto", obj("target", chain)), nil
	}
	return nil, fmt.Errorf("verdict %d cannot be written as a JSON verdict", k)
}

// elem is a set element with attributes (or the plain key without any).
func (j *jsonWriter) elem(key ir.Expr, timeout, expires, comment string, counter *ir.Counter) (any, error) {
	k, err := j.expr(key, ctxTop)
	if err != nil {
		return nil, err
	}
	if timeout == "" && expires == "" && comment == "" && counter == nil {
		return k, nil
	}
	o := obj("val", k)
	if timeout != "" {
		sec, err := j.jsonSeconds(timeout)
		if err != nil {
			return nil, fmt.Errorf("element timeout: %w", err)
		}
		o.set("timeout", sec)
	}
	if expires != "" {
		sec, err := j.jsonSeconds(expires)
		if err != nil {
			return nil, fmt.Errorf("element expires: %w", err)
		}
		o.set("expires", sec)
	}
	if comment != "" {
		o.set("comment", comment)
	}
	if counter != nil {
		return nil, fmt.Errorf("element counter: nft 1.0.6 JSON cannot give a set element a counter")
	}
	return one("elem", o), nil
}

// cannotBeBitmask reports whether a right-hand side is never a bitmask
// value, so that nft's implicit operator means plain equality (or a set
// lookup) and "==" can be written instead of "in".
func cannotBeBitmask(e ir.Expr) bool {
	switch e.(type) {
	case *ir.Addr, *ir.Prefix, *ir.Range, *ir.SetLit, *ir.AddrSet, *ir.SetRef, *ir.String,
		*ir.EtherAddr, *ir.Concat:
		return true
	}
	return false
}

func (j *jsonWriter) match(m *ir.Match) (any, error) {
	op := ""
	_, leftIsBin := m.Left.(*ir.Binary)
	switch {
	case m.Op != ir.CmpEq:
		var ok bool
		if op, ok = jsonCmpOps.Get()[m.Op]; !ok {
			return nil, fmt.Errorf("unknown relational operator %d", m.Op)
		}
	case leftIsBin:
		// The text printer writes "==" here (or "VALUE / MASK", which
		// nft reads the same way).
		op = "=="
	case cannotBeBitmask(m.Right):
		op = "=="
	default:
		// The text has no operator: nft's implicit one, which is a flag
		// test for bitmask types ("ct state new,related") and equality
		// otherwise. libnftables JSON spells it "in".
		op = "in"
	}
	l, err := j.expr(m.Left, ctxTop)
	if err != nil {
		return nil, err
	}
	r, err := j.expr(m.Right, ctxTop)
	if err != nil {
		return nil, err
	}
	return one("match", obj("op", op, "left", l, "right", r)), nil
}

// stmt encodes one statement.
func (j *jsonWriter) stmt(s ir.Stmt) (any, error) {
	switch s := s.(type) {
	case *ir.Match:
		return j.match(s)
	case *ir.Counter:
		if s.HasValues {
			return one("counter", obj("packets", s.Packets, "bytes", s.Bytes)), nil
		}
		return one("counter", nil), nil
	case *ir.Verdict:
		if s.Kind == ir.VerdictQueue {
			return one("queue", nil), nil
		}
		return verdictJSON(s.Kind, s.Chain)
	case *ir.Log:
		return j.log(s)
	case *ir.Limit:
		o := obj("rate", s.Rate, "per", s.Per)
		burst, burstUnit := s.Burst, s.BurstUnit
		if s.RateUnit != "" && s.RateUnit != "packets" {
			o.set("rate_unit", s.RateUnit)
			if burst != 0 {
				if burstUnit == "" {
					burstUnit = "bytes"
				}
				o.set("burst", burst)
				o.set("burst_unit", burstUnit)
			}
		} else {
			if burstUnit != "" && burstUnit != "packets" {
				return nil, fmt.Errorf("limit: a packet rate with a burst in %s", burstUnit)
			}
			if burst == 0 {
				// nft text gives a packet limit without a burst a
				// burst of 5 packets; JSON would give 0.
				burst = 5
			}
			o.set("burst", burst)
		}
		if s.Over {
			o.set("inv", true)
		}
		return one("limit", o), nil
	case *ir.Quota:
		unit := s.Unit
		if unit == "" {
			unit = "bytes"
		}
		o := obj("val", s.Bytes, "val_unit", unit)
		if s.Used != 0 {
			o.set("used", s.Used)
			o.set("used_unit", "bytes")
		}
		if s.Over {
			o.set("inv", true)
		}
		return one("quota", o), nil
	case *ir.Assign:
		if c, ok := s.Key.(*ir.Ct); ok && c.Dir == "" {
			switch c.Key {
			case "helper", "timeout", "expectation":
				// "ct helper set X" is an object reference in nft.
				return j.stmt(&ir.ObjRef{Type: "ct " + c.Key, Name: s.Value})
			}
		}
		k, err := j.expr(s.Key, ctxTop)
		if err != nil {
			return nil, err
		}
		v, err := j.expr(s.Value, ctxTop)
		if err != nil {
			return nil, err
		}
		return one("mangle", obj("key", k, "value", v)), nil
	case *ir.Nat:
		return j.nat(s)
	case *ir.Reject:
		switch s.Type {
		case "":
			return one("reject", nil), nil
		case "tcp reset":
			return one("reject", obj("type", "tcp reset")), nil
		}
		o := obj("type", s.Type)
		if s.Code != "" {
			o.set("expr", s.Code)
		}
		return one("reject", o), nil
	case *ir.Queue:
		o := jobj{}
		if s.Num != nil {
			v, err := j.expr(s.Num, ctxTop)
			if err != nil {
				return nil, err
			}
			o.set("num", v)
		}
		if len(s.Flags) > 0 {
			o.set("flags", stringList(s.Flags))
		}
		if len(o) == 0 {
			return one("queue", nil), nil
		}
		return one("queue", o), nil
	case *ir.Notrack:
		return one("notrack", nil), nil
	case *ir.Dup:
		a, err := j.expr(s.Addr, ctxTop)
		if err != nil {
			return nil, err
		}
		o := obj("addr", a)
		if s.Dev != nil {
			d, err := j.expr(s.Dev, ctxTop)
			if err != nil {
				return nil, err
			}
			o.set("dev", d)
		}
		return one("dup", o), nil
	case *ir.Fwd:
		d, err := j.expr(s.Dev, ctxTop)
		if err != nil {
			return nil, err
		}
		return one("fwd", obj("dev", d)), nil
	case *ir.TProxy:
		o := jobj{}
		if s.Family != "" {
			o.set("family", s.Family)
		}
		if err := j.addrPort(&o, s.Addr, s.Port); err != nil {
			return nil, err
		}
		return one("tproxy", o), nil
	case *ir.Synproxy:
		return j.synproxy(s)
	case *ir.SetUpdate:
		elem, err := j.elem(s.Key, s.Timeout, "", "", nil)
		if err != nil {
			return nil, err
		}
		o := obj("op", s.Op, "elem", elem, "set", "@"+s.Set)
		if len(s.Stmts) > 0 {
			var stmts []any
			for _, st := range s.Stmts {
				v, err := j.stmt(st)
				if err != nil {
					return nil, err
				}
				stmts = append(stmts, v)
			}
			o.set("stmt", stmts)
		}
		return one("set", o), nil
	case *ir.Meter:
		key, err := j.elem(s.Key, s.Timeout, "", "", nil)
		if err != nil {
			return nil, err
		}
		st, err := j.stmt(s.Stmt)
		if err != nil {
			return nil, err
		}
		return one("meter", obj("name", s.Name, "key", key, "stmt", st)), nil
	case *ir.CtCount:
		o := obj("val", uint64(s.Count))
		if s.Over {
			o.set("inv", true)
		}
		return one("ct count", o), nil
	case *ir.VMap:
		k, err := j.expr(s.Key, ctxTop)
		if err != nil {
			return nil, err
		}
		m, err := j.expr(s.Map, ctxTop)
		if err != nil {
			return nil, err
		}
		return one("vmap", obj("key", k, "data", m)), nil
	case *ir.ObjRef:
		switch s.Type {
		case "ct helper", "ct timeout", "ct expectation", "counter", "quota", "limit", "synproxy":
		default:
			return nil, fmt.Errorf("unknown object type %q", s.Type)
		}
		v, err := j.expr(s.Name, ctxTop)
		if err != nil {
			return nil, err
		}
		return one(s.Type, v), nil
	case *ir.Comment:
		return nil, fmt.Errorf("internal error: a note is not a statement")
	case nil:
		return nil, fmt.Errorf("missing statement")
	}
	return nil, fmt.Errorf("JSON output does not know the statement type %T", s)
}

func stringList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

func (j *jsonWriter) nat(s *ir.Nat) (any, error) {
	kind := [...]string{"snat", "dnat", "masquerade", "redirect"}
	if int(s.Kind) >= len(kind) {
		return nil, fmt.Errorf("unknown nat kind %d", s.Kind)
	}
	o := jobj{}
	if s.Family != "" && (s.Addr != nil || s.Prefix || s.AddrPort) {
		o.set("family", s.Family)
	}
	if err := j.addrPort(&o, s.Addr, s.Port); err != nil {
		return nil, err
	}
	flags := stringList(s.Flags)
	if s.Prefix {
		flags = append(flags, "netmap")
	}
	if len(flags) > 0 {
		o.set("flags", flags)
	}
	if s.Prefix {
		o.set("type_flags", []any{"prefix"})
	}
	if len(o) == 0 {
		return one(kind[s.Kind], nil), nil
	}
	return one(kind[s.Kind], o), nil
}

// log writes the log statement; flags are collected into one list.
func (j *jsonWriter) log(s *ir.Log) (any, error) {
	o := jobj{}
	var flags []any
	for _, a := range s.Args {
		switch a.Key {
		case "prefix", "level":
			if a.Value == nil {
				return nil, fmt.Errorf("log %s without a value", a.Key)
			}
			switch v := a.Value.(type) {
			case *ir.String:
				o.set(a.Key, v.Value)
			case *ir.Symbol:
				o.set(a.Key, v.Name)
			default:
				return nil, fmt.Errorf("log %s: unexpected value %T", a.Key, a.Value)
			}
		case "group", "snaplen", "queue-threshold":
			v, ok := a.Value.(*ir.Integer)
			if !ok {
				return nil, fmt.Errorf("log %s: unexpected value %T", a.Key, a.Value)
			}
			o.set(a.Key, v.Value)
		case "flags":
			if a.Value == nil {
				return nil, fmt.Errorf("log flags without a value")
			}
			fl, err := logFlags(j.p.Expr(a.Value))
			if err != nil {
				return nil, err
			}
			flags = append(flags, fl...)
		default:
			return nil, fmt.Errorf("unknown log argument %q", a.Key)
		}
	}
	if len(flags) == 1 {
		o.set("flags", flags[0])
	} else if len(flags) > 1 {
		o.set("flags", flags)
	}
	if len(o) == 0 {
		return one("log", nil), nil
	}
	return one("log", o), nil
}

// logFlags reads the text of nft's log flags ("tcp sequence,options",
// "ip options", "skuid", "ether", "all") as JSON flag names.
func logFlags(text string) ([]any, error) {
	switch text {
	case "ip options", "skuid", "ether", "all":
		return []any{text}, nil
	}
	if rest, ok := strings.CutPrefix(text, "tcp "); ok {
		var out []any
		for _, f := range strings.Split(rest, ",") {
			f = strings.TrimSpace(f)
			if f != "sequence" && f != "options" {
				return nil, fmt.Errorf("unknown log flag tcp %q", f)
			}
			out = append(out, "tcp "+f)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown log flags %q", text)
}

func (j *jsonWriter) synproxy(s *ir.Synproxy) (any, error) {
	o := jobj{}
	var flags []any
	for _, a := range s.Args {
		switch a.Key {
		case "mss", "wscale":
			v, ok := a.Value.(*ir.Integer)
			if !ok {
				return nil, fmt.Errorf("synproxy %s: unexpected value %T", a.Key, a.Value)
			}
			o.set(a.Key, v.Value)
		case "timestamp", "sack-perm":
			flags = append(flags, a.Key)
		default:
			return nil, fmt.Errorf("unknown synproxy argument %q", a.Key)
		}
	}
	if len(flags) > 0 {
		o.set("flags", flags)
	}
	if len(o) == 0 {
		return one("synproxy", nil), nil
	}
	return one("synproxy", o), nil
}

// addrPort sets the "addr" and "port" members of a NAT or tproxy
// statement (either may be nil).
func (j *jsonWriter) addrPort(o *jobj, addr, port ir.Expr) error {
	for _, f := range []struct {
		key string
		e   ir.Expr
	}{{"addr", addr}, {"port", port}} {
		if f.e == nil {
			continue
		}
		v, err := j.expr(f.e, ctxTop)
		if err != nil {
			return err
		}
		o.set(f.key, v)
	}
	return nil
}
