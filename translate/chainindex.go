package translate

import "hash/maphash"

// chainIndex finds chain entries by name: the iptables chain name
// (key.chain) of a table's chains, or the nft name (name) of a family's.
// It stands for a map[string]*chainEntry, whose look-ups cost some 140
// instructions and whose stores some 170: kube-proxy's dispatch dump of
// 20,000 rules, a chain every 2.7 lines, made 70,000 of them. A look-up
// and the store that follows it are here one probe, finding the slot
// the store fills; a slot holds the name's hash, so that names are only
// compared when their hashes are the same. Open addressing with linear
// probing, at most half full (three quarters full, a miss took seven
// probes); deletion shifts the slots after back, leaving no tombstones.
// A slot is eight bytes, without pointers: the entry's place in the
// layout's list of entries, and half its name's hash.
type chainIndex struct {
	slots []indexSlot // len a power of two
	n     int         // entries held
	all   *[]*chainEntry
	seed  maphash.Seed
	byNft bool // keyed by e.name, not e.key.chain
}

type indexSlot struct {
	tag uint32 // the hash's high half
	at  int32  // 1 + the entry's index in all; 0: empty
}

// newChainIndex makes an index of entries of all with room for about n,
// keyed by nft name if byNft.
func newChainIndex(all *[]*chainEntry, n int, byNft bool) *chainIndex {
	size := 8
	for size < 2*n {
		size *= 2
	}
	return &chainIndex{slots: make([]indexSlot, size), all: all, seed: maphash.MakeSeed(), byNft: byNft}
}

func (x *chainIndex) keyOf(e *chainEntry) string {
	if x.byNft {
		return e.name
	}
	return e.key.chain
}

// find is the slot of name: the one holding its entry (e), or the empty
// one where put would store it (e nil). hash is name's hash, for put.
func (x *chainIndex) find(name string) (i, hash uint64, e *chainEntry) {
	h := maphash.String(x.seed, name)
	mask, tag := uint64(len(x.slots)-1), uint32(h>>32)
	for i := h & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s.at == 0 {
			return i, h, nil
		}
		if s.tag == tag {
			if e := (*x.all)[s.at-1]; x.keyOf(e) == name {
				return i, h, e
			}
		}
	}
}

// get is the entry of name, or nil.
func (x *chainIndex) get(name string) *chainEntry {
	_, _, e := x.find(name)
	return e
}

// put stores the entry at index at of all, whose name has that hash, in
// slot i, the empty one find gave. Slots found before put are no longer
// valid.
func (x *chainIndex) put(i, hash uint64, at int) {
	x.slots[i] = indexSlot{uint32(hash >> 32), int32(at + 1)}
	x.n++
	if 2*x.n > len(x.slots) {
		x.grow()
	}
}

// home is the slot where the search for s's entry starts.
func (x *chainIndex) home(s indexSlot) uint64 {
	return maphash.String(x.seed, x.keyOf((*x.all)[s.at-1])) & uint64(len(x.slots)-1)
}

// grow doubles the slots.
func (x *chainIndex) grow() {
	old := x.slots
	x.slots = make([]indexSlot, 2*len(old))
	mask := uint64(len(x.slots) - 1)
	for _, s := range old {
		if s.at == 0 {
			continue
		}
		i := x.home(s)
		for x.slots[i].at != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
}

// remove deletes the entry of name, if any.
func (x *chainIndex) remove(name string) {
	i, _, e := x.find(name)
	if e == nil {
		return
	}
	x.n--
	mask := uint64(len(x.slots) - 1)
	// Backward shift: an entry after the hole moves into it unless its
	// home slot lies cyclically in (hole, its slot].
	for j := i; ; {
		x.slots[i] = indexSlot{}
		for {
			j = (j + 1) & mask
			if x.slots[j].at == 0 {
				return
			}
			home := x.home(x.slots[j])
			if i < j && (home <= i || home > j) || i > j && home <= i && home > j {
				break
			}
		}
		x.slots[i] = x.slots[j]
		i = j
	}
}
