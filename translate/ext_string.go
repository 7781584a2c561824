package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/ir"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -m string (libxt_string.c): search the packet for a pattern. nftables
// has no substring search, but two cases need none. The kernel only finds
// a pattern that lies wholly between --from and --to (skb_find_text:
// "ret + patlen <= to - from", checked on this kernel with iptables-legacy):
// a window shorter than the pattern never matches, and a window exactly as
// long as the pattern is a comparison at a fixed offset from the network
// header, which nft writes as raw payload matches. Any other search is
// untranslatable.

var extString = []Ext{
	{
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
		Translate: translateString,
	},
}

func init() { registerAll(extString) }

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

// stringMaxChunk is the widest raw payload compare written at once (nft
// reads numbers of up to 64 bits).
const stringMaxChunk = 8

func translateString(c *Ctx, x *iptparse.Ext) error {
	var pat []byte
	var neg bool
	if o := x.Opt("string"); o != nil {
		pat, neg = []byte(o.Arg()), o.Neg
	} else {
		o = x.Opt("hex-string")
		pat, _ = stringParseHex(o.Arg())
		neg = o.Neg
	}
	from, to := uint64(0), uint64(0xffff)
	if v, ok := optUint(x, "from"); ok {
		from = v
	}
	if v, ok := optUint(x, "to"); ok {
		to = v
	}
	window := int64(to) - int64(from)
	if window < int64(len(pat)) {
		if neg {
			// "! --string" over a window that can never hold the pattern
			// is always true: the match adds nothing.
			c.Warn(x.Pos, "%s: the pattern (%d bytes) never fits between --from %d and --to %d, so the negated match is always true", x.Label(), len(pat), from, to)
			return nil
		}
		return c.NeverMatches(x, "the pattern (%d bytes) never fits between --from %d and --to %d, so the kernel never finds it", len(pat), from, to)
	}
	if window > int64(len(pat)) {
		return c.Untranslatable(x, "nftables has no string search in packet data (only a pattern at one fixed offset, --to minus --from equal to its length, is a raw payload match)")
	}
	if x.Has("icase") && hasLetters(pat) {
		return c.Untranslatable(x, "--icase with letters at a fixed offset: nftables compares payload bytes exactly")
	}
	if neg && len(pat) > stringMaxChunk {
		return c.Untranslatable(x, "! with a pattern longer than %d bytes needs one comparison that nft cannot write", stringMaxChunk)
	}
	if neg {
		// iptables' "!" also matches packets too short to hold the
		// pattern, which a payload comparison never matches.
		return c.Untranslatable(x, "! also matches packets too short to hold the pattern; an nft payload match never matches them")
	}
	for off := 0; off < len(pat); off += stringMaxChunk {
		end := min(off+stringMaxChunk, len(pat))
		var v uint64
		for _, b := range pat[off:end] {
			v = v<<8 | uint64(b)
		}
		c.Add(ir.Eq(&ir.RawPayload{Base: "nh", Offset: uint32(from+uint64(off)) * 8, Len: uint32(end-off) * 8},
			&ir.Integer{Value: v, Base: 16, Width: uint8(2 * (end - off))}))
	}
	return nil
}

func hasLetters(b []byte) bool {
	for _, c := range b {
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			return true
		}
	}
	return false
}
