package emit

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/ir"
)

// rawExpr is an expression the nftables library cannot encode the way
// nft does; its attributes are written here.
type rawExpr struct {
	name string
	data []byte // NFTA_EXPR_DATA attributes
}

type attr = netlink.Attribute

func attrU32(t uint16, v uint32) attr {
	return attr{Type: t, Data: binary.BigEndian.AppendUint32(nil, v)}
}
func attrU8(t uint16, v uint8) attr { return attr{Type: t, Data: []byte{v}} }

func rawAttrs(name string, attrs ...attr) *rawExpr {
	b, err := netlink.MarshalAttributes(attrs)
	if err != nil {
		panic(err) // only fails on oversized attributes
	}
	return &rawExpr{name: name, data: b}
}

// MarshalExpr encodes one compiled expression as an NFTA_LIST_ELEM
// payload.
func MarshalExpr(fam byte, e any) ([]byte, error) {
	switch e := e.(type) {
	case *rawExpr:
		return netlink.MarshalAttributes([]attr{
			{Type: unix.NFTA_EXPR_NAME, Data: []byte(e.name + "\x00")},
			{Type: unix.NLA_F_NESTED | unix.NFTA_EXPR_DATA, Data: e.data},
		})
	case expr.Any:
		return expr.Marshal(fam, e)
	}
	return nil, fmt.Errorf("internal: %T is not an expression", e)
}

// stmt compiles one statement; the per-node switch of the backend.
func (rc *ruleCompiler) stmt(s ir.Stmt) error {
	switch s := s.(type) {
	case *ir.Match:
		return rc.match(s)
	case *ir.Counter:
		rc.emit(&expr.Counter{Packets: s.Packets, Bytes: s.Bytes})
	case *ir.Verdict:
		if s.Kind == ir.VerdictQueue {
			rc.emit(&expr.Queue{})
			return nil
		}
		v, err := verdictOf(s.Kind, s.Chain)
		if err != nil {
			return err
		}
		rc.emit(v)
	case *ir.Log:
		return rc.log(s)
	case *ir.Limit:
		return rc.limit(s)
	case *ir.Quota:
		mult, ok := byteUnits.Get()[s.Unit]
		if !ok {
			return fmt.Errorf("quota unit %q", s.Unit)
		}
		rc.emit(&expr.Quota{Bytes: s.Bytes * mult, Consumed: s.Used, Over: s.Over})
	case *ir.Assign:
		return rc.assign(s)
	case *ir.Nat:
		return rc.nat(s)
	case *ir.Reject:
		return rc.reject(s)
	case *ir.Queue:
		return rc.queue(s)
	case *ir.Notrack:
		rc.emit(&expr.Notrack{})
	case *ir.VMap:
		l, err := rc.selector(s.Key, 1)
		if err != nil {
			return err
		}
		var set *nlSet
		switch m := s.Map.(type) {
		case *ir.SetLit:
			set, err = rc.anonSet(l, m.Elems, true)
			if err != nil {
				return err
			}
		case *ir.SetRef:
			var ok bool
			if set, ok = rc.tc.sets[m.Name]; !ok {
				return fmt.Errorf("map @%s is not declared", m.Name)
			}
		default:
			return fmt.Errorf("vmap %T", s.Map)
		}
		rc.emit(&expr.Lookup{SourceRegister: 1, DestRegister: 0, IsDestRegSet: true, SetName: set.Name, SetID: set.ID})
	case *ir.ObjRef:
		name, ok := stringOf(s.Name)
		if !ok {
			return fmt.Errorf("%s set %T: not supported by the netlink backend yet", s.Type, s.Name)
		}
		typ, ok := objTypes.Get()[s.Type]
		if !ok {
			return fmt.Errorf("%s set: not supported by the netlink backend yet", s.Type)
		}
		rc.emit(&expr.Objref{Type: typ, Name: SanitizeString(name)})
	case *ir.SetUpdate:
		return rc.setUpdate(s)
	case *ir.TProxy:
		return rc.tproxy(s)
	case *ir.Dup:
		return rc.dup(s.Addr, s.Dev, false)
	case *ir.Fwd:
		return rc.dup(nil, s.Dev, true)
	case *ir.Synproxy:
		sp := &expr.SynProxy{}
		for _, a := range s.Args {
			switch a.Key {
			case "mss", "wscale":
				i, ok := a.Value.(*ir.Integer)
				if !ok {
					return fmt.Errorf("synproxy %s %T", a.Key, a.Value)
				}
				if a.Key == "mss" {
					sp.Mss, sp.MssValueSet = uint16(i.Value), true
				} else {
					sp.Wscale, sp.WscaleValueSet = uint8(i.Value), true
				}
			case "timestamp":
				sp.Timestamp = true
			case "sack-perm":
				sp.SackPerm = true
			default:
				return fmt.Errorf("synproxy %s: not supported by the netlink backend yet", a.Key)
			}
		}
		rc.emit(sp)
	case *ir.Comment:
		// a note printed as "# ..." above the rule: not part of it
	default:
		return fmt.Errorf("%T: no netlink compiler for this statement", s)
	}
	return nil
}

var objTypes = lazy.Of[map[string]int]{New: func() map[string]int {
	return map[string]int{
		"counter": unix.NFT_OBJECT_COUNTER, "quota": unix.NFT_OBJECT_QUOTA,
		"ct helper": unix.NFT_OBJECT_CT_HELPER, "limit": unix.NFT_OBJECT_LIMIT,
		"ct timeout": unix.NFT_OBJECT_CT_TIMEOUT, "ct expectation": unix.NFT_OBJECT_CT_EXPECT,
		"synproxy": unix.NFT_OBJECT_SYNPROXY,
	}
}}

var byteUnits = lazy.Of[map[string]uint64]{New: func() map[string]uint64 {
	return map[string]uint64{"": 1, "bytes": 1, "kbytes": 1024, "mbytes": 1024 * 1024, "gbytes": 1024 * 1024 * 1024}
}}

var logLevels = lazy.Of[map[string]uint32]{New: func() map[string]uint32 {
	return map[string]uint32{"emerg": 0, "alert": 1, "crit": 2, "err": 3, "warn": 4, "notice": 5, "info": 6, "debug": 7, "audit": 8}
}}

func (rc *ruleCompiler) log(s *ir.Log) error {
	var attrs []attr
	var prefix, level, group, snaplen, qthr, flags *attr
	var fl uint32
	for _, a := range s.Args {
		switch a.Key {
		case "prefix":
			str, ok := a.Value.(*ir.String)
			if !ok {
				return fmt.Errorf("log prefix %T", a.Value)
			}
			p := SanitizeLogPrefix(str.Value)
			prefix = &attr{Type: unix.NFTA_LOG_PREFIX, Data: append([]byte(p), 0)}
		case "level":
			name, _ := stringOf(a.Value)
			if i, ok := a.Value.(*ir.Integer); ok {
				name = strconv.FormatUint(i.Value, 10)
			}
			v, ok := logLevels.Get()[name]
			if !ok {
				n, err := strconv.ParseUint(name, 10, 32)
				if err != nil {
					return fmt.Errorf("log level %q", name)
				}
				v = uint32(n)
			}
			x := attrU32(unix.NFTA_LOG_LEVEL, v)
			level = &x
		case "group", "snaplen", "queue-threshold":
			i, ok := a.Value.(*ir.Integer)
			if !ok {
				return fmt.Errorf("log %s %T", a.Key, a.Value)
			}
			switch a.Key {
			case "group":
				x := attr{Type: unix.NFTA_LOG_GROUP, Data: binary.BigEndian.AppendUint16(nil, uint16(i.Value))}
				group = &x
			case "snaplen":
				x := attrU32(unix.NFTA_LOG_SNAPLEN, uint32(i.Value))
				snaplen = &x
			default:
				x := attr{Type: unix.NFTA_LOG_QTHRESHOLD, Data: binary.BigEndian.AppendUint16(nil, uint16(i.Value))}
				qthr = &x
			}
		case "flags":
			var names []string
			switch v := a.Value.(type) {
			case *ir.FlagList:
				names = v.Flags
			case *ir.Symbol:
				names = []string{v.Name}
			default:
				return fmt.Errorf("log flags %T", a.Value)
			}
			for _, n := range names {
				for _, n := range nlLogFlagNames(n) {
					b, ok := nlLogFlags.Get()[n]
					if !ok {
						return fmt.Errorf("log flag %q", n)
					}
					fl |= b
				}
			}
			x := attrU32(unix.NFTA_LOG_FLAGS, fl)
			flags = &x
		default:
			return fmt.Errorf("log %s: not supported by the netlink backend yet", a.Key)
		}
	}
	// libnftnl's attribute order
	for _, a := range []*attr{group, prefix, snaplen, qthr, level, flags} {
		if a != nil {
			attrs = append(attrs, *a)
		}
	}
	rc.emit(rawAttrs("log", attrs...))
	return nil
}

var nlLogFlags = lazy.Of[map[string]uint32]{New: func() map[string]uint32 {
	return map[string]uint32{
		"tcp sequence": 1, "tcp options": 2, "ip options": 4, "skuid": 8, "ether": 32, "all": 0x2f,
	}
}}

var limitUnits = lazy.Of[map[string]uint64]{New: func() map[string]uint64 {
	return map[string]uint64{"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
}}

func (rc *ruleCompiler) limit(s *ir.Limit) error {
	unit, ok := limitUnits.Get()[s.Per]
	if !ok {
		return fmt.Errorf("limit per %q", s.Per)
	}
	l := &expr.Limit{Rate: s.Rate, Unit: expr.LimitTime(unit), Over: s.Over, Type: expr.LimitTypePkts}
	if s.RateUnit != "" {
		m, ok := byteUnits.Get()[s.RateUnit]
		if !ok {
			return fmt.Errorf("limit unit %q", s.RateUnit)
		}
		l.Type = expr.LimitTypePktBytes
		l.Rate = s.Rate * m
		if s.Burst != 0 {
			bm, ok := byteUnits.Get()[s.BurstUnit]
			if !ok || s.BurstUnit == "packets" {
				return fmt.Errorf("limit burst unit %q", s.BurstUnit)
			}
			l.Burst = uint32(s.Burst * bm)
		}
	} else {
		l.Burst = 5 // nft's default for packet limits
		if s.Burst != 0 {
			if s.BurstUnit != "" && s.BurstUnit != "packets" {
				return fmt.Errorf("packet limit with a burst in %s", s.BurstUnit)
			}
			l.Burst = uint32(s.Burst)
		}
	}
	rc.emit(l)
	return nil
}

// assign compiles "KEY set VALUE".
func (rc *ruleCompiler) assign(s *ir.Assign) error {
	var t *loaded
	switch k := s.Key.(type) {
	case *ir.Meta:
		mk, ok := metaKeys.Get()[k.Key]
		if !ok {
			return fmt.Errorf("meta %s set: not supported by the netlink backend yet", k.Key)
		}
		t = &loaded{t: mk.t, size: mk.t.size}
		if err := rc.loadValue(s.Value, t); err != nil {
			return err
		}
		rc.emit(&expr.Meta{Key: mk.key, SourceRegister: true, Register: 1})
	case *ir.Ct:
		ck, ok := ctKeys.Get()[k.Key]
		if !ok {
			return fmt.Errorf("ct %s set: not supported by the netlink backend yet", k.Key)
		}
		t = &loaded{t: ck.t, size: ck.t.size}
		if err := rc.loadValue(s.Value, t); err != nil {
			return err
		}
		switch k.Dir {
		case "":
			rc.emit(&expr.Ct{Key: ck.key, SourceRegister: true, Register: 1})
		case "original", "reply":
			dir := uint8(0)
			if k.Dir == "reply" {
				dir = 1
			}
			rc.emit(rawAttrs("ct", attrU32(unix.NFTA_CT_KEY, uint32(ck.key)), attrU8(unix.NFTA_CT_DIRECTION, dir), attrU32(unix.NFTA_CT_SREG, 1)))
		default:
			return fmt.Errorf("ct direction %q", k.Dir)
		}
	case *ir.Payload:
		return rc.payloadSet(k, s.Value)
	case *ir.TCPOption:
		o, ok := tcpOpts.Get()[k.Name]
		if !ok {
			return fmt.Errorf("tcp option %s set: not supported by the netlink backend yet", k.Name)
		}
		fd, ok := o.fields[k.Field]
		if !ok || fd.bits%8 != 0 || fd.offset%8 != 0 {
			return fmt.Errorf("tcp option %s %s set: not supported by the netlink backend yet", k.Name, k.Field)
		}
		t = &loaded{t: fd.t, size: fd.bits / 8}
		if r, ok := s.Value.(*ir.Rt); ok {
			l, err := rc.selector(r, 1)
			if err != nil {
				return err
			}
			if l.size != t.size {
				return fmt.Errorf("rt %s for a %d-byte option field", r.Key, t.size)
			}
			rc.hton(l)
		} else if err := rc.loadValue(s.Value, t); err != nil {
			return err
		}
		rc.emit(&expr.Exthdr{SourceRegister: 1, Type: o.kind, Offset: fd.offset / 8, Len: fd.bits / 8, Op: expr.ExthdrOpTcpopt})
	default:
		return fmt.Errorf("%T set: not supported by the netlink backend yet", s.Key)
	}
	return nil
}

// setUpdate compiles "add|update|delete @set { KEY [timeout T] [stmts] }"
// into a dynset expression.
func (rc *ruleCompiler) setUpdate(s *ir.SetUpdate) error {
	set, ok := rc.tc.sets[s.Set]
	if !ok {
		return fmt.Errorf("set @%s is not declared", s.Set)
	}
	if _, err := rc.selector(s.Key, 1); err != nil {
		return err
	}
	d := &expr.Dynset{SrcRegKey: 1, SetName: set.Name, SetID: set.ID}
	switch s.Op {
	case "add":
		d.Operation = unix.NFT_DYNSET_OP_ADD
	case "update":
		d.Operation = unix.NFT_DYNSET_OP_UPDATE
	case "delete":
		d.Operation = 2 // NFT_DYNSET_OP_DELETE
	default:
		return fmt.Errorf("set operation %q", s.Op)
	}
	ms, err := parseDurationMS(s.Timeout)
	if err != nil {
		return err
	}
	d.Timeout = time.Duration(ms) * time.Millisecond
	for _, st := range s.Stmts {
		sub := &ruleCompiler{tc: rc.tc, depAt: -1, net: rc.net, trans: rc.trans}
		switch st := st.(type) {
		case *ir.CtCount:
			var fl uint32
			if st.Over {
				fl = 1 // NFT_CONNLIMIT_F_INV
			}
			sub.emit(&expr.Connlimit{Count: st.Count, Flags: fl})
		case *ir.Limit, *ir.Counter, *ir.Quota:
			if err := sub.stmt(st); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%T inside a set element: not supported by the netlink backend yet", st)
		}
		for _, e := range sub.out {
			x, ok := e.(expr.Any)
			if !ok {
				return fmt.Errorf("%s inside a set element: not supported by the netlink backend yet", exprKind(e))
			}
			d.Exprs = append(d.Exprs, x)
		}
	}
	rc.emit(d)
	return nil
}

// loadValue puts a statement argument into register 1: a constant, or a
// selector with optional bit operations.
func (rc *ruleCompiler) loadValue(v ir.Expr, t *loaded) error {
	switch v.(type) {
	case *ir.Meta, *ir.Ct, *ir.Payload, *ir.Binary, *ir.Socket, *ir.Paren:
		l, err := rc.selector(v, 1)
		if err != nil {
			return err
		}
		if l.size != t.size {
			return fmt.Errorf("value of %d bytes for a %s", l.size, t.t.name)
		}
		return nil
	}
	b, err := rc.value(v, t)
	if err != nil {
		return err
	}
	rc.emit(&expr.Immediate{Register: 1, Data: b})
	return nil
}

// reject compiles like nft: "with tcp reset" needs a tcp match; the
// default is an ICMP port unreachable (icmpx in inet).
func (rc *ruleCompiler) reject(s *ir.Reject) error {
	fam := rc.tc.fam
	switch s.Type {
	case "":
		switch fam {
		case ir.FamilyInet, ir.FamilyBridge, ir.FamilyNetdev:
			rc.emit(&expr.Reject{Type: unix.NFT_REJECT_ICMPX_UNREACH, Code: unix.NFT_REJECT_ICMPX_PORT_UNREACH})
		case ir.FamilyIP6:
			rc.emit(&expr.Reject{Type: unix.NFT_REJECT_ICMP_UNREACH, Code: 4})
		default:
			rc.emit(&expr.Reject{Type: unix.NFT_REJECT_ICMP_UNREACH, Code: 3})
		}
	case "tcp reset":
		if err := rc.depend(protos.Get()["tcp"]); err != nil {
			return err
		}
		rc.emit(&expr.Reject{Type: unix.NFT_REJECT_TCP_RST})
	case "icmp", "icmpv6", "icmpx":
		var t *dtype
		switch s.Type {
		case "icmp":
			t = dtICMPCode
			if fam != ir.FamilyIP {
				if err := rc.needNet("ip"); err != nil {
					return err
				}
			}
		case "icmpv6":
			t = dtICMP6Code
			if fam != ir.FamilyIP6 {
				if err := rc.needNet("ip6"); err != nil {
					return err
				}
			}
		default:
			t = dtICMPXCode
		}
		code, err := rc.symbolValue(s.Code, t)
		if err != nil {
			return err
		}
		typ := uint32(unix.NFT_REJECT_ICMP_UNREACH)
		if s.Type == "icmpx" {
			typ = unix.NFT_REJECT_ICMPX_UNREACH
		}
		rc.emit(&expr.Reject{Type: typ, Code: uint8(code)})
	default:
		return fmt.Errorf("reject with %s", s.Type)
	}
	return nil
}

func (rc *ruleCompiler) queue(s *ir.Queue) error {
	q := &expr.Queue{Total: 1} // nft always sends the number of queues
	switch n := s.Num.(type) {
	case nil:
	case *ir.Integer:
		q.Num = uint16(n.Value)
		q.Total = 1
	case *ir.Range:
		lo, ok1 := n.Lo.(*ir.Integer)
		hi, ok2 := n.Hi.(*ir.Integer)
		if !ok1 || !ok2 || hi.Value < lo.Value {
			return fmt.Errorf("queue num range")
		}
		q.Num = uint16(lo.Value)
		q.Total = uint16(hi.Value - lo.Value + 1)
	default:
		return fmt.Errorf("queue num %T: not supported by the netlink backend yet", s.Num)
	}
	for _, f := range s.Flags {
		switch f {
		case "bypass":
			q.Flag |= expr.QueueFlagBypass
		case "fanout":
			q.Flag |= expr.QueueFlagFanout
		default:
			return fmt.Errorf("queue flag %q", f)
		}
	}
	var attrs []attr
	attrs = append(attrs, attr{Type: unix.NFTA_QUEUE_NUM, Data: binary.BigEndian.AppendUint16(nil, q.Num)})
	attrs = append(attrs, attr{Type: unix.NFTA_QUEUE_TOTAL, Data: binary.BigEndian.AppendUint16(nil, q.Total)})
	if q.Flag != 0 {
		attrs = append(attrs, attr{Type: unix.NFTA_QUEUE_FLAGS, Data: binary.BigEndian.AppendUint16(nil, uint16(q.Flag))})
	}
	rc.emit(rawAttrs("queue", attrs...))
	return nil
}

const natMapIPs = 1 // NF_NAT_RANGE_MAP_IPS

var natFlags = lazy.Of[map[string]uint32]{New: func() map[string]uint32 {
	return map[string]uint32{
		"random": expr.NF_NAT_RANGE_PROTO_RANDOM, "fully-random": expr.NF_NAT_RANGE_PROTO_RANDOM_FULLY,
		"persistent": expr.NF_NAT_RANGE_PERSISTENT,
	}
}}

func (rc *ruleCompiler) nat(s *ir.Nat) error {
	var flags uint32
	for _, f := range s.Flags {
		b, ok := natFlags.Get()[f]
		if !ok {
			return fmt.Errorf("nat flag %q", f)
		}
		flags |= b
	}
	fam := rc.tc.fam
	var addrT *dtype
	nfam := uint32(0)
	switch {
	case s.Family == "ip" || (s.Family == "" && fam == ir.FamilyIP):
		addrT, nfam = dtIPv4, unix.NFPROTO_IPV4
	case s.Family == "ip6" || (s.Family == "" && fam == ir.FamilyIP6):
		addrT, nfam = dtIPv6, unix.NFPROTO_IPV6
	}
	reg := uint32(1)
	var aMin, aMax, pMin, pMax uint32
	if s.Addr != nil {
		if addrT == nil {
			return fmt.Errorf("nat address without a family in an %s table", fam)
		}
		l := &loaded{t: addrT, size: addrT.size}
		switch a := s.Addr.(type) {
		case *ir.Range:
			lo, err := rc.value(a.Lo, l)
			if err != nil {
				return err
			}
			hi, err := rc.value(a.Hi, l)
			if err != nil {
				return err
			}
			rc.emit(&expr.Immediate{Register: 1, Data: lo}, &expr.Immediate{Register: 2, Data: hi})
			aMin, aMax, reg = 1, 2, 3
		case *ir.Prefix:
			lo := a.Prefix.Masked().Addr()
			b, err := rc.value(&ir.Addr{Addr: lo}, l)
			if err != nil {
				return err
			}
			hi := append([]byte(nil), b...)
			m := maskBytes(l.size, l.size*8-uint32(a.Prefix.Bits()), 0)
			for i := range hi {
				hi[i] |= m[i]
			}
			rc.emit(&expr.Immediate{Register: 1, Data: b}, &expr.Immediate{Register: 2, Data: hi})
			aMin, aMax, reg = 1, 2, 3
		case *ir.MapLookup:
			k, err := rc.selector(a.Key, 1)
			if err != nil {
				return err
			}
			lit, ok := a.Map.(*ir.SetLit)
			if !ok {
				return fmt.Errorf("nat map %T: not supported by the netlink backend yet", a.Map)
			}
			data := &loaded{t: addrT, size: addrT.size}
			switch {
			case s.AddrPort:
				data = &loaded{t: &dtype{name: addrT.name + " . inet_service", magic: addrT.magic<<6 | dtService.magic,
					size: pad4(addrT.size) + 4, kind: dkConcat, sub: []*loaded{{t: addrT, size: addrT.size}, {t: dtService, size: 2}}}}
				data.size = data.t.size
			}
			set, err := rc.natMap(k, lit, data, s.Prefix)
			if err != nil {
				return err
			}
			rc.emit(&expr.Lookup{SourceRegister: 1, DestRegister: 1, IsDestRegSet: true, SetName: set.Name, SetID: set.ID})
			aMin, aMax, reg = 1, 1, 2
			switch {
			case s.AddrPort:
				if rc.trans == "" {
					return fmt.Errorf("nat port without a transport protocol match")
				}
				pr := reg32(pad4(addrT.size))
				pMin, pMax = pr, pr
				flags |= expr.NF_NAT_RANGE_PROTO_SPECIFIED
			case s.Prefix:
				aMax = reg32(pad4(addrT.size))
			}
		default:
			b, err := rc.value(s.Addr, l)
			if err != nil {
				return err
			}
			rc.emit(&expr.Immediate{Register: 1, Data: b})
			aMin, aMax, reg = 1, 1, 2
		}
		flags |= natMapIPs
		if s.Prefix {
			flags |= nftNatNetmap
		}
	}
	if s.Port != nil {
		if rc.trans == "" {
			return fmt.Errorf("nat port without a transport protocol match")
		}
		l := &loaded{t: dtService, size: 2}
		switch p := s.Port.(type) {
		case *ir.Range:
			lo, err := rc.value(p.Lo, l)
			if err != nil {
				return err
			}
			hi, err := rc.value(p.Hi, l)
			if err != nil {
				return err
			}
			rc.emit(&expr.Immediate{Register: reg, Data: lo}, &expr.Immediate{Register: reg + 1, Data: hi})
			pMin, pMax = reg, reg+1
		default:
			b, err := rc.value(s.Port, l)
			if err != nil {
				return err
			}
			rc.emit(&expr.Immediate{Register: reg, Data: b})
			pMin, pMax = reg, reg
		}
		flags |= expr.NF_NAT_RANGE_PROTO_SPECIFIED
	}
	switch s.Kind {
	case ir.NatSNAT, ir.NatDNAT:
		if s.Addr == nil {
			return fmt.Errorf("snat/dnat without an address")
		}
		typ := expr.NATTypeSourceNAT
		if s.Kind == ir.NatDNAT {
			typ = expr.NATTypeDestNAT
		}
		if nfam == 0 {
			return fmt.Errorf("nat without a family in an %s table", fam)
		}
		attrs := []attr{attrU32(unix.NFTA_NAT_TYPE, uint32(typ)), attrU32(unix.NFTA_NAT_FAMILY, nfam)}
		attrs = append(attrs, attrU32(unix.NFTA_NAT_REG_ADDR_MIN, aMin), attrU32(unix.NFTA_NAT_REG_ADDR_MAX, aMax))
		if pMin != 0 {
			attrs = append(attrs, attrU32(unix.NFTA_NAT_REG_PROTO_MIN, pMin), attrU32(unix.NFTA_NAT_REG_PROTO_MAX, pMax))
		}
		if flags != 0 {
			attrs = append(attrs, attrU32(unix.NFTA_NAT_FLAGS, flags))
		}
		rc.emit(rawAttrs("nat", attrs...))
	case ir.NatMasquerade, ir.NatRedirect:
		if s.Addr != nil {
			return fmt.Errorf("masquerade/redirect with an address")
		}
		name := "masq"
		minA, maxA, flA := uint16(unix.NFTA_MASQ_REG_PROTO_MIN), uint16(unix.NFTA_MASQ_REG_PROTO_MAX), uint16(unix.NFTA_MASQ_FLAGS)
		if s.Kind == ir.NatRedirect {
			name = "redir"
			minA, maxA, flA = unix.NFTA_REDIR_REG_PROTO_MIN, unix.NFTA_REDIR_REG_PROTO_MAX, unix.NFTA_REDIR_FLAGS
		}
		var attrs []attr
		if pMin != 0 {
			attrs = append(attrs, attrU32(minA, pMin), attrU32(maxA, pMax))
		}
		if flags != 0 {
			attrs = append(attrs, attrU32(flA, flags))
		}
		rc.emit(rawAttrs(name, attrs...))
	default:
		return fmt.Errorf("nat kind %d", s.Kind)
	}
	return nil
}

// natMap builds the anonymous map of "dnat to KEY map { k : addr }"; with
// interval data (prefix NAT) each value is an address range.
func (rc *ruleCompiler) natMap(k *loaded, lit *ir.SetLit, data *loaded, dataInterval bool) (*nlSet, error) {
	s := &nlSet{Anonymous: true, Key: k.t, KeyLen: k.size, Data: data.t, DataLen: data.size, DataInterval: dataInterval}
	if dataInterval {
		s.DataLen *= 2
	}
	s.Flags = unix.NFT_SET_ANONYMOUS | unix.NFT_SET_CONSTANT | unix.NFT_SET_MAP
	if err := rc.fillSet(s, k, lit.Elems); err != nil {
		return nil, err
	}
	s.ID = rc.tc.newID()
	s.Name = "__map%d"
	s.Size = uint32(len(lit.Elems))
	rc.sets = append(rc.sets, s)
	return s, nil
}

func (rc *ruleCompiler) tproxy(s *ir.TProxy) error {
	fam := rc.tc.fam
	var at *dtype
	var nfam byte
	switch {
	case s.Family == "ip" || (s.Family == "" && fam == ir.FamilyIP):
		at, nfam = dtIPv4, unix.NFPROTO_IPV4
	case s.Family == "ip6" || (s.Family == "" && fam == ir.FamilyIP6):
		at, nfam = dtIPv6, unix.NFPROTO_IPV6
	case s.Addr != nil:
		return fmt.Errorf("tproxy address without a family in an %s table", fam)
	}
	var attrs []attr
	attrs = append(attrs, attrU32(1, uint32(nfam))) // NFTA_TPROXY_FAMILY
	reg := uint32(1)
	if s.Addr != nil {
		b, err := rc.value(s.Addr, &loaded{t: at, size: at.size})
		if err != nil {
			return err
		}
		rc.emit(&expr.Immediate{Register: 1, Data: b})
		attrs = append(attrs, attrU32(2, 1)) // NFTA_TPROXY_REG_ADDR
		reg = 2
	}
	if s.Port != nil {
		b, err := rc.value(s.Port, &loaded{t: dtService, size: 2})
		if err != nil {
			return err
		}
		rc.emit(&expr.Immediate{Register: reg, Data: b})
		attrs = append(attrs, attrU32(3, reg)) // NFTA_TPROXY_REG_PORT
	}
	rc.emit(rawAttrs("tproxy", attrs...))
	return nil
}

// dup compiles "dup to ADDR [device DEV]" and "fwd to DEV".
func (rc *ruleCompiler) dup(addr, dev ir.Expr, fwd bool) error {
	var attrs []attr
	reg := uint32(1)
	if addr != nil {
		var at *dtype
		switch {
		case rc.net == "ip":
			at = dtIPv4
		case rc.net == "ip6":
			at = dtIPv6
		default:
			return fmt.Errorf("dup without a network protocol")
		}
		b, err := rc.value(addr, &loaded{t: at, size: at.size})
		if err != nil {
			return err
		}
		rc.emit(&expr.Immediate{Register: 1, Data: b})
		attrs = append(attrs, attrU32(unix.NFTA_DUP_SREG_ADDR, 1))
		reg = 2
	}
	if fwd {
		return fmt.Errorf("fwd: not supported by the netlink backend yet")
	}
	if dev != nil {
		name, ok := stringOf(dev)
		if !ok {
			return fmt.Errorf("device %T", dev)
		}
		// nft looks the index up when it loads the rule
		if rc.tc.ifIndex == nil {
			return fmt.Errorf("dup to device %q: the rule needs the interface's index where it is loaded (nft looks it up then); apply the rules there, a plan cannot carry it", name)
		}
		idx, err := rc.tc.ifIndex(name)
		if err != nil {
			return fmt.Errorf("dup to device %q: %v", name, err)
		}
		rc.emit(&expr.Immediate{Register: reg, Data: binary.NativeEndian.AppendUint32(nil, idx)})
		attrs = append(attrs, attrU32(unix.NFTA_DUP_SREG_DEV, reg))
	}
	rc.emit(rawAttrs("dup", attrs...))
	return nil
}

// checksums nft updates when writing a header: the offset of the
// checksum field in the header.
var csumOffsets = lazy.Of[map[string]uint32]{New: func() map[string]uint32 {
	return map[string]uint32{"ip": 10, "tcp": 16, "udp": 6, "udplite": 6, "icmp": 2, "icmpv6": 2}
}}

// payloadSet compiles "HEADER FIELD set VALUE" like nft: a field that is
// not whole bytes, or whose checksum needs 16-bit aligned words, is
// read, masked and written back as a wider word.
func (rc *ruleCompiler) payloadSet(k *ir.Payload, v ir.Expr) error {
	p, ok := protos.Get()[k.Proto]
	if !ok || p.layer < 0 {
		return fmt.Errorf("%s %s set: not supported by the netlink backend yet", k.Proto, k.Field)
	}
	fd, ok := p.fields[k.Field]
	if !ok {
		return fmt.Errorf("unknown field %s %s", k.Proto, k.Field)
	}
	if err := rc.depend(p); err != nil {
		return err
	}
	csumOff, needCsum := csumOffsets.Get()[k.Proto]
	wOff := fd.offset / 8
	wSize := (fd.offset+fd.bits+7)/8 - wOff
	if needCsum && wSize%2 == 1 {
		wSize++
		if wOff%2 == 1 {
			wOff--
		}
	}
	shift := (wOff+wSize)*8 - (fd.offset + fd.bits)
	fl := &loaded{t: fd.t, size: wSize, shift: shift}
	val, err := rc.value(v, fl)
	if err != nil {
		return fmt.Errorf("%s %s set %T: not supported by the netlink backend yet (%v)", k.Proto, k.Field, v, err)
	}
	if shift == 0 && fd.bits == wSize*8 {
		rc.emit(&expr.Immediate{Register: 1, Data: val})
	} else {
		mask := maskBytes(wSize, fd.bits, shift)
		for i := range mask {
			mask[i] = ^mask[i]
		}
		rc.emit(&expr.Payload{DestRegister: 1, Base: fd.base, Offset: wOff, Len: wSize},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: wSize, Mask: mask, Xor: val})
	}
	w := &expr.Payload{OperationType: expr.PayloadWrite, SourceRegister: 1, Base: fd.base, Offset: wOff, Len: wSize}
	if needCsum {
		w.CsumType, w.CsumOffset = expr.CsumTypeInet, csumOff
		if k.Proto == "ip" && (k.Field == "saddr" || k.Field == "daddr") {
			w.CsumFlags = unix.NFT_PAYLOAD_L4CSUM_PSEUDOHDR
		}
	}
	if k.Proto == "ip6" && (k.Field == "saddr" || k.Field == "daddr") {
		w.CsumFlags = unix.NFT_PAYLOAD_L4CSUM_PSEUDOHDR
	}
	rc.emit(w)
	return nil
}

// DescribeQueue prints a compiled queue expression the way libnftnl
// does ("[ queue num 1-3 bypass fanout ]"), for tests: this kernel cannot
// load it, so it is compared with nft's own check-mode output.
func DescribeQueue(e any) string {
	r, ok := e.(*rawExpr)
	if !ok || r.name != "queue" {
		return fmt.Sprintf("%T", e)
	}
	ad, err := netlink.NewAttributeDecoder(r.data)
	if err != nil {
		return err.Error()
	}
	var num, total, flags uint16
	for ad.Next() {
		switch ad.Type() {
		case unix.NFTA_QUEUE_NUM:
			num = binary.BigEndian.Uint16(ad.Bytes())
		case unix.NFTA_QUEUE_TOTAL:
			total = binary.BigEndian.Uint16(ad.Bytes())
		case unix.NFTA_QUEUE_FLAGS:
			flags = binary.BigEndian.Uint16(ad.Bytes())
		}
	}
	s := fmt.Sprintf("[ queue num %d", num)
	if total > 1 {
		s += fmt.Sprintf("-%d", num+total-1)
	}
	if flags&uint16(expr.QueueFlagBypass) != 0 {
		s += " bypass"
	}
	if flags&uint16(expr.QueueFlagFanout) != 0 {
		s += " fanout"
	}
	return s + " ]"
}
