package translate

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// An ipset hash:net element may carry the flag "nomatch": an exception
// inside a bigger network ("add nets 10.0.0.0/8", "add nets 10.1.0.0/16
// nomatch"). The kernel tests an address against the stored prefix
// lengths from the longest to the shortest (mtype_test_cidrs in
// ip_set_hash_gen.h, the lengths kept sorted by mtype_add_cidr), and the
// first element holding the address decides: a nomatch element answers
// -ENOTEMPTY (hash_net4_do_data_match), which ip_set_test turns into "not
// in the set" unless -m set has --return-nomatch (still untranslatable,
// ext_set.go).
//
// Prefixes nest or are disjoint, so for a one-dimension hash:net set the
// members are computable: painting the elements from the shortest prefix
// to the longest, each over the addresses it holds, leaves every address
// with the element that decides it; the addresses a normal element
// decides are the set. They become the elements of an interval set, each
// piece a prefix when it is exactly one and a range otherwise, in address
// order. A piece keeps the comment of the element that decides it.
//
// Refused: nomatch in other set types (hash:net,port...: a lookup there
// tries the lengths of every net dimension together), and sets with
// timeouts (an element that expires would change what the others decide)
// or counters (ipset counts per element, the pieces would count apart).

// nomatchFolded is the note for a set whose nomatch elements were folded.
type nomatchFolded struct {
	nomatch, pieces int
	sized           uint32 // the size it was raised to, or 0
}

func (f *nomatchFolded) String() string {
	s := fmt.Sprintf("%d nomatch element(s) folded into the set: %d interval(s)", f.nomatch, f.pieces)
	if f.sized > 0 {
		s += fmt.Sprintf("; size raised to %d to hold them", f.sized)
	}
	return s
}

// firstNomatch returns the first element with the nomatch flag, or nil.
func firstNomatch(s *iptparse.IPSet) *iptparse.IPSetElem {
	for i := range s.Elements {
		if _, ok := s.Elements[i].Options["nomatch"]; ok {
			return &s.Elements[i]
		}
	}
	return nil
}

// netPiece is one prefix of an element, with what it decides.
type netPiece struct {
	lo, hi  netip.Addr
	nomatch bool
	el      *iptparse.IPSetElem
}

// foldNomatch fills set (its type and options done) with the members of
// the hash:net set s, which has the nomatch element first; with
// decidedByNomatch, with the addresses a nomatch element decides instead
// (what -m set --return-nomatch matches).
func foldNomatch(s *iptparse.IPSet, dims []ipsetPart, set *ir.Set, first *iptparse.IPSetElem, decidedByNomatch bool) (*nomatchFolded, error) {
	refuse := func(el *iptparse.IPSetElem, format string, args ...any) error {
		return fmt.Errorf("%s: element %q is nomatch (an exception inside a net), and %s", el.Pos, el.Value, fmt.Sprintf(format, args...))
	}
	if len(dims) != 1 || dims[0].kind != "net" {
		return nil, refuse(first, "nftables has no equivalent in a %s set (ipt2nft folds nomatch elements only in hash:net sets)", s.Type)
	}
	if _, ok := s.Options["timeout"]; ok {
		return nil, refuse(first, "the set has timeouts: folding nomatch elements into intervals is exact only while no element expires")
	}
	if _, ok := s.Options["counters"]; ok {
		return nil, refuse(first, "the set has counters: ipset counts per element, the intervals folded from them would count apart")
	}
	var pieces []netPiece
	nomatch := 0
	for i := range s.Elements {
		el := &s.Elements[i]
		_, nm := el.Options["nomatch"]
		if nm {
			nomatch++
		}
		for _, o := range []string{"timeout", "packets", "bytes"} {
			if _, ok := el.Options[o]; ok {
				return nil, refuse(first, "element %q at %s has a %s: the folded intervals cannot keep it", el.Value, el.Pos, o)
			}
		}
		key, _, err := ipsetElement(dims, el.Value, s.Family)
		if err != nil {
			return nil, fmt.Errorf("%s: element %q: %v", el.Pos, el.Value, err)
		}
		lo, hi, ok := addrInterval(key)
		if !ok {
			return nil, fmt.Errorf("%s: element %q: not an address range", el.Pos, el.Value)
		}
		if hi.Less(lo) { // ipset swaps them
			lo, hi = hi, lo
		}
		// ipset stores a range as the prefixes covering it
		ps := []netip.Prefix{netip.PrefixFrom(lo, lo.BitLen())}
		if k, isPrefix := key.(*ir.Prefix); isPrefix {
			ps[0] = k.Prefix.Masked()
		} else if lo != hi {
			ps = RangePrefixes(lo, hi)
		}
		for _, p := range ps {
			pieces = append(pieces, netPiece{p.Addr(), lastAddr(p), nm, el})
		}
	}
	// By start, the widest first: a prefix comes before those inside it.
	slices.SortStableFunc(pieces, func(a, b netPiece) int {
		if c := a.lo.Compare(b.lo); c != 0 {
			return c
		}
		return b.hi.Compare(a.hi)
	})
	// Paint: open holds the prefixes around the cursor, the innermost
	// last; the addresses from the cursor on up to the next prefix or the
	// end of the innermost are decided by it.
	type seg struct {
		lo, hi netip.Addr
		el     *iptparse.IPSetElem
	}
	var segs []seg
	emit := func(lo, hi netip.Addr, p netPiece) {
		if p.nomatch != decidedByNomatch {
			return
		}
		if n := len(segs); n > 0 && segs[n-1].hi.Next() == lo && segs[n-1].el.Options["comment"] == p.el.Options["comment"] {
			segs[n-1].hi = hi
			return
		}
		segs = append(segs, seg{lo, hi, p.el})
	}
	var open []netPiece
	var cursor netip.Addr // invalid: past the last address
	closeTo := func(limit netip.Addr, all bool) {
		for len(open) > 0 {
			top := open[len(open)-1]
			if !all && !top.hi.Less(limit) {
				return
			}
			if cursor.IsValid() && !top.hi.Less(cursor) {
				emit(cursor, top.hi, top)
			}
			cursor = top.hi.Next()
			open = open[:len(open)-1]
		}
	}
	for i, p := range pieces {
		if i > 0 && pieces[i-1].lo == p.lo && pieces[i-1].hi == p.hi {
			if pieces[i-1].nomatch != p.nomatch {
				a, b := pieces[i-1].el, p.el
				return nil, fmt.Errorf("%s: element %q and element %q at %s hold the same prefix, one of them nomatch: ipset refuses the second", b.Pos, b.Value, a.Value, a.Pos)
			}
			continue
		}
		closeTo(p.lo, false)
		if n := len(open); n > 0 && cursor.Less(p.lo) {
			emit(cursor, p.lo.Prev(), open[n-1])
		}
		cursor = p.lo
		open = append(open, p)
	}
	closeTo(netip.Addr{}, true)

	set.Elements = set.Elements[:0]
	for _, sg := range segs {
		var key ir.Expr
		if ps := RangePrefixes(sg.lo, sg.hi); len(ps) == 1 && ps[0].IsSingleIP() {
			key = ir.IP(sg.lo)
		} else if len(ps) == 1 {
			key = &ir.Prefix{Prefix: ps[0]}
		} else {
			key = &ir.Range{Lo: ir.IP(sg.lo), Hi: ir.IP(sg.hi)}
		}
		if c := sg.el.Options["comment"]; c != "" {
			set.Elements = append(set.Elements, &ir.Elem{Key: key, Comment: c})
		} else {
			set.Elements = append(set.Elements, key)
		}
	}
	if !hasFlag(set.Flags, "interval") {
		set.Flags = append([]string{"interval"}, set.Flags...)
	}
	f := &nomatchFolded{nomatch: nomatch, pieces: len(segs)}
	if set.Size > 0 && int(set.Size) < len(segs) {
		// maxelem bounds ipset's elements; nft counts the intervals
		set.Size = uint32(len(segs))
		f.sized = set.Size
	}
	return f, nil
}

// matchReturnNomatch translates -m set --match-set NAME DIRS
// --return-nomatch. With the flag, ip_set_test inverts the answer of a
// set type that has nomatch elements (IPSET_TYPE_NOMATCH: the hash:net
// types): the rule matches the addresses a nomatch element decides, and
// no longer the members. In other types the flag changes nothing: done
// is false, and the match is translated as without it.
func matchReturnNomatch(c *Ctx, x *iptparse.Ext, o *iptparse.Option) (done bool, err error) {
	name := o.Args[0].Text
	def := c.IPSet(name)
	if def == nil {
		return true, c.Untranslatable(x, "--return-nomatch matches the addresses that nomatch elements of set %s decide; without the set's definition (--ipset) they are not known", name)
	}
	if !strings.HasPrefix(def.Type, "hash:") || !strings.Contains(def.Type, "net") {
		return false, nil // no nomatch elements in this type: the kernel ignores the flag
	}
	if def.Family != c.Family {
		return true, c.Untranslatable(x, "set %s holds %s addresses but the rule is %s", def.Name, def.Family, c.Family)
	}
	dims, err := ipsetParts(def)
	if err != nil {
		return true, c.Untranslatable(x, "set %s: %v", name, err)
	}
	if len(dims) != 1 || dims[0].kind != "net" {
		return true, c.Untranslatable(x, "--return-nomatch in a %s set: ipt2nft works out the addresses nomatch elements decide only in hash:net sets", def.Type)
	}
	key, err := IPSetKey(def, dirNames(setDirs(o)), c.L3())
	if err != nil {
		return true, c.Untranslatable(x, "%v", err)
	}
	var decided ir.Set
	if first := firstNomatch(def); first != nil {
		if _, err := foldNomatch(def, dims, &decided, first, true); err != nil {
			return true, c.Untranslatable(x, "set %s: %v", name, err)
		}
	}
	if len(decided.Elements) == 0 {
		if !o.Neg {
			return true, c.Untranslatable(x, "--return-nomatch: no nomatch element of set %s decides an address, so the rule never matches", name)
		}
		return true, nil // ! --match-set ... --return-nomatch holds for every packet
	}
	c.Add(ir.EqOrNe(key, o.Neg, &ir.SetLit{Elems: decided.Elements}))
	return true, nil
}
