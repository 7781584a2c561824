package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -m string (libxt_string.c): search the packet for a pattern. nftables
// has no substring search, so the match is parsed and checked like
// iptables does, then reported as untranslatable.

func init() {
	Register(&Ext{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "string", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "from", Type: iptparse.TypeUint16},
				{Name: "to", Type: iptparse.TypeUint16},
				{Name: "algo", Type: iptparse.TypeString, Flags: mand},
				{Name: "string", Type: iptparse.TypeString, Flags: inv, Excl: []string{"hex-string"}},
				{Name: "hex-string", Type: iptparse.TypeString, Flags: inv, Excl: []string{"string"}},
				{Name: "icase"},
			},
			Check: checkString,
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			return c.Untranslatable(x, "nftables has no string search in packet data (a pattern at a fixed offset could be written as a raw payload match, @nh/@th,OFFSET,LEN)")
		},
	})
}

const stringMaxPattern = 128 // XT_STRING_MAX_PATTERN_SIZE

func checkString(x *iptparse.Ext) error {
	if o := x.Opt("string"); o != nil && len(o.Arg()) > stringMaxPattern {
		return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: fmt.Sprintf("STRING too long \"%s\"", o.Arg())}
	}
	if o := x.Opt("hex-string"); o != nil {
		if _, err := stringParseHex(o.Arg()); err != nil {
			return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: err.Error()}
		}
	}
	if !x.Has("string") && !x.Has("hex-string") {
		return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "STRING match: You must specify `--string' or `--hex-string'"}
	}
	return nil
}

// stringParseHex decodes a --hex-string argument like libxt_string's
// parse_hex_string: text with |hex bytes| blocks and \ escapes.
func stringParseHex(s string) ([]byte, error) {
	if len(s) == 0 {
		return nil, fmt.Errorf("STRING must contain at least one char")
	}
	var out []byte
	hex, literal := false, false
	i := 0
	for i < len(s) {
		if len(out) >= stringMaxPattern {
			return nil, fmt.Errorf("STRING too long \"%s\"", s)
		}
		switch {
		case s[i] == '\\' && !hex:
			literal = true
		case s[i] == '\\':
			return nil, fmt.Errorf("Cannot include literals in hex data")
		case s[i] == '|':
			if hex {
				hex = false
			} else {
				hex = true
				for i+1 < len(s) && s[i+1] == ' ' {
					i++
				}
			}
			if i+1 >= len(s) {
				return out, nil
			}
			i++
		}
		switch {
		case literal:
			if i+1 >= len(s) {
				return nil, fmt.Errorf("Bad literal placement at end of string")
			}
			out = append(out, s[i+1])
			i += 2
			literal = false
		case hex:
			if i+1 >= len(s) {
				return nil, fmt.Errorf("Odd number of hex digits")
			}
			if i+2 >= len(s) {
				return nil, fmt.Errorf("Invalid hex block")
			}
			if u32HexDigit(s[i]) < 0 {
				return nil, fmt.Errorf("Invalid hex char '%c'", s[i])
			}
			if u32HexDigit(s[i+1]) < 0 {
				return nil, fmt.Errorf("Invalid hex char '%c'", s[i+1])
			}
			out = append(out, byte(u32HexDigit(s[i])<<4|u32HexDigit(s[i+1])))
			if s[i+2] == ' ' {
				i += 3
			} else {
				i += 2
			}
		default:
			out = append(out, s[i])
			i++
		}
	}
	return out, nil
}
