package translate

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/ipt2nft/ipt2nft/ir"
)

// An ipset of networks (hash:net) may hold a network and a network or
// address inside it ("10.0.0.0/8" and "10.1.2.3"): a lookup matches when
// any element holds the address. An nft interval set cannot hold both
// ("conflicting intervals specified"), so the inner element is dropped:
// the set matches the same addresses. Only an element that never expires
// covers the ones inside it; other overlaps are refused.

// addrInterval is the addresses an element key of an address set covers.
func addrInterval(key ir.Expr) (lo, hi netip.Addr, ok bool) {
	if e, isElem := key.(*ir.Elem); isElem {
		key = e.Key
	}
	switch k := key.(type) {
	case *ir.Addr:
		return k.Addr, k.Addr, true
	case *ir.Prefix:
		return k.Prefix.Masked().Addr(), lastAddr(k.Prefix.Masked()), true
	case *ir.Range:
		l, ok1 := k.Lo.(*ir.Addr)
		h, ok2 := k.Hi.(*ir.Addr)
		if ok1 && ok2 {
			return l.Addr, h.Addr, true
		}
	}
	return netip.Addr{}, netip.Addr{}, false
}

// dropCoveredElements removes the elements of a one-dimension address
// set that lie inside another element which has no timeout, and refuses
// the overlaps left. It returns a note naming what it removed, or "".
func dropCoveredElements(set *ir.Set) (string, error) {
	type iv struct {
		lo, hi netip.Addr
		el     ir.Expr
		expire bool
		at     int // position in the set, so that equal elements keep their order
	}
	ivs := make([]iv, 0, len(set.Elements))
	for i, el := range set.Elements {
		lo, hi, ok := addrInterval(el)
		if !ok {
			return "", nil
		}
		e, isElem := el.(*ir.Elem)
		ivs = append(ivs, iv{lo, hi, el, isElem && e.Timeout() != "", i})
	}
	// By start, the widest first: a covering element comes before the
	// ones it covers. (Not a stable sort: its merges take n log² n, 1.3 s
	// for a million elements; the position decides ties instead.)
	slices.SortFunc(ivs, func(a, b iv) int {
		if c := a.lo.Compare(b.lo); c != 0 {
			return c
		}
		if c := b.hi.Compare(a.hi); c != 0 {
			return c
		}
		return a.at - b.at
	})
	kept := make([]iv, 0, len(ivs))
	example := ""
	for _, x := range ivs {
		if n := len(kept); n > 0 && x.lo.Compare(kept[n-1].hi) <= 0 {
			last := kept[n-1]
			if x.hi.Compare(last.hi) <= 0 && !last.expire {
				if example == "" {
					example = elemText(x.el) + " inside " + elemText(last.el)
				}
				continue // inside an element that stays
			}
			return "", fmt.Errorf("elements %s and %s overlap, and nft interval sets cannot hold overlapping elements", elemText(last.el), elemText(x.el))
		}
		kept = append(kept, x)
	}
	if len(kept) == len(set.Elements) {
		return "", nil
	}
	drop := map[ir.Expr]bool{}
	for _, x := range ivs {
		drop[x.el] = true
	}
	for _, x := range kept {
		drop[x.el] = false
	}
	set.Elements = slices.DeleteFunc(set.Elements, func(e ir.Expr) bool { return drop[e] })
	note := fmt.Sprintf("%d element(s) inside other elements left out (%s): nft interval sets cannot hold both, and the set matches the same addresses", len(ivs)-len(kept), example)
	if set.Counter {
		note += "; their counter values are lost, and the element around them counts their packets"
	}
	return note, nil
}

func elemText(e ir.Expr) string {
	lo, hi, _ := addrInterval(e)
	if lo == hi {
		return lo.String()
	}
	return lo.String() + "-" + hi.String()
}

// RangePrefixes covers lo-hi with the fewest prefixes, in order (none
// when hi is before lo): as ipset stores a range of a hash:net set.
func RangePrefixes(lo, hi netip.Addr) []netip.Prefix {
	if hi.Less(lo) {
		return nil
	}
	var out []netip.Prefix
	for {
		bits := lo.BitLen()
		// the widest prefix starting at lo that ends at hi at the latest
		for b := 0; b <= lo.BitLen(); b++ {
			p := netip.PrefixFrom(lo, b)
			if p.Masked().Addr() == lo && !hi.Less(lastAddr(p)) {
				bits = b
				break
			}
		}
		p := netip.PrefixFrom(lo, bits)
		out = append(out, p)
		end := lastAddr(p)
		if end == hi {
			return out
		}
		lo = end.Next()
	}
}
