package emit

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := appendJSONValue(nil, v)
	if err != nil {
		t.Fatalf("appendJSONValue: %v", err)
	}
	return string(b)
}

func TestJSONExprShapes(t *testing.T) {
	seed := uint32(7)
	tests := []struct {
		e    ir.Expr
		want string
	}{
		{pl("tcp", "dport"), `{"payload": {"protocol": "tcp", "field": "dport"}}`},
		{pl("frag", "id"), `{"exthdr": {"name": "frag", "field": "id"}}`},
		{pl("sctp chunk data", "flags"), `{"sctp chunk": {"name": "data", "field": "flags"}}`},
		{pl("sctp chunk", "init"), `{"sctp chunk": {"name": "init"}}`},
		{pl("ip option", "rr"), `{"ip option": {"name": "rr"}}`},
		{pl("ip option rr", "ptr"), `{"ip option": {"name": "rr", "field": "ptr"}}`},
		{pl("tcp option maxseg", "size"), `{"tcp option": {"name": "maxseg", "field": "size"}}`},
		{&ir.RawPayload{Base: "nh", Offset: 72, Len: 8}, `{"payload": {"base": "nh", "offset": 72, "len": 8}}`},
		{&ir.Exthdr{Name: "frag"}, `{"exthdr": {"name": "frag"}}`},
		{&ir.TCPOption{Name: "maxseg", Field: "size"}, `{"tcp option": {"name": "maxseg", "field": "size"}}`},
		{&ir.TCPOption{Name: "sack-perm"}, `{"tcp option": {"name": "sack-perm"}}`},
		{&ir.TCPOption{Name: "23"}, `{"tcp option": {"base": 23, "offset": 0, "len": 8}}`},
		{meta("mark"), `{"meta": {"key": "mark"}}`},
		{&ir.Meta{Key: "skuid", Bare: true}, `{"meta": {"key": "skuid"}}`},
		{ct("state"), `{"ct": {"key": "state"}}`},
		{&ir.Ct{Dir: "original", Key: "ip saddr"}, `{"ct": {"key": "ip saddr", "dir": "original"}}`},
		{&ir.Fib{Flags: []string{"saddr", "iif"}, Result: "oif"}, `{"fib": {"result": "oif", "flags": ["saddr", "iif"]}}`},
		{&ir.Socket{Key: "transparent"}, `{"socket": {"key": "transparent"}}`},
		{&ir.Socket{Key: "cgroupv2", Level: 2}, `{"socket": {"key": "cgroupv2", "level": 2}}`},
		{&ir.Rt{Key: "mtu"}, `{"rt": {"key": "mtu"}}`},
		{&ir.Rt{Family: "ip6", Key: "nexthop"}, `{"rt": {"key": "nexthop", "family": "ip6"}}`},
		{&ir.Ipsec{Dir: "in", Key: "reqid"}, `{"ipsec": {"key": "reqid", "dir": "in"}}`},
		{&ir.Ipsec{Dir: "out", Spnum: 2, Key: "ip6 daddr"}, `{"ipsec": {"family": "ip6", "key": "daddr", "dir": "out", "spnum": 2}}`},
		{&ir.Numgen{Mode: "inc", Mod: 2}, `{"numgen": {"mode": "inc", "mod": 2}}`},
		{&ir.Numgen{Mode: "random", Mod: 10, Offset: 5}, `{"numgen": {"mode": "random", "mod": 10, "offset": 5}}`},
		{&ir.Hash{Kind: "jhash", Expr: pl("ip", "saddr"), Mod: 4, Seed: &seed, Offset: 1},
			`{"jhash": {"mod": 4, "offset": 1, "expr": {"payload": {"protocol": "ip", "field": "saddr"}}, "seed": 7}}`},
		{&ir.Hash{Kind: "symhash", Mod: 2}, `{"symhash": {"mod": 2}}`},
		{&ir.Osf{TTL: "loose", Key: "name"}, `{"osf": {"key": "name", "ttl": "loose"}}`},
		{and(meta("mark"), ir.Hex(0xff)), `{"&": [{"meta": {"key": "mark"}}, 255]}`},
		{&ir.Binary{Op: ir.OpLShift, Left: meta("mark"), Right: ir.Int(8), Words: true, Paren: true}, `{"<<": [{"meta": {"key": "mark"}}, 8]}`},
		{&ir.Binary{Op: ir.OpRShift, Left: ct("mark"), Right: ir.Int(1)}, `{">>": [{"ct": {"key": "mark"}}, 1]}`},
		{&ir.Binary{Op: ir.OpXor, Left: ct("mark"), Right: ir.Int(1)}, `{"^": [{"ct": {"key": "mark"}}, 1]}`},
		{or(and(ct("mark"), ir.Hex(0xffff0000)), ir.Int(1)), `{"|": [{"&": [{"ct": {"key": "mark"}}, 4294901760]}, 1]}`},
		{and(pl("tcp", "flags"), flags("fin", "syn", "rst")), `{"&": [{"payload": {"protocol": "tcp", "field": "flags"}}, {"|": [{"|": ["fin", "syn"]}, "rst"]}]}`},
		{&ir.Integer{Value: 1, Base: 16, Width: 8}, `1`},
		{ir.Str(`a "quoted" $name` + "\n"), `"a \"quoted\" $name\n"`},
		{&ir.String{Value: "eth*", Bare: true}, `"eth*"`},
		{ir.Sym("new"), `"new"`},
		{ir.Sym("exists"), `true`},
		{ir.Sym("missing"), `false`},
		{addr("10.0.0.1"), `"10.0.0.1"`},
		{addr("fe80::1"), `"fe80::1"`},
		{pfx("10.0.0.0/8"), `{"prefix": {"addr": "10.0.0.0", "len": 8}}`},
		{&ir.EtherAddr{Addr: [6]byte{0, 0x11, 0x22, 0x33, 0x44, 0xff}}, `"00:11:22:33:44:ff"`},
		{ir.IntRange(1, 1023), `{"range": [1, 1023]}`},
		{set(ir.Int(22), ir.Int(80)), `{"set": [22, 80]}`},
		{set(me(addr("1.1.1.1"), vx(ir.VerdictAccept, ""))), `{"set": [["1.1.1.1", {"accept": null}]]}`},
		{&ir.Elem{Key: ir.Int(22), Comment: "ssh", Times: &ir.ElemTimes{Timeout: "1m30s", Expires: "10s"}}, `{"elem": {"val": 22, "timeout": 90, "expires": 10, "comment": "ssh"}}`},
		{&ir.Elem{Key: ir.Int(22)}, `22`},
		{me(ir.Int(1), addr("10.0.0.1")), `[1, "10.0.0.1"]`},
		{cat(pl("ip", "saddr"), pl("tcp", "dport")), `{"concat": [{"payload": {"protocol": "ip", "field": "saddr"}}, {"payload": {"protocol": "tcp", "field": "dport"}}]}`},
		{&ir.SetRef{Name: "my set"}, `"@my set"`},
		{flags("new", "related"), `["new", "related"]`},
		{flags("syn"), `"syn"`},
		{vx(ir.VerdictJump, "c2"), `{"jump": {"target": "c2"}}`},
		{vx(ir.VerdictGoto, "c2"), `{"goto": {"target": "c2"}}`},
		{vx(ir.VerdictDrop, ""), `{"drop": null}`},
		{vx(ir.VerdictReturn, ""), `{"return": null}`},
		{vx(ir.VerdictContinue, ""), `{"continue": null}`},
	}
	j := &jsonWriter{}
	for _, tt := range tests {
		v, err := j.expr(tt.e, ctxTop)
		if err != nil {
			t.Errorf("%s: %v", j.p.Expr(tt.e), err)
			continue
		}
		if got := jsonText(t, v); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", j.p.Expr(tt.e), got, tt.want)
		}
	}
}

func TestJSONStmtShapes(t *testing.T) {
	tests := []struct {
		s    ir.Stmt
		want string
	}{
		// Relational operators: nft's implicit operator is "in" unless the
		// right side cannot be a bitmask.
		{ir.Eq(pl("tcp", "dport"), ir.Int(22)), `{"match": {"op": "in", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}}`},
		{ir.Eq(ct("state"), flags("new", "related")), `{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["new", "related"]}}`},
		{&ir.Match{Left: ct("state"), Right: ir.Sym("new"), Spell: ir.SpellSymbol}, `{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": "new"}}`},
		{ir.Eq(pl("ip", "saddr"), addr("1.2.3.4")), `{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "1.2.3.4"}}`},
		{ir.Eq(pl("tcp", "dport"), &ir.SetRef{Name: "s"}), `{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": "@s"}}`},
		{ir.Eq(meta("iifname"), ir.Str("eth0")), `{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "eth0"}}`},
		{ir.Cmp(meta("mark"), ir.CmpNe, ir.Int(1)), `{"match": {"op": "!=", "left": {"meta": {"key": "mark"}}, "right": 1}}`},
		{&ir.Match{Left: meta("mark"), Op: ir.CmpGt, Right: ir.Int(1), Spell: ir.SpellWord}, `{"match": {"op": ">", "left": {"meta": {"key": "mark"}}, "right": 1}}`},
		{ir.Cmp(meta("mark"), ir.CmpLt, ir.Int(1)), `{"match": {"op": "<", "left": {"meta": {"key": "mark"}}, "right": 1}}`},
		{ir.Cmp(meta("mark"), ir.CmpLe, ir.Int(1)), `{"match": {"op": "<=", "left": {"meta": {"key": "mark"}}, "right": 1}}`},
		{ir.Cmp(meta("mark"), ir.CmpGe, ir.Int(1)), `{"match": {"op": ">=", "left": {"meta": {"key": "mark"}}, "right": 1}}`},
		{ir.Cmp(ct("status"), ir.CmpNeg, ir.Sym("dnat")), `{"match": {"op": "!", "left": {"ct": {"key": "status"}}, "right": "dnat"}}`},
		{ir.Eq(and(meta("mark"), ir.Hex(0xff)), ir.Int(1)), `{"match": {"op": "==", "left": {"&": [{"meta": {"key": "mark"}}, 255]}, "right": 1}}`},
		{&ir.Match{Left: and(pl("tcp", "flags"), flags("syn", "ack")), Right: flags("syn"), Spell: ir.SpellSlash},
			`{"match": {"op": "==", "left": {"&": [{"payload": {"protocol": "tcp", "field": "flags"}}, {"|": ["syn", "ack"]}]}, "right": "syn"}}`},
		{ir.Eq(&ir.Exthdr{Name: "frag"}, ir.Sym("exists")), `{"match": {"op": "in", "left": {"exthdr": {"name": "frag"}}, "right": true}}`},

		{&ir.Counter{}, `{"counter": null}`},
		{&ir.Counter{Packets: 1, Bytes: 60, HasValues: true}, `{"counter": {"packets": 1, "bytes": 60}}`},
		{accept, `{"accept": null}`},
		{drop, `{"drop": null}`},
		{verdict(ir.VerdictReturn), `{"return": null}`},
		{verdict(ir.VerdictContinue), `{"continue": null}`},
		{&ir.Verdict{Kind: ir.VerdictJump, Chain: "x"}, `{"jump": {"target": "x"}}`},
		{&ir.Verdict{Kind: ir.VerdictGoto, Chain: "x"}, `{"goto": {"target": "x"}}`},
		{verdict(ir.VerdictQueue), `{"queue": null}`},
		{&ir.Log{Args: []ir.LogArg{logArg("prefix", ir.Str(`"$x" `)), logArg("level", ir.Sym("info")), logArg("flags", ir.Sym("all"))}},
			`{"log": {"prefix": "\"$x\" ", "level": "info", "flags": "all"}}`},
		{&ir.Log{Args: []ir.LogArg{logArg("group", ir.Int(2)), logArg("snaplen", ir.Int(64)), logArg("queue-threshold", ir.Int(3))}},
			`{"log": {"group": 2, "snaplen": 64, "queue-threshold": 3}}`},
		{&ir.Log{Args: []ir.LogArg{logArg("flags", ir.Sym("tcp sequence,options")), logArg("flags", ir.Sym("ip options")), logArg("flags", ir.Sym("skuid"))}},
			`{"log": {"flags": ["tcp sequence", "tcp options", "ip options", "skuid"]}}`},
		{&ir.Log{}, `{"log": null}`},
		{&ir.Limit{Rate: 10, Per: "second"}, `{"limit": {"rate": 10, "per": "second", "burst": 5}}`},
		{&ir.Limit{Over: true, Rate: 10, Per: "minute", Burst: 20, BurstUnit: "packets"}, `{"limit": {"rate": 10, "per": "minute", "burst": 20, "inv": true}}`},
		{&ir.Limit{Rate: 1, RateUnit: "mbytes", Per: "second"}, `{"limit": {"rate": 1, "per": "second", "rate_unit": "mbytes"}}`},
		{&ir.Limit{Rate: 1, RateUnit: "kbytes", Per: "day", Burst: 2, BurstUnit: "mbytes"}, `{"limit": {"rate": 1, "per": "day", "rate_unit": "kbytes", "burst": 2, "burst_unit": "mbytes"}}`},
		{&ir.Quota{Over: true, Bytes: 10, Unit: "mbytes"}, `{"quota": {"val": 10, "val_unit": "mbytes", "inv": true}}`},
		{&ir.Quota{Bytes: 10, Used: 5}, `{"quota": {"val": 10, "val_unit": "bytes", "used": 5, "used_unit": "bytes"}}`},
		{&ir.Assign{Key: meta("mark"), Value: ir.Hex(1)}, `{"mangle": {"key": {"meta": {"key": "mark"}}, "value": 1}}`},
		{&ir.Assign{Key: ct("event"), Value: flags("new", "related")}, `{"mangle": {"key": {"ct": {"key": "event"}}, "value": ["new", "related"]}}`},
		{&ir.Assign{Key: ct("helper"), Value: ir.Str("ftp")}, `{"ct helper": "ftp"}`},
		{&ir.Nat{Kind: ir.NatSNAT, Addr: addr("1.2.3.4")}, `{"snat": {"addr": "1.2.3.4"}}`},
		{&ir.Nat{Kind: ir.NatDNAT, Family: "ip", Addr: addr("1.2.3.4"), Port: ir.Int(80), Flags: []string{"persistent"}},
			`{"dnat": {"family": "ip", "addr": "1.2.3.4", "port": 80, "flags": ["persistent"]}}`},
		{&ir.Nat{Kind: ir.NatSNAT, Family: "ip", Prefix: true, Addr: pfx("10.0.0.0/24")},
			`{"snat": {"family": "ip", "addr": {"prefix": {"addr": "10.0.0.0", "len": 24}}, "flags": ["netmap"], "type_flags": ["prefix"]}}`},
		{&ir.Nat{Kind: ir.NatMasquerade, Family: "ip"}, `{"masquerade": null}`},
		{&ir.Nat{Kind: ir.NatMasquerade, Port: ir.IntRange(1, 2), Flags: []string{"random"}}, `{"masquerade": {"port": {"range": [1, 2]}, "flags": ["random"]}}`},
		{&ir.Nat{Kind: ir.NatRedirect, Port: ir.Int(8080)}, `{"redirect": {"port": 8080}}`},
		{&ir.Reject{}, `{"reject": null}`},
		{&ir.Reject{Type: "tcp reset"}, `{"reject": {"type": "tcp reset"}}`},
		{&ir.Reject{Type: "icmpx", Code: "admin-prohibited"}, `{"reject": {"type": "icmpx", "expr": "admin-prohibited"}}`},
		{&ir.Queue{Num: ir.Int(3), Flags: []string{"bypass"}}, `{"queue": {"num": 3, "flags": ["bypass"]}}`},
		{&ir.Queue{Num: ir.IntRange(1, 4), Flags: []string{"bypass", "fanout"}}, `{"queue": {"num": {"range": [1, 4]}, "flags": ["bypass", "fanout"]}}`},
		{&ir.Queue{}, `{"queue": null}`},
		{&ir.Notrack{}, `{"notrack": null}`},
		{&ir.Dup{Addr: addr("1.2.3.4"), Dev: ir.Str("eth0")}, `{"dup": {"addr": "1.2.3.4", "dev": "eth0"}}`},
		{&ir.Dup{Addr: ir.Str("eth0")}, `{"dup": {"addr": "eth0"}}`},
		{&ir.Fwd{Dev: ir.Str("eth0")}, `{"fwd": {"dev": "eth0"}}`},
		{&ir.TProxy{Family: "ip", Addr: addr("1.2.3.4"), Port: ir.Int(80)}, `{"tproxy": {"family": "ip", "addr": "1.2.3.4", "port": 80}}`},
		{&ir.TProxy{Port: ir.Int(80)}, `{"tproxy": {"port": 80}}`},
		{&ir.Synproxy{Args: []ir.LogArg{logArg("mss", ir.Int(1460)), logArg("wscale", ir.Int(7)), {Key: "timestamp"}, {Key: "sack-perm"}}},
			`{"synproxy": {"mss": 1460, "wscale": 7, "flags": ["timestamp", "sack-perm"]}}`},
		{&ir.Synproxy{}, `{"synproxy": null}`},
		{&ir.SetUpdate{Op: "add", Set: "s", Key: pl("ip", "saddr")}, `{"set": {"op": "add", "elem": {"payload": {"protocol": "ip", "field": "saddr"}}, "set": "@s"}}`},
		{&ir.SetUpdate{Op: "update", Set: "s", Key: pl("ip", "saddr"), Timeout: "1m", Stmts: []ir.Stmt{&ir.CtCount{Over: true, Count: 3}, &ir.Counter{}}},
			`{"set": {"op": "update", "elem": {"elem": {"val": {"payload": {"protocol": "ip", "field": "saddr"}}, "timeout": 60}}, "set": "@s", "stmt": [{"ct count": {"val": 3, "inv": true}}, {"counter": null}]}}`},
		{&ir.Meter{Name: "m", Key: pl("ip", "saddr"), Stmt: &ir.Limit{Rate: 1, Per: "second"}},
			`{"meter": {"name": "m", "key": {"payload": {"protocol": "ip", "field": "saddr"}}, "stmt": {"limit": {"rate": 1, "per": "second", "burst": 5}}}}`},
		{&ir.CtCount{Count: 3}, `{"ct count": {"val": 3}}`},
		{&ir.VMap{Key: pl("ip", "saddr"), Map: &ir.SetRef{Name: "m"}}, `{"vmap": {"key": {"payload": {"protocol": "ip", "field": "saddr"}}, "data": "@m"}}`},
		{&ir.ObjRef{Type: "ct helper", Name: ir.Str("ftp")}, `{"ct helper": "ftp"}`},
		{&ir.ObjRef{Type: "ct timeout", Name: ir.Str("t")}, `{"ct timeout": "t"}`},
		{&ir.ObjRef{Type: "counter", Name: ir.Str("c")}, `{"counter": "c"}`},
		{&ir.ObjRef{Type: "quota", Name: ir.Str("q")}, `{"quota": "q"}`},
		{&ir.ObjRef{Type: "limit", Name: ir.Str("l")}, `{"limit": "l"}`},
	}
	j := &jsonWriter{}
	for _, tt := range tests {
		v, err := j.stmt(tt.s)
		if err != nil {
			t.Errorf("%s: %v", j.p.Stmt(tt.s), err)
			continue
		}
		if got := jsonText(t, v); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", j.p.Stmt(tt.s), got, tt.want)
		}
	}
}

// Types from outside this file's switch, to check that unknown nodes are
// errors that name them.
type futureExpr struct{ *ir.Payload }
type futureStmt struct{ *ir.Notrack }

func TestJSONErrors(t *testing.T) {
	exprs := []struct {
		e    ir.Expr
		want string
	}{
		{futureExpr{}, "emit.futureExpr"},
		{ir.Str("@x"), "set reference"},
		{ir.Str("*"), "wildcard"},
		{ir.Str("tcp"), "protocol constant"},
		{&ir.Elem{Key: ir.Int(1), Counter: &ir.Counter{}}, "element counter"},
		{vx(ir.VerdictQueue, ""), "verdict"},
		{pl("ip", ""), "cannot split"},
		{&ir.RawPayload{Base: "ih", Offset: 0, Len: 8}, "inner header"},
		{nil, "missing expression"},
	}
	j := &jsonWriter{}
	for _, tt := range exprs {
		_, err := j.expr(tt.e, ctxTop)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%T: got error %v, want one containing %q", tt.e, err, tt.want)
		}
	}
	stmts := []struct {
		s    ir.Stmt
		want string
	}{
		{futureStmt{}, "emit.futureStmt"},
		{&ir.ObjRef{Type: "flowtable", Name: ir.Str("f")}, "object type"},
		{&ir.Log{Args: []ir.LogArg{logArg("flags", ir.Sym("bogus"))}}, "log flags"},
		{&ir.Limit{Rate: 1, Per: "second", Burst: 5, BurstUnit: "bytes"}, "burst"},
		{&ir.Match{Left: futureExpr{}, Right: ir.Int(1)}, "futureExpr"},
	}
	for _, tt := range stmts {
		_, err := j.stmt(tt.s)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%T: got error %v, want one containing %q", tt.s, err, tt.want)
		}
	}
	// Errors name where they are.
	rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "f", Chains: []*ir.Chain{
		regular("c", rule(accept), rule(&ir.Match{Left: futureExpr{}, Right: ir.Int(1)})),
	}}}}
	err := WriteJSON(&strings.Builder{}, rs)
	if err == nil || !strings.Contains(err.Error(), "table ip f: chain c: rule 1") || !strings.Contains(err.Error(), "futureExpr") {
		t.Errorf("got %v", err)
	}
	if _, err := appendJSONValue(nil, uint64(1)<<63); err == nil {
		t.Error("an integer above 2^63-1 was written")
	}
	for _, s := range []*ir.Set{
		{Name: "s", Type: "ipv4_addr", Counter: true},
		{Name: "s", Typeof: &ir.Osf{Key: "name"}},
		{Name: "s", Type: "ipv4_addr", Timeout: "1x"},
	} {
		rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "f", Sets: []*ir.Set{s}}}}
		if err := WriteJSON(&strings.Builder{}, rs); err == nil || !strings.Contains(err.Error(), "set s") {
			t.Errorf("set %+v: got %v", s, err)
		}
	}
	if _, err := PriorityValue(ir.FamilyIP, prio("out", 0)); err == nil {
		t.Error(`priority "out" accepted outside the bridge family`)
	}
}

func TestJSONDocument(t *testing.T) {
	tbl := &ir.Table{
		Family: ir.FamilyIP, Name: "filter", Comment: "the table",
		CtHelpers: []*ir.CtHelper{{Name: "h", Helper: "ftp", Protocol: "tcp"}},
		Sets: []*ir.Set{
			{Name: "s", Typeof: cat(pl("ip", "saddr"), pl("tcp", "dport")), Flags: []string{"dynamic", "timeout"}, Timeout: "2m", GCInt: "30s", Size: 10, Policy: "memory", Comment: `set "c"`},
			{Name: "m", Type: "ipv4_addr", Map: "verdict", Elements: []ir.Expr{me(addr("1.2.3.4"), vx(ir.VerdictJump, "c"))}},
		},
		Chains: []*ir.Chain{
			{Name: "INPUT", Hook: &ir.Hook{Type: "filter", Hook: "input", Priority: prio("filter", -10), Policy: "drop"}, Comment: "in",
				Rules: []*ir.Rule{
					commented("line\nbreak \"q\"", accept),
					ir.UntranslatedRule(nil, "-A INPUT -m x", &ir.Untranslated{Reason: "why", Effect: "what", Pos: ir.Pos{File: "f", Line: 3, Col: 1}}),
					rule(&ir.Comment{Text: "dropped --foo"}, drop),
				}},
			{Name: "c"},
			{Name: "ingress", Hook: &ir.Hook{Type: "filter", Hook: "ingress", Device: "eth0", Priority: prio("", 5)}},
		},
	}
	var b strings.Builder
	if err := WriteJSON(&b, &ir.Ruleset{Tables: []*ir.Table{tbl}}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Nftables []json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b.String())
	}
	var got []string
	for _, c := range doc.Nftables {
		got = append(got, string(c))
	}
	want := []string{
		`{"metainfo": {"json_schema_version": 1, "ipt2nft": {` +
			`"untranslated": [{"family": "ip", "table": "filter", "chain": "INPUT", "position": 1, "source": "-A INPUT -m x", "reason": "why", "effect": "what", "origin": "f:3:1"}], ` +
			`"notes": [{"family": "ip", "table": "filter", "chain": "INPUT", "position": 1, "note": "dropped --foo"}], ` +
			`"comments": [{"family": "ip", "table": "filter", "comment": "the table"}, {"family": "ip", "table": "filter", "chain": "INPUT", "comment": "in"}, {"family": "ip", "table": "filter", "set": "s", "comment": "set \"c\""}]}}}`,
		`{"add": {"table": {"family": "ip", "name": "filter"}}}`,
		`{"delete": {"table": {"family": "ip", "name": "filter"}}}`,
		`{"add": {"table": {"family": "ip", "name": "filter"}}}`,
		`{"add": {"chain": {"family": "ip", "table": "filter", "name": "INPUT", "type": "filter", "hook": "input", "prio": -10, "policy": "drop"}}}`,
		`{"add": {"chain": {"family": "ip", "table": "filter", "name": "c"}}}`,
		`{"add": {"chain": {"family": "ip", "table": "filter", "name": "ingress", "type": "filter", "hook": "ingress", "prio": 5, "dev": "eth0"}}}`,
		`{"add": {"ct helper": {"family": "ip", "table": "filter", "name": "h", "type": "ftp", "protocol": "tcp"}}}`,
		`{"add": {"set": {"family": "ip", "table": "filter", "name": "s", "type": ["ipv4_addr", "inet_service"], "flags": ["timeout"], "timeout": 120, "gc-interval": 30, "size": 10, "policy": "memory"}}}`,
		`{"add": {"map": {"family": "ip", "table": "filter", "name": "m", "type": "ipv4_addr", "map": "verdict", "elem": [["1.2.3.4", {"jump": {"target": "c"}}]]}}}`,
		`{"add": {"rule": {"family": "ip", "table": "filter", "chain": "INPUT", "expr": [{"accept": null}], "comment": "line\nbreak \"q\""}}}`,
		`{"add": {"rule": {"family": "ip", "table": "filter", "chain": "INPUT", "expr": [{"drop": null}]}}}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// One command per line.
	if n := strings.Count(b.String(), "\n"); n != len(want)+2 {
		t.Errorf("%d lines, want %d:\n%s", n, len(want)+2, b.String())
	}
}

func TestJSONEmptyRuleset(t *testing.T) {
	var b strings.Builder
	if err := WriteJSON(&b, &ir.Ruleset{}); err != nil {
		t.Fatal(err)
	}
	if want := "{\"nftables\": [\n  {\"metainfo\": {\"json_schema_version\": 1}}\n]}\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestParseNftTime(t *testing.T) {
	for in, want := range map[string]uint64{
		"60": 60000, "60s": 60000, "1m": 60000, "1h30m": 5400000, "2d": 172800000, "1d2h3m4s5ms": 93784005, "250ms": 250,
	} {
		if got, err := parseNftTime(in); err != nil || got != want {
			t.Errorf("parseNftTime(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "s", "1x", "1m2", "-1s"} {
		if _, err := parseNftTime(in); err == nil {
			t.Errorf("parseNftTime(%q) accepted", in)
		}
	}
}

func TestPriorityValue(t *testing.T) {
	tests := []struct {
		fam  ir.Family
		pr   ir.Priority
		want int
	}{
		{ir.FamilyIP, prio("", -150), -150},
		{ir.FamilyIP, prio("raw", 0), -300},
		{ir.FamilyInet, prio("mangle", 0), -150},
		{ir.FamilyIP6, prio("dstnat", 0), -100},
		{ir.FamilyIP, prio("filter", 10), 10},
		{ir.FamilyIP, prio("security", 0), 50},
		{ir.FamilyIP, prio("srcnat", -1), 99},
		{ir.FamilyBridge, prio("dstnat", 0), -300},
		{ir.FamilyBridge, prio("filter", 0), -200},
		{ir.FamilyBridge, prio("out", 0), 100},
		{ir.FamilyBridge, prio("srcnat", 0), 300},
	}
	for _, tt := range tests {
		got, err := PriorityValue(tt.fam, tt.pr)
		if err != nil || got != tt.want {
			t.Errorf("%s %s: got %d, %v; want %d", tt.fam, PriorityText(tt.pr), got, err, tt.want)
		}
	}
}

// TestJSONRoundsTimeouts: JSON takes whole seconds; a millisecond timeout
// is rounded up and the change noted in metainfo.
func TestJSONRoundsTimeouts(t *testing.T) {
	rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "t", Sets: []*ir.Set{{
		Name: "s", Type: "ipv4_addr", Flags: []string{"timeout"}, Timeout: "31s991ms"}}}}}
	var b strings.Builder
	if err := WriteJSON(&b, rs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"timeout": 32`) || !strings.Contains(b.String(), "rounded up to 32s") {
		t.Errorf("timeout not rounded up with a note:\n%s", b.String())
	}
}

// FuzzJSONString holds appendJSONString to encoding/json (without HTML
// escaping, as the JSON output always had).
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uote`, `b\s`, "\x00\x1f\x7f\b\f\n\r\t", "<>&",
		"\u2028\u2029", "\xff", "a\xc3", "\xed\xa0\x80", "日本", "\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var sb strings.Builder
		enc := json.NewEncoder(&sb)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(sb.String(), "\n")
		if got := string(appendJSONString([]byte("x"), s)); got != "x"+want {
			t.Errorf("%q: got %s, want x%s", s, got, want)
		}
	})
}

// TestJSONErrorOrder: WriteJSON fails as the tree-built output did, with
// nothing written: a command that cannot be built wins over an earlier
// one that cannot be encoded, and that one over the rest.
func TestJSONErrorOrder(t *testing.T) {
	big := rule(&ir.Match{Left: &ir.Meta{Key: "mark"}, Right: &ir.Integer{Value: 1 << 63}}, accept)
	future := rule(&ir.Match{Left: futureExpr{}, Right: ir.Int(1)})
	for _, chains := range [][]*ir.Chain{
		{regular("a", big), regular("b", future)},
		{regular("a", rule(accept), big, rule(accept))},
	} {
		rs := &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "f", Chains: chains}}}
		var b strings.Builder
		err := WriteJSON(&b, rs)
		_, want := RefJSON(rs)
		if err == nil || want == nil || err.Error() != want.Error() || b.Len() != 0 {
			t.Errorf("got %v and %d bytes, want %v and nothing", err, b.Len(), want)
		}
	}
}
