package translate

import (
	"fmt"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// TestLookupPrefersFamily: Lookup finds, for a family, its own extension
// of a name if there is one, else the generic one, for every extension
// registered, and for no family the generic one only.
func TestLookupPrefersFamily(t *testing.T) {
	// Each extension as registered, by kind, name and family slot: the
	// table's entries read in order, not through the first-byte lists and
	// name words Lookup goes by.
	own := [2]map[string][3]*Ext{{}, {}}
	for i := range extensions.used {
		n := &extensions.entries[i]
		for slot := range 3 {
			if e := n.own(slot); e != nil {
				byFamily := own[e.Kind][e.Name]
				byFamily[slot] = e
				own[e.Kind][e.Name] = byFamily
			}
		}
	}
	n, owned := 0, 0
	for kind := range own {
		names := map[string]bool{"no-such-extension": true}
		for name := range own[kind] {
			names[name] = true
		}
		for name := range names {
			for _, fam := range []iptparse.Family{iptparse.FamilyAny, iptparse.FamilyIPv4, iptparse.FamilyIPv6} {
				byFamily := own[kind][name]
				want := byFamily[0]
				if slot := familySlot(fam); slot != 0 && byFamily[slot] != nil {
					want = byFamily[slot]
					owned++
				}
				if got := Lookup(name, iptparse.ExtKind(kind), fam); got != want {
					t.Errorf("Lookup(%q, %d, %v) = %p, want %p", name, kind, fam, got, want)
				}
				n++
			}
		}
	}
	if n < 300 || owned < 20 {
		t.Errorf("%d look-ups, %d of a family's own extension: the registry is not what it should be", n, owned)
	}
}

// TestLookupOrder: a family's own extension is found for the family
// whether it is registered before or after the generic one of its name.
func TestLookupOrder(t *testing.T) {
	saved := extensions
	for _, ownFirst := range []bool{true, false} {
		name := "ipt2nft-order"
		own := &Ext{ExtensionSpec: iptparse.ExtensionSpec{Name: name, Kind: iptparse.KindMatch, Family: iptparse.FamilyIPv4}}
		generic := &Ext{ExtensionSpec: iptparse.ExtensionSpec{Name: name, Kind: iptparse.KindMatch}}
		if ownFirst {
			Register(own)
			Register(generic)
		} else {
			Register(generic)
			Register(own)
		}
		got4 := Lookup(name, iptparse.KindMatch, iptparse.FamilyIPv4)
		got6 := Lookup(name, iptparse.KindMatch, iptparse.FamilyIPv6)
		gotAny := Lookup(name, iptparse.KindMatch, iptparse.FamilyAny)
		extensions = saved
		if got4 != own || got6 != generic || gotAny != generic {
			t.Errorf("own registered first: %v: IPv4 %p, IPv6 %p, any %p; want %p, %p, %p", ownFirst, got4, got6, gotAny, own, generic, generic)
		}
	}
}

// TestLookupParsed: lookupParsed finds, for an extension the parser took
// from Registry, what Lookup finds by its name, for every extension and
// family; and Lookup's for a spec of another registry or none.
func TestLookupParsed(t *testing.T) {
	fams := []iptparse.Family{iptparse.FamilyIPv4, iptparse.FamilyIPv6, iptparse.FamilyAny}
	for _, e := range Extensions() {
		for _, fam := range fams {
			var spec *iptparse.ExtensionSpec
			if e.Kind == iptparse.KindMatch {
				spec = Registry{}.Match(e.Name, fam)
			} else {
				spec = Registry{}.Target(e.Name, fam)
			}
			if spec == nil {
				continue
			}
			x := &iptparse.Ext{Name: spec.Name, Kind: e.Kind, Spec: spec}
			if got, want := lookupParsed(x, e.Kind, fam), Lookup(spec.Name, e.Kind, fam); got != want {
				t.Errorf("%s %v (%v): lookupParsed %p, Lookup %p", e.Name, e.Kind, fam, got, want)
			}
			other := *spec // a copy, as another registry may hand out
			other.Owner = nil
			x.Spec = &other
			if got, want := lookupParsed(x, e.Kind, fam), Lookup(spec.Name, e.Kind, fam); got != want {
				t.Errorf("%s %v (%v), spec of another registry: lookupParsed %p, Lookup %p", e.Name, e.Kind, fam, got, want)
			}
			x.Spec = nil
			if got, want := lookupParsed(x, e.Kind, fam), Lookup(spec.Name, e.Kind, fam); got != want {
				t.Errorf("%s %v (%v), no spec: lookupParsed %p, Lookup %p", e.Name, e.Kind, fam, got, want)
			}
		}
	}
}

// TestRegistryTarget: Registry.Target finds (in targets) what Lookup
// finds, for every target's name and family, and nothing for names
// that are no target's but differ from one in a byte, are cut short or
// longer.
func TestRegistryTarget(t *testing.T) {
	names := map[string]bool{"": true, "X": true, "KUBE-SEP-000000001": true}
	for _, e := range Extensions() {
		if e.Kind != iptparse.KindTarget {
			continue
		}
		name := e.Name
		names[name] = true
		names[name[:len(name)-1]] = true
		names[name+"X"] = true
		for i := range len(name) {
			b := []byte(name)
			b[i] ^= 0x20
			names[string(b)] = true
		}
	}
	n := 0
	for name := range names {
		for _, fam := range []iptparse.Family{iptparse.FamilyAny, iptparse.FamilyIPv4, iptparse.FamilyIPv6} {
			var want *iptparse.ExtensionSpec
			if e := Lookup(name, iptparse.KindTarget, fam); e != nil && !standardVerdict(name) {
				want = &e.ExtensionSpec
				n++
			}
			if got := (Registry{}).Target(name, fam); got != want {
				t.Errorf("Target(%q, %v) = %p, want %p", name, fam, got, want)
			}
		}
	}
	if n < 90 {
		t.Errorf("%d targets found, want every target's for each family", n)
	}
}

// TestExtTable: the table finds each name it holds (of up to 16 bytes,
// told apart by their middle too), of the kind it was added for, and no
// other; once full it panics.
func TestExtTable(t *testing.T) {
	var tt extTable
	e1, e2 := &Ext{}, &Ext{}
	match, target := iptparse.KindMatch, iptparse.KindTarget
	added := map[string]*Ext{"ABCDEFGH-1-IJKLM": e1, "ABCDEFGH-2-IJKLM": e2, "AB": e1, "ABCDE": e2, "ABCDEFGH": e1, "A": e2}
	for name, e := range added {
		tt.add(match, name).find[0] = e
	}
	tt.add(target, "AB").find[0] = e2
	for name, want := range map[string]*Ext{"ABCDEFGH-1-IJKLM": e1, "ABCDEFGH-2-IJKLM": e2, "AB": e1, "ABCDE": e2, "ABCDEFGH": e1, "A": e2,
		"ABCDEFGH-3-IJKLM": nil, "ABCDEFGH-1-IJKLMN": nil, "ABCDF": nil, "AC": nil, "ABCDEFGI": nil, "B": nil} {
		var got *Ext
		if e := tt.entry(match, name); e != nil {
			got = e.find[0]
		}
		if got != want {
			t.Errorf("entry(match, %q) holds %p, want %p", name, got, want)
		}
	}
	if e := tt.entry(target, "AB"); e == nil || e.find[0] != e2 {
		t.Errorf("entry(target, AB) = %+v, want the target's", e)
	}
	if e := tt.entry(target, "ABCDE"); e != nil {
		t.Errorf("entry(target, ABCDE) = %+v, a match's", e)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("%d names added to a table of %d: no panic", tt.used+1, maxNames)
		}
	}()
	for i := 0; i <= maxNames; i++ {
		tt.add(target, fmt.Sprint("N", i))
	}
}
