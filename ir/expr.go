package ir

import (
	"net/netip"
)

// Expr is an nftables expression: a selector (payload field, meta key, ct
// key...), a value, or a combination of them.
type Expr interface{ expr() }

// Payload is a header field: "ip saddr", "tcp dport", "frag id",
// "sctp chunk data flags". Proto may be several words.
type Payload struct {
	Proto string
	Field string
}

// RawPayload is a raw header load "@nh,72,8".
type RawPayload struct {
	Base   string // ll, nh, th, ih
	Offset uint32 // bits
	Len    uint32 // bits
}

// Exthdr is an IPv6 extension header presence test: "exthdr frag".
type Exthdr struct {
	Name string
}

// TCPOption is "tcp option NAME [FIELD]" ("tcp option maxseg size",
// "tcp option 23").
type TCPOption struct {
	Name  string
	Field string
}

// Meta is a meta key: "meta mark", "iifname", "meta l4proto".
type Meta struct {
	Key string
	// Bare asks for the key without "meta " where nft allows it ("mark",
	// "skuid"); used to reproduce upstream output. Keys that nft always
	// prints bare (iifname...) are bare regardless.
	Bare bool
}

// Ct is a conntrack key: "ct state", "ct original saddr", "ct reply
// proto-dst", "ct mark".
type Ct struct {
	Dir string // "", "original", "reply"
	Key string
}

// Fib is a FIB lookup: "fib saddr . iif oif".
type Fib struct {
	Flags  []string // saddr, daddr, mark, iif, oif
	Result string   // oif, oifname, type
}

// Socket is a socket key: "socket transparent".
type Socket struct {
	Key   string
	Level uint32 // for "socket cgroupv2 level N"
}

// Rt is a routing key: "rt mtu", "rt classid".
type Rt struct {
	Family string // "", "ip", "ip6"
	Key    string
}

// Ipsec is an IPsec state key: "ipsec in reqid", "ipsec out ip daddr".
type Ipsec struct {
	Dir   string // in, out
	Spnum uint32
	Key   string // reqid, spi, "ip saddr"...
}

// Numgen is "numgen inc|random mod N [offset M]".
type Numgen struct {
	Mode   string
	Mod    uint32
	Offset uint32
}

// Hash is "jhash EXPR mod N seed S offset O" or "symhash mod N".
type Hash struct {
	Kind   string // jhash, symhash
	Expr   Expr
	Mod    uint32
	Seed   *uint32
	Offset uint32
}

// Osf is "osf [ttl loose|skip] name|version".
type Osf struct {
	TTL string
	Key string
}

// BinOp is a binary operator.
type BinOp uint8

const (
	OpAnd BinOp = iota
	OpOr
	OpXor
	OpLShift
	OpRShift
)

// Binary is "Left OP Right" (mask, or, xor, shift).
type Binary struct {
	Op          BinOp
	Left, Right Expr
	// Words spells and/or/xor as words instead of &, |, ^ (upstream
	// style). Paren asks for "( ... )" around it.
	Words bool
	Paren bool
}

// Integer is a number. Base 16 prints "0x.." with at least Width digits.
// Base and Width are bytes (a uint64 has at most 16 hex digits): an
// Integer is 16 bytes instead of 24 (a translated rule has one or two).
type Integer struct {
	Value uint64
	Base  uint8 // 10 (default when 0) or 16
	Width uint8
}

// String is a string value; nft text prints it in double quotes unless
// Bare is set (only for values nft accepts unquoted).
type String struct {
	Value string
	Bare  bool
}

// Symbol is a named constant that nft knows: "new", "echo-request",
// "tcp", "local". Printed as is.
type Symbol struct {
	Name string
}

// Addr is an IPv4 or IPv6 address.
type Addr struct {
	Addr netip.Addr
}

// Prefix is an address prefix "10.0.0.0/8".
type Prefix struct {
	Prefix netip.Prefix
}

// EtherAddr is a MAC address.
type EtherAddr struct {
	Addr [6]byte
}

// Range is "Lo-Hi".
type Range struct {
	Lo, Hi Expr
}

// SetLit is an anonymous set "{ a, b, c }".
type SetLit struct {
	Elems []Expr
}

// Elem is a set element with attributes: "22 comment "ssh"",
// "10.0.0.1 timeout 60s".
type Elem struct {
	Key     Expr
	Comment string
	Counter *Counter
	// Times is nil unless the element has a timeout or expiry, which
	// only restored ipsets give: an Elem is then 48 bytes instead of 72,
	// 16 MB less for a blocklist of 660,000 addresses with counters.
	Times *ElemTimes
}

// ElemTimes is an element's "timeout 60s" and "expires 30s".
type ElemTimes struct {
	Timeout string
	Expires string
}

// Timeout is the element's timeout ("60s"), or "" for none.
func (e *Elem) Timeout() string {
	if e.Times == nil {
		return ""
	}
	return e.Times.Timeout
}

// Expires is the time left until the element expires ("30s"), or "".
func (e *Elem) Expires() string {
	if e.Times == nil {
		return ""
	}
	return e.Times.Expires
}

// MapElem is "Key : Value" in a map or verdict map.
type MapElem struct {
	Key, Value Expr
}

// Concat is "a . b . c".
type Concat struct {
	Elems []Expr
}

// SetRef is "@name".
type SetRef struct {
	Name string
}

// FlagList is a comma separated flag value without braces:
// "new,related", "fin,syn,rst,ack".
type FlagList struct {
	Flags []string
}

// VerdictExpr is a verdict used as a map value: "jump low_sec", "drop".
type VerdictExpr struct {
	Kind  VerdictKind
	Chain string
}

func (*Payload) expr()     {}
func (*RawPayload) expr()  {}
func (*Exthdr) expr()      {}
func (*TCPOption) expr()   {}
func (*Meta) expr()        {}
func (*Ct) expr()          {}
func (*Fib) expr()         {}
func (*Socket) expr()      {}
func (*Rt) expr()          {}
func (*Ipsec) expr()       {}
func (*Numgen) expr()      {}
func (*Hash) expr()        {}
func (*Osf) expr()         {}
func (*Binary) expr()      {}
func (*Integer) expr()     {}
func (*String) expr()      {}
func (*Symbol) expr()      {}
func (*Addr) expr()        {}
func (*Prefix) expr()      {}
func (*EtherAddr) expr()   {}
func (*Range) expr()       {}
func (*SetLit) expr()      {}
func (*Elem) expr()        {}
func (*MapElem) expr()     {}
func (*Concat) expr()      {}
func (*SetRef) expr()      {}
func (*FlagList) expr()    {}
func (*VerdictExpr) expr() {}

// Convenience constructors.

// Int is a decimal integer.
func Int(v uint64) *Integer { return &Integer{Value: v} }

// Hex is a hexadecimal integer.
func Hex(v uint64) *Integer { return &Integer{Value: v, Base: 16} }

// Str is a quoted string.
func Str(s string) *String { return &String{Value: s} }

// Sym is a symbolic constant.
func Sym(s string) *Symbol { return &Symbol{Name: s} }

// IntRange is "lo-hi" of decimal integers.
func IntRange(lo, hi uint64) *Range { return &Range{Lo: Int(lo), Hi: Int(hi)} }

// IP wraps an address.
func IP(a netip.Addr) *Addr { return &Addr{Addr: a} }
