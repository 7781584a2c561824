package emit

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// loaded is a selector loaded into a register.
type loaded struct {
	t     *dtype
	size  uint32 // bytes in the register
	shift uint32 // a sub-byte field sits this many bits up in the register
	bits  uint32 // field width; 0 when it fills size
	// payload is the load of a byte-aligned header field, which a
	// prefix match may shorten (like nft).
	payload *expr.Payload
	flags   bool           // binary operation applied (no implicit flag test)
	raw     *ir.RawPayload // the selector is a raw payload (nft records it as the set's typeof)
	// parts of a concatenation: the register and where its load ends
	reg     uint32
	loadEnd int
}

// exthdrLoad loads an extension header or TCP option field, masking a
// field that is not whole bytes.
func (rc *ruleCompiler) exthdrLoad(reg uint32, op expr.ExthdrOp, typ uint8, fd field) *loaded {
	byteOff := fd.offset / 8
	n := (fd.offset+fd.bits+7)/8 - byteOff
	rc.emit(&expr.Exthdr{DestRegister: reg, Type: typ, Offset: byteOff, Len: n, Op: op})
	l := &loaded{t: fd.t, size: n}
	if fd.bits%8 != 0 || fd.offset%8 != 0 {
		l.shift = n*8 - fd.offset%8 - fd.bits
		l.bits = fd.bits
		rc.emit(&expr.Bitwise{SourceRegister: reg, DestRegister: reg, Len: n, Mask: maskBytes(n, fd.bits, l.shift), Xor: make([]byte, n)})
	}
	return l
}

// needIP6 is the dependency of IPv6 extension headers.
func (rc *ruleCompiler) needIP6() error {
	if rc.tc.fam == ir.FamilyIP6 {
		return nil
	}
	return rc.needNet("ip6")
}

// register numbers: reg 1 is NFT_REG_1; the 32-bit registers are 8...
func reg32(off uint32) uint32 {
	idx := off / 4
	if idx%4 == 0 {
		return unix.NFT_REG_1 + idx/4
	}
	return unix.NFT_REG32_00 + idx
}

// selector loads the value of e into register reg (emitting its protocol
// dependencies first) and returns its type.
func (rc *ruleCompiler) selector(e ir.Expr, reg uint32) (*loaded, error) {
	switch e := e.(type) {
	case *ir.Payload:
		if name, ok := strings.CutPrefix(e.Proto, "sctp chunk "); ok {
			typ, ok := sctpChunks.Get()[name]
			if !ok {
				return nil, fmt.Errorf("sctp chunk %s: not supported by the netlink backend yet", name)
			}
			if err := rc.depend(protos.Get()["sctp"]); err != nil {
				return nil, err
			}
			if e.Field == "" {
				if !rc.presence {
					return nil, fmt.Errorf("sctp chunk %s without a field", name)
				}
				rc.emit(&expr.Exthdr{DestRegister: reg, Type: typ, Offset: 0, Len: 1, Flags: unix.NFT_EXTHDR_F_PRESENT, Op: nftExthdrOpSctp})
				return &loaded{t: dtBoolean, size: 1}, nil
			}
			fd, ok := sctpChunkFields.Get()[e.Field]
			if !ok {
				return nil, fmt.Errorf("sctp chunk %s %s: not supported by the netlink backend yet", name, e.Field)
			}
			return rc.exthdrLoad(reg, nftExthdrOpSctp, typ, fd), nil
		}
		if x, ok := exthdrs.Get()[e.Proto]; ok {
			fd, ok := x.fields[e.Field]
			if !ok {
				return nil, fmt.Errorf("unknown field %s %s", e.Proto, e.Field)
			}
			if err := rc.needIP6(); err != nil {
				return nil, err
			}
			return rc.exthdrLoad(reg, expr.ExthdrOpIpv6, x.typ, fd), nil
		}
		p, ok := protos.Get()[e.Proto]
		if !ok {
			if strings.Contains(e.Proto, " ") || exthdrProtos.Get()[e.Proto] {
				return nil, fmt.Errorf("header %q: not supported by the netlink backend yet", e.Proto)
			}
			return nil, fmt.Errorf("unknown header %q", e.Proto)
		}
		fd, ok := p.fields[e.Field]
		if !ok {
			return nil, fmt.Errorf("unknown field %s %s", e.Proto, e.Field)
		}
		if err := rc.depend(p); err != nil {
			return nil, err
		}
		byteOff := fd.offset / 8
		endByte := (fd.offset + fd.bits + 7) / 8
		n := endByte - byteOff
		pl := &expr.Payload{DestRegister: reg, Base: fd.base, Offset: byteOff, Len: n}
		rc.emit(pl)
		l := &loaded{t: fd.t, size: n}
		if fd.bits%8 != 0 || fd.offset%8 != 0 {
			l.shift = n*8 - fd.offset%8 - fd.bits
			l.bits = fd.bits
			mask := maskBytes(n, fd.bits, l.shift)
			rc.emit(&expr.Bitwise{SourceRegister: reg, DestRegister: reg, Len: n, Mask: mask, Xor: make([]byte, n)})
		} else {
			l.payload = pl
		}
		return l, nil
	case *ir.Meta:
		k, ok := metaKeys.Get()[e.Key]
		if !ok {
			return nil, fmt.Errorf("meta %s: not supported by the netlink backend yet", e.Key)
		}
		rc.emit(&expr.Meta{Key: k.key, Register: reg})
		return &loaded{t: k.t, size: k.t.size}, nil
	case *ir.Ct:
		k, ok := ctKeys.Get()[e.Key]
		if e.Key == "saddr" || e.Key == "daddr" {
			// the address type follows the network protocol
			key := expr.CtKeySRC
			if e.Key == "daddr" {
				key = expr.CtKeyDST
			}
			switch rc.net {
			case "ip":
				k, ok = ctKey{key, dtIPv4}, true
			case "ip6":
				k, ok = ctKey{key, dtIPv6}, true
			default:
				return nil, fmt.Errorf("ct %s without a network protocol", e.Key)
			}
		}
		if !ok {
			return nil, fmt.Errorf("ct %s: not supported by the netlink backend yet", e.Key)
		}
		var dir uint32
		switch e.Dir {
		case "":
			if strings.Contains(e.Key, " ") {
				return nil, fmt.Errorf("ct %s needs a direction", e.Key)
			}
		case "original":
		case "reply":
			dir = 1
		default:
			return nil, fmt.Errorf("ct direction %q", e.Dir)
		}
		if e.Dir != "" {
			// nft sends the direction attribute only when one is given.
			rc.emit(rawAttrs("ct", attrU32(unix.NFTA_CT_KEY, uint32(k.key)), attrU32(unix.NFTA_CT_DREG, reg), attrU8(unix.NFTA_CT_DIRECTION, uint8(dir))))
			return &loaded{t: k.t, size: k.t.size}, nil
		}
		rc.emit(&expr.Ct{Key: k.key, Register: reg})
		return &loaded{t: k.t, size: k.t.size}, nil
	case *ir.Binary:
		l, err := rc.selector(e.Left, reg)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case ir.OpAnd, ir.OpOr, ir.OpXor:
		case ir.OpLShift, ir.OpRShift:
			return rc.shift(e, l, reg)
		default:
			return nil, fmt.Errorf("operation %d: not supported by the netlink backend yet", e.Op)
		}
		v, err := rc.value(e.Right, l)
		if err != nil {
			return nil, err
		}
		n := l.size
		mask := make([]byte, n)
		xor := make([]byte, n)
		switch e.Op {
		case ir.OpAnd:
			copy(mask, v)
		case ir.OpOr:
			for i := range mask {
				mask[i] = ^v[i]
			}
			copy(xor, v)
		case ir.OpXor:
			for i := range mask {
				mask[i] = 0xff
			}
			copy(xor, v)
		}
		// fold into a preceding bitwise on the same register (a & m | v)
		if last, ok := rc.out[len(rc.out)-1].(*expr.Bitwise); ok && last.DestRegister == reg && l.flags && len(last.Mask) == len(mask) {
			for i := range mask {
				last.Xor[i] = last.Xor[i]&mask[i] ^ xor[i]
				last.Mask[i] &= mask[i]
			}
		} else {
			rc.emit(&expr.Bitwise{SourceRegister: reg, DestRegister: reg, Len: n, Mask: mask, Xor: xor})
		}
		nl := *l
		nl.flags = true
		nl.payload = nil
		return &nl, nil
	case *ir.Concat:
		return rc.concat(e.Elems, reg)
	case *ir.Paren:
		// grouping for the text only ("(ct mark & 0x0f) >> 2")
		return rc.selector(e.X, reg)
	case *ir.Fib:
		fb := &expr.Fib{Register: reg}
		for _, fl := range e.Flags {
			switch fl {
			case "saddr":
				fb.FlagSADDR = true
			case "daddr":
				fb.FlagDADDR = true
			case "mark":
				fb.FlagMARK = true
			case "iif":
				fb.FlagIIF = true
			case "oif":
				fb.FlagOIF = true
			default:
				return nil, fmt.Errorf("fib flag %q", fl)
			}
		}
		var t *dtype
		switch e.Result {
		case "oif":
			fb.ResultOIF, t = true, dtIfIndex
		case "oifname":
			fb.ResultOIFNAME, t = true, dtIfName
		case "type":
			fb.ResultADDRTYPE, t = true, dtFibAddr
		default:
			return nil, fmt.Errorf("fib result %q", e.Result)
		}
		if rc.presence {
			fb.FlagPRESENT, t = true, dtBoolean
		}
		rc.emit(fb)
		return &loaded{t: t, size: t.size}, nil
	case *ir.Rt:
		k, ok := rtKeys.Get()[e.Key]
		if !ok || e.Family != "" {
			return nil, fmt.Errorf("rt %s %s: not supported by the netlink backend yet", e.Family, e.Key)
		}
		rc.emit(&expr.Rt{Register: reg, Key: k.key})
		return &loaded{t: k.t, size: k.t.size}, nil
	case *ir.RawPayload:
		base, ok := map[string]expr.PayloadBase{"ll": ll, "nh": nh, "th": th}[e.Base]
		if !ok {
			return nil, fmt.Errorf("raw payload @%s: not supported by the netlink backend yet", e.Base)
		}
		if e.Len == 0 || e.Len > 128 {
			return nil, fmt.Errorf("raw payload of %d bits", e.Len)
		}
		fd := field{base: base, offset: e.Offset, bits: e.Len, t: intType((e.Len+7)/8, false)}
		byteOff := fd.offset / 8
		n := (fd.offset+fd.bits+7)/8 - byteOff
		pl := &expr.Payload{DestRegister: reg, Base: base, Offset: byteOff, Len: n}
		rc.emit(pl)
		l := &loaded{t: intType(n, false), size: n, raw: e}
		if fd.bits%8 != 0 || fd.offset%8 != 0 {
			l.shift = n*8 - fd.offset%8 - fd.bits
			l.bits = fd.bits
			rc.emit(&expr.Bitwise{SourceRegister: reg, DestRegister: reg, Len: n, Mask: maskBytes(n, fd.bits, l.shift), Xor: make([]byte, n)})
		} else {
			l.payload = pl
		}
		return l, nil
	case *ir.Socket:
		keys := map[string]struct {
			k expr.SocketKey
			t *dtype
		}{
			"transparent": {expr.SocketKeyTransparent, intType(1, true)},
			"wildcard":    {expr.SocketKeyWildcard, intType(1, true)},
			"mark":        {expr.SocketKeyMark, dtMark},
			"cgroupv2":    {expr.SocketKeyCgroupv2, &dtype{name: "cgroupsv2", magic: 46, size: 8, host: true}},
		}
		k, ok := keys[e.Key]
		if !ok {
			return nil, fmt.Errorf("socket %s: not supported by the netlink backend yet", e.Key)
		}
		rc.emit(&expr.Socket{Key: k.k, Level: e.Level, Register: reg})
		return &loaded{t: k.t, size: k.t.size}, nil
	case *ir.Numgen:
		typ := map[string]uint32{"inc": unix.NFT_NG_INCREMENTAL, "random": unix.NFT_NG_RANDOM}
		ty, ok := typ[e.Mode]
		if !ok {
			return nil, fmt.Errorf("numgen %s", e.Mode)
		}
		rc.emit(&expr.Numgen{Register: reg, Modulus: e.Mod, Type: ty, Offset: e.Offset})
		return &loaded{t: intType(4, true), size: 4}, nil
	case *ir.Hash:
		var attrs []attr
		switch e.Kind {
		case "jhash":
			if e.Expr == nil {
				return nil, fmt.Errorf("jhash without an expression")
			}
			k, err := rc.selector(e.Expr, reg+1)
			if err != nil {
				return nil, err
			}
			attrs = append(attrs, attrU32(unix.NFTA_HASH_SREG, reg+1), attrU32(unix.NFTA_HASH_DREG, reg),
				attrU32(unix.NFTA_HASH_LEN, k.size), attrU32(unix.NFTA_HASH_MODULUS, e.Mod))
			if e.Seed != nil {
				attrs = append(attrs, attrU32(unix.NFTA_HASH_SEED, *e.Seed))
			}
			attrs = append(attrs, attrU32(unix.NFTA_HASH_OFFSET, e.Offset), attrU32(unix.NFTA_HASH_TYPE, unix.NFT_HASH_JENKINS))
		case "symhash":
			attrs = append(attrs, attrU32(unix.NFTA_HASH_DREG, reg), attrU32(unix.NFTA_HASH_MODULUS, e.Mod),
				attrU32(unix.NFTA_HASH_OFFSET, e.Offset), attrU32(unix.NFTA_HASH_TYPE, unix.NFT_HASH_SYM))
		default:
			return nil, fmt.Errorf("hash %s", e.Kind)
		}
		rc.emit(rawAttrs("hash", attrs...))
		return &loaded{t: intType(4, true), size: 4}, nil
	case *ir.Osf:
		var ttl uint8
		switch e.TTL {
		case "":
		case "loose":
			ttl = 1
		case "skip":
			ttl = 2
		default:
			return nil, fmt.Errorf("osf ttl %q", e.TTL)
		}
		attrs := []attr{attrU32(1, reg), attrU8(2, ttl)} // NFTA_OSF_DREG, NFTA_OSF_TTL
		switch e.Key {
		case "name":
		case "version":
			attrs = append(attrs, attrU32(3, 1)) // NFTA_OSF_FLAGS: NFT_OSF_F_VERSION
		default:
			return nil, fmt.Errorf("osf %s", e.Key)
		}
		rc.emit(rawAttrs("osf", attrs...))
		return &loaded{t: dtIfName, size: 16}, nil
	case *ir.Exthdr:
		x, ok := exthdrs.Get()[e.Name]
		if !ok {
			return nil, fmt.Errorf("exthdr %s: not supported by the netlink backend yet", e.Name)
		}
		if err := rc.needIP6(); err != nil {
			return nil, err
		}
		rc.emit(&expr.Exthdr{DestRegister: reg, Type: x.typ, Offset: 0, Len: 1, Flags: unix.NFT_EXTHDR_F_PRESENT, Op: expr.ExthdrOpIpv6})
		return &loaded{t: dtBoolean, size: 1}, nil
	case *ir.TCPOption:
		o, ok := tcpOpts.Get()[e.Name]
		if !ok {
			n, err := strconv.ParseUint(e.Name, 10, 8)
			if err != nil {
				return nil, fmt.Errorf("tcp option %s: not supported by the netlink backend yet", e.Name)
			}
			o = tcpOptDesc{kind: uint8(n)}
		}
		// no protocol dependency: nft adds none (the kernel's tcp option
		// expression does not match non-TCP packets)
		if e.Field == "" {
			rc.emit(&expr.Exthdr{DestRegister: reg, Type: o.kind, Offset: 0, Len: 1, Flags: unix.NFT_EXTHDR_F_PRESENT, Op: expr.ExthdrOpTcpopt})
			return &loaded{t: dtBoolean, size: 1}, nil
		}
		fd, ok := o.fields[e.Field]
		if !ok {
			return nil, fmt.Errorf("tcp option %s %s: not supported by the netlink backend yet", e.Name, e.Field)
		}
		return rc.exthdrLoad(reg, expr.ExthdrOpTcpopt, o.kind, fd), nil
	default:
		return nil, fmt.Errorf("%T as a selector: not supported by the netlink backend yet", e)
	}
}

var exthdrProtos = lazy.Of[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"hbh": true, "rt": true, "rt0": true, "rt2": true, "srh": true, "frag": true, "dst": true, "mh": true}
}}

func maskBytes(n, bits, shift uint32) []byte {
	m := new(big.Int).Lsh(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), big.NewInt(1)), uint(shift))
	b := make([]byte, n)
	m.FillBytes(b)
	return b
}

// concat loads each element into consecutive 32-bit registers.
func (rc *ruleCompiler) concat(elems []ir.Expr, reg uint32) (*loaded, error) {
	var off uint32
	var names []string
	var magic uint32
	var subs []*loaded
	outer := rc.depAt
	if outer < 0 {
		rc.depAt = len(rc.out)
		defer func() { rc.depAt = -1 }()
	}
	for _, el := range elems {
		l, err := rc.selector(el, reg32(off))
		if err != nil {
			return nil, err
		}
		// A field masked by the rule ("ip saddr & 255.255.0.0", as
		// hashlimit's --hashlimit-srcmask keys) is loaded and masked in
		// its own register, as nft does; a field narrower than its
		// bytes is not done yet.
		if _, masked := el.(*ir.Binary); l.bits != 0 || (l.flags && !masked) {
			return nil, fmt.Errorf("concatenation of a masked field: not supported by the netlink backend yet")
		}
		names = append(names, l.t.name)
		magic = magic<<6 | l.t.magic
		subs = append(subs, &loaded{t: l.t, size: l.size, reg: reg32(off), loadEnd: len(rc.out)})
		off += pad4(l.size)
	}
	t := &dtype{name: strings.Join(names, " . "), magic: magic, size: off, kind: dkConcat, sub: subs}
	return &loaded{t: t, size: off}, nil
}

func pad4(n uint32) uint32 { return (n + 3) &^ 3 }

// depend emits the dependency nft adds before a header field of p, and
// records the protocol in the context.
func (rc *ruleCompiler) depend(p *proto) error {
	fam := rc.tc.fam
	switch p.layer {
	case -1:
		return nil
	case layerLL:
		if rc.ll {
			return nil
		}
		if fam == ir.FamilyIP || fam == ir.FamilyIP6 || fam == ir.FamilyInet {
			rc.emitDep(&expr.Meta{Key: expr.MetaKeyIIFTYPE, Register: 1},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: hostBytes(1, 2)})
			rc.ll = true
			return nil
		}
		return fmt.Errorf("ether header in family %s", fam)
	case layerNet:
		return rc.needNet(p.name)
	case layerTrans:
		switch p.name {
		case "icmp", "igmp":
			if err := rc.needNet("ip"); err != nil {
				return err
			}
		case "icmpv6":
			if err := rc.needNet("ip6"); err != nil {
				return err
			}
		}
		if rc.trans == p.name {
			return nil
		}
		if rc.trans != "" {
			return fmt.Errorf("%s header after a %s match", p.name, rc.trans)
		}
		if rc.net == "" && (fam == ir.FamilyBridge || fam == ir.FamilyNetdev) {
			return fmt.Errorf("%s header without a network protocol match in family %s: not supported by the netlink backend yet", p.name, fam)
		}
		rc.emitDep(&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(p.num)}})
		rc.trans = p.name
	}
	return nil
}

func (rc *ruleCompiler) needNet(name string) error {
	if rc.net == name {
		return nil
	}
	if rc.net != "" {
		return fmt.Errorf("%s header in an %s context", name, rc.net)
	}
	switch rc.tc.fam {
	case ir.FamilyInet:
		rc.emitDep(&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(protos.Get()[name].num)}})
	case ir.FamilyBridge, ir.FamilyNetdev:
		et := uint16(0x0800)
		if name == "ip6" {
			et = 0x86dd
		}
		rc.emitDep(&expr.Payload{DestRegister: 1, Base: ll, Offset: 12, Len: 2},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binary.BigEndian.AppendUint16(nil, et)})
	default:
		return fmt.Errorf("%s header in family %s", name, rc.tc.fam)
	}
	rc.net = name
	return nil
}

func hostBytes(v uint64, n uint32) []byte {
	b := make([]byte, 8)
	binary.NativeEndian.PutUint64(b, v)
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 { // little endian
		return b[:n]
	}
	return b[8-n:]
}

func beBytes(v uint64, n uint32) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	if n > 8 {
		return append(make([]byte, n-8), b...)
	}
	return b[8-n:]
}

// intBytes encodes v in the type's byte order, shifted into place.
func intBytes(v uint64, l *loaded) []byte {
	v <<= l.shift
	if l.t.host {
		return hostBytes(v, l.size)
	}
	return beBytes(v, l.size)
}

// value encodes a constant for the loaded selector l.
func (rc *ruleCompiler) value(e ir.Expr, l *loaded) ([]byte, error) {
	t := l.t
	if t.name == "ct_label" {
		// a label is a bit number in a 128-bit host-order bitmap
		var bit uint64
		switch v := e.(type) {
		case *ir.Integer:
			bit = v.Value
		case *ir.Symbol:
			n, err := strconv.ParseUint(v.Name, 10, 8)
			if err != nil {
				return nil, fmt.Errorf("ct label %q: label names are not resolved (connlabel.conf)", v.Name)
			}
			bit = n
		default:
			return nil, fmt.Errorf("ct label %T", e)
		}
		if bit >= 128 {
			return nil, fmt.Errorf("ct label %d out of range", bit)
		}
		b := make([]byte, 16)
		b[bit/8] = 1 << (bit % 8)
		return b, nil
	}
	switch e := e.(type) {
	case *ir.Integer:
		if t.kind == dkIPv4 || t.kind == dkIPv6 || t.kind == dkString || t.kind == dkEther {
			return nil, fmt.Errorf("number %d for a %s", e.Value, t.name)
		}
		return intBytes(e.Value, l), nil
	case *ir.Symbol:
		return rc.symbol(e.Name, l)
	case *ir.FlagList:
		var v uint64
		for _, fl := range e.Flags {
			b, err := rc.symbolValue(fl, t)
			if err != nil {
				return nil, err
			}
			v |= b
		}
		return intBytes(v, l), nil
	case *ir.String:
		switch t.kind {
		case dkString:
			s := SanitizeString(e.Value)
			if uint32(len(s)) >= l.size && l.size != 0 {
				return nil, fmt.Errorf("string %q too long for %s", s, t.name)
			}
			b := make([]byte, l.size)
			copy(b, s)
			return b, nil
		default:
			return rc.symbol(e.Value, l)
		}
	case *ir.Addr:
		switch {
		case t.kind == dkIPv4 && e.Addr.Is4():
			a := e.Addr.As4()
			return a[:], nil
		case t.kind == dkIPv6 && e.Addr.Is6() && !e.Addr.Is4In6():
			a := e.Addr.As16()
			return a[:], nil
		}
		return nil, fmt.Errorf("address %s for a %s", e.Addr, t.name)
	case *ir.EtherAddr:
		if t.kind != dkEther {
			return nil, fmt.Errorf("MAC address for a %s", t.name)
		}
		return e.Addr[:], nil
	case *ir.Concat:
		if t.kind != dkConcat || len(e.Elems) != len(t.sub) {
			return nil, fmt.Errorf("concatenation does not match %s", t.name)
		}
		return nil, fmt.Errorf("internal: concatenated value outside a set")
	default:
		return nil, fmt.Errorf("%T as a value: not supported by the netlink backend yet", e)
	}
}

// symbol encodes a named constant (or a number written as a symbol).
func (rc *ruleCompiler) symbol(name string, l *loaded) ([]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("empty value")
	}
	switch l.t.kind {
	case dkIPv4, dkIPv6:
		a, err := netip.ParseAddr(name)
		if err != nil {
			return nil, fmt.Errorf("%q: not an address (host names are not resolved)", name)
		}
		return rc.value(&ir.Addr{Addr: a}, l)
	case dkString:
		return rc.value(&ir.String{Value: name}, l)
	}
	v, err := rc.symbolValue(name, l.t)
	if err != nil {
		return nil, err
	}
	return intBytes(v, l), nil
}

func (rc *ruleCompiler) symbolValue(name string, t *dtype) (uint64, error) {
	if v, ok := t.sym(name); ok {
		return v, nil
	}
	if v, err := strconv.ParseUint(name, 0, 64); err == nil {
		return v, nil
	}
	if t.name == "time" && t.size == 4 {
		// ct expiration: milliseconds
		if ms, err := parseDurationMS(name); err == nil {
			return ms, nil
		}
	}
	if t.name == "classid" {
		switch name {
		case "none":
			return 0, nil
		case "root":
			return 0xffffffff, nil
		}
		if maj, min, ok := strings.Cut(name, ":"); ok {
			a, err1 := strconv.ParseUint(maj, 16, 16)
			b, err2 := strconv.ParseUint(min, 16, 16)
			if (maj == "" || err1 == nil) && err2 == nil {
				return a<<16 | b, nil
			}
		}
	}
	switch t.name {
	case "inet_proto":
		if n, ok := iptparse.ProtocolNumber(name); ok {
			return uint64(n), nil
		}
	case "inet_service":
		if n, ok := iptparse.ServicePort(name); ok {
			return uint64(n), nil
		}
	case "realm":
		if v, ok := iproute2Value("rt_realms", name); ok {
			return v, nil
		}
	case "devgroup":
		if v, ok := iproute2Value("group", name); ok {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%q is not a %s", name, t.name)
}

// match compiles a relational expression.
func (rc *ruleCompiler) match(m *ir.Match) error {
	left := m.Left
	if s, ok := m.Right.(*ir.Symbol); ok && (s.Name == "exists" || s.Name == "missing") {
		presence := false
		switch x := left.(type) {
		case *ir.Fib, *ir.Exthdr, *ir.TCPOption:
			presence = true
		case *ir.Payload:
			presence = strings.HasPrefix(x.Proto, "sctp chunk ") && x.Field == ""
		}
		if presence {
			rc.presence = true
			defer func() { rc.presence = false }()
		}
	}
	l, err := rc.selector(left, 1)
	if err != nil {
		return err
	}
	right := m.Right
	if a, ok := right.(*ir.AddrSet); ok {
		right = &ir.SetLit{Elems: a.Exprs()}
	}
	switch r := right.(type) {
	case *ir.SetLit:
		if m.Op != ir.CmpEq && m.Op != ir.CmpNe {
			return fmt.Errorf("set with operator %d", m.Op)
		}
		s, err := rc.anonSet(l, r.Elems, false)
		if err != nil {
			return err
		}
		rc.concatByteorder(l, s)
		rc.emit(&expr.Lookup{SourceRegister: 1, SetName: s.Name, SetID: s.ID, Invert: m.Op == ir.CmpNe})
		if m.Op == ir.CmpEq {
			rc.learnSet(left)
		}
		return nil
	case *ir.SetRef:
		s, ok := rc.tc.sets[r.Name]
		if !ok {
			return fmt.Errorf("set @%s is not declared", r.Name)
		}
		if m.Op != ir.CmpEq && m.Op != ir.CmpNe {
			return fmt.Errorf("set with operator %d", m.Op)
		}
		rc.concatByteorder(l, s)
		rc.emit(&expr.Lookup{SourceRegister: 1, SetName: s.Name, SetID: s.ID, Invert: m.Op == ir.CmpNe})
		return nil
	case *ir.Range:
		lo, err := rc.value(r.Lo, l)
		if err != nil {
			return err
		}
		hi, err := rc.value(r.Hi, l)
		if err != nil {
			return err
		}
		rc.hton(l)
		lo, hi = toBE(lo, l), toBE(hi, l)
		switch m.Op {
		case ir.CmpEq:
			rc.emit(&expr.Cmp{Op: expr.CmpOpGte, Register: 1, Data: lo}, &expr.Cmp{Op: expr.CmpOpLte, Register: 1, Data: hi})
		case ir.CmpNe:
			rc.emit(&expr.Range{Op: expr.CmpOpNeq, Register: 1, FromData: lo, ToData: hi})
		default:
			return fmt.Errorf("range with operator %d", m.Op)
		}
		return nil
	case *ir.Prefix:
		return rc.prefixMatch(l, m.Op, r.Prefix)
	}
	v, err := rc.value(m.Right, l)
	if err != nil {
		return err
	}
	implicit := m.Op == ir.CmpEq && !l.flags
	if _, isBin := left.(*ir.Binary); isBin {
		implicit = false
	}
	if l.t.kind == dkBitmask && (implicit || m.Op == ir.CmpNeg) {
		// "ct state new", "tcp flags syn": any of the flags set;
		// "! syn": none of them.
		op := expr.CmpOpNeq
		if m.Op == ir.CmpNeg {
			op = expr.CmpOpEq
		}
		rc.emit(&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: l.size, Mask: v, Xor: make([]byte, l.size)},
			&expr.Cmp{Op: op, Register: 1, Data: make([]byte, l.size)})
		return nil
	}
	if l.t.kind == dkString && m.Op != ir.CmpLt && m.Op != ir.CmpGt && m.Op != ir.CmpLe && m.Op != ir.CmpGe {
		// a wildcard "eth*" compares the prefix only
		if s, ok := stringOf(m.Right); ok && strings.HasSuffix(s, "*") && !strings.HasSuffix(s, `\*`) {
			v = []byte(strings.TrimSuffix(SanitizeString(s), "*"))
			if len(v) == 0 {
				return fmt.Errorf("wildcard \"*\" alone: not supported by the netlink backend yet")
			}
		}
	}
	op, ok := cmpOps.Get()[m.Op]
	if !ok {
		return fmt.Errorf("operator %d", m.Op)
	}
	if m.Op != ir.CmpEq && m.Op != ir.CmpNe {
		rc.hton(l)
		v = toBE(v, l)
	}
	cmp := &expr.Cmp{Op: op, Register: 1, Data: v}
	rc.emit(cmp)
	rc.learn(left, m.Op, m.Right)
	if m.Op == ir.CmpEq && l.payload != nil && !l.flags {
		rc.mergePayload(l.payload, cmp)
	}
	return nil
}

// mergePayload joins "payload == value" with the match just before it
// when both load adjacent bytes of the same header, as nft does
// ("udp sport 67 udp dport 68" is one 4-byte load).
func (rc *ruleCompiler) mergePayload(pl *expr.Payload, cmp *expr.Cmp) {
	n := len(rc.out)
	if rc.merge == nil {
		rc.merge = map[*expr.Cmp]bool{}
	}
	rc.merge[cmp] = true
	if n < 4 || rc.out[n-2] != pl {
		return
	}
	ppl, ok1 := rc.out[n-4].(*expr.Payload)
	pcmp, ok2 := rc.out[n-3].(*expr.Cmp)
	if !ok1 || !ok2 || !rc.merge[pcmp] || ppl.DestRegister != 1 || ppl.Base != pl.Base || ppl.Offset+ppl.Len != pl.Offset {
		return
	}
	total := (ppl.Len + pl.Len) * 8
	switch {
	case total > 128:
		return
	case total <= 32, pl.Base == expr.PayloadBaseLLHeader, total > 64:
	default:
		return
	}
	ppl.Len += pl.Len
	pcmp.Data = append(append([]byte(nil), pcmp.Data...), cmp.Data...)
	rc.out = rc.out[:n-2]
}

var cmpOps = lazy.Of[map[ir.CmpOp]expr.CmpOp]{New: func() map[ir.CmpOp]expr.CmpOp {
	return map[ir.CmpOp]expr.CmpOp{
		ir.CmpEq: expr.CmpOpEq, ir.CmpNe: expr.CmpOpNeq, ir.CmpLt: expr.CmpOpLt,
		ir.CmpGt: expr.CmpOpGt, ir.CmpLe: expr.CmpOpLte, ir.CmpGe: expr.CmpOpGte,
	}
}}

func stringOf(e ir.Expr) (string, bool) {
	switch e := e.(type) {
	case *ir.String:
		return e.Value, true
	case *ir.Symbol:
		return e.Name, true
	}
	return "", false
}

// hton converts a host-order register for an ordered comparison.
func (rc *ruleCompiler) hton(l *loaded) {
	if l.t.host && l.size > 1 {
		rc.emit(&expr.Byteorder{SourceRegister: 1, DestRegister: 1, Op: expr.ByteorderHton, Len: l.size, Size: l.size})
	}
}

// toBE turns a host-order constant into big endian.
func toBE(b []byte, l *loaded) []byte {
	if !l.t.host || l.size <= 1 {
		return b
	}
	var v uint64
	switch l.size {
	case 2:
		v = uint64(binary.NativeEndian.Uint16(b))
	case 4:
		v = uint64(binary.NativeEndian.Uint32(b))
	case 8:
		v = binary.NativeEndian.Uint64(b)
	default:
		return b
	}
	return beBytes(v, l.size)
}

// learnSet: a set of transport protocols gives a transport context that
// allows NAT ports but no specific header.
func (rc *ruleCompiler) learnSet(left ir.Expr) {
	switch x := left.(type) {
	case *ir.Meta:
		if x.Key == "l4proto" {
			rc.trans = "?set"
		}
	case *ir.Payload:
		if (x.Proto == "ip" && x.Field == "protocol") || (x.Proto == "ip6" && x.Field == "nexthdr") {
			rc.trans = "?set"
		}
	}
}

// concatByteorder: for a concatenation looked up in an interval set, nft
// converts host-order parts to big endian after loading them.
func (rc *ruleCompiler) concatByteorder(l *loaded, s *nlSet) {
	if l.t.kind != dkConcat || s.Flags&unix.NFT_SET_INTERVAL == 0 {
		return
	}
	for i := len(l.t.sub) - 1; i >= 0; i-- {
		sub := l.t.sub[i]
		if !sub.t.host {
			continue
		}
		size := uint32(2)
		switch {
		case sub.size*8%64 == 0:
			size = 8
		case sub.size*8%32 == 0:
			size = 4
		}
		at := sub.loadEnd
		bo := &expr.Byteorder{SourceRegister: sub.reg, DestRegister: sub.reg, Op: expr.ByteorderHton, Len: sub.size, Size: size}
		rc.out = append(rc.out[:at], append([]any{bo}, rc.out[at:]...)...)
	}
}

// learn records what an equality match proves about the protocols.
func (rc *ruleCompiler) learn(left ir.Expr, op ir.CmpOp, right ir.Expr) {
	if op != ir.CmpEq {
		return
	}
	name, ok := stringOf(right)
	num := uint64(0)
	if ok {
		if n, ok2 := iptparse.ProtocolNumber(name); ok2 {
			num = uint64(n)
		}
	} else if i, ok2 := right.(*ir.Integer); ok2 {
		num = i.Value
		ok = true
	}
	if !ok {
		return
	}
	switch x := left.(type) {
	case *ir.Meta:
		switch x.Key {
		case "l4proto":
			rc.trans = transByNum(num, name)
		case "nfproto":
			switch name {
			case "ipv4":
				rc.net = "ip"
			case "ipv6":
				rc.net = "ip6"
			}
		}
	case *ir.Payload:
		if (x.Proto == "ip" && x.Field == "protocol") || (x.Proto == "ip6" && x.Field == "nexthdr") {
			rc.trans = transByNum(num, name)
		}
	}
}

func transByNum(num uint64, name string) string {
	for _, p := range protos.Get() {
		if p.layer == layerTrans && p.num == num && num != 0 {
			return p.name
		}
	}
	return "?" + name
}

// prefixMatch compiles "ADDR/LEN" like nft: a byte-aligned prefix of a
// header field shortens the load, any other one masks the register.
func (rc *ruleCompiler) prefixMatch(l *loaded, op ir.CmpOp, p netip.Prefix) error {
	if op != ir.CmpEq && op != ir.CmpNe {
		return fmt.Errorf("prefix with operator %d", op)
	}
	a, err := rc.value(&ir.Addr{Addr: p.Addr()}, l)
	if err != nil {
		return err
	}
	bits := uint32(p.Bits())
	cop := expr.CmpOpEq
	if op == ir.CmpNe {
		cop = expr.CmpOpNeq
	}
	if bits == l.size*8 {
		rc.emit(&expr.Cmp{Op: cop, Register: 1, Data: a})
		return nil
	}
	if l.payload != nil && bits%8 == 0 && bits > 0 {
		l.payload.Len = bits / 8
		rc.emit(&expr.Cmp{Op: cop, Register: 1, Data: a[:bits/8]})
		return nil
	}
	// Other lengths, and /0 ("! -s 0.0.0.0/0", which nft, like iptables,
	// keeps: a mask of nothing, compared with zero), are masked.
	mask := maskBytes(l.size, bits, l.size*8-bits)
	for i := range a {
		a[i] &= mask[i]
	}
	rc.emit(&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: l.size, Mask: mask, Xor: make([]byte, l.size)},
		&expr.Cmp{Op: cop, Register: 1, Data: a})
	return nil
}

// interval is [lo, hi] as big-endian bytes.
type interval struct {
	lo, hi []byte
	src    ir.Expr
}

// elemKey encodes one set element key; ranges and prefixes give an
// interval.
func (rc *ruleCompiler) elemKey(e ir.Expr, l *loaded) (iv interval, isRange bool, err error) {
	switch e := e.(type) {
	case *ir.Range:
		lo, err := rc.value(e.Lo, l)
		if err != nil {
			return iv, false, err
		}
		hi, err := rc.value(e.Hi, l)
		if err != nil {
			return iv, false, err
		}
		return interval{toBE(lo, l), toBE(hi, l), e}, true, nil
	case *ir.Prefix:
		a, err := rc.value(&ir.Addr{Addr: e.Prefix.Masked().Addr()}, l)
		if err != nil {
			return iv, false, err
		}
		hi := append([]byte(nil), a...)
		host := l.size*8 - uint32(e.Prefix.Bits())
		m := maskBytes(l.size, host, 0)
		for i := range hi {
			hi[i] |= m[i]
		}
		return interval{a, hi, e}, true, nil
	case *ir.Concat:
		if l.t.kind != dkConcat || len(e.Elems) != len(l.t.sub) {
			return iv, false, fmt.Errorf("concatenation does not match %s", l.t.name)
		}
		var lo, hi []byte
		anyRange := false
		for i, el := range e.Elems {
			sub := l.t.sub[i]
			ik, r, err := rc.elemKey(el, sub)
			if err != nil {
				return iv, false, err
			}
			anyRange = anyRange || r
			a, b := ik.lo, ik.hi
			if sub.t.host && !rc.beConcat {
				a, b = fromBE(a, sub), fromBE(b, sub)
			}
			padding := make([]byte, pad4(sub.size)-sub.size)
			lo = append(append(lo, a...), padding...)
			hi = append(append(hi, b...), padding...)
		}
		return interval{lo, hi, e}, anyRange, nil
	}
	v, err := rc.value(e, l)
	if err != nil {
		return iv, false, err
	}
	if l.t.kind == dkString {
		if s, ok := stringOf(e); ok && strings.HasSuffix(s, "*") && !strings.HasSuffix(s, `\*`) {
			// "eth*" is the interval of all names starting with "eth"
			p := strings.TrimSuffix(SanitizeString(s), "*")
			lo, hi := make([]byte, l.size), make([]byte, l.size)
			copy(lo, p)
			copy(hi, p)
			for i := len(p); i < len(hi); i++ {
				hi[i] = 0xff
			}
			return interval{lo, hi, e}, true, nil
		}
	}
	return interval{toBE(v, l), toBE(v, l), e}, false, nil
}

// hasRange reports whether a set element is an interval.
func hasRange(e ir.Expr) bool {
	switch e := e.(type) {
	case *ir.MapElem:
		return hasRange(e.Key)
	case *ir.Elem:
		return hasRange(e.Key)
	case *ir.Range, *ir.Prefix:
		return true
	case *ir.Concat:
		for _, x := range e.Elems {
			if hasRange(x) {
				return true
			}
		}
	case *ir.String:
		return strings.HasSuffix(e.Value, "*") && !strings.HasSuffix(e.Value, `\*`)
	case *ir.Symbol:
		return strings.HasSuffix(e.Name, "*")
	}
	return false
}

func fromBE(b []byte, l *loaded) []byte {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return hostBytes(v, l.size)
}

// anonSet builds an anonymous set (or map, when vals is set) for the
// loaded key l.
func (rc *ruleCompiler) anonSet(l *loaded, elems []ir.Expr, isMap bool) (*nlSet, error) {
	s := &nlSet{Anonymous: true, Key: l.t, KeyLen: l.size, Typeof: rawTypeof(l.raw)}
	s.Flags = unix.NFT_SET_ANONYMOUS | unix.NFT_SET_CONSTANT
	if l.t.kind == dkConcat {
		s.Flags |= nftSetConcat
		for _, sub := range l.t.sub {
			s.Concat = append(s.Concat, sub.size)
		}
	}
	if err := rc.fillSet(s, l, elems); err != nil {
		return nil, err
	}
	if s.Data != nil {
		s.Flags |= unix.NFT_SET_MAP
	}
	tc := rc.tc
	s.ID = tc.newID()
	// the kernel picks the number
	if s.Data != nil {
		s.Name = "__map%d"
	} else {
		s.Name = "__set%d"
	}
	s.Size = uint32(len(elems))
	rc.sets = append(rc.sets, s)
	return s, nil
}

const nftSetConcat = 0x80

// fillSet encodes elements (keys, intervals, map data) into s.
func (rc *ruleCompiler) fillSet(s *nlSet, l *loaded, elems []ir.Expr) error {
	type item struct {
		iv   interval
		data ir.Expr
		el   *ir.Elem
	}
	var items []item
	interval := s.Flags&unix.NFT_SET_INTERVAL != 0
	for _, e := range elems {
		if interval || hasRange(e) {
			interval = true
		}
	}
	// interval concatenations hold host-order parts in big endian
	rc.beConcat = interval && l.t.kind == dkConcat
	defer func() { rc.beConcat = false }()
	interval = false
	for _, e := range elems {
		it := item{}
		key := e
		if me, ok := e.(*ir.MapElem); ok {
			key, it.data = me.Key, me.Value
		}
		if el, ok := key.(*ir.Elem); ok {
			it.el = el
			key = el.Key
		}
		iv, r, err := rc.elemKey(key, l)
		if err != nil {
			return err
		}
		if r {
			interval = true
		}
		it.iv = iv
		items = append(items, it)
	}
	if s.Flags&unix.NFT_SET_INTERVAL != 0 {
		interval = true
	}
	if interval && l.t.kind == dkConcat {
		// concatenations with ranges: one element per interval with
		// its start and end key
		s.Flags |= unix.NFT_SET_INTERVAL
		for _, it := range items {
			ne, err := mkElem(rc, s, l, it.iv.lo, it.el, it.data)
			if err != nil {
				return err
			}
			ne.KeyEnd = it.iv.hi
			s.Elems = append(s.Elems, ne)
		}
		return nil
	}
	if interval {
		s.Flags |= unix.NFT_SET_INTERVAL
		sort.SliceStable(items, func(i, j int) bool { return cmpBytes(items[i].iv.lo, items[j].iv.lo) < 0 })
		if s.Anonymous || s.AutoMerge {
			// nft merges overlapping and adjacent intervals of
			// anonymous sets
			var merged []item
			for _, it := range items {
				if k := len(merged); k > 0 && it.data == nil && merged[k-1].data == nil {
					prev := &merged[k-1]
					// The next key a value can have: a field narrower
					// than its bytes sits shifted up, in steps of
					// 1<<shift (dccp type: 2), and nft merges such
					// neighbours too.
					next := prev.iv.hi
					for range 1 << l.shift {
						if next = incBytes(next); next == nil {
							break
						}
					}
					if next == nil || cmpBytes(it.iv.lo, next) <= 0 {
						if next != nil && cmpBytes(it.iv.hi, prev.iv.hi) > 0 {
							prev.iv.hi = it.iv.hi
						}
						continue
					}
				}
				merged = append(merged, it)
			}
			items = merged
		}
	}
	var out []nlElem
	mk := func(it item, key []byte) (nlElem, error) { return mkElem(rc, s, l, key, it.el, it.data) }
	if !interval {
		for _, it := range items {
			ne, err := mk(it, it.iv.lo)
			if err != nil {
				return err
			}
			out = append(out, ne)
		}
		s.Elems = out
		return nil
	}
	// Intervals as nft 1.0.6 sends them: each [lo, hi] is an element lo
	// and an end element hi+1; a gap before the first start is an end
	// element at zero; an interval reaching the maximum has no end.
	zero := make([]byte, l.size)
	var prevEnd []byte // hi+1 of the previous interval, nil if it ended at max
	first := true
	for i, it := range items {
		if !first && prevEnd == nil {
			return fmt.Errorf("overlapping intervals in a set")
		}
		if !first && cmpBytes(it.iv.lo, prevEnd) < 0 {
			return fmt.Errorf("overlapping intervals in a set (%s)", (&Printer{}).Expr(it.iv.src))
		}
		if first && cmpBytes(it.iv.lo, zero) != 0 {
			out = append(out, nlElem{Key: conv(zero, l), End: true})
		} else if !first && cmpBytes(it.iv.lo, prevEnd) > 0 {
			out = append(out, nlElem{Key: conv(prevEnd, l), End: true})
		}
		ne, err := mk(it, it.iv.lo)
		if err != nil {
			return err
		}
		out = append(out, ne)
		prevEnd = incBytes(it.iv.hi)
		first = false
		_ = i
	}
	if prevEnd != nil {
		out = append(out, nlElem{Key: conv(prevEnd, l), End: true})
	} else if len(out) > 0 {
		// an interval up to the maximum is "open" (nft's element flag)
		out[len(out)-1].Open = true
	}
	s.Elems = out
	return nil
}

// mkElem makes the element of key (big endian) with its attributes.
func mkElem(rc *ruleCompiler, s *nlSet, l *loaded, key []byte, el *ir.Elem, data ir.Expr) (nlElem, error) {
	ne := nlElem{Key: key}
	if l.t.host && l.t.kind != dkConcat {
		ne.Key = fromBE(key, l)
	}
	if el != nil {
		ne.Comment = el.Comment
		ne.Counter = el.Counter
		var err error
		if ne.Timeout, err = parseDurationMS(el.Timeout()); err != nil {
			return ne, err
		}
		if ne.Expires, err = parseDurationMS(el.Expires()); err != nil {
			return ne, err
		}
	}
	if data != nil {
		if err := rc.mapData(s, &ne, data); err != nil {
			return ne, err
		}
	}
	return ne, nil
}

func conv(be []byte, l *loaded) []byte {
	if l.t.host {
		return fromBE(be, l)
	}
	return be
}

func cmpBytes(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// incBytes returns b+1, or nil when b is all ones.
func incBytes(b []byte) []byte {
	r := append([]byte(nil), b...)
	for i := len(r) - 1; i >= 0; i-- {
		r[i]++
		if r[i] != 0 {
			return r
		}
	}
	return nil
}

// mapData encodes the value of a map element.
func (rc *ruleCompiler) mapData(s *nlSet, ne *nlElem, v ir.Expr) error {
	if ve, ok := v.(*ir.VerdictExpr); ok {
		if s.Data == nil {
			s.Data = dtVerdict
		}
		vd, err := verdictOf(ve.Kind, ve.Chain)
		if err != nil {
			return err
		}
		ne.Verdict = vd
		return nil
	}
	if s.Data == nil {
		return fmt.Errorf("map data %T: the map's data type is unknown", v)
	}
	dl := &loaded{t: s.Data, size: s.Data.size}
	if s.Data.kind == dkConcat {
		dl.size = s.DataLen
	}
	iv, r, err := rc.elemKey(v, dl)
	if err != nil {
		return err
	}
	if s.DataInterval {
		ne.Data = append(conv(iv.lo, dl), conv(iv.hi, dl)...)
		return nil
	}
	if r {
		return fmt.Errorf("range as map data: not supported by the netlink backend yet")
	}
	ne.Data = conv(iv.lo, dl)
	return nil
}

func verdictOf(k ir.VerdictKind, chain string) (*expr.Verdict, error) {
	switch k {
	case ir.VerdictAccept:
		return &expr.Verdict{Kind: expr.VerdictAccept}, nil
	case ir.VerdictDrop:
		return &expr.Verdict{Kind: expr.VerdictDrop}, nil
	case ir.VerdictReturn:
		return &expr.Verdict{Kind: expr.VerdictReturn}, nil
	case ir.VerdictJump:
		return &expr.Verdict{Kind: expr.VerdictJump, Chain: chain}, nil
	case ir.VerdictGoto:
		return &expr.Verdict{Kind: expr.VerdictGoto, Chain: chain}, nil
	case ir.VerdictContinue:
		return &expr.Verdict{Kind: expr.VerdictContinue}, nil
	}
	return nil, fmt.Errorf("verdict %d", k)
}

// parseDurationMS reads nft durations ("1h30m", "60s", "500ms", "2d").
func parseDurationMS(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	var total uint64
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		n, _ := strconv.ParseUint(rest[:i], 10, 64)
		rest = rest[i:]
		j := 0
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		unit := rest[:j]
		rest = rest[j:]
		mult := map[string]uint64{"ms": 1, "s": 1000, "": 1000, "m": 60000, "h": 3600000, "d": 86400000}[unit]
		if mult == 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		total += n * mult
	}
	return total, nil
}

// rawTypeof is the "typeof" userdata nft writes for a set keyed by a raw
// payload (it makes nft list the elements in hex): expression type
// payload, no protocol, base, bit offset and length.
func rawTypeof(r *ir.RawPayload) []byte {
	if r == nil {
		return nil
	}
	base := map[string]uint32{"ll": 1, "nh": 2, "th": 3}[r.Base]
	u32 := func(t byte, v uint32) []byte { return binary.NativeEndian.AppendUint32([]byte{t, 4}, v) }
	var inner []byte
	for i, v := range []uint32{0, 0, base, r.Offset, r.Len} {
		inner = append(inner, u32(byte(i), v)...)
	}
	out := u32(0, 7) // EXPR_PAYLOAD
	out = append(out, 1, byte(len(inner)))
	return append(out, inner...)
}

// Bitwise shifts (CONNMARK --left-shift-mark/--right-shift-mark): the
// bitwise expression with an operation, which google/nftables' Bitwise
// does not carry. The attributes are the kernel's (linux 5.5).
const (
	nftaBitwiseOp    = 6
	nftaBitwiseData  = 7
	nftBitwiseLShift = 1
	nftBitwiseRShift = 2
)

// shift shifts the register's value as nft does: the amount, a 32-bit
// number in host order, in the expression's data.
func (rc *ruleCompiler) shift(e *ir.Binary, l *loaded, reg uint32) (*loaded, error) {
	n, ok := e.Right.(*ir.Integer)
	if !ok || n.Value >= 32 {
		return nil, fmt.Errorf("shift by %s: not a number below 32", (&Printer{}).Expr(e.Right))
	}
	op := uint32(nftBitwiseLShift)
	if e.Op == ir.OpRShift {
		op = nftBitwiseRShift
	}
	rc.emit(rawAttrs("bitwise",
		attrU32(unix.NFTA_BITWISE_SREG, reg), attrU32(unix.NFTA_BITWISE_DREG, reg), attrU32(unix.NFTA_BITWISE_LEN, l.size),
		attrU32(nftaBitwiseOp, op),
		attr{Type: unix.NLA_F_NESTED | nftaBitwiseData, Data: marshal([]attr{{Type: unix.NFTA_DATA_VALUE, Data: binary.NativeEndian.AppendUint32(nil, uint32(n.Value))}})}))
	nl := *l
	nl.flags = true
	nl.payload = nil
	return &nl, nil
}
