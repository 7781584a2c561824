package translate

import (
	"fmt"
	"math/bits"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m u32 (libxt_u32.c, kernel xt_u32.c): tests on 32-bit words read at
// packet offsets.
//
// A test reads the big-endian word at offset N from the network header,
// transforms it with "&" (mask), "<<" and ">>" (shifts) and "@" (move the
// base by the value computed so far and read the word at the next
// number), then compares the result with a list of values and ranges.
// Every test of "&&" must hold; the kernel gives up (no match) as soon as
// a read would go past the end of the packet.
//
// Masks and shifts of one word select some of its bits: they become a
// masked raw payload match ("@nh,OFFSET,32 & MASK" or, when the selected
// bits are contiguous, the bit field "@nh,OFFSET,LEN"). The field is only
// narrowed when that still needs the same last byte of the packet (or
// when the word lies inside the fixed IP header), because u32 fails when
// any of the 4 bytes is missing, and nft fails the same way only for the
// bytes it reads.
//
// "@" is translated in one case only: "0>>22&0x3C@" (in any spelling)
// computes the IPv4 header length, which is where nft's transport header
// base @th starts; nft cannot read @th in non-first fragments, where u32
// reads whatever follows the IP header, so the rule must already exclude
// those fragments (! -f, or a match like -m tcp/udp that never matches
// them). Other uses of "@" compute offsets nft cannot.
//
// "!" negates the whole match: a too-short packet then matches. That is
// only exact when the words lie inside the fixed IP header, and for a
// single test (nft rules cannot say "not (A and B)").

var extU32 = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "u32", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "u32", Type: iptparse.TypeString, Flags: mand | inv},
			},
			Check: func(x *iptparse.Ext) error {
				o := x.Opt("u32")
				if _, err := parseU32(o.Arg()); err != nil {
					return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: err.Error()}
				}
				return nil
			},
		},
		Translate: translateU32,
	},
}

func init() { registerAll(extU32) }

// u32 operators (XT_U32_*).
const (
	u32And = iota
	u32LeftSh
	u32RightSh
	u32At
)

type u32Loc struct {
	op  int // operator before the number (none for the first)
	num uint32
}

type u32Range struct{ min, max uint32 }

type u32Test struct {
	locs []u32Loc
	vals []u32Range
}

const u32MaxSize = 10 // XT_U32_MAXSIZE

// u32Strtoumax reads an unsigned number like C's strtoumax(s, &end, 0):
// leading white space, an optional '+', then 0x hex, 0 octal or decimal.
// It returns the value, the number of bytes used (0 if none) and whether
// it overflowed.
func u32Strtoumax(s string) (uint64, int, bool) {
	i := 0
	for i < len(s) && u32IsSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	base := uint64(10)
	start := i
	if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && u32HexDigit(s[i+2]) >= 0 {
		base, i = 16, i+2
		start = i
	} else if i < len(s) && s[i] == '0' {
		base = 8
	}
	var v uint64
	overflow := false
	for ; i < len(s); i++ {
		d := u32HexDigit(s[i])
		if d < 0 || uint64(d) >= base {
			break
		}
		hi, lo := bits.Mul64(v, base)
		sum, carry := bits.Add64(lo, uint64(d), 0)
		if hi != 0 || carry != 0 {
			overflow = true
		}
		v = sum
	}
	if i == start {
		return 0, 0, false
	}
	return v, i, overflow
}

func u32IsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func u32HexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// parseU32 parses a --u32 argument exactly like libxt_u32's u32_parse,
// with its error messages.
func parseU32(arg string) ([]u32Test, error) {
	var tests []u32Test
	cur := u32Test{}
	state := 0
	i := 0
	number := func() (uint32, error) {
		pos := i
		t := arg[i:]
		j := 0
		for j < len(t) && u32IsSpace(t[j]) {
			j++
		}
		v, n, overflow := u32Strtoumax(t)
		if n == 0 || (j < len(t) && t[j] == '-') || overflow || v > 0xffffffff {
			return 0, fmt.Errorf("u32: at char %d: not a number or out of range", pos)
		}
		i += n
		return uint32(v), nil
	}
	for {
		for i < len(arg) && u32IsSpace(arg[i]) {
			i++
		}
		if i >= len(arg) {
			if state == 0 {
				return nil, fmt.Errorf("u32: abrupt end of input after location specifier")
			}
			if len(cur.vals) == 0 {
				return nil, fmt.Errorf("u32: test ended with no value specified")
			}
			tests = append(tests, cur)
			if len(tests) > u32MaxSize {
				return nil, fmt.Errorf("u32: at char %d: too many \"&&\"s", i)
			}
			return tests, nil
		}
		if state == 0 {
			if arg[i] == '=' {
				if len(cur.locs) == 0 {
					return nil, fmt.Errorf("u32: at char %d: location spec missing", i)
				}
				i++
				state = 1
				continue
			}
			op := 0
			if len(cur.locs) != 0 {
				switch arg[i] {
				case '&':
					op = u32And
				case '<':
					i++
					if i >= len(arg) || arg[i] != '<' {
						return nil, fmt.Errorf("u32: at char %d: a second '<' was expected", i)
					}
					op = u32LeftSh
				case '>':
					i++
					if i >= len(arg) || arg[i] != '>' {
						return nil, fmt.Errorf("u32: at char %d: a second '>' was expected", i)
					}
					op = u32RightSh
				case '@':
					op = u32At
				default:
					return nil, fmt.Errorf("u32: at char %d: operator expected", i)
				}
				i++
			}
			n, err := number()
			if err != nil {
				return nil, err
			}
			cur.locs = append(cur.locs, u32Loc{op: op, num: n})
			if len(cur.locs) > u32MaxSize {
				return nil, fmt.Errorf("u32: at char %d: too many operators", i)
			}
			continue
		}
		if arg[i] == '&' {
			i++
			if i >= len(arg) || arg[i] != '&' {
				return nil, fmt.Errorf("u32: at char %d: a second '&' was expected", i)
			}
			if len(cur.vals) == 0 {
				return nil, fmt.Errorf("u32: at char %d: value spec missing", i)
			}
			tests = append(tests, cur)
			if len(tests) >= u32MaxSize+1 {
				return nil, fmt.Errorf("u32: at char %d: too many \"&&\"s", i)
			}
			cur = u32Test{}
			i++
			state = 0
			continue
		}
		if len(cur.vals) > 0 {
			if arg[i] != ',' {
				return nil, fmt.Errorf("u32: at char %d: expected \",\" or \"&&\"", i)
			}
			i++
		}
		lo, err := number()
		if err != nil {
			return nil, err
		}
		for i < len(arg) && u32IsSpace(arg[i]) {
			i++
		}
		hi := lo
		if i < len(arg) && arg[i] == ':' {
			i++
			if hi, err = number(); err != nil {
				return nil, err
			}
		}
		cur.vals = append(cur.vals, u32Range{lo, hi})
		if len(cur.vals) > u32MaxSize {
			return nil, fmt.Errorf("u32: at char %d: too many \",\"s", i)
		}
	}
}

// u32Word is what a run of "&", "<<" and ">>" does to a word: the value
// is (word & mask) shifted right by shift bits (left if negative).
type u32Word struct {
	pos   uint32
	mask  uint32 // bits of the word that reach the value
	shift int
}

// u32Segments splits a location at "@" and reduces each part to a
// u32Word. ok is false for shifts of 32 or more, whose result depends on
// the CPU.
func u32Segments(locs []u32Loc) ([]u32Word, bool) {
	var segs []u32Word
	var keep uint32 // bits of the value that come from the word
	var shift int
	flush := func(pos uint32) {
		var m uint32
		if shift >= 0 {
			m = keep << uint(shift)
		} else {
			m = keep >> uint(-shift)
		}
		if len(segs) > 0 {
			segs[len(segs)-1].mask, segs[len(segs)-1].shift = m, shift
		}
		segs = append(segs, u32Word{pos: pos})
		keep, shift = 0xffffffff, 0
	}
	for i, l := range locs {
		if i == 0 {
			flush(l.num)
			continue
		}
		switch l.op {
		case u32And:
			keep &= l.num
		case u32LeftSh:
			if l.num >= 32 {
				return nil, false
			}
			keep <<= l.num
			shift -= int(l.num)
		case u32RightSh:
			if l.num >= 32 {
				return nil, false
			}
			keep >>= l.num
			shift += int(l.num)
		case u32At:
			flush(l.num)
		}
	}
	flush(0)
	return segs[:len(segs)-1], true
}

// isIPv4HeaderLength reports whether a word computes the IPv4 header
// length in bytes: bits 24-27 of the first word (IHL), times 4.
func (w u32Word) isIPv4HeaderLength() bool {
	return w.pos == 0 && w.mask == 0x0f000000 && w.shift == 22
}

// excludesLaterFragments reports whether the rule never matches IPv4
// fragments other than the first, as "! -f" and the matches that read
// the transport header (they return false for such fragments).
func (c *Ctx) excludesLaterFragments() bool {
	if f := c.Rule.Frag; f != nil && f.Neg {
		return true
	}
	for _, m := range []string{"tcp", "udp", "udplite", "sctp", "dccp", "icmp", "esp", "ah", "ipcomp", "multiport"} {
		if c.HasMatch(m) {
			return true
		}
	}
	return false
}

func translateU32(c *Ctx, x *iptparse.Ext) error {
	o := x.Opt("u32")
	tests, err := parseU32(o.Arg())
	if err != nil {
		return c.Errorf(x, "%s", err)
	}
	neg := o.Neg
	if neg && len(tests) > 1 {
		return c.Untranslatable(x, "! --u32 with several tests is \"not (A and B ...)\", which one nft rule cannot express")
	}
	// The fixed part of the network header is always there.
	minHeader := uint64(20)
	if c.IsIPv6() {
		minHeader = 40
	}
	var stmts []ir.Stmt
	for _, t := range tests {
		segs, ok := u32Segments(t.locs)
		if !ok {
			return c.Untranslatable(x, "a shift by 32 bits or more has a CPU-dependent result")
		}
		base := "nh"
		switch len(segs) {
		case 1:
		case 2:
			if c.IsIPv6() || !segs[0].isIPv4HeaderLength() {
				return c.Untranslatable(x, "\"@\" moves to an offset computed from the packet; nft can only read from fixed offsets of the network or transport header (the IPv4 header length \"0>>22&0x3C@\" is the transport header, @th)")
			}
			if !c.excludesLaterFragments() {
				return c.Untranslatable(x, "\"0>>22&0x3C@\" reads after the IPv4 header also in non-first fragments, where nft's transport header (@th) cannot be read; add \"! -f\" (or a match like -m tcp) if such fragments need not match")
			}
			base = "th"
		default:
			return c.Untranslatable(x, "several \"@\" move to offsets computed from the packet; nft can only read from fixed offsets of the network or transport header")
		}
		w := segs[len(segs)-1]
		present := base == "nh" && uint64(w.pos)+4 <= minHeader
		if neg && !present {
			return c.Untranslatable(x, "! --u32 also matches packets too short to hold the word at offset %d; an nft payload match never matches them", w.pos)
		}
		st, err := u32Match(c, x, base, w, t.vals, neg, present)
		if err != nil {
			return err
		}
		if st != nil {
			stmts = append(stmts, st)
		}
	}
	c.Add(stmts...)
	return nil
}

// u32Match builds the match of one test reading word w at base.
func u32Match(c *Ctx, x *iptparse.Ext, base string, w u32Word, vals []u32Range, neg, present bool) (ir.Stmt, error) {
	if w.mask == 0 {
		return nil, c.Untranslatable(x, "the test masks out every bit of the word; it only checks that the packet is long enough")
	}
	// The value is v = (word & mask) >> shift (<< -shift): map each range
	// of v to a range of X = word & mask.
	var xr []u32Range
	for _, r := range vals {
		lo, hi := uint64(r.min), uint64(r.max)
		if w.shift >= 0 {
			limit := uint64(w.mask) >> uint(w.shift)
			if hi > limit {
				hi = limit
			}
			if lo > hi {
				continue
			}
			lo, hi = lo<<uint(w.shift), hi<<uint(w.shift)
		} else {
			t := uint(-w.shift)
			lo = (lo + (1 << t) - 1) >> t
			hi >>= t
			if lo > hi {
				continue
			}
		}
		xr = append(xr, u32Range{uint32(lo), uint32(hi)})
	}
	// The selected bits, lowest and highest.
	lobit := bits.TrailingZeros32(w.mask)
	hibit := 31 - bits.LeadingZeros32(w.mask)
	contiguous := bits.OnesCount32(w.mask) == hibit-lobit+1
	var left ir.Expr
	var shift int
	switch {
	case w.mask == 0xffffffff:
		left = &ir.RawPayload{Base: base, Offset: w.pos * 8, Len: 32}
	case contiguous && (present || lobit < 8):
		// Reading the bit field needs the same last byte as the word.
		left = &ir.RawPayload{Base: base, Offset: w.pos*8 + uint32(31-hibit), Len: uint32(hibit - lobit + 1)}
		shift = lobit
	default:
		left = &ir.Binary{Op: ir.OpAnd, Left: &ir.RawPayload{Base: base, Offset: w.pos * 8, Len: 32}, Right: ir.Hex(uint64(w.mask))}
	}
	var elems []ir.Expr
	for _, r := range xr {
		lo, hi := uint64(r.min), uint64(r.max)
		if shift > 0 {
			// Field values: ceil/floor of the word values.
			lo = (lo + (1 << uint(shift)) - 1) >> uint(shift)
			hi >>= uint(shift)
			if lo > hi {
				continue
			}
		}
		if lo == hi {
			elems = append(elems, ir.Hex(lo))
		} else {
			elems = append(elems, &ir.Range{Lo: ir.Hex(lo), Hi: ir.Hex(hi)})
		}
	}
	if len(elems) == 0 {
		if neg {
			// Never true, negated: always true (the word is present).
			return nil, nil
		}
		if w.mask == 0xffffffff {
			return nil, c.Untranslatable(x, "the test can never match (every range is empty)")
		}
		c.Warn(x.Pos, "this --u32 test can never match: no value of the list can come out of the mask")
		// Compare the masked word with a value it cannot have: the value
		// as written if it has bits outside the mask.
		left = &ir.Binary{Op: ir.OpAnd, Left: &ir.RawPayload{Base: base, Offset: w.pos * 8, Len: 32}, Right: ir.Hex(uint64(w.mask))}
		v := uint64(^w.mask)
		if w.shift == 0 && vals[0].min&^w.mask != 0 {
			v = uint64(vals[0].min)
		}
		return ir.Eq(left, ir.Hex(v)), nil
	}
	var right ir.Expr
	if len(elems) == 1 {
		right = elems[0]
	} else {
		right = &ir.SetLit{Elems: elems}
	}
	return ir.EqOrNe(left, neg, right), nil
}
