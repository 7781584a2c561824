package shim

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/google/nftables/userdata"

	"github.com/ipt2nft/ipt2nft/emit"
)

// kSet is a named set as the kernel lists it.
type kSet struct {
	Name     string
	Flags    uint32
	KeyType  uint32
	KeyLen   uint32
	Timeout  uint64 // ms
	Comment  string
	UserData []byte
}

func readSets(fam byte, table string) ([]*kSet, error) {
	msgs, err := request(unix.NFT_MSG_GETSET, unix.NLM_F_DUMP, fam, []netlink.Attribute{strAttr(unix.NFTA_SET_TABLE, table)})
	if errors.Is(err, unix.ENOENT) {
		return nil, nil // no table yet
	}
	if err != nil {
		return nil, err
	}
	var out []*kSet
	for _, m := range msgs {
		ad, err := netlink.NewAttributeDecoder(m)
		if err != nil {
			return nil, err
		}
		s := &kSet{}
		tbl := ""
		for ad.Next() {
			switch ad.Type() {
			case unix.NFTA_SET_TABLE:
				tbl = ad.String()
			case unix.NFTA_SET_NAME:
				s.Name = ad.String()
			case unix.NFTA_SET_FLAGS:
				s.Flags = binary.BigEndian.Uint32(ad.Bytes())
			case unix.NFTA_SET_KEY_TYPE:
				s.KeyType = binary.BigEndian.Uint32(ad.Bytes())
			case unix.NFTA_SET_KEY_LEN:
				s.KeyLen = binary.BigEndian.Uint32(ad.Bytes())
			case unix.NFTA_SET_TIMEOUT:
				s.Timeout = binary.BigEndian.Uint64(ad.Bytes())
			case unix.NFTA_SET_USERDATA:
				s.UserData = append([]byte(nil), ad.Bytes()...)
				if c, ok := userdata.GetString(ad.Bytes(), userdata.NFTNL_UDATA_SET_COMMENT); ok {
					s.Comment = c
				}
			}
		}
		if err := ad.Err(); err != nil {
			return nil, err
		}
		if tbl == table && s.Flags&unix.NFT_SET_ANONYMOUS == 0 {
			out = append(out, s)
		}
	}
	return out, nil
}

// loadSets reads the names of the table's named sets.
func (m *model) loadSets() error {
	if m.sets != nil {
		return nil
	}
	sets, err := readSets(emit.FamilyByte(m.fam.nft), TableName)
	if err != nil {
		return fmt.Errorf("reading sets: %w", err)
	}
	m.sets = map[string]bool{}
	for _, s := range sets {
		m.sets[s.Name] = true
	}
	return nil
}
