package shim

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/kernel"
)

// Reading the kernel's state of our table: chains, rules (handle,
// userdata, counter) and sets, with netlink dumps filtered to the table.

// request sends one nftables request and returns the payloads (after the
// nfgenmsg header) of the answers. A dump (NLM_F_DUMP) returns every
// object; a plain request its one answer.
func request(typ uint16, flags uint16, fam byte, attrs []netlink.Attribute) ([][]byte, error) {
	data, err := netlink.MarshalAttributes(attrs)
	if err != nil {
		return nil, err
	}
	return requestData(typ, flags, fam, data)
}

// requestData is request with the attributes already encoded.
func requestData(typ uint16, flags uint16, fam byte, data []byte) ([][]byte, error) {
	answers, err := kernel.Request(typ, flags, fam, data)
	out := make([][]byte, len(answers))
	for i, a := range answers {
		out[i] = a.Attrs
	}
	return out, err
}

func strAttr(t uint16, s string) netlink.Attribute {
	return netlink.Attribute{Type: t, Data: append([]byte(s), 0)}
}

// kChain is a chain as the kernel lists it.
type kChain struct {
	Name   string
	Handle uint64
	Hook   bool
	// Policy is "ACCEPT" or "DROP" for base chains.
	Policy string
	Use    uint32
}

// kRule is a rule as the kernel lists it.
type kRule struct {
	Chain    string
	Handle   uint64
	UserData []byte
	Counter  bool
	Packets  uint64
	Bytes    uint64
}

func readChains(fam byte, table string) ([]*kChain, error) {
	msgs, err := request(unix.NFT_MSG_GETCHAIN, unix.NLM_F_DUMP, fam, []netlink.Attribute{strAttr(unix.NFTA_CHAIN_TABLE, table)})
	if err != nil {
		return nil, err
	}
	var out []*kChain
	for _, m := range msgs {
		ad, err := netlink.NewAttributeDecoder(m)
		if err != nil {
			return nil, err
		}
		c := &kChain{}
		tbl := ""
		for ad.Next() {
			switch ad.Type() {
			case unix.NFTA_CHAIN_TABLE:
				tbl = ad.String()
			case unix.NFTA_CHAIN_NAME:
				c.Name = ad.String()
			case unix.NFTA_CHAIN_HANDLE:
				c.Handle = binary.BigEndian.Uint64(ad.Bytes())
			case unix.NFTA_CHAIN_HOOK:
				c.Hook = true
			case unix.NFTA_CHAIN_POLICY:
				if binary.BigEndian.Uint32(ad.Bytes()) == 0 {
					c.Policy = "DROP"
				} else {
					c.Policy = "ACCEPT"
				}
			case unix.NFTA_CHAIN_USE:
				c.Use = binary.BigEndian.Uint32(ad.Bytes())
			}
		}
		if err := ad.Err(); err != nil {
			return nil, err
		}
		if tbl == table {
			out = append(out, c)
		}
	}
	return out, nil
}

// eachRule calls fn for each rule of a chain ("" for the whole table),
// in order, as the dump arrives: the messages are read in the receive
// buffer and only what a kRule holds is kept. fn returns kernel.ErrStop
// to read no further.
func eachRule(fam byte, table, chain string, reset bool, fn func(*kRule) error) error {
	attrs := []netlink.Attribute{strAttr(unix.NFTA_RULE_TABLE, table)}
	if chain != "" {
		attrs = append(attrs, strAttr(unix.NFTA_RULE_CHAIN, chain))
	}
	typ := uint16(unix.NFT_MSG_GETRULE)
	if reset {
		typ = unix.NFT_MSG_GETRULE_RESET
	}
	data, err := netlink.MarshalAttributes(attrs)
	if err != nil {
		return err
	}
	return kernel.RequestEach(typ, unix.NLM_F_DUMP, fam, data, func(a kernel.Answer) error {
		r, err := parseRule(a.Attrs, table, chain)
		if err != nil || r == nil {
			return err
		}
		return fn(r)
	})
}

// parseRule reads a rule message: its chain, handle, userdata and first
// counter; nil if it is not a rule of that table and chain ("": any).
// It walks the attributes in place (nlAttrs): the shim reads every rule of a chain for -D, -C, -S and -L, and decoding
// 20,000 rules through netlink.AttributeDecoder allocated for every
// nesting level.
func parseRule(m []byte, table, chain string) (*kRule, error) {
	r := &kRule{}
	tblOK := false
	err := nlAttrs(m, func(typ uint16, data []byte) error {
		switch typ {
		case unix.NFTA_RULE_TABLE:
			tblOK = nlStringIs(data, table)
		case unix.NFTA_RULE_CHAIN:
			if chain != "" && nlStringIs(data, chain) {
				r.Chain = chain
			} else {
				r.Chain = nlString(data)
			}
		case unix.NFTA_RULE_HANDLE:
			if len(data) < 8 {
				return errShortAttr
			}
			r.Handle = binary.BigEndian.Uint64(data)
		case unix.NFTA_RULE_USERDATA:
			r.UserData = append([]byte(nil), data...)
		case unix.NFTA_RULE_EXPRESSIONS:
			return nlAttrs(data, func(_ uint16, elem []byte) error {
				if r.Counter {
					return nil
				}
				name := ""
				return nlAttrs(elem, func(typ uint16, data []byte) error {
					switch typ {
					case unix.NFTA_EXPR_NAME:
						name = nlString(data)
					case unix.NFTA_EXPR_DATA:
						if name != "counter" || r.Counter {
							return nil
						}
						r.Counter = true
						return nlAttrs(data, func(typ uint16, v []byte) error {
							if len(v) < 8 {
								return nil
							}
							switch typ {
							case unix.NFTA_COUNTER_BYTES:
								r.Bytes = binary.BigEndian.Uint64(v)
							case unix.NFTA_COUNTER_PACKETS:
								r.Packets = binary.BigEndian.Uint64(v)
							}
							return nil
						})
					}
					return nil
				})
			})
		}
		return nil
	})
	if err != nil || !tblOK || (chain != "" && r.Chain != chain) {
		return nil, err
	}
	return r, nil
}

var errShortAttr = errors.New("netlink: attribute too short")

// nlAttrs calls fn for each netlink attribute in b, with its type
// (without the nested and byte-order flags) and payload.
func nlAttrs(b []byte, fn func(typ uint16, data []byte) error) error {
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b))
		if l < 4 || l > len(b) {
			return errShortAttr
		}
		if err := fn(binary.NativeEndian.Uint16(b[2:])&^(unix.NLA_F_NESTED|unix.NLA_F_NET_BYTEORDER), b[4:l]); err != nil {
			return err
		}
		b = b[min((l+3)&^3, len(b)):]
	}
	return nil
}

// nlStringIs reports whether a NUL-terminated string attribute is s,
// without making a string of it.
func nlStringIs(b []byte, s string) bool {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b) == s
}

// nlString is a NUL-terminated string attribute.
func nlString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
