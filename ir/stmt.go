package ir

// Stmt is one statement of a rule: a match (relational expression) or an
// action.
type Stmt interface{ stmt() }

// CmpOp is a relational operator.
type CmpOp uint8

const (
	CmpEq  CmpOp = iota // "==" or implicit
	CmpNe               // "!="
	CmpLt               // "<"
	CmpGt               // ">"
	CmpLe               // "<="
	CmpGe               // ">="
	CmpNeg              // "!" : none of these flags
)

// Spelling chooses how a comparison is written. The default is what nft
// itself prints; the others reproduce upstream iptables-translate text.
type Spelling uint8

const (
	SpellDefault  Spelling = iota
	SpellSymbol            // always "==", even where nft would omit it
	SpellWord              // eq, ne, lt, gt, le, ge
	SpellImplicit          // omit "==" even after a mask
	SpellSlash             // flags: "VALUE / MASK" for Left = Binary(and)
)

// Match is a relational expression: "tcp dport 22", "ct state != new".
// Op and Spell come last, together: between the expressions each took
// eight bytes, and a Match 48 instead of 40 (a translated rule has two or
// three: 6 MB of the mixed 1,000,000-rule dump).
type Match struct {
	Left  Expr
	Right Expr
	Op    CmpOp
	Spell Spelling
}

// Counter counts packets and bytes; with values from iptables-save -c.
type Counter struct {
	Packets, Bytes uint64
	HasValues      bool
}

// VerdictKind is a verdict.
type VerdictKind uint8

const (
	VerdictAccept VerdictKind = iota
	VerdictDrop
	VerdictReturn
	VerdictJump
	VerdictGoto
	VerdictContinue
	VerdictQueue
)

// Verdict ends (or continues) rule evaluation.
type Verdict struct {
	Kind  VerdictKind
	Chain string // for jump and goto
}

// LogArg is one "key value" pair of a log statement, kept in order.
type LogArg struct {
	Key   string // prefix, level, group, snaplen, queue-threshold, flags
	Value Expr
}

// Log is "log [prefix "x"] [level L] [group G] ...".
type Log struct {
	Args []LogArg
}

// Limit is "limit rate [over] N/unit [burst B packets|bytes]".
type Limit struct {
	Over      bool
	Rate      uint64
	RateUnit  string // "" for packets, else "bytes", "kbytes", "mbytes"
	Per       string // second, minute, hour, day, week
	Burst     uint64
	BurstUnit string // "packets", "bytes", "kbytes", "mbytes"
}

// Quota is "quota [over] N bytes".
type Quota struct {
	Over  bool
	Bytes uint64
	Unit  string // bytes, kbytes, mbytes...
	Used  uint64
}

// Assign is "<key> set <value>": meta mark set, ct mark set, ip dscp set,
// tcp option maxseg size set, meta nftrace set...
type Assign struct {
	Key   Expr
	Value Expr
}

// NatKind is the kind of NAT statement.
type NatKind uint8

const (
	NatSNAT NatKind = iota
	NatDNAT
	NatMasquerade
	NatRedirect
)

// Nat is snat/dnat/masquerade/redirect. Family is set in inet tables
// ("snat ip to ...").
//
// Kind, Prefix and AddrPort share the last word: Kind first took eight
// bytes of its own, and a Nat 96 instead of 80.
type Nat struct {
	Family string
	Addr   Expr // address, range, or map; nil if none
	Port   Expr // port or range; nil if none
	Flags  []string
	Kind   NatKind
	// Prefix marks "snat ip prefix to 10.0.0.0/24" (NETMAP).
	Prefix bool
	// AddrPort marks "dnat ip addr . port to MAP": Addr yields both the
	// address and the port (a map to "addr . port" concatenations).
	AddrPort bool
}

// Reject is "reject [with icmp|icmpv6|icmpx type CODE | with tcp reset]".
type Reject struct {
	Type string // "", "icmp", "icmpv6", "icmpx", "tcp reset"
	Code string // code name, when Type is an icmp kind
}

// Queue is "queue [num N|N-M] [flags]".
type Queue struct {
	Num   Expr
	Flags []string // bypass, fanout
}

// Notrack is "notrack".
type Notrack struct{}

// Dup is "dup to ADDR [device DEV]".
type Dup struct {
	Addr Expr
	Dev  Expr
}

// Fwd is "fwd to DEV".
type Fwd struct {
	Dev Expr
}

// TProxy is "tproxy [ip|ip6] to [ADDR][:PORT]".
type TProxy struct {
	Family string
	Addr   Expr
	Port   Expr
}

// Synproxy is "synproxy mss M wscale W timestamp sack-perm".
type Synproxy struct {
	Args []LogArg // kept in order like log
}

// SetUpdate is "add|update|delete @set { KEY [stmts] }".
type SetUpdate struct {
	Op    string // add, update, delete
	Set   string
	Key   Expr
	Stmts []Stmt // stateful statements inside the element: limit, ct count, counter
	// Timeout for the added element ("timeout 60s").
	Timeout string
}

// Meter is the older "meter NAME { KEY [timeout T] STMT }" form that
// upstream prints for hashlimit.
type Meter struct {
	Name    string
	Key     Expr
	Timeout string
	Stmt    Stmt
}

// CtCount is "ct count [over] N" (inside a set element, for connlimit).
type CtCount struct {
	Over  bool
	Count uint32
}

// VMap is "KEY vmap { k : verdict, ... }" or "KEY vmap @name".
type VMap struct {
	Key Expr
	Map Expr
}

// ObjRef sets a stateful object: "ct helper set "ftp"", "ct timeout set x".
type ObjRef struct {
	Type string // "ct helper", "ct timeout", "ct expectation", "counter", "quota", "limit", "synproxy"
	Name Expr
}

// Comment is not a statement nft knows: it carries a note that the
// printer writes as a trailing "# ..." comment (used for the parts of a
// rule that were dropped on purpose, e.g. a no-op option).
type Comment struct {
	Text string
}

func (*Match) stmt()     {}
func (*Counter) stmt()   {}
func (*Verdict) stmt()   {}
func (*Log) stmt()       {}
func (*Limit) stmt()     {}
func (*Quota) stmt()     {}
func (*Assign) stmt()    {}
func (*Nat) stmt()       {}
func (*Reject) stmt()    {}
func (*Queue) stmt()     {}
func (*Notrack) stmt()   {}
func (*Dup) stmt()       {}
func (*Fwd) stmt()       {}
func (*TProxy) stmt()    {}
func (*Synproxy) stmt()  {}
func (*SetUpdate) stmt() {}
func (*Meter) stmt()     {}
func (*CtCount) stmt()   {}
func (*VMap) stmt()      {}
func (*ObjRef) stmt()    {}
func (*Comment) stmt()   {}

// Eq builds "left right".
func Eq(left, right Expr) *Match { return &Match{Left: left, Op: CmpEq, Right: right} }

// Cmp builds "left op right".
func Cmp(left Expr, op CmpOp, right Expr) *Match { return &Match{Left: left, Op: op, Right: right} }

// EqOrNe builds "left right" or "left != right".
func EqOrNe(left Expr, neg bool, right Expr) *Match {
	op := CmpEq
	if neg {
		op = CmpNe
	}
	return &Match{Left: left, Op: op, Right: right}
}
