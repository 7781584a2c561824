package translate

import (
	"unsafe"

	"github.com/ipt2nft/ipt2nft/internal/fresh"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Block allocation of the values every translated rule needs (its
// context, rule, counter, verdict, origin and statement list): taken from
// blocks that grow up to a few hundred values instead of one allocation
// each. Every value is fresh, as with new, unless the blocks are reset:
// exact mode's streaming translation (AddText) resets them once each
// command is handed on, so nothing kept from one command to the next
// (extension state, diagnostics) may point into them.

// slab hands out lists of T from blocks (see vals for single values). It
// keeps an index into the block rather than a slice of the rest: handing
// a list out then stores no pointer, so it needs no write barrier check.
type slab[T any] struct {
	blk  []T // the current block
	used int // how many of blk's values are handed out
	next int // size of the next block
	// last is where in blk the last slice handed out starts, lastCap its
	// capacity (0: none to trim).
	last, lastCap int
}

const maxSlab = 256

// vals hands out single values of T from blocks, from each block's end
// down: free, how many of the block's first values are not handed out
// yet, is its only index, and new's fast path (inliner cost 79) is
// inlined at every call. Counting up, as slab does, it cost 88 (112 with
// the new block made in line), over the inliner's 80, and was inlined
// only at default.pgo's hot call sites. Own code of the 20,000-rule
// dumps (translate, emit, compat, ir): exact mode -0.23 to -0.58 M
// instructions, the optimizing mode -0.24 to -0.42 M (with newCtx and
// newCounter apart, without which exact blocklist took 0.35 M more).
type vals[T any] struct {
	blk  []T // the current block
	free int // how many of blk's values, from the start, are not handed out
	next int // size of the next block
}

func (s *vals[T]) new() *T {
	if s.free == 0 {
		s.grow()
	}
	s.free--
	return &s.blk[s.free]
}

// grow makes a new block: out of line, so that new is inlined.
func (s *vals[T]) grow() {
	s.next = min(max(2*s.next, 8), maxSlab)
	s.blk = fresh.Make[T](s.next)
	s.free = len(s.blk)
}

// giveBack takes back p, if it is the value s handed out last (and not
// given back): zeroed, it is handed out again. It reports whether it did.
func (s *vals[T]) giveBack(p *T) bool {
	free := s.free
	if free == len(s.blk) || p != &s.blk[free] {
		return false
	}
	var zero T
	*p = zero
	s.free = free + 1
	return true
}

// reset zeroes the values handed out from the current block and hands
// them out again, once half the block is used: the values handed out
// before are no longer used (as after each command in normal mode, for
// the contexts). Those of earlier blocks are left to the collector.
func (s *vals[T]) reset() {
	if used := len(s.blk) - s.free; used > len(s.blk)/2 {
		s.clearAll()
	}
}

// clearAll zeroes the values handed out from the current block and hands
// them out again: the values handed out before are no longer used (see
// ruleAlloc.reset).
func (s *vals[T]) clearAll() {
	clear(s.blk[s.free:])
	s.free = len(s.blk)
}

// rewind is clearAll for values written whole when handed out (*p =
// T{...}): they need no zeroing, which was half of what reset cleared.
func (s *vals[T]) rewind() {
	s.free = len(s.blk)
}

// slice returns an empty slice with capacity n, whose appends beyond n
// reallocate (they never reach the next value's memory).
func (s *slab[T]) slice(n int) []T {
	if n > maxSlab/4 {
		s.lastCap = 0
		return make([]T, 0, n)
	}
	if len(s.blk)-s.used < n {
		s.next = min(max(2*s.next, 4*n), 4*maxSlab)
		s.blk, s.used = fresh.Make[T](s.next), 0
	}
	p := s.blk[s.used : s.used : s.used+n]
	s.last, s.lastCap = s.used, n
	s.used += n
	return p
}

// trim gives the slab back the room that p, the slice it last handed
// out, left unused, and returns p without it, so that appends to p
// reallocate. Other slices (not the last, appended past their capacity,
// not from the slab) are returned as they are. A rule's statement list is
// handed out with room for the most statements its matches may give
// (four to ten, most rules use three or four): the room left was more than
// half of the 123 MB of statement lists of the mixed 1,000,000-rule dump.
func (s *slab[T]) trim(p []T) []T {
	if s.lastCap == 0 || cap(p) != s.lastCap || &p[:1][0] != &s.blk[s.last] {
		return p
	}
	// The room given back is not cleared: trim is for slabs whose
	// slices are appended to (the statement lists), never handed out
	// by new, and a slice appends over what a rewind left there anyway.
	s.used = s.last + len(p)
	s.lastCap = 0
	return p[:len(p):len(p)]
}

// giveBackSlice takes back p, if it is the slice s handed out last and
// trimmed (trim): zeroed, its room is handed out again.
func (s *slab[T]) giveBackSlice(p []T) {
	used, n := s.used, cap(p)
	if n == 0 || n > used || &p[:1][0] != &s.blk[used-n] {
		return
	}
	clear(p[:n])
	s.used = used - n
	s.lastCap = 0
}

// rewind hands out the block's room again: lists are appended to
// (slice), over what was there, and need no zeroing.
func (s *slab[T]) rewind() {
	s.used = 0
	s.lastCap = 0
}

// ruleAlloc holds a translator's blocks.
type ruleAlloc struct {
	ctxs     vals[Ctx]
	cmds     vals[ir.Command]
	chains   vals[ir.Chain]
	rules    vals[ir.Rule]
	counters vals[ir.Counter]
	verdicts vals[ir.Verdict]
	payloads vals[ir.Payload]
	matches  vals[ir.Match]
	addrs    vals[ir.Addr]
	ints     vals[ir.Integer]
	pos      slab[iptparse.Pos]
	stmts    slab[ir.Stmt]
	prefixes vals[ir.Prefix]
	metas    vals[ir.Meta]
	strs     vals[ir.String]
	syms     vals[ir.Symbol]
	binaries vals[ir.Binary]
	nats     vals[ir.Nat]
	notes    vals[ir.RuleNote] // only with rule texts (reports, JSON)
	// What extensions make for a rule (translateLOG,
	// translateMultiport), which took fresh heap for each rule: 130 KB
	// (some 30 page faults) of exact mode's mixed 20,000-rule dump.
	logs    vals[logStmt]
	ranges  vals[ir.Range]
	setLits vals[ir.SetLit]
	elems   slab[ir.Expr] // set literals' element lists
	// (ctStateMatch)
	cts       vals[ir.Ct]
	flagLists vals[ir.FlagList]
	names     slab[string] // flag lists' names
	// ruleLists holds the chains' first rule lists (appendRules); never
	// reset: the chains keep them.
	ruleLists slab[*ir.Rule]
	// done counts the commands handed on since the last reset.
	done int
	// sharedPayloads and plainVerdicts are the values payload and
	// verdict share.
	sharedPayloads []*ir.Payload
	payloadSlots   [16]*ir.Payload // shared payloads found last (payload)
	plainVerdicts  [ir.VerdictReturn + 1]*ir.Verdict
	plainCounter   *ir.Counter    // see counter
	plainL4protos  []*ir.Match    // see l4proto
	addrPayloads   [4]*ir.Payload // see addrPayload
	// share lets the rule being made take the interface, address or
	// port match made last for a rule before (lastIface, lastAddr,
	// lastPort) if it is the same, instead of some 90 bytes of Match,
	// Meta and String (64 for an address, 56 for a port): rules in a row
	// often test the same interface or address ("-d 203.0.113.1 -i eth0"
	// on each DNAT rule of a port forward list), or the same port (a LOG
	// rule and the DROP after it), 9 MB of the mixed 1,000,000-rule dump.
	// Such rules share matches as the rules of one command split in
	// several do (Ctx.ruleBodies): nothing changes a translated rule's
	// match of an interface, address or port in place (the passes that
	// change a match change a copy). Set by nativeLayout.command for the
	// rules that no run takes as members (nativeLayout.mayShare), whose
	// matches go back to their blocks (giveBackMember) and must be no
	// other rule's; never in exact mode, whose blocks are handed out
	// again.
	share     bool
	lastIface [2]*ir.Match // iifname, oifname
	lastAddr  [2]*ir.Match // saddr, daddr
	lastPort  *ir.Match
}

// ifaceMatch is the match of interface key ("iifname", "oifname") on
// pattern, as Ctx.iface makes it while share is set: the last one made if
// it is the same.
func (a *ruleAlloc) ifaceMatch(c *Ctx, key string, neg bool, pattern string) *ir.Match {
	last := &a.lastIface[0]
	if key == "oifname" {
		last = &a.lastIface[1]
	}
	if m := *last; m != nil && (m.Op == ir.CmpNe) == neg {
		if left, _ := m.Left.(*ir.Meta); left != nil && *left == (ir.Meta{Key: key}) {
			if right, _ := m.Right.(*ir.String); right != nil && *right == (ir.String{Value: pattern}) {
				return m
			}
		}
	}
	meta, str := a.metas.new(), a.strs.new()
	*meta, *str = ir.Meta{Key: key}, ir.String{Value: c.tr.keep(pattern)}
	m := a.eqOrNe(meta, neg, str)
	*last = m
	return m
}

// addrMatch is the match of sel (an address field) on v, an *ir.Addr or
// *ir.Prefix just taken from its block, as Ctx.addr makes it while share
// is set: the last one made if it is the same, v then going back.
func (a *ruleAlloc) addrMatch(field string, sel *ir.Payload, neg bool, v ir.Expr) *ir.Match {
	last := &a.lastAddr[0]
	if field == "daddr" {
		last = &a.lastAddr[1]
	}
	if m := *last; m != nil && (m.Op == ir.CmpNe) == neg && m.Left == ir.Expr(sel) && sameAddrValue(m.Right, v) {
		switch v := v.(type) {
		case *ir.Addr:
			a.addrs.giveBack(v)
		case *ir.Prefix:
			a.prefixes.giveBack(v)
		}
		return m
	}
	m := a.eqOrNe(sel, neg, v)
	*last = m
	return m
}

// portMatch is the match of sel (a port field) on port, as
// Ctx.portRange makes it while share is set: the last one made if it is
// the same.
func (a *ruleAlloc) portMatch(sel *ir.Payload, neg bool, port uint16) *ir.Match {
	if m := a.lastPort; m != nil && (m.Op == ir.CmpNe) == neg && m.Left == ir.Expr(sel) {
		if v, _ := m.Right.(*ir.Integer); v != nil && *v == (ir.Integer{Value: uint64(port)}) {
			return m
		}
	}
	n := a.ints.new()
	*n = ir.Integer{Value: uint64(port)}
	m := a.eqOrNe(sel, neg, n)
	a.lastPort = m
	return m
}

// sameAddrValue reports whether a and b are the same address or prefix.
func sameAddrValue(a, b ir.Expr) bool {
	switch a := a.(type) {
	case *ir.Addr:
		b, ok := b.(*ir.Addr)
		return ok && *a == *b
	case *ir.Prefix:
		b, ok := b.(*ir.Prefix)
		return ok && *a == *b
	}
	return false
}

// resetEvery is how many commands commandDone lets pass between resets:
// a reset looks at each of the blocks, which after every command cost as
// much as the rest of the rule's allocations.
const resetEvery = 16

// commandDone tells the blocks that a command is handed on, and nothing
// points into the values it was given: they are reset every resetEvery
// commands.
func (a *ruleAlloc) commandDone() {
	if a.done++; a.done == resetEvery {
		a.done = 0
		a.reset()
	}
}

// reset tells the blocks that the values they have handed out are no
// longer used: each hands them all out again. A block then needs room
// for resetEvery commands' values only: reset once half a block was used
// (as slab.reset), a burst of values after quiet commands did not fit in
// the half left and the blocks grew to twice that: 47 KB of blocks for
// exact mode's mixed 20,000-rule dump, now 24 KB (some 7 page faults
// fewer; blocklist 16 -> 8 KB, dispatch 24 -> 13 KB).
func (a *ruleAlloc) reset() {
	a.ctxs.clearAll()
	a.cmds.clearAll()
	a.chains.clearAll()
	a.counters.clearAll()
	a.notes.clearAll()
	// (cleared: translateRule sets a rule's statements and comment only)
	a.rules.clearAll()
	// Written whole when handed out (see rewind).
	a.verdicts.rewind()
	a.payloads.rewind()
	a.matches.rewind()
	a.addrs.rewind()
	a.ints.rewind()
	a.prefixes.rewind()
	a.metas.rewind()
	a.strs.rewind()
	a.syms.rewind()
	a.binaries.rewind()
	a.nats.rewind()
	a.logs.rewind()
	a.ranges.rewind()
	a.setLits.rewind()
	a.cts.rewind()
	a.flagLists.rewind()
	// Handed out empty, to append to.
	a.elems.rewind()
	a.names.rewind()
	a.pos.rewind()
	a.stmts.rewind()
}

// giveBackMember takes back what r, a rule a run holds as a member, was
// given and no longer needs: the rule, its note, statement list and
// origin, its matches at diff and diff2 (-1: none) with their values,
// and its counter at count (-1: none); the run keeps copies of the
// values and the counter's, and r's other statements are the run's
// first rule's. Each
// goes back only if it is the last value of its block handed out, as it
// is when r is the only rule of its command: a blocklist's rules, 150 MB
// of the mixed 1,000,000-rule dump's allocations, are then made in the
// same few hundred bytes. The note, value and counter go back only with
// the rule: the rules of a command split in several (Ctx.ruleBodies)
// share statements.
func (a *ruleAlloc) giveBackMember(r *ir.Rule, diff, diff2, count int) {
	var port *ir.Integer
	if diff2 >= 0 {
		port = a.giveBackPortMatch(r.Stmts[diff2].(*ir.Match))
	}
	m := r.Stmts[diff].(*ir.Match)
	v := m.Right
	var c *ir.Counter
	if count >= 0 {
		c = r.Stmts[count].(*ir.Counter)
	}
	a.stmts.giveBackSlice(r.Stmts)
	a.pos.giveBackSlice(r.Origin)
	a.matches.giveBack(m)
	n := r.Note()
	if !a.rules.giveBack(r) {
		return
	}
	if n != nil {
		a.notes.giveBack(n)
	}
	switch v := v.(type) {
	case *ir.Addr:
		a.addrs.giveBack(v)
	case *ir.Prefix:
		a.prefixes.giveBack(v)
	}
	if c != nil {
		a.counters.giveBack(c)
	}
	if port != nil {
		a.ints.giveBack(port)
	}
}

// giveBackPortMatch takes back m, a member's match on a port (made after
// its match on an address), and returns its value, to go back with the
// rule.
func (a *ruleAlloc) giveBackPortMatch(m *ir.Match) *ir.Integer {
	port := m.Right.(*ir.Integer)
	a.matches.giveBack(m)
	return port
}

// origin is a one-position Origin list: a value of the block, as new
// hands them out, as a slice of one (slice and append took some 70
// instructions, for every rule and chain). Origin lists are never
// trimmed: the block keeps no last slice for them.
func (a *ruleAlloc) origin(p iptparse.Pos) []iptparse.Pos {
	s := &a.pos
	if s.used >= len(s.blk) {
		s.next = min(max(2*s.next, 4), 4*maxSlab)
		s.blk, s.used = fresh.Make[iptparse.Pos](s.next), 0
	}
	o := s.blk[s.used : s.used+1 : s.used+1]
	o[0] = p
	s.used++
	return o
}

// sym is ir.Sym from the blocks.
func (a *ruleAlloc) sym(name string) *ir.Symbol {
	s := a.syms.new()
	*s = ir.Symbol{Name: name}
	return s
}

// meta is &ir.Meta{Key: key} from the blocks.
func (a *ruleAlloc) meta(key string) *ir.Meta {
	m := a.metas.new()
	*m = ir.Meta{Key: key}
	return m
}

// eqOrNe is ir.EqOrNe from the blocks.
func (a *ruleAlloc) eqOrNe(left ir.Expr, neg bool, right ir.Expr) *ir.Match {
	m := a.matches.new()
	*m = ir.Match{Left: left, Op: ir.CmpEq, Right: right}
	if neg {
		m.Op = ir.CmpNe
	}
	return m
}

// payload is &ir.Payload{Proto: proto, Field: field}, one value shared by
// every rule that tests the same field: nothing changes a payload
// expression once made, and the few that rules test ("ip saddr", "tcp
// dport") were 43 MB of the mixed 1,000,000-rule dump's IR. They are not
// taken from the blocks, which exact mode hands out again. Past
// maxSharedPayloads distinct fields, each rule gets its own.
func (a *ruleAlloc) payload(proto, field string) *ir.Payload {
	// Most rules test a field a rule shortly before did: its slot, picked
	// by the strings' lengths and last bytes, has it (a look through the
	// list took 90 instructions a rule of the mixed dump).
	slot := &a.payloadSlots[payloadSlot(proto, field)]
	if p := *slot; p != nil && sameString(p.Field, field) && sameString(p.Proto, proto) {
		return p
	}
	p := a.sharedPayload(proto, field)
	if p != nil {
		*slot = p
		return p
	}
	p = a.payloads.new()
	*p = ir.Payload{Proto: proto, Field: field}
	return p
}

// addrPayload is payload("ip" or "ip6", field) for a rule's -s or -d
// ("saddr", "daddr"), which most rules have: kept apart, not looked for
// in the slots. Only a shared payload is kept (never one from the
// blocks, which exact mode hands out again).
func (a *ruleAlloc) addrPayload(v6 bool, field string) *ir.Payload {
	i := 0
	if field == "daddr" {
		i = 1
	}
	if v6 {
		i += 2
	}
	if p := a.addrPayloads[i]; p != nil {
		return p
	}
	proto := "ip"
	if v6 {
		proto = "ip6"
	}
	p := a.sharedPayload(proto, field)
	if p == nil {
		return a.payload(proto, field)
	}
	a.addrPayloads[i] = p
	return p
}

// sameString is a == b, without comparing the bytes of one string (the
// same constant, as the callers of payload pass).
func sameString(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// payloadSlot picks proto and field's slot of ruleAlloc.payloadSlots.
func payloadSlot(proto, field string) int {
	h := len(proto)<<2 ^ len(field)
	if proto != "" {
		h ^= int(proto[len(proto)-1]) << 1
	}
	if field != "" {
		h ^= int(field[len(field)-1]) << 3
	}
	return h & (len(ruleAlloc{}.payloadSlots) - 1)
}

// sharedPayload is the payload shared for proto and field, nil past
// maxSharedPayloads distinct fields.
func (a *ruleAlloc) sharedPayload(proto, field string) *ir.Payload {
	for _, p := range a.sharedPayloads {
		// The first byte tells most fields of a length apart ("saddr",
		// "daddr"; "sport", "dport") without calling to compare them.
		if len(p.Field) == len(field) && (field == "" || p.Field[0] == field[0]) && p.Field == field && p.Proto == proto {
			return p
		}
	}
	if len(a.sharedPayloads) < maxSharedPayloads {
		p := &ir.Payload{Proto: proto, Field: field}
		a.sharedPayloads = append(a.sharedPayloads, p)
		return p
	}
	return nil
}

// maxSharedPayloads bounds the payloads ruleAlloc.payload looks through.
const maxSharedPayloads = 32

// counter is a rule's counter statement, its values to be set. For
// exact mode (shared), which gives none (upstream's translation writes
// a plain "counter"), it is one value for every rule: nothing changes it
// there, and each rule's own, cleared by reset, took some 20
// instructions.
func (a *ruleAlloc) counter(shared bool) *ir.Counter {
	if !shared {
		return a.newCounter()
	}
	if a.plainCounter == nil {
		a.plainCounter = &ir.Counter{}
	}
	return a.plainCounter
}

// newCtx is a context from the blocks, apart so that Translator.newCtx
// stays inlined (as newCounter).
func (a *ruleAlloc) newCtx() *Ctx { return a.ctxs.new() }

// newCounter is a counter from the blocks, apart so that counter stays
// inlined (vals.new, inlined, is most of the inliner's budget).
func (a *ruleAlloc) newCounter() *ir.Counter { return a.counters.new() }

// l4proto is "meta l4proto NAME", what a tcp or udp match without
// options gives. For exact mode (shared), whose rules are printed as they
// are, it is one match for each name, shared by every rule: the dispatch
// 20,000-rule dump has 8,000 "-p tcp -m tcp" rules, their three values
// from the blocks took some 60 instructions each. Elsewhere the rules get
// their own, from the blocks.
func (a *ruleAlloc) l4proto(shared bool, name string) *ir.Match {
	if !shared {
		return a.eqOrNe(a.meta("l4proto"), false, a.sym(name))
	}
	for _, m := range a.plainL4protos {
		if m.Right.(*ir.Symbol).Name == name {
			return m
		}
	}
	m := ir.Eq(&ir.Meta{Key: "l4proto"}, ir.Sym(name))
	a.plainL4protos = append(a.plainL4protos, m)
	return m
}

// verdict is &ir.Verdict{Kind: k, Chain: chain}; accept, drop and return
// are one value each, shared by every rule that ends with them (nothing
// changes those; a chain's rename changes the jumps to it, so each jump
// has its own).
func (a *ruleAlloc) verdict(k ir.VerdictKind, chain string) *ir.Verdict {
	if chain == "" && int(k) < len(a.plainVerdicts) {
		if v := a.plainVerdicts[k]; v != nil {
			return v
		}
		v := &ir.Verdict{Kind: k}
		a.plainVerdicts[k] = v
		return v
	}
	v := a.verdicts.new()
	*v = ir.Verdict{Kind: k, Chain: chain}
	return v
}
