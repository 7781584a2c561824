package shim

import (
	"encoding/binary"
)

// Rule userdata. nft's own TLVs (type 0: the comment nft lists) are
// kept; the shim adds two types of its own that nft ignores when listing:
//
//	udGroup (8 bytes): the id of the iptables rule the nft rule belongs
//	                   to; one iptables rule is one or more consecutive
//	                   nft rules with the same id.
//	udSpec:            a piece of the rule's canonical iptables text; the
//	                   pieces of a group's rules, in order, make the text.
const (
	udComment = 0
	udGroup   = 0xf0
	udSpec    = 0xf1
	// udMax is the kernel's limit on rule userdata (NFT_USERDATA_MAXLEN).
	udMax = 256
)

// parseUdata splits userdata into its TLVs.
func parseUdata(b []byte) (group uint64, hasGroup bool, spec string, comment string) {
	for len(b) >= 2 {
		t, l := b[0], int(b[1])
		if 2+l > len(b) {
			break
		}
		v := b[2 : 2+l]
		switch t {
		case udGroup:
			if l == 8 {
				group, hasGroup = binary.BigEndian.Uint64(v), true
			}
		case udSpec:
			spec += string(v)
		case udComment:
			if l > 0 && v[l-1] == 0 {
				v = v[:l-1]
			}
			comment = string(v)
		}
		b = b[2+l:]
	}
	return
}

// groupTLV is the group id TLV.
func groupTLV(id uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{udGroup, 8}, id)
}

// spreadSpec puts spec into the userdata of a group's rules: each rule
// keeps what it has (its comment) and gets the group id and as much of
// the text as fits. It returns the userdata of extra rules needed for the
// rest (carrier rules without expressions).
func spreadSpec(uds [][]byte, id uint64, spec string) (out [][]byte, extra [][]byte) {
	rest := spec
	put := func(ud []byte) []byte {
		ud = append(ud, groupTLV(id)...)
		for len(rest) > 0 {
			room := udMax - len(ud) - 2
			if room <= 0 {
				break
			}
			n := min(room, 255, len(rest))
			ud = append(ud, udSpec, byte(n))
			ud = append(ud, rest[:n]...)
			rest = rest[n:]
		}
		return ud
	}
	for _, ud := range uds {
		out = append(out, put(append([]byte(nil), ud...)))
	}
	for len(rest) > 0 || len(out)+len(extra) == 0 {
		extra = append(extra, put(nil))
	}
	return out, extra
}
