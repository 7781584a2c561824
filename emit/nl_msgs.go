package emit

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/google/nftables/userdata"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/ir"
)

// NLMsg is one message of a netlink batch (without the netlink and
// nfgenmsg headers, which the sender adds).
type NLMsg struct {
	Type   uint16 // NFT_MSG_NEWTABLE...
	Flags  uint16 // NLM_F_CREATE, NLM_F_APPEND...
	Family byte
	Data   []byte
	// What names the object for error messages; Rule is set for rules.
	What string
	Rule *NLRule
}

const (
	nftaTableUserdata = 6
	nfDrop            = 0
	nfAccept          = 1
	nftaSetFieldLen   = 1
	nftaSetDescConcat = 2
	nftaSetExpr       = 0x11
	nftaSetElemKeyEnd = 10
	nftaChainUserdata = 12
	// elements per NEWSETELEM message: an attribute holds at most 64 KiB
	elemsPerMsg = 256
)

var hookNums = lazy.Of[map[string]uint32]{New: func() map[string]uint32 {
	return map[string]uint32{"prerouting": 0, "input": 1, "forward": 2, "output": 3, "postrouting": 4, "ingress": 0, "egress": 1}
}}

var priorities = lazy.Of[map[string]int32]{New: func() map[string]int32 {
	return map[string]int32{"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100}
}}
var bridgePriorities = lazy.Of[map[string]int32]{New: func() map[string]int32 {
	return map[string]int32{"dstnat": -300, "filter": -200, "out": 100, "srcnat": 300}
}}

func commentUdata(typ userdata.Type, c string) []byte {
	return userdata.AppendString(nil, typ, SanitizeString(c))
}

func marshal(attrs []attr) []byte {
	b, err := netlink.MarshalAttributes(attrs)
	if err != nil {
		panic(err)
	}
	return b
}

func cstr(s string) []byte { return append([]byte(s), 0) }

// Messages builds the batch that replaces each table of the program,
// like the text's "table X; delete table X; table X { ... }": the table
// is created if missing, deleted, and defined again, all in one
// transaction. Other tables are not touched.
func (p *NLProgram) Messages() ([]NLMsg, error) {
	var msgs []NLMsg
	for _, t := range p.Tables {
		m, err := t.messages()
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m...)
	}
	return msgs, nil
}

// TableMessages is the "table X; delete table X" prefix alone: the batch
// that removes the table (created first so that deleting never fails).
func TableDeleteMessages(fam ir.Family, name string) []NLMsg {
	f := famBytes.Get()[fam]
	what := fmt.Sprintf("table %s %s", fam, name)
	nameAttr := marshal([]attr{{Type: unix.NFTA_TABLE_NAME, Data: cstr(name)}})
	return []NLMsg{
		{Type: unix.NFT_MSG_NEWTABLE, Flags: unix.NLM_F_CREATE, Family: f, Data: nameAttr, What: what},
		{Type: unix.NFT_MSG_DELTABLE, Family: f, Data: nameAttr, What: what},
	}
}

func (t *NLTable) messages() ([]NLMsg, error) {
	src := t.Src
	f := t.Family
	msgs := TableDeleteMessages(src.Family, src.Name)
	tattrs := []attr{{Type: unix.NFTA_TABLE_NAME, Data: cstr(src.Name)}, attrU32(unix.NFTA_TABLE_FLAGS, 0)}
	if src.Comment != "" {
		tattrs = append(tattrs, attr{Type: nftaTableUserdata, Data: commentUdata(0, src.Comment)})
	}
	what := fmt.Sprintf("table %s %s", src.Family, src.Name)
	msgs = append(msgs, NLMsg{Type: unix.NFT_MSG_NEWTABLE, Flags: unix.NLM_F_CREATE, Family: f, Data: marshal(tattrs), What: what})
	for _, h := range src.CtHelpers {
		m, err := ctHelperMessage(f, src, h)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	for _, s := range t.Sets {
		msgs = append(msgs, setMessages(f, src.Name, s, what+" set "+s.Name)...)
	}
	for _, c := range t.Chains {
		m, err := chainMessage(f, src, c.Src)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	for _, c := range ruleOrder(t.Chains) {
		for _, r := range c.Rules {
			for _, s := range r.Sets {
				for _, m := range setMessages(f, src.Name, s, "anonymous set") {
					m.Rule = r
					msgs = append(msgs, m)
				}
			}
			m, err := ruleMessage(f, src.Name, c.Src.Name, r)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, m)
		}
	}
	return msgs, nil
}

// setBindWalkLimit is how much walking (anonymous sets × rules) a batch
// may make the kernel do before ruleOrder sends the chains binding sets
// first: some 10 ms.
var setBindWalkLimit = 1 << 20

// ruleOrder is the order in which the chains' rules are sent. Binding
// an anonymous set makes the kernel walk every message of the
// transaction before it (__nft_set_trans_bind): 1,800 sets bound after
// 100,000 rules of other chains cost seconds. In a batch big enough for
// that to matter, the chains binding the most sets go first; each
// chain's rules stay in order, which is all the ruleset depends on.
// (Smaller batches keep the text's order, so that rule handles and the
// kernel's names of anonymous sets come out as "nft -f" gives them.)
func ruleOrder(chains []*NLChain) []*NLChain {
	sets, rules := 0, 0
	anon := make(map[*NLChain]int, len(chains))
	for _, c := range chains {
		for _, r := range c.Rules {
			anon[c] += len(r.Sets)
		}
		sets += anon[c]
		rules += len(c.Rules)
	}
	if sets*rules <= setBindWalkLimit {
		return chains
	}
	chains = slices.Clone(chains)
	slices.SortStableFunc(chains, func(a, b *NLChain) int { return anon[b] - anon[a] })
	return chains
}

// ctHelperMessage declares a "ct helper" object.
func ctHelperMessage(f byte, t *ir.Table, h *ir.CtHelper) (NLMsg, error) {
	what := fmt.Sprintf("ct helper %s in table %s %s", h.Name, t.Family, t.Name)
	l4 := map[string]uint8{"tcp": unix.IPPROTO_TCP, "udp": unix.IPPROTO_UDP}[h.Protocol]
	if l4 == 0 {
		return NLMsg{}, fmt.Errorf("%s: protocol %q", what, h.Protocol)
	}
	l3 := uint16(f)
	switch h.L3Proto {
	case "":
	case "ip":
		l3 = unix.NFPROTO_IPV4
	case "ip6":
		l3 = unix.NFPROTO_IPV6
	case "inet":
		l3 = unix.NFPROTO_INET
	default:
		return NLMsg{}, fmt.Errorf("%s: l3proto %q", what, h.L3Proto)
	}
	data := marshal([]attr{
		{Type: unix.NFTA_CT_HELPER_NAME, Data: cstr(SanitizeString(h.Helper))},
		{Type: unix.NFTA_CT_HELPER_L3PROTO, Data: binary.BigEndian.AppendUint16(nil, l3)},
		attrU8(unix.NFTA_CT_HELPER_L4PROTO, l4),
	})
	attrs := []attr{
		{Type: unix.NFTA_OBJ_TABLE, Data: cstr(t.Name)},
		{Type: unix.NFTA_OBJ_NAME, Data: cstr(h.Name)},
		attrU32(unix.NFTA_OBJ_TYPE, unix.NFT_OBJECT_CT_HELPER),
		{Type: unix.NLA_F_NESTED | unix.NFTA_OBJ_DATA, Data: data},
	}
	return NLMsg{Type: unix.NFT_MSG_NEWOBJ, Flags: unix.NLM_F_CREATE, Family: f, Data: marshal(attrs), What: what}, nil
}

func chainMessage(f byte, t *ir.Table, c *ir.Chain) (NLMsg, error) {
	attrs := []attr{{Type: unix.NFTA_CHAIN_TABLE, Data: cstr(t.Name)}, {Type: unix.NFTA_CHAIN_NAME, Data: cstr(c.Name)}}
	what := fmt.Sprintf("chain %s %s %s", t.Family, t.Name, c.Name)
	if h := c.Hook; h != nil {
		num, ok := hookNums.Get()[h.Hook]
		if !ok {
			return NLMsg{}, fmt.Errorf("%s: hook %q", what, h.Hook)
		}
		prio := int32(h.Priority.Offset)
		if h.Priority.Name != "" {
			tab := priorities.Get()
			if t.Family == ir.FamilyBridge {
				tab = bridgePriorities.Get()
			}
			base, ok := tab[h.Priority.Name]
			if !ok {
				return NLMsg{}, fmt.Errorf("%s: priority %q", what, h.Priority.Name)
			}
			prio += base
		}
		hattrs := []attr{attrU32(unix.NFTA_HOOK_HOOKNUM, num), attrU32(unix.NFTA_HOOK_PRIORITY, uint32(prio))}
		if h.Device != "" {
			hattrs = append(hattrs, attr{Type: unix.NFTA_HOOK_DEV, Data: cstr(SanitizeString(h.Device))})
		}
		attrs = append(attrs, attr{Type: unix.NLA_F_NESTED | unix.NFTA_CHAIN_HOOK, Data: marshal(hattrs)})
		switch h.Policy {
		case "", "accept":
			attrs = append(attrs, attrU32(unix.NFTA_CHAIN_POLICY, nfAccept))
		case "drop":
			attrs = append(attrs, attrU32(unix.NFTA_CHAIN_POLICY, nfDrop))
		default:
			return NLMsg{}, fmt.Errorf("%s: policy %q", what, h.Policy)
		}
		attrs = append(attrs, attr{Type: unix.NFTA_CHAIN_TYPE, Data: cstr(h.Type)})
	}
	if c.Comment != "" {
		attrs = append(attrs, attr{Type: nftaChainUserdata, Data: commentUdata(0, c.Comment)})
	}
	return NLMsg{Type: unix.NFT_MSG_NEWCHAIN, Flags: unix.NLM_F_CREATE, Family: f, Data: marshal(attrs), What: what}, nil
}

func ruleMessage(f byte, table, chain string, r *NLRule) (NLMsg, error) {
	var list []attr
	for _, e := range r.Exprs {
		b, err := MarshalExpr(f, e)
		if err != nil {
			return NLMsg{}, err
		}
		list = append(list, attr{Type: unix.NLA_F_NESTED | unix.NFTA_LIST_ELEM, Data: b})
	}
	attrs := []attr{
		{Type: unix.NFTA_RULE_TABLE, Data: cstr(table)},
		{Type: unix.NFTA_RULE_CHAIN, Data: cstr(chain)},
		{Type: unix.NLA_F_NESTED | unix.NFTA_RULE_EXPRESSIONS, Data: marshal(list)},
	}
	if len(r.UserData) > 0 {
		attrs = append(attrs, attr{Type: unix.NFTA_RULE_USERDATA, Data: r.UserData})
	}
	return NLMsg{Type: unix.NFT_MSG_NEWRULE, Flags: unix.NLM_F_CREATE | unix.NLM_F_APPEND, Family: f, Data: marshal(attrs), What: "rule", Rule: r}, nil
}

func byteorderOf(t *dtype) uint32 {
	switch {
	case t.kind == dkConcat || t.kind == dkVerdict:
		return 0
	case t.host, t.kind == dkString: // nft keeps strings in host order
		return 1
	}
	return 2
}

func setMessages(f byte, table string, s *nlSet, what string) []NLMsg {
	attrs := []attr{
		{Type: unix.NFTA_SET_TABLE, Data: cstr(table)},
		{Type: unix.NFTA_SET_NAME, Data: cstr(s.Name)},
		attrU32(unix.NFTA_SET_FLAGS, s.Flags),
		attrU32(unix.NFTA_SET_KEY_TYPE, s.Key.magic),
		attrU32(unix.NFTA_SET_KEY_LEN, s.KeyLen),
	}
	if s.Data != nil {
		if s.Data.kind == dkVerdict {
			attrs = append(attrs, attrU32(unix.NFTA_SET_DATA_TYPE, unix.NFT_DATA_VERDICT), attrU32(unix.NFTA_SET_DATA_LEN, 0))
		} else {
			attrs = append(attrs, attrU32(unix.NFTA_SET_DATA_TYPE, s.Data.magic), attrU32(unix.NFTA_SET_DATA_LEN, s.DataLen))
		}
	}
	if s.HasPolicy {
		attrs = append(attrs, attrU32(unix.NFTA_SET_POLICY, s.Policy))
	}
	var desc []attr
	if s.Size != 0 {
		desc = append(desc, attrU32(unix.NFTA_SET_DESC_SIZE, s.Size))
	}
	if len(s.Concat) > 0 {
		var fields []attr
		for _, n := range s.Concat {
			fields = append(fields, attr{Type: unix.NLA_F_NESTED | unix.NFTA_LIST_ELEM, Data: marshal([]attr{attrU32(nftaSetFieldLen, n)})})
		}
		desc = append(desc, attr{Type: unix.NLA_F_NESTED | nftaSetDescConcat, Data: marshal(fields)})
	}
	if len(desc) > 0 {
		attrs = append(attrs, attr{Type: unix.NLA_F_NESTED | unix.NFTA_SET_DESC, Data: marshal(desc)})
	}
	attrs = append(attrs, attrU32(unix.NFTA_SET_ID, s.ID))
	if s.Timeout != 0 {
		attrs = append(attrs, attr{Type: unix.NFTA_SET_TIMEOUT, Data: binary.BigEndian.AppendUint64(nil, s.Timeout)})
	}
	if s.GCInt != 0 {
		attrs = append(attrs, attrU32(unix.NFTA_SET_GC_INTERVAL, s.GCInt))
	}
	ud := userdata.AppendUint32(nil, userdata.NFTNL_UDATA_SET_KEYBYTEORDER, byteorderOf(s.Key))
	if s.Data != nil {
		ud = userdata.AppendUint32(ud, userdata.NFTNL_UDATA_SET_DATABYTEORDER, byteorderOf(s.Data))
	}
	if s.AutoMerge {
		ud = userdata.AppendUint32(ud, userdata.NFTNL_UDATA_SET_MERGE_ELEMENTS, 1)
	}
	if len(s.Typeof) > 0 {
		ud = append(ud, byte(userdata.NFTNL_UDATA_SET_KEY_TYPEOF), byte(len(s.Typeof)))
		ud = append(ud, s.Typeof...)
	}
	if s.DataInterval {
		ud = userdata.AppendUint32(ud, userdata.NFTNL_UDATA_SET_DATA_INTERVAL, 1)
	}
	if s.Comment != "" {
		ud = userdata.AppendString(ud, userdata.NFTNL_UDATA_SET_COMMENT, SanitizeString(s.Comment))
	}
	ud = append(ud, s.ExtraUdata...)
	attrs = append(attrs, attr{Type: unix.NFTA_SET_USERDATA, Data: ud})
	if s.Counter {
		cnt := marshal([]attr{{Type: unix.NFTA_EXPR_NAME, Data: cstr("counter")}, {Type: unix.NLA_F_NESTED | unix.NFTA_EXPR_DATA, Data: marshal([]attr{
			{Type: unix.NFTA_COUNTER_BYTES, Data: make([]byte, 8)}, {Type: unix.NFTA_COUNTER_PACKETS, Data: make([]byte, 8)}})}})
		attrs = append(attrs, attr{Type: unix.NLA_F_NESTED | nftaSetExpr, Data: cnt})
	}
	msgs := []NLMsg{{Type: unix.NFT_MSG_NEWSET, Flags: unix.NLM_F_CREATE, Family: f, Data: marshal(attrs), What: what}}
	for i := 0; i < len(s.Elems); i += elemsPerMsg {
		end := min(i+elemsPerMsg, len(s.Elems))
		var list []attr
		for _, e := range s.Elems[i:end] {
			list = append(list, attr{Type: unix.NLA_F_NESTED | unix.NFTA_LIST_ELEM, Data: elemAttrs(s, e)})
		}
		eattrs := []attr{
			{Type: unix.NFTA_SET_ELEM_LIST_TABLE, Data: cstr(table)},
			{Type: unix.NFTA_SET_ELEM_LIST_SET, Data: cstr(s.Name)},
			attrU32(unix.NFTA_SET_ELEM_LIST_SET_ID, s.ID),
			{Type: unix.NLA_F_NESTED | unix.NFTA_SET_ELEM_LIST_ELEMENTS, Data: marshal(list)},
		}
		msgs = append(msgs, NLMsg{Type: unix.NFT_MSG_NEWSETELEM, Flags: unix.NLM_F_CREATE, Family: f, Data: marshal(eattrs), What: what + " elements"})
	}
	return msgs
}

func elemAttrs(s *nlSet, e nlElem) []byte {
	var a []attr
	if e.End {
		a = append(a, attrU32(unix.NFTA_SET_ELEM_FLAGS, unix.NFT_SET_ELEM_INTERVAL_END))
	}
	a = append(a, attr{Type: unix.NLA_F_NESTED | unix.NFTA_SET_ELEM_KEY, Data: marshal([]attr{{Type: unix.NFTA_DATA_VALUE, Data: e.Key}})})
	if len(e.KeyEnd) > 0 {
		a = append(a, attr{Type: unix.NLA_F_NESTED | nftaSetElemKeyEnd, Data: marshal([]attr{{Type: unix.NFTA_DATA_VALUE, Data: e.KeyEnd}})})
	}
	switch {
	case e.Verdict != nil:
		v := []attr{attrU32(unix.NFTA_VERDICT_CODE, uint32(int32(e.Verdict.Kind)))}
		if e.Verdict.Chain != "" {
			v = append(v, attr{Type: unix.NFTA_VERDICT_CHAIN, Data: cstr(e.Verdict.Chain)})
		}
		a = append(a, attr{Type: unix.NLA_F_NESTED | unix.NFTA_SET_ELEM_DATA, Data: marshal([]attr{{Type: unix.NLA_F_NESTED | unix.NFTA_DATA_VERDICT, Data: marshal(v)}})})
	case len(e.Data) > 0:
		a = append(a, attr{Type: unix.NLA_F_NESTED | unix.NFTA_SET_ELEM_DATA, Data: marshal([]attr{{Type: unix.NFTA_DATA_VALUE, Data: e.Data}})})
	}
	if e.Timeout != 0 || e.NoExpire {
		a = append(a, attr{Type: unix.NFTA_SET_ELEM_TIMEOUT, Data: binary.BigEndian.AppendUint64(nil, e.Timeout)})
	}
	if e.Expires != 0 {
		a = append(a, attr{Type: unix.NFTA_SET_ELEM_EXPIRATION, Data: binary.BigEndian.AppendUint64(nil, e.Expires)})
	}
	var ud []byte
	if e.Comment != "" {
		ud = commentUdata(userdata.NFTNL_UDATA_SET_ELEM_COMMENT, e.Comment)
	}
	if e.Open {
		ud = append(ud, byte(userdata.NFTNL_UDATA_SET_ELEM_FLAGS), 4)
		ud = binary.NativeEndian.AppendUint32(ud, 1) // NFTNL_SET_ELEM_F_INTERVAL_OPEN
	}
	if len(ud) > 0 {
		a = append(a, attr{Type: unix.NFTA_SET_ELEM_USERDATA, Data: ud})
	}
	if e.Counter != nil {
		cnt := marshal([]attr{{Type: unix.NFTA_EXPR_NAME, Data: cstr("counter")}, {Type: unix.NLA_F_NESTED | unix.NFTA_EXPR_DATA, Data: marshal([]attr{
			{Type: unix.NFTA_COUNTER_BYTES, Data: binary.BigEndian.AppendUint64(nil, e.Counter.Bytes)},
			{Type: unix.NFTA_COUNTER_PACKETS, Data: binary.BigEndian.AppendUint64(nil, e.Counter.Packets)}})}})
		a = append(a, attr{Type: unix.NLA_F_NESTED | unix.NFTA_SET_ELEM_EXPR, Data: cnt})
	}
	return marshal(a)
}

// namedSet compiles a set declared in the table.
func (tc *tableCompiler) namedSet(s *ir.Set) (*nlSet, error) {
	if s.Typeof != nil {
		return nil, fmt.Errorf("typeof declarations: not supported by the netlink backend yet")
	}
	if s.Policy != "" && s.Policy != "performance" && s.Policy != "memory" {
		return nil, fmt.Errorf("policy %q", s.Policy)
	}
	key, err := typeByName(s.Type)
	if err != nil {
		return nil, err
	}
	ns := &nlSet{Name: s.Name, ID: tc.newID(), Key: key.t, KeyLen: key.size, Size: s.Size, Counter: s.Counter, Comment: s.Comment}
	if key.t.kind == dkConcat {
		ns.Flags |= nftSetConcat
		for _, sub := range key.t.sub {
			ns.Concat = append(ns.Concat, sub.size)
		}
	}
	switch s.Policy {
	case "performance":
		ns.HasPolicy, ns.Policy = true, unix.NFT_SET_POL_PERFORMANCE
	case "memory":
		ns.HasPolicy, ns.Policy = true, unix.NFT_SET_POL_MEMORY
	}
	for _, fl := range s.Flags {
		switch fl {
		case "constant":
			ns.Flags |= unix.NFT_SET_CONSTANT
		case "interval":
			ns.Flags |= unix.NFT_SET_INTERVAL
		case "timeout":
			ns.Flags |= unix.NFT_SET_TIMEOUT
		case "dynamic":
			ns.Flags |= unix.NFT_SET_EVAL
		default:
			return nil, fmt.Errorf("set flag %q", fl)
		}
	}
	if ns.Timeout, err = parseDurationMS(s.Timeout); err != nil {
		return nil, err
	}
	if ns.Timeout != 0 {
		ns.Flags |= unix.NFT_SET_TIMEOUT
	}
	gc, err := parseDurationMS(s.GCInt)
	if err != nil {
		return nil, err
	}
	ns.GCInt = uint32(gc)
	if s.Map != "" {
		ns.Flags |= unix.NFT_SET_MAP
		d, err := typeByName(s.Map)
		if err != nil {
			return nil, err
		}
		ns.Data, ns.DataLen = d.t, d.size
	}
	rc := &ruleCompiler{tc: tc}
	if err := rc.fillSet(ns, key, s.Elements); err != nil {
		return nil, err
	}
	if len(rc.out) > 0 {
		return nil, fmt.Errorf("internal: set elements emitted expressions")
	}
	return ns, nil
}

// typeByName reads a set type: "ipv4_addr", "ipv4_addr . inet_service".
func typeByName(name string) (*loaded, error) {
	parts := strings.Split(name, " . ")
	var subs []*loaded
	for _, p := range parts {
		t, ok := dtypesByName.Get()[strings.TrimSpace(p)]
		if !ok || (t.size == 0 && t.kind != dkVerdict) {
			return nil, fmt.Errorf("set type %q: not supported by the netlink backend yet", p)
		}
		subs = append(subs, &loaded{t: t, size: t.size})
	}
	if len(subs) == 1 {
		return subs[0], nil
	}
	var off, magic uint32
	for _, s := range subs {
		off += pad4(s.size)
		magic = magic<<6 | s.t.magic
	}
	return &loaded{t: &dtype{name: name, magic: magic, size: off, kind: dkConcat, sub: subs}, size: off}, nil
}
