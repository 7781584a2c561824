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

// named holds the extensions registered under one name, of one kind.
type named struct {
	// own is each as registered, by family slot: generic (libxt_),
	// IPv4 (libipt_) and IPv6 (libip6t_).
	own [3]*Ext
	// find is what Lookup finds for each slot: the generic one for
	// slot 0; for IPv4 and IPv6 the family's own over the generic one,
	// so that one look-up finds either.
	find [3]*Ext
}

// extensions holds the registered extensions by kind, then name: Lookup
// runs for every match and target of every rule, and a string key hashes
// faster than a struct holding one. One map a kind, not one a kind and
// family: building ten maps at start took 15 µs more.
var extensions [2]map[string]named

// targetShapes has, for each first byte of a registered target's name,
// bit n%64 set if a name of n bytes starts with it: Registry.Target then
// tells most names that are no target's without hashing them (the chains
// of "-j CHAIN", a map look-up each, 1 % of a kube-proxy dump's
// translation).
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

// mapRoom is the room Register makes in each map it creates: 62 match
// names and 38 target names are registered. Grown from empty one
// extension at a time, the maps took 150,000 instructions of every
// process's start, nearly a tenth of a short iptables-translate run.
const mapRoom = 64

// Register adds an extension. It is called from the init functions of the
// extension files. Registering the same name, kind and family twice panics.
func Register(e *Ext) {
	m := &extensions[e.Kind]
	if *m == nil {
		*m = make(map[string]named, mapRoom)
	}
	n := (*m)[e.Name]
	own := familySlot(e.Family)
	if n.own[own] != nil {
		panic("translate: extension registered twice: " + e.Name)
	}
	if e.Kind == iptparse.KindTarget && standardVerdict(e.Name) {
		panic("translate: a target extension named like a standard target: " + e.Name)
	}
	e.Owner = e
	if e.Kind == iptparse.KindTarget && len(e.Name) > 0 {
		targetShapes[e.Name[0]] |= 1 << (len(e.Name) & 63)
	}
	n.own[own] = e
	n.find[own] = e
	if own == 0 {
		for slot := 1; slot < 3; slot++ {
			if n.own[slot] == nil {
				n.find[slot] = e
			}
		}
	}
	(*m)[e.Name] = n
	if e.Kind == iptparse.KindTarget {
		targets.set(e.Name, n.find)
	}
}

// targets finds the registered targets by name for Registry.Target
// without hashing it: a list for each first byte of the names, in a
// table of fixed size (no allocation at start), each name told by its
// length and two words of it (nameWords). The map look-up took some 100
// instructions a "-j DNAT" (a rule in three of a kube-proxy dump). It
// holds Lookup's answers for each family slot, set again at each
// Register of the name.
var targets targetTable

// maxTargets is the most names targets holds (38 are registered);
// beyond, Registry.Target looks them up in the map.
const maxTargets = 48

type targetTable struct {
	first   [256]uint8 // 1 + the index of the last entry whose name starts with the byte
	entries [maxTargets]targetEntry
	used    int
	full    bool
}

type targetEntry struct {
	name string
	a, b uint64  // nameWords(name)
	find [3]*Ext // named.find
	next uint8   // 1 + the index of the entry before with the same first byte
}

// set makes name's entry hold find.
func (t *targetTable) set(name string, find [3]*Ext) {
	if len(name) == 0 {
		return
	}
	if e := t.entry(name); e != nil {
		e.find = find
		return
	}
	if t.used == len(t.entries) {
		t.full = true
		return
	}
	a, b := nameWords(name)
	t.entries[t.used] = targetEntry{name: name, a: a, b: b, find: find, next: t.first[name[0]]}
	t.used++
	t.first[name[0]] = uint8(t.used)
}

// entry returns the entry of name (not empty), nil if there is none.
func (t *targetTable) entry(name string) *targetEntry {
	a, b := nameWords(name)
	for i := t.first[name[0]]; i != 0; {
		e := &t.entries[i-1]
		if e.a == a && e.b == b && len(e.name) == len(name) && (len(name) <= 16 || e.name == name) {
			return e
		}
		i = e.next
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
	if int(kind) >= len(extensions) {
		return nil
	}
	return extensions[kind][name].find[familySlot(fam)]
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
	for _, byName := range extensions {
		for _, n := range byName {
			for _, e := range n.own {
				if e != nil {
					all = append(all, e)
				}
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
	if !targets.full && len(name) > 0 {
		if t := targets.entry(name); t != nil {
			if e := t.find[familySlot(fam)]; e != nil {
				return &e.ExtensionSpec
			}
		}
		return nil
	}
	if e := Lookup(name, iptparse.KindTarget, fam); e != nil {
		return &e.ExtensionSpec
	}
	return nil
}
