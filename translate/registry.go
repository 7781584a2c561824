// Package translate turns parsed iptables commands into the nftables IR.
//
// Each iptables extension lives in its own file (ext_NAME.go for matches,
// tg_NAME.go for targets) that registers, in one Ext value, the
// extension's option table (which the parser uses) and its translation.
// Adding an extension touches only that file.
package translate

import (
	"sort"

	"github.com/ipt2nft/ipt2nft/internal/strword"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Ext is one iptables extension: its options and how it translates.
type Ext struct {
	iptparse.ExtensionSpec
	// Translate appends the extension's statements to the rule being
	// built. It returns an error from c.Untranslatable or c.Errorf when
	// the extension cannot be translated or its options are invalid.
	Translate func(c *Ctx, x *iptparse.Ext) error
}

// extensions holds the registered extensions by kind, then name: Lookup
// and Registry run for every match and target of every rule. A table of
// fixed size (no allocation at start), not a map a kind: the two maps
// took six new pages of the heap at every start, a page fault each (some
// 10 µs on the PVM host), and a look-up hashed the name.
var extensions extTable

// targetShapes has, for each first byte of a registered target's name,
// bit n%64 set if a name of n bytes starts with it: Registry.Target then
// tells most names that are no target's without looking them up (the
// chains of "-j CHAIN", 1 % of a kube-proxy dump's translation when it
// hashed them).
var targetShapes [256]uint64

func familySlot(f iptparse.Family) int {
	switch f {
	case iptparse.FamilyIPv4:
		return 1
	case iptparse.FamilyIPv6:
		return 2
	}
	return 0
}

// Register adds an extension. It is called from the init functions of the
// extension files. Registering the same name, kind and family twice panics.
func Register(e *Ext) {
	if int(e.Kind) >= len(extensions.first) || e.Name == "" || len(e.Name) > 16 {
		panic("translate: an extension of no kind, or of no name or one of more than 16 bytes: " + e.Name)
	}
	if e.Kind == iptparse.KindTarget && standardVerdict(e.Name) {
		panic("translate: a target extension named like a standard target: " + e.Name)
	}
	n := extensions.entry(e.Kind, e.Name)
	if n == nil {
		n = extensions.add(e.Kind, e.Name)
	}
	own := familySlot(e.Family)
	if n.own(own) != nil {
		panic("translate: extension registered twice: " + e.Name)
	}
	e.Owner = e
	if e.Kind == iptparse.KindTarget {
		targetShapes[e.Name[0]] |= 1 << (len(e.Name) & 63)
	}
	n.find[own] = e
	if own == 0 {
		for slot := 1; slot < 3; slot++ {
			if n.own(slot) == nil {
				n.find[slot] = e
			}
		}
	}
}

// extTable finds the registered extensions by kind and name without
// hashing the name: a list for each kind and first byte of the names,
// each name told by its length and two words of it (nameWords), which
// tell every name of up to 16 bytes from every other (Register refuses
// longer ones). For a "-j DNAT" (a rule in three of a kube-proxy dump)
// a map took some 100 instructions. Both kinds share the entries, which
// hold no name, so that the 100 registered take 5 KB, two pages.
type extTable struct {
	first   [2][256]uint8 // 1 + the index of the last entry of the kind whose name starts with the byte
	entries [maxNames]extEntry
	used    int
}

// maxNames is the most names a table holds (62 match names and 38 target
// names are registered); at most 255.
const maxNames = 128

// extEntry holds the extensions registered under one name.
type extEntry struct {
	a, b uint64 // nameWords of the name
	// find is what Lookup finds for each family slot, generic (libxt_),
	// IPv4 (libipt_) and IPv6 (libip6t_): the generic one for slot 0; for
	// IPv4 and IPv6 the family's own over the generic one, so that one
	// look-up finds either.
	find [3]*Ext
	n    uint8 // the name's length
	next uint8 // 1 + the index of the entry before of the same kind and first byte
}

// own returns the extension registered for family slot slot itself, not
// the generic one found for it, or nil.
func (n *extEntry) own(slot int) *Ext {
	if e := n.find[slot]; e != nil && familySlot(e.Family) == slot {
		return e
	}
	return nil
}

// add adds an entry for name (of 1 to 16 bytes, not in t yet) of kind
// and returns it. A full table panics: maxNames is too small.
func (t *extTable) add(kind iptparse.ExtKind, name string) *extEntry {
	if t.used == len(t.entries) {
		panic("translate: more extension names than maxNames: " + name)
	}
	a, b := nameWords(name)
	n := &t.entries[t.used]
	*n = extEntry{a: a, b: b, n: uint8(len(name)), next: t.first[kind][name[0]]}
	t.used++
	t.first[kind][name[0]] = uint8(t.used)
	return n
}

// entry returns the entry of name (not empty) of kind (a valid one), nil
// if there is none.
func (t *extTable) entry(kind iptparse.ExtKind, name string) *extEntry {
	if len(name) > 16 {
		return nil
	}
	a, b := nameWords(name)
	for i := t.first[kind][name[0]]; i != 0; {
		n := &t.entries[i-1]
		if n.a == a && n.b == b && int(n.n) == len(name) {
			return n
		}
		i = n.next
	}
	return nil
}

// nameWords returns two words that tell a name from every other of its
// length up to 16 bytes, read without a loop: its first and last eight
// bytes, or four under eight, or its bytes under four.
func nameWords(s string) (a, b uint64) {
	switch n := len(s); {
	case n >= 8:
		return strword.Load64(s), strword.Load64(s[n-8:])
	case n >= 4:
		return uint64(strword.Load32(s)), uint64(strword.Load32(s[n-4:]))
	default:
		for i := range n {
			a = a<<8 | uint64(s[i])
		}
		return a, 0
	}
}

// registerAll registers each extension of es. An extension file's
// extensions are a package-level slice literal, which the compiler lays
// out in the binary's data, rather than values built by an init
// function: built at start, they took some 500 allocations and a tenth
// of the start-up of every run.
func registerAll(es []Ext) {
	for i := range es {
		Register(&es[i])
	}
}

// standardVerdict tells the names of iptables' standard targets, which
// no extension has (Register refuses them).
func standardVerdict(name string) bool {
	switch name {
	case "ACCEPT", "DROP", "RETURN", "QUEUE":
		return true
	}
	return false
}

// Lookup finds an extension for a family, preferring a family-specific
// one (libipt_/libip6t_) over a generic one (libxt_).
func Lookup(name string, kind iptparse.ExtKind, fam iptparse.Family) *Ext {
	if int(kind) >= len(extensions.first) || name == "" {
		return nil
	}
	if n := extensions.entry(kind, name); n != nil {
		return n.find[familySlot(fam)]
	}
	return nil
}

// lookupParsed is Lookup(x.Name, kind, fam) for an extension of a rule
// of family fam: when the parser found it with Registry (for the rule's
// family, so by the same look-up), it is the owner of the spec it took.
func lookupParsed(x *iptparse.Ext, kind iptparse.ExtKind, fam iptparse.Family) *Ext {
	if x.Spec == nil {
		return Lookup(x.Name, kind, fam)
	}
	if e, ok := x.Spec.Owner.(*Ext); ok && e.Kind == kind && e.Name == x.Name && (e.Family == fam || e.Family == iptparse.FamilyAny) {
		return e
	}
	return Lookup(x.Name, kind, fam)
}

// Extensions lists all registered extensions, sorted by kind and name.
func Extensions() []*Ext {
	var all []*Ext
	for i := range extensions.entries[:extensions.used] {
		for slot := range 3 {
			if e := extensions.entries[i].own(slot); e != nil {
				all = append(all, e)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Family < b.Family
	})
	return all
}

// Registry gives the parser the option tables of the registered extensions.
type Registry struct{}

// Match implements iptparse.Registry.
func (Registry) Match(name string, fam iptparse.Family) *iptparse.ExtensionSpec {
	// The match names libxtables' xtables_find_match reads as another
	// match ("-m icmpv6" and "-p ipv6-icmp" load icmp6); a switch, as
	// a map look-up for every match cost as much as finding the match.
	switch name {
	case "icmpv6", "ipv6-icmp":
		name = "icmp6"
	}
	if e := Lookup(name, iptparse.KindMatch, fam); e != nil {
		return &e.ExtensionSpec
	}
	return nil
}

// Target implements iptparse.Registry.
func (Registry) Target(name string, fam iptparse.Family) *iptparse.ExtensionSpec {
	if standardVerdict(name) {
		return nil // the most common -j, spared a look-up that misses
	}
	if n := len(name); n > 0 && targetShapes[name[0]]&(1<<(n&63)) == 0 {
		return nil // a chain, most likely
	}
	return lookupTarget(name, fam)
}

// lookupTarget is Target's look-up, out of line: Target, inlined into
// its interface method, stays small.
//
//go:noinline
func lookupTarget(name string, fam iptparse.Family) *iptparse.ExtensionSpec {
	if e := Lookup(name, iptparse.KindTarget, fam); e != nil {
		return &e.ExtensionSpec
	}
	return nil
}
