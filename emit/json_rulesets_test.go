package emit

import (
	"github.com/ipt2nft/ipt2nft/ir"
)

// Representative rulesets for the JSON kernel test: together they use
// every IR node that nft 1.0.6 loads on this kernel (queue is tested by
// shape, see TestJSONKernelQueue).

// inetFilter is an inet filter table. full adds what the JSON output
// carries in metainfo only (table, chain and set comments) or spells
// differently (a typeof set); without it, it is the text equivalent.
func inetFilter(full bool) *ir.Ruleset {
	seed := uint32(0xdeadbeef)
	t := &ir.Table{Family: ir.FamilyInet, Name: "t"}
	if full {
		t.Comment = "filter table"
	}
	t.CtHelpers = []*ir.CtHelper{{Name: "ftp-21", Helper: "ftp", Protocol: "tcp", L3Proto: "inet"}}
	dyn := &ir.Set{Name: "s_dyn", Flags: []string{"dynamic"}, Size: 65535}
	if full {
		dyn.Typeof = pl("ip", "saddr")
	} else {
		dyn.Type = "ipv4_addr"
	}
	t.Sets = []*ir.Set{
		{
			Name: "s_addrport", Type: "ipv4_addr . inet_service", Flags: []string{"interval", "timeout"},
			Timeout: "1m", Size: 1000,
			Elements: []ir.Expr{
				&ir.Elem{Key: cat(addr("10.0.0.1"), ir.Int(22)), Comment: "x", Times: &ir.ElemTimes{Timeout: "1h"}},
				cat(pfx("10.1.0.0/16"), ir.IntRange(80, 90)),
			},
		},
		{
			Name: "m_vd", Type: "ipv4_addr", Map: "verdict",
			Elements: []ir.Expr{
				me(addr("1.2.3.4"), vx(ir.VerdictJump, "c2")),
				me(addr("5.6.7.8"), vx(ir.VerdictDrop, "")),
			},
		},
		dyn,
		{Name: "s_dyn_to", Type: "ipv4_addr", Flags: []string{"dynamic", "timeout"}, Timeout: "1m", GCInt: "10s"},
		{
			Name: "s_ports", Type: "inet_service", Flags: []string{"interval"}, Policy: "memory",
			Elements: []ir.Expr{ir.IntRange(1000, 2000), ir.Int(22)},
		},
		{
			Name: "m_mark", Type: "mark", Map: "ipv4_addr",
			Elements: []ir.Expr{me(ir.Hex(1), addr("10.0.0.1")), me(ir.Int(2), addr("10.0.0.2"))},
		},
		{Name: "s_if", Type: "ifname", Flags: []string{"constant"}, Elements: []ir.Expr{ir.Str("eth0"), ir.Str("lo")}},
	}
	c1 := base("c1", "filter", "input", prio("filter", 10), "drop",
		commented("hi, $net – ok",
			ir.Eq(pl("tcp", "dport"), set(ir.Int(22), ir.Int(80))),
			ir.Eq(ct("state"), flags("new", "established")),
			&ir.Counter{}, accept),
		rule(&ir.Match{Left: and(pl("tcp", "flags"), flags("fin", "syn", "rst", "ack")), Right: flags("syn"), Spell: ir.SpellSlash}, drop),
		rule(&ir.Match{Left: and(pl("tcp", "flags"), flags("fin", "syn", "ack")), Op: ir.CmpNe, Right: flags("syn", "ack"), Spell: ir.SpellSlash}, drop),
		rule(&ir.Match{Left: and(pl("tcp", "flags"), flags("syn")), Right: flags("syn"), Spell: ir.SpellSlash}, drop),
		rule(ir.Eq(pl("tcp", "flags"), flags("syn", "ack"))),
		rule(ir.Eq(pl("tcp", "flags"), flags("syn"))),
		rule(ir.Cmp(pl("tcp", "flags"), ir.CmpNeg, flags("syn", "ack"))),
		rule(ir.Cmp(ct("state"), ir.CmpNeg, ir.Sym("new"))),
		rule(ir.Eq(ct("state"), set(ir.Sym("established"), ir.Sym("related"))), accept),
		rule(ir.Eq(and(pl("ip", "saddr"), addr("255.255.0.0")), addr("10.1.0.0")), accept),
		rule(ir.Cmp(and(meta("mark"), ir.Hex(0xff)), ir.CmpNe, ir.Hex(1)), &ir.Assign{Key: meta("mark"), Value: ir.Hex(2)}),
		rule(&ir.Assign{Key: ct("mark"), Value: or(and(ct("mark"), ir.Hex(0xffff0000)), ir.Hex(1))}),
		rule(&ir.Assign{Key: meta("mark"), Value: &ir.Binary{Op: ir.OpXor, Left: meta("mark"), Right: ir.Int(16)}}),
		rule(ir.Eq(meta("iifname"), ir.Str("eth*")), ir.Cmp(meta("oifname"), ir.CmpNe, ir.Str("lo")), verdict(ir.VerdictReturn)),
		rule(ir.Eq(meta("iifname"), &ir.SetRef{Name: "s_if"}), accept),
		rule(ir.Eq(pl("ip", "saddr"), pfx("10.0.0.0/8")),
			&ir.Log{Args: []ir.LogArg{logArg("prefix", ir.Str("pfx ")), logArg("level", ir.Sym("info")), logArg("flags", ir.Sym("all"))}}),
		rule(&ir.Log{Args: []ir.LogArg{logArg("flags", ir.Sym("tcp sequence,options")), logArg("flags", ir.Sym("ip options"))}}),
		rule(&ir.Log{Args: []ir.LogArg{logArg("group", ir.Int(2)), logArg("snaplen", ir.Int(100)), logArg("queue-threshold", ir.Int(2))}}),
		rule(&ir.Log{}),
		rule(&ir.Limit{Over: true, Rate: 10, Per: "second"}, drop),
		rule(&ir.Limit{Rate: 1, RateUnit: "mbytes", Per: "second"}),
		rule(&ir.Limit{Rate: 5, Per: "minute", Burst: 10, BurstUnit: "packets"}),
		rule(&ir.Limit{Rate: 2, RateUnit: "kbytes", Per: "hour", Burst: 4, BurstUnit: "kbytes"}),
		rule(&ir.Quota{Over: true, Bytes: 100, Unit: "mbytes"}, drop),
		rule(&ir.Quota{Bytes: 5000, Used: 100}),
		rule(&ir.VMap{Key: pl("ip", "saddr"), Map: &ir.SetRef{Name: "m_vd"}}),
		rule(&ir.VMap{Key: pl("ip", "daddr"), Map: set(me(addr("1.1.1.1"), vx(ir.VerdictAccept, "")), me(addr("2.2.2.2"), vx(ir.VerdictGoto, "c2")))}),
		rule(&ir.VMap{Key: cat(meta("iifname"), pl("tcp", "dport")), Map: set(me(cat(ir.Str("eth0"), ir.Int(22)), vx(ir.VerdictAccept, "")))}),
		rule(&ir.SetUpdate{Op: "add", Set: "s_dyn", Key: pl("ip", "saddr"), Stmts: []ir.Stmt{&ir.Limit{Rate: 10, Per: "second"}}}, accept),
		rule(&ir.SetUpdate{Op: "update", Set: "s_dyn", Key: pl("ip", "saddr"), Stmts: []ir.Stmt{&ir.CtCount{Over: true, Count: 5}}}, drop),
		rule(&ir.SetUpdate{Op: "update", Set: "s_dyn_to", Key: pl("ip", "saddr"), Timeout: "30s", Stmts: []ir.Stmt{&ir.Counter{}}}),
		rule(&ir.SetUpdate{Op: "delete", Set: "s_dyn", Key: pl("ip", "saddr")}),
		rule(&ir.Meter{Name: "m1", Key: pl("ip", "saddr"), Timeout: "1m", Stmt: &ir.Limit{Rate: 10, Per: "second"}}),
		rule(&ir.Assign{Key: &ir.TCPOption{Name: "maxseg", Field: "size"}, Value: ir.Int(1400)}),
		rule(ir.Eq(&ir.TCPOption{Name: "23"}, ir.Sym("exists"))),
		rule(ir.Eq(&ir.TCPOption{Name: "sack-perm"}, ir.Sym("missing"))),
		rule(ir.Cmp(&ir.TCPOption{Name: "maxseg", Field: "size"}, ir.CmpGt, ir.Int(1400))),
		rule(ir.Eq(&ir.Exthdr{Name: "frag"}, ir.Sym("exists"))),
		rule(ir.Eq(&ir.Fib{Flags: []string{"saddr", "iif"}, Result: "oif"}, ir.Sym("missing")), drop),
		rule(ir.Eq(&ir.Fib{Flags: []string{"daddr"}, Result: "type"}, ir.Sym("local"))),
		rule(ir.Eq(meta("l4proto"), ir.Sym("tcp")), &ir.Reject{Type: "tcp reset"}),
		rule(&ir.Reject{Type: "icmpx", Code: "admin-prohibited"}),
		rule(ir.Eq(meta("nfproto"), ir.Sym("ipv4")), &ir.Reject{Type: "icmp", Code: "host-unreachable"}),
		rule(&ir.Reject{}),
		rule(&ir.ObjRef{Type: "ct helper", Name: ir.Str("ftp-21")}),
		rule(&ir.Assign{Key: ct("helper"), Value: ir.Str("ftp-21")}),
		rule(ir.Eq(&ir.RawPayload{Base: "nh", Offset: 72, Len: 8}, ir.Int(6))),
		rule(ir.Eq(&ir.RawPayload{Base: "th", Offset: 16, Len: 16}, ir.Hex(0x50))),
		rule(&ir.Assign{Key: pl("ip", "dscp"), Value: ir.Sym("cs1")}),
		rule(&ir.Assign{Key: meta("nftrace"), Value: ir.Int(1)}),
		rule(&ir.Notrack{}),
		rule(ir.Eq(&ir.Hash{Kind: "jhash", Expr: pl("ip", "saddr"), Mod: 4, Seed: &seed, Offset: 1}, ir.Int(1))),
		rule(ir.Eq(&ir.Hash{Kind: "jhash", Expr: cat(pl("ip", "saddr"), pl("tcp", "sport")), Mod: 2}, ir.Int(0))),
		rule(ir.Eq(&ir.Hash{Kind: "symhash", Mod: 2}, ir.Int(0))),
		rule(ir.Eq(&ir.Numgen{Mode: "inc", Mod: 2}, ir.Int(0))),
		rule(ir.Cmp(&ir.Numgen{Mode: "random", Mod: 10, Offset: 5}, ir.CmpLt, ir.Int(8))),
		rule(ir.Eq(&ir.Socket{Key: "transparent"}, ir.Int(1))),
		rule(ir.Eq(&ir.Socket{Key: "mark"}, ir.Hex(1))),
		rule(ir.Eq(cat(pl("ip", "saddr"), pl("tcp", "dport")), &ir.SetRef{Name: "s_addrport"}), accept),
		rule(ir.Eq(cat(pl("ip", "saddr"), pl("tcp", "dport")), set(cat(addr("10.9.9.9"), ir.Int(443)))), accept),
		rule(ir.Eq(meta("skuid"), ir.Int(0)), accept),
		rule(ir.Cmp(pl("tcp", "dport"), ir.CmpNe, ir.IntRange(1, 1023)), accept),
		rule(ir.Cmp(pl("tcp", "dport"), ir.CmpLt, ir.Int(1024)), ir.Cmp(pl("tcp", "sport"), ir.CmpGe, ir.Int(1024))),
		rule(ir.Cmp(pl("ip", "ttl"), ir.CmpLe, ir.Int(5)), ir.Cmp(pl("ip", "length"), ir.CmpGt, ir.Int(1000))),
		rule(ir.Eq(pl("tcp", "dport"), &ir.SetRef{Name: "s_ports"})),
		rule(ir.Eq(pl("ip", "daddr"), &ir.Range{Lo: addr("10.0.0.1"), Hi: addr("10.0.0.9")})),
		rule(ir.Eq(meta("pkttype"), ir.Sym("broadcast")), drop),
		rule(ir.Eq(pl("icmp", "type"), ir.Sym("echo-request")), accept),
		rule(ir.Eq(pl("icmp", "type"), ir.Sym("redirect")), drop),
		rule(ir.Eq(pl("ether", "saddr"), &ir.EtherAddr{Addr: [6]byte{0, 0x11, 0x22, 0x33, 0x44, 0x55}}), accept),
		rule(ir.Eq(pl("ip6", "nexthdr"), ir.Sym("tcp"))),
		rule(ir.Eq(&ir.Ct{Dir: "original", Key: "ip saddr"}, addr("10.0.0.1"))),
		rule(ir.Eq(&ir.Ct{Dir: "reply", Key: "l3proto"}, ir.Sym("ipv4"))),
		rule(ir.Eq(ct("status"), ir.Sym("dnat")), ir.Eq(ct("direction"), ir.Sym("original"))),
		rule(ir.Eq(&ir.Osf{Key: "name"}, ir.Str("Linux"))),
		rule(ir.Eq(&ir.Osf{TTL: "loose", Key: "name"}, ir.Str("Linux"))),
		rule(ir.Eq(&ir.Ipsec{Dir: "in", Key: "reqid"}, ir.Int(1))),
		rule(ir.Eq(&ir.Ipsec{Dir: "in", Spnum: 1, Key: "ip saddr"}, addr("10.0.0.1"))),
		rule(ir.Eq(meta("secpath"), ir.Sym("exists"))),
		rule(ir.Eq(&ir.Rt{Key: "classid"}, ir.Int(5))),
		rule(ir.Eq(pl("sctp chunk data", "flags"), ir.Int(2))),
		rule(ir.Eq(pl("sctp chunk", "init"), ir.Sym("exists"))),
		rule(ir.Eq(pl("ip option", "rr"), ir.Sym("exists"))),
		rule(&ir.Counter{Packets: 5, Bytes: 100, HasValues: true}),
		rule(ir.Eq(meta("l4proto"), ir.Sym("udp")), &ir.Verdict{Kind: ir.VerdictJump, Chain: "c2"}),
		rule(&ir.Comment{Text: "a note"}, ir.Eq(pl("udp", "dport"), ir.Int(53)), accept),
		ir.UntranslatedRule(nil, "-A INPUT -m foo --bar", &ir.Untranslated{Reason: "no nft equivalent", Effect: "fail-open"}),
		rule(ir.Eq(pl("tcp", "dport"), ir.Int(8080)), &ir.Verdict{Kind: ir.VerdictGoto, Chain: "c3"}),
	)
	if full {
		c1.Comment = "input chain"
		t.Sets[0].Comment = "a set"
	}
	c2 := regular("c2",
		rule(&ir.Verdict{Kind: ir.VerdictJump, Chain: "c3"}),
		rule(ir.Eq(pl("udp", "dport"), ir.Int(1)), &ir.Verdict{Kind: ir.VerdictContinue}),
		rule(verdict(ir.VerdictReturn)),
	)
	fw := base("fw", "filter", "forward", prio("", -5), "",
		rule(ir.Eq(pl("tcp", "flags"), flags("syn")), &ir.Assign{Key: &ir.TCPOption{Name: "maxseg", Field: "size"}, Value: &ir.Rt{Key: "mtu"}}),
		rule(&ir.Assign{Key: ct("event"), Value: flags("new", "related")}),
	)
	raw := base("raw", "filter", "prerouting", prio("raw", 0), "accept",
		rule(&ir.Assign{Key: ct("zone"), Value: ir.Int(1)}),
		rule(ir.Eq(meta("l4proto"), ir.Sym("tcp")), &ir.Assign{Key: ct("helper"), Value: ir.Str("ftp-21")}),
	)
	t.Chains = []*ir.Chain{c1, c2, regular("c3"), fw, raw}
	return &ir.Ruleset{Tables: []*ir.Table{t}}
}

func ipNat() *ir.Ruleset {
	tcp := ir.Eq(meta("l4proto"), ir.Sym("tcp"))
	return &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "nat", Chains: []*ir.Chain{
		base("pre", "nat", "prerouting", prio("dstnat", 0), "accept",
			rule(ir.Eq(pl("tcp", "dport"), ir.Int(80)), &ir.Nat{Kind: ir.NatDNAT, Addr: addr("10.0.0.1"), Port: ir.Int(8080)}),
			rule(&ir.Nat{Kind: ir.NatDNAT, Addr: &ir.Range{Lo: addr("10.0.0.1"), Hi: addr("10.0.0.5")}}),
			rule(ir.Eq(pl("tcp", "dport"), ir.Int(1)), &ir.Nat{Kind: ir.NatDNAT, Addr: addr("10.0.0.1"), Port: ir.IntRange(1000, 2000), Flags: []string{"persistent"}}),
			rule(ir.Eq(pl("udp", "dport"), ir.Int(53)), &ir.Nat{Kind: ir.NatRedirect, Port: ir.Int(5353)}),
			rule(&ir.Nat{Kind: ir.NatRedirect}),
			rule(&ir.Nat{Kind: ir.NatDNAT, Prefix: true, Addr: pfx("10.2.0.0/24")}),
		),
		base("post", "nat", "postrouting", prio("srcnat", 0), "",
			rule(&ir.Nat{Kind: ir.NatSNAT, Addr: addr("1.2.3.4"), Flags: []string{"fully-random", "persistent"}}),
			rule(ir.Eq(meta("oifname"), ir.Str("eth0")), &ir.Nat{Kind: ir.NatMasquerade}),
			rule(tcp, &ir.Nat{Kind: ir.NatMasquerade, Port: ir.IntRange(1024, 2000), Flags: []string{"random"}}),
			rule(&ir.Nat{Kind: ir.NatSNAT, Prefix: true, Addr: pfx("10.0.0.0/24")}),
			rule(ir.Eq(pl("ip", "protocol"), ir.Sym("udp")), &ir.Nat{Kind: ir.NatSNAT, Addr: &ir.Range{Lo: addr("1.2.3.4"), Hi: addr("1.2.3.8")}, Port: ir.IntRange(2000, 3000)}),
		),
		base("out", "nat", "output", prio("", -100), "",
			rule(ir.Eq(pl("ip", "daddr"), addr("127.0.0.2")), &ir.Nat{Kind: ir.NatDNAT, Addr: addr("127.0.0.1")}),
		),
	}}}}
}

// ipMangle has the statements that need a prerouting or input hook.
func ipMangle() *ir.Ruleset {
	tcp := ir.Eq(meta("l4proto"), ir.Sym("tcp"))
	return &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP, Name: "mangle", Chains: []*ir.Chain{
		base("pre", "filter", "prerouting", prio("mangle", 0), "",
			rule(tcp, &ir.TProxy{Addr: addr("1.2.3.4"), Port: ir.Int(80)}),
			rule(tcp, &ir.TProxy{Port: ir.Int(3128)}, &ir.Assign{Key: meta("mark"), Value: ir.Int(1)}),
			rule(&ir.Dup{Addr: addr("1.2.3.4"), Dev: ir.Str("lo")}),
			rule(&ir.Dup{Addr: addr("1.2.3.5")}),
			rule(&ir.Assign{Key: pl("ip", "ttl"), Value: ir.Int(64)}),
			rule(&ir.Assign{Key: meta("priority"), Value: ir.Sym("1:2")}),
		),
		base("in", "filter", "input", prio("security", -1), "",
			rule(ir.Eq(pl("tcp", "dport"), ir.Int(80)), ir.Eq(ct("state"), flags("invalid", "untracked")),
				&ir.Synproxy{Args: []ir.LogArg{logArg("mss", ir.Int(1460)), logArg("wscale", ir.Int(7)), {Key: "timestamp"}, {Key: "sack-perm"}}}),
			rule(tcp, &ir.Synproxy{}),
		),
	}}}}
}

func ip6Filter() *ir.Ruleset {
	return &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyIP6, Name: "f", Chains: []*ir.Chain{
		base("in", "filter", "input", prio("filter", 0), "accept",
			rule(ir.Eq(pl("frag", "id"), ir.Int(5))),
			rule(ir.Eq(pl("hbh", "nexthdr"), ir.Sym("tcp"))),
			rule(ir.Eq(pl("icmpv6", "type"), ir.Sym("nd-neighbor-solicit")), accept),
			rule(ir.Eq(pl("ip6", "saddr"), pfx("fe80::/10")), accept),
			rule(ir.Eq(pl("ip6", "daddr"), set(addr("::1"), pfx("2001:db8::/32"))), drop),
			rule(&ir.Reject{Type: "icmpv6", Code: "admin-prohibited"}),
			rule(ir.Eq(&ir.Rt{Family: "ip6", Key: "nexthop"}, addr("fe80::1"))),
		),
		base("pre", "filter", "prerouting", prio("raw", 0), "",
			rule(&ir.Dup{Addr: addr("fe80::1"), Dev: ir.Str("lo")}),
			rule(ir.Eq(meta("l4proto"), ir.Sym("tcp")), &ir.TProxy{Addr: addr("::1"), Port: ir.Int(80)}),
		),
	}}}}
}

func netdevIngress() *ir.Ruleset {
	in := base("in", "filter", "ingress", prio("", 0), "accept",
		rule(ir.Eq(pl("ether", "type"), ir.Sym("ip")), &ir.Counter{}),
		rule(ir.Eq(pl("vlan", "id"), ir.Int(5)), &ir.Dup{Addr: ir.Str("lo")}),
		rule(ir.Eq(pl("ether", "type"), ir.Sym("arp")), &ir.Fwd{Dev: ir.Str("lo")}),
	)
	in.Hook.Device = "lo"
	return &ir.Ruleset{Tables: []*ir.Table{{Family: ir.FamilyNetdev, Name: "n", Chains: []*ir.Chain{in}}}}
}

func bridgeArp() *ir.Ruleset {
	return &ir.Ruleset{Tables: []*ir.Table{
		{Family: ir.FamilyBridge, Name: "b", Chains: []*ir.Chain{
			base("fw", "filter", "forward", prio("filter", 0), "",
				rule(ir.Eq(pl("ether", "type"), ir.Sym("vlan")), ir.Eq(pl("vlan", "id"), ir.Int(10)), accept)),
			base("pre", "filter", "prerouting", prio("dstnat", 0), "",
				rule(ir.Eq(meta("iifname"), ir.Str("veth0")), drop)),
			base("out", "filter", "output", prio("out", 1), ""),
			base("post", "filter", "postrouting", prio("srcnat", 0), ""),
		}},
		{Family: ir.FamilyARP, Name: "a", Chains: []*ir.Chain{
			base("in", "filter", "input", prio("filter", 0), "",
				rule(ir.Eq(pl("arp", "operation"), ir.Sym("request")), accept)),
		}},
	}}
}
