package emit

import (
	"fmt"
	"strings"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/ir"
)

// The netlink backend compiles the IR into the bytecode nft itself would
// send for the text that Printer writes: the same expressions, the same
// protocol dependencies, byte orders, set key types and interval
// encodings. It never adds a meaning of its own: every IR node has a case
// in stmt or in the expression functions, and a node without one is an
// error naming it (never skipped).

// NLProgram is a compiled ruleset: the tables to replace, in order.
type NLProgram struct {
	Tables []*NLTable
}

// NLTable is one table with its named sets and chains.
type NLTable struct {
	Src    *ir.Table
	Family byte
	Sets   []*nlSet
	Chains []*NLChain
}

// NLChain is a chain and its compiled rules.
type NLChain struct {
	Src   *ir.Chain
	Rules []*NLRule
}

// NLRule is one compiled rule.
type NLRule struct {
	Src   *ir.Rule
	Exprs []any
	// Sets are the anonymous sets the rule uses, created just before it.
	Sets     []*nlSet
	UserData []byte
	// Kinds are the kernel expression types the rule needs ("payload",
	// "queue"...), for the feature probe.
	Kinds []string
}

// Pos is where the rule came from, for messages.
func (r *NLRule) Pos() ir.Pos {
	if len(r.Src.Origin) > 0 {
		return r.Src.Origin[0]
	}
	return ir.Pos{}
}

// nlSet is a set (named or anonymous) with its elements.
type nlSet struct {
	Name      string
	ID        uint32
	Anonymous bool
	Flags     uint32
	Key       *dtype
	KeyLen    uint32
	Concat    []uint32 // field lengths of a concatenated key
	Data      *dtype   // map data type, nil for a set
	DataLen   uint32
	Timeout   uint64 // ms
	GCInt     uint32 // ms
	Size      uint32
	Policy    uint32
	HasPolicy bool
	Counter   bool
	Comment   string
	AutoMerge bool
	// Typeof is the key's "typeof" userdata, when nft writes one
	Typeof []byte
	// DataInterval: each map value is a range (prefix NAT)
	DataInterval bool
	// ExtraUdata is appended to the set's userdata (TLVs of a caller's
	// own, see NewSetMessage)
	ExtraUdata []byte
	Elems      []nlElem
}

// nlElem is a set element as sent to the kernel.
type nlElem struct {
	Key, KeyEnd []byte
	End         bool // NFT_SET_ELEM_INTERVAL_END
	Open        bool // starts an interval without an end
	Data        []byte
	Verdict     *expr.Verdict
	Timeout     uint64 // ms
	Expires     uint64 // ms
	Comment     string
	Counter     *ir.Counter
	// NoExpire sends a timeout of 0: an element that never expires in a
	// set with a default timeout (SetElemMessages)
	NoExpire bool
}

// CompileError is a rule the netlink backend cannot compile.
type CompileError struct {
	Pos  ir.Pos
	Rule string
	Err  error
}

func (e *CompileError) Error() string {
	if e.Pos.File != "" || e.Pos.Line != 0 {
		return fmt.Sprintf("%s: netlink: %v", e.Pos, e.Err)
	}
	return fmt.Sprintf("netlink: %v (rule: %s)", e.Err, e.Rule)
}

func (e *CompileError) Unwrap() error { return e.Err }

var famBytes = lazy.Of[map[ir.Family]byte]{New: func() map[ir.Family]byte {
	return map[ir.Family]byte{
		ir.FamilyIP: unix.NFPROTO_IPV4, ir.FamilyIP6: unix.NFPROTO_IPV6, ir.FamilyInet: unix.NFPROTO_INET,
		ir.FamilyARP: unix.NFPROTO_ARP, ir.FamilyBridge: unix.NFPROTO_BRIDGE, ir.FamilyNetdev: unix.NFPROTO_NETDEV,
	}
}}

// CompileNetlink compiles a ruleset. Rules the text writes as comments
// (untranslated, never matching) are left out, as in the text.
func CompileNetlink(rs *ir.Ruleset) (*NLProgram, error) { return CompileNetlinkWith(rs, nil) }

// IfIndex gives the index of a network interface, for the statements nft
// resolves by name when it loads them (dup and fwd to a device): the
// index in the namespace the ruleset goes to.
type IfIndex func(name string) (uint32, error)

// CompileNetlinkWith is CompileNetlink with the interface indexes of the
// namespace the program is for. Without them (nil), a rule that needs
// one does not compile: a plan, for one, is loaded elsewhere.
func CompileNetlinkWith(rs *ir.Ruleset, ifIndex IfIndex) (*NLProgram, error) {
	prog := &NLProgram{}
	var id uint32
	for _, t := range rs.Tables {
		nt := &NLTable{Src: t, Family: famBytes.Get()[t.Family]}
		tc := &tableCompiler{t: t, fam: t.Family, nextID: &id, sets: map[string]*nlSet{}, ifIndex: ifIndex}
		sets, err := tc.namedSets()
		if err != nil {
			return nil, err
		}
		nt.Sets = sets
		for _, c := range t.Chains {
			nc := &NLChain{Src: c}
			for _, r := range c.Rules {
				nr, err := tc.compile(r)
				if err != nil {
					return nil, err
				}
				if nr != nil {
					nc.Rules = append(nc.Rules, nr)
				}
			}
			nt.Chains = append(nt.Chains, nc)
		}
		prog.Tables = append(prog.Tables, nt)
	}
	return prog, nil
}

// Rules counts the compiled rules.
func (p *NLProgram) Rules() int {
	n := 0
	for _, t := range p.Tables {
		for _, c := range t.Chains {
			n += len(c.Rules)
		}
	}
	return n
}

// tableCompiler compiles the rules of one table.
type tableCompiler struct {
	t       *ir.Table
	fam     ir.Family
	nextID  *uint32
	sets    map[string]*nlSet
	ifIndex IfIndex // nil: none known
}

// ruleCompiler holds the state of one rule: the expressions so far and
// the protocol context (what earlier matches proved about the packet).
type ruleCompiler struct {
	tc    *tableCompiler
	out   []any
	sets  []*nlSet
	net   string // network protocol known: "ip", "ip6", or ""
	trans string // transport protocol known
	ll    bool   // link layer known to be ethernet
	// depAt >= 0 while compiling a concatenation: dependencies go
	// there, before the loads.
	depAt int
	merge map[*expr.Cmp]bool // compares of plain "payload == value" matches
	// presence: the selector is tested for existence (fib, exthdr,
	// tcp option "exists"/"missing")
	presence bool
	// beConcat: encoding the keys of an interval concatenation
	beConcat bool
}

// namedSets compiles the table's named sets, which its rules may use.
func (tc *tableCompiler) namedSets() ([]*nlSet, error) {
	var out []*nlSet
	for _, s := range tc.t.Sets {
		ns, err := tc.namedSet(s)
		if err != nil {
			return nil, fmt.Errorf("table %s %s: set %s: %w", tc.t.Family, tc.t.Name, s.Name, err)
		}
		out = append(out, ns)
		tc.sets[s.Name] = ns
	}
	return out, nil
}

// compile compiles one rule, naming it in the error; nil for a rule the
// text writes as a comment (untranslated, never matching).
func (tc *tableCompiler) compile(r *ir.Rule) (*NLRule, error) {
	if printedAsComment(r) {
		return nil, nil
	}
	nr, err := tc.rule(r)
	if err != nil {
		var pos ir.Pos
		if len(r.Origin) > 0 {
			pos = r.Origin[0]
		}
		return nil, &CompileError{Pos: pos, Rule: (&Printer{}).Rule(r), Err: err}
	}
	return nr, nil
}

func (tc *tableCompiler) rule(r *ir.Rule) (*NLRule, error) {
	rc := &ruleCompiler{tc: tc, depAt: -1}
	switch tc.fam {
	case ir.FamilyIP:
		rc.net = "ip"
	case ir.FamilyIP6:
		rc.net = "ip6"
	case ir.FamilyBridge, ir.FamilyNetdev:
		rc.ll = true
	}
	for _, s := range r.Stmts {
		if err := rc.stmt(s); err != nil {
			return nil, err
		}
	}
	nr := &NLRule{Src: r, Exprs: rc.out, Sets: rc.sets}
	if r.Comment != "" {
		c := SanitizeString(r.Comment)
		nr.UserData = append([]byte{0, byte(len(c) + 1)}, append([]byte(c), 0)...)
		if len(c)+1 > 255 {
			return nil, fmt.Errorf("comment longer than 254 bytes")
		}
	}
	seen := map[string]bool{}
	for _, e := range rc.out {
		k := exprKind(e)
		if !seen[k] {
			seen[k] = true
			nr.Kinds = append(nr.Kinds, k)
		}
	}
	return nr, nil
}

func (rc *ruleCompiler) emit(e ...any) { rc.out = append(rc.out, e...) }

// emitDep emits a protocol dependency: at the end, or before the loads of
// the concatenation being compiled.
func (rc *ruleCompiler) emitDep(e ...any) {
	if rc.depAt < 0 {
		rc.emit(e...)
		return
	}
	rest := append([]any(nil), rc.out[rc.depAt:]...)
	rc.out = append(append(rc.out[:rc.depAt], e...), rest...)
	rc.depAt += len(e)
}

func (tc *tableCompiler) newID() uint32 {
	*tc.nextID++
	return *tc.nextID
}

// FamilyByte is the netlink family of an IR family.
func FamilyByte(f ir.Family) byte { return famBytes.Get()[f] }

// ExprKind is the kernel name of a compiled expression's type.
func ExprKind(e any) string { return exprKind(e) }

// exprKind is the kernel name of an expression type.
func exprKind(e any) string {
	switch e := e.(type) {
	case *rawExpr:
		return e.name
	case *expr.Payload:
		return "payload"
	case *expr.Cmp:
		return "cmp"
	case *expr.Meta:
		return "meta"
	case *expr.Ct:
		return "ct"
	case *expr.Bitwise:
		return "bitwise"
	case *expr.Byteorder:
		return "byteorder"
	case *expr.Range:
		return "range"
	case *expr.Lookup:
		return "lookup"
	case *expr.Immediate, *expr.Verdict:
		return "immediate"
	case *expr.Counter:
		return "counter"
	case *expr.Log:
		return "log"
	case *expr.Limit:
		return "limit"
	case *expr.Quota:
		return "quota"
	case *expr.NAT:
		return "nat"
	case *expr.Masq:
		return "masq"
	case *expr.Redir:
		return "redir"
	case *expr.Reject:
		return "reject"
	case *expr.Queue:
		return "queue"
	case *expr.Notrack:
		return "notrack"
	case *expr.Exthdr:
		return "exthdr"
	case *expr.Dynset:
		return "dynset"
	case *expr.Objref:
		return "objref"
	case *expr.Fib:
		return "fib"
	case *expr.Socket:
		return "socket"
	case *expr.Rt:
		return "rt"
	case *expr.Numgen:
		return "numgen"
	case *expr.Hash:
		return "hash"
	case *expr.Dup:
		return "dup"
	case *expr.TProxy:
		return "tproxy"
	case *expr.SynProxy:
		return "synproxy"
	case *expr.Connlimit:
		return "connlimit"
	default:
		return strings.ToLower(strings.TrimPrefix(fmt.Sprintf("%T", e), "*expr."))
	}
}
