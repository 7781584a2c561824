package emit

import (
	"bytes"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/ir"
)

// Named sets changed a little at a time (the shim's ipset): a set
// created alone, elements added to or deleted from a set that exists,
// a set flushed or deleted.

// NewSetMessage creates the named set s, without its elements; it fails
// if the set exists (NLM_F_EXCL). udata is appended to the set's
// userdata: TLVs of the caller's own, which nft ignores when listing.
func NewSetMessage(fam ir.Family, table string, s *ir.Set, udata []byte) (NLMsg, error) {
	def := *s
	def.Elements = nil
	ns, err := compileSet(fam, table, &def)
	if err != nil {
		return NLMsg{}, err
	}
	ns.ExtraUdata = udata
	m := setMessages(famBytes.Get()[fam], table, ns, "set "+s.Name)[0]
	m.Flags |= unix.NLM_F_EXCL
	return m, nil
}

// DelSetMessage deletes a named set (the kernel refuses while a rule
// uses it: EBUSY).
func DelSetMessage(fam ir.Family, table, name string) NLMsg {
	attrs := []attr{{Type: unix.NFTA_SET_TABLE, Data: cstr(table)}, {Type: unix.NFTA_SET_NAME, Data: cstr(name)}}
	return NLMsg{Type: unix.NFT_MSG_DELSET, Family: famBytes.Get()[fam], Data: marshal(attrs), What: "set " + name}
}

// FlushSetMessage deletes every element of a named set.
func FlushSetMessage(fam ir.Family, table, name string) NLMsg {
	attrs := []attr{{Type: unix.NFTA_SET_ELEM_LIST_TABLE, Data: cstr(table)}, {Type: unix.NFTA_SET_ELEM_LIST_SET, Data: cstr(name)}}
	return NLMsg{Type: unix.NFT_MSG_DELSETELEM, Family: famBytes.Get()[fam], Data: marshal(attrs), What: "flush set " + name}
}

// SetElemOptions say how SetElemMessages sends elements.
type SetElemOptions struct {
	// Delete deletes the elements instead of adding them.
	Delete bool
	// Excl fails on an element that exists (NLM_F_EXCL).
	Excl bool
	// NoExpire lists the elements (indexes into s.Elements) that never
	// expire although the set has a default timeout.
	NoExpire map[int]bool
}

// SetElemMessages adds the elements s.Elements to (or deletes them from)
// the named set s, which exists with s's type and flags. Each element is
// encoded alone, as "nft add element" sends it: an interval of a set
// that is not a concatenation is its start and its end element (without
// the end element at zero that a whole set definition starts with), so
// that deleting it later finds both.
func SetElemMessages(fam ir.Family, table string, s *ir.Set, opt SetElemOptions) ([]NLMsg, error) {
	def := *s
	def.Elements = nil
	base, err := compileSet(fam, table, &def)
	if err != nil {
		return nil, err
	}
	var list []attr
	for i, e := range s.Elements {
		one := def
		one.Elements = []ir.Expr{e}
		ns, err := compileSet(fam, table, &one)
		if err != nil {
			return nil, fmt.Errorf("element %s: %w", (&Printer{}).Expr(e), err)
		}
		elems := ns.Elems
		interval := ns.Flags&unix.NFT_SET_INTERVAL != 0 && ns.Key.kind != dkConcat
		if interval && len(elems) > 1 && elems[0].End && allZero(elems[0].Key) {
			elems = elems[1:]
		}
		for _, ne := range elems {
			if opt.NoExpire[i] && !ne.End {
				ne.NoExpire = true
			}
			list = append(list, attr{Type: unix.NLA_F_NESTED | unix.NFTA_LIST_ELEM, Data: elemAttrs(base, ne)})
		}
	}
	typ, flags := uint16(unix.NFT_MSG_NEWSETELEM), uint16(unix.NLM_F_CREATE)
	if opt.Delete {
		typ, flags = unix.NFT_MSG_DELSETELEM, 0
	}
	if opt.Excl {
		flags |= unix.NLM_F_EXCL
	}
	var msgs []NLMsg
	for i := 0; i < len(list); i += elemsPerMsg {
		end := min(i+elemsPerMsg, len(list))
		eattrs := []attr{
			{Type: unix.NFTA_SET_ELEM_LIST_TABLE, Data: cstr(table)},
			{Type: unix.NFTA_SET_ELEM_LIST_SET, Data: cstr(s.Name)},
			{Type: unix.NLA_F_NESTED | unix.NFTA_SET_ELEM_LIST_ELEMENTS, Data: marshal(list[i:end])},
		}
		msgs = append(msgs, NLMsg{Type: typ, Flags: flags, Family: famBytes.Get()[fam], Data: marshal(eattrs), What: "set " + s.Name + " elements"})
	}
	return msgs, nil
}

func compileSet(fam ir.Family, table string, s *ir.Set) (*nlSet, error) {
	var id uint32
	tc := &tableCompiler{t: &ir.Table{Family: fam, Name: table, Sets: []*ir.Set{s}}, fam: fam, nextID: &id, sets: map[string]*nlSet{}}
	return tc.namedSet(s)
}

func allZero(b []byte) bool { return len(bytes.Trim(b, "\x00")) == 0 }
