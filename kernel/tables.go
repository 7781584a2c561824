package kernel

import (
	"encoding/binary"
	"fmt"
	"net"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/ir"
)

// existingTables asks the kernel which nftables tables exist, with one
// netlink dump. Starting "nft list tables" for it took 6-8 ms of an
// apply that may take 40.
func existingTables(netns string) (map[TableRef]bool, error) {
	out := map[TableRef]bool{}
	err := InNetns(netns, func() error {
		tables, err := Request(unix.NFT_MSG_GETTABLE, unix.NLM_F_DUMP, unix.AF_UNSPEC, nil)
		if err != nil {
			return fmt.Errorf("listing tables: %w", err)
		}
		families := familiesByByte()
		for _, a := range tables {
			fam, ok := families[a.Family]
			if !ok {
				continue
			}
			if name, ok := stringAttr(a.Attrs, unix.NFTA_TABLE_NAME); ok {
				out[TableRef{fam, name}] = true
			}
		}
		return nil
	})
	return out, err
}

// stringAttr finds the NUL-terminated string attribute typ in attrs.
func stringAttr(attrs []byte, typ uint16) (string, bool) {
	for len(attrs) >= 4 {
		l := int(binary.NativeEndian.Uint16(attrs))
		t := binary.NativeEndian.Uint16(attrs[2:]) &^ (unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)
		if l < 4 || l > len(attrs) {
			return "", false
		}
		if t == typ {
			v := attrs[4:l]
			for len(v) > 0 && v[len(v)-1] == 0 {
				v = v[:len(v)-1]
			}
			return string(v), true
		}
		attrs = attrs[min((l+3)&^3, len(attrs)):]
	}
	return "", false
}

// WithoutAbsentDeletes drops, for each table that does not exist, the
// batch's opening "create it if missing, delete it" (emit's
// TableDeleteMessages), and defines the table with NLM_F_EXCL instead.
// The deletion only fed the kernel's destroy list, and closing the socket
// then waits for that list to be freed (nf_tables flushes it on
// NETLINK_URELEASE): 11 ms at the end of a 20,000-rule apply. With
// NLM_F_EXCL, a table someone made since it was listed fails the batch,
// which then changes nothing.
func WithoutAbsentDeletes(msgs []emit.NLMsg, existing map[TableRef]bool) []emit.NLMsg {
	families := familiesByByte()
	out := make([]emit.NLMsg, 0, len(msgs))
	exclusive := map[TableRef]bool{}
	for i := 0; i < len(msgs); i++ {
		m := msgs[i]
		if m.Type != unix.NFT_MSG_NEWTABLE {
			out = append(out, m)
			continue
		}
		name, _ := stringAttr(m.Data, unix.NFTA_TABLE_NAME)
		ref := TableRef{families[m.Family], name}
		if i+1 < len(msgs) && m.Flags&unix.NLM_F_CREATE != 0 {
			d := msgs[i+1]
			if d.Type == unix.NFT_MSG_DELTABLE && d.Family == m.Family && string(d.Data) == string(m.Data) && !existing[ref] {
				exclusive[ref] = true
				i++ // and the deletion
				continue
			}
		}
		if exclusive[ref] {
			m.Flags |= unix.NLM_F_EXCL
			delete(exclusive, ref)
		}
		out = append(out, m)
	}
	return out
}

func familiesByByte() map[byte]ir.Family {
	families := map[byte]ir.Family{}
	for f := ir.FamilyIP; f <= ir.FamilyNetdev; f++ {
		families[emit.FamilyByte(f)] = f
	}
	return families
}

// IfIndexIn resolves interface names in the network namespace netns ("":
// the current one), as nft does when it loads a rule naming a device.
func IfIndexIn(netns string) emit.IfIndex {
	return func(name string) (uint32, error) {
		var idx uint32
		err := InNetns(netns, func() error {
			ifi, err := net.InterfaceByName(name)
			if err != nil {
				return fmt.Errorf("interface %s does not exist here", name)
			}
			idx = uint32(ifi.Index)
			return nil
		})
		return idx, err
	}
}
