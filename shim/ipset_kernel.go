package shim

import (
	"encoding/binary"
	"errors"
	"strings"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/google/nftables/userdata"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// An ipset is a named nft set in the shim's table of its family. The
// set's userdata carries, besides nft's own TLVs, two of the shim's
// (nft ignores types it does not know when listing):
//
//	udIPSet: the set's ipset type and header as "ipset save" writes them
//	         after the name ("hash:ip family inet hashsize 1024 maxelem
//	         65536 timeout 300 bucketsize 12 initval 0x1b2c3d4e");
//	udSeq:   8 bytes, the set's place in "ipset list" (creation order).
//
// A set of the table without udIPSet is not an ipset (the translator's
// own sets, -m recent lists...) and ipset does not show it.
const (
	udIPSet = 0xf2
	udSeq   = 0xf3

	nftaSetElemExpr        = 7
	nftaSetElemKeyEnd      = 10
	nftaSetElemExpressions = 11
)

// ipsetUdata is the userdata TLVs of an ipset definition.
func ipsetUdata(def string, seq uint64) []byte {
	ud := append([]byte{udIPSet, byte(len(def))}, def...)
	ud = append(ud, udSeq, 8)
	return binary.BigEndian.AppendUint64(ud, seq)
}

// parseIPSetUdata finds the shim's TLVs in a set's userdata.
func parseIPSetUdata(b []byte) (def string, seq uint64, ok bool) {
	for len(b) >= 2 {
		t, l := b[0], int(b[1])
		if 2+l > len(b) {
			break
		}
		v := b[2 : 2+l]
		switch t {
		case udIPSet:
			def, ok = string(v), true
		case udSeq:
			if l == 8 {
				seq = binary.BigEndian.Uint64(v)
			}
		}
		b = b[2+l:]
	}
	return
}

// readIPSets reads the ipsets of one family's table: their definitions,
// not their elements.
func readIPSets(fam family) ([]*ipset, error) {
	sets, err := readSets(emit.FamilyByte(fam.nft), TableName)
	if err != nil {
		return nil, err
	}
	var out []*ipset
	for _, ks := range sets {
		def, seq, ok := parseIPSetUdata(ks.UserData)
		if !ok {
			continue
		}
		d, err := parseIPSetDef(ks.Name, def)
		if err != nil {
			continue
		}
		out = append(out, &ipset{def: d, fam: fam, seq: seq, k: ks})
	}
	return out, nil
}

// parseIPSetDef reads "TYPE OPTIONS..." back into a definition.
func parseIPSetDef(name, def string) (*iptparse.IPSet, error) {
	f := strings.Fields(def)
	if len(f) == 0 {
		return nil, errors.New("empty ipset definition")
	}
	s := &iptparse.IPSet{Name: name, Type: f[0], Family: iptparse.FamilyIPv4, Options: map[string]string{}}
	for i := 1; i < len(f); i++ {
		k := f[i]
		if createFlags.Get()[k] {
			s.Options[k] = ""
			continue
		}
		if i+1 < len(f) {
			s.Options[k] = f[i+1]
			i++
		}
	}
	if s.Options["family"] == "inet6" {
		s.Family = iptparse.FamilyIPv6
	}
	return s, nil
}

// readElems lists the elements of a set.
func readElems(fam family, set string) ([]*kElem, error) {
	msgs, err := request(unix.NFT_MSG_GETSETELEM, unix.NLM_F_DUMP, emit.FamilyByte(fam.nft), []netlink.Attribute{
		strAttr(unix.NFTA_SET_ELEM_LIST_TABLE, TableName), strAttr(unix.NFTA_SET_ELEM_LIST_SET, set)})
	if err != nil {
		return nil, err
	}
	return parseElemLists(msgs)
}

// lookUpElem asks the kernel for one element of a set by the key a
// delete message carries (the message's attributes, sent as a get). It
// returns nil if the set has no such element.
func lookUpElem(fam family, del emit.NLMsg) (*kElem, error) {
	msgs, err := requestData(unix.NFT_MSG_GETSETELEM, 0, emit.FamilyByte(fam.nft), del.Data)
	if errors.Is(err, syscall.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	es, err := parseElemLists(msgs)
	if err != nil || len(es) == 0 {
		return nil, err
	}
	return es[0], nil
}

// parseElemLists reads the elements of NEWSETELEM messages.
func parseElemLists(msgs [][]byte) ([]*kElem, error) {
	var out []*kElem
	for _, m := range msgs {
		ad, err := netlink.NewAttributeDecoder(m)
		if err != nil {
			return nil, err
		}
		for ad.Next() {
			if ad.Type() != unix.NFTA_SET_ELEM_LIST_ELEMENTS {
				continue
			}
			ad.Nested(func(ld *netlink.AttributeDecoder) error {
				for ld.Next() {
					e := &kElem{}
					ld.Nested(func(ed *netlink.AttributeDecoder) error {
						parseElem(ed, e)
						return nil
					})
					out = append(out, e)
				}
				return nil
			})
		}
		if err := ad.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func dataValue(d *netlink.AttributeDecoder) []byte {
	var v []byte
	d.Nested(func(vd *netlink.AttributeDecoder) error {
		for vd.Next() {
			if vd.Type() == unix.NFTA_DATA_VALUE {
				v = append([]byte(nil), vd.Bytes()...)
			}
		}
		return nil
	})
	return v
}

func parseElem(ed *netlink.AttributeDecoder, e *kElem) {
	for ed.Next() {
		switch ed.Type() {
		case unix.NFTA_SET_ELEM_KEY:
			e.Key = dataValue(ed)
		case nftaSetElemKeyEnd:
			e.KeyEnd = dataValue(ed)
		case unix.NFTA_SET_ELEM_FLAGS:
			e.End = binary.BigEndian.Uint32(ed.Bytes())&unix.NFT_SET_ELEM_INTERVAL_END != 0
		case unix.NFTA_SET_ELEM_TIMEOUT:
			e.Timeout, e.HasTimeout = binary.BigEndian.Uint64(ed.Bytes()), true
		case unix.NFTA_SET_ELEM_EXPIRATION:
			e.Expires = binary.BigEndian.Uint64(ed.Bytes())
		case unix.NFTA_SET_ELEM_USERDATA:
			if c, ok := userdata.GetString(ed.Bytes(), userdata.NFTNL_UDATA_SET_ELEM_COMMENT); ok {
				e.Comment = c
			}
		case nftaSetElemExpr:
			ed.Nested(func(xd *netlink.AttributeDecoder) error {
				parseElemExpr(xd, e)
				return nil
			})
		case nftaSetElemExpressions:
			ed.Nested(func(ld *netlink.AttributeDecoder) error {
				for ld.Next() {
					ld.Nested(func(xd *netlink.AttributeDecoder) error {
						parseElemExpr(xd, e)
						return nil
					})
				}
				return nil
			})
		}
	}
}

func parseElemExpr(xd *netlink.AttributeDecoder, e *kElem) {
	name := ""
	for xd.Next() {
		switch xd.Type() {
		case unix.NFTA_EXPR_NAME:
			name = xd.String()
		case unix.NFTA_EXPR_DATA:
			if name != "counter" {
				continue
			}
			e.Counter = true
			xd.Nested(func(cd *netlink.AttributeDecoder) error {
				for cd.Next() {
					switch cd.Type() {
					case unix.NFTA_COUNTER_BYTES:
						e.Bytes = binary.BigEndian.Uint64(cd.Bytes())
					case unix.NFTA_COUNTER_PACKETS:
						e.Packets = binary.BigEndian.Uint64(cd.Bytes())
					}
				}
				return nil
			})
		}
	}
}
