package iptparse

import (
	"math/bits"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/ipt2nft/ipt2nft/internal/strword"
)

// SplitLine splits one line into words the way iptables-restore and a shell
// would (google/shlex does the splitting and unquoting), and records the
// column where each word starts. A '#' that begins a word starts a comment:
// the rest of the line is dropped and trailingComment reports it.
func SplitLine(line string, file string, lineNo int) (words []Word, trailingComment bool, err error) {
	if words, comment, ok := splitFast(nil, line, 0, file, lineNo); ok {
		return words, comment, nil
	}
	return splitLine(line, file, lineNo)
}

// splitLine is SplitLine for every line.
func splitLine(line string, file string, lineNo int) (words []Word, trailingComment bool, err error) {
	if !strings.ContainsAny(line, "\"'\\#") {
		// No quoting, escapes or comments: shlex would split on blanks
		// alone, which is much cheaper to do directly.
		return splitBlanks(line, file, lineNo), false, nil
	}
	texts, err := shellWords(line)
	if err != nil {
		return nil, false, &Error{Pos: MakePos(file, lineNo, 1), Msg: "cannot split line into words: " + err.Error()}
	}
	starts, comment := wordStarts(line)
	words = make([]Word, len(texts))
	for i, t := range texts {
		col := 1
		if len(starts) == len(texts) {
			col = starts[i] + 1
		}
		words[i] = Word{Text: t, Pos: MakePos(file, lineNo, col)}
	}
	return words, comment, nil
}

// splitFast splits line from byte from on, as SplitLine would split the
// line with the bytes before from blanked out, taking the words from a.
// It handles the lines of plain ASCII without backslashes or newlines,
// whose words are made of bare and quoted parts; it reports !ok for any
// other line (and for unterminated quotes), which splitLine then splits.
// The line is read once: the words go straight into a's free words, of
// which it then takes as many as there are. It sets a.parted for a word
// not made of one bare part of characters Quote leaves bare, or of a
// line it leaves to splitLine: without one, Command.lineText need not
// look at the words' characters, nor the parser for spaces in them.
func splitFast(a *arena, line string, from int, file string, lineNo int) (words []Word, comment bool, ok bool) {
	words = a.freeWords()
	room := cap(words)
	line32 := clampPos(lineNo)
	// Nearly every byte of a save file is one Quote leaves bare or a
	// space: splitSpaced takes the words of such bytes, and the loop
	// below reads the rest, from the start of the word where it stops,
	// and hands back to splitSpaced after a word of several parts
	// ("--comment "a b" -m tcp --dport 80 -j X") if enough bytes are
	// left to pay for the call.
	i := from
words:
	for {
		words, i = splitSpaced(words, line, i, file, line32)
		for {
			for i < len(line) && lexClass[line[i]] == lexBlank {
				i++
			}
			if i == len(line) {
				break words
			}
			if line[i] == '#' {
				// the rest is a comment, where splitLine takes anything
				comment = true
				break words
			}
			// Most words are one bare part, which ends at a blank or at
			// the end of the line: that part is the word.
			start := i
			for i < len(line) && lexClass[line[i]] == lexPlain {
				i++
			}
			text := line[start:i]
			parts := false
			if i < len(line) && lexClass[line[i]] != lexBlank {
				if text, i, ok = wordParts(line, start, i); !ok {
					if a != nil {
						a.parted = true // for the words splitLine gives
					}
					return nil, false, false
				}
				if a != nil {
					a.parted = true
				}
				parts = true
			}
			// Set every field of the slot (not zeroed, see freeWords)
			// one by one: cheaper than appending a Word while the
			// collector runs.
			if len(words) == cap(words) {
				words = append(words, Word{})
			} else {
				words = words[:len(words)+1]
			}
			wd := &words[len(words)-1]
			wd.Text, wd.Pos.File, wd.Pos.Line, wd.Pos.Col = text, file, line32, clampPos(start+1)
			if parts && len(line)-i >= 24 {
				continue words
			}
		}
	}
	if words == nil {
		words = []Word{} // as splitLine has it
	} else if cap(words) == room {
		a.takeWords(len(words))
	}
	return words[:len(words):len(words)], comment, true
}

// splitSpaced is splitFast's start: it appends to words those of line,
// from byte from on, made of bytes Quote leaves bare and ending at a
// space or at the end of the line, eight bytes at a time while they are
// all such bytes or spaces (the last eight of the line for its last
// bytes), and returns where it stopped: where splitFast reads on. It
// takes at most the free room of words, and none of a line that could
// have more.
func splitSpaced(words []Word, line string, from int, file string, line32 int32) ([]Word, int) {
	n, start := len(words), from
	// one word in two bytes at most (and no column to clamp)
	if len(line)-from > 2*(cap(words)-n) || len(line) >= maxPos {
		return words, start
	}
	ws := words[:cap(words)]
	i := from
	for haveMasks && len(line)-i >= 16 {
		// sixty-four bytes at a time, told apart by masks64, up to the
		// first that is neither a space nor bare
		spaces, bad := masks64(line[i:])
		k := min(len(line)-i, 64)
		if bad != 0 {
			k = bits.TrailingZeros64(bad)
			spaces &^= ^uint64(0) << k
		}
		for ; spaces != 0; spaces &= spaces - 1 {
			end := i + bits.TrailingZeros64(spaces)
			if end > start {
				putWord(ws, n, line, start, end, file, line32)
				n++
			}
			start = end + 1
		}
		if bad != 0 {
			return ws[:n], start
		}
		i += k
	}
	for ; len(line)-i >= 8; i += 8 {
		s := line[i : i+8]
		if notSpacedPlain[s[0]]|notSpacedPlain[s[1]]|notSpacedPlain[s[2]]|notSpacedPlain[s[3]]|
			notSpacedPlain[s[4]]|notSpacedPlain[s[5]]|notSpacedPlain[s[6]]|notSpacedPlain[s[7]] != 0 {
			return ws[:n], start
		}
		// x has a zero byte for each space; its bytes are ASCII, so
		// adding 0x7f to one sets its top bit unless it is zero, and
		// carries into none of the others.
		x := strword.Load64(s) ^ (' ' * ones)
		for m := ^((x + 0x7f*ones) | x) & (0x80 * ones); m != 0; m &= m - 1 {
			end := i + bits.TrailingZeros64(m)>>3
			if end > start {
				putWord(ws, n, line, start, end, file, line32)
				n++
			}
			start = end + 1
		}
	}
	if i < len(line) {
		// the bytes from i on, the last eight of the line but those
		// before i (read above), as the loop reads eight
		j := len(line) - 8
		if j < from {
			return ws[:n], start
		}
		s := line[j:]
		if notSpacedPlain[s[0]]|notSpacedPlain[s[1]]|notSpacedPlain[s[2]]|notSpacedPlain[s[3]]|
			notSpacedPlain[s[4]]|notSpacedPlain[s[5]]|notSpacedPlain[s[6]]|notSpacedPlain[s[7]] != 0 {
			return ws[:n], start
		}
		x := strword.Load64(s) ^ (' ' * ones)
		for m := ^((x + 0x7f*ones) | x) & (0x80 * ones) &^ (1<<(8*(i-j)) - 1); m != 0; m &= m - 1 {
			end := j + bits.TrailingZeros64(m)>>3
			if end > start {
				putWord(ws, n, line, start, end, file, line32)
				n++
			}
			start = end + 1
		}
	}
	if start < len(line) {
		// the last word, which ends the line
		putWord(ws, n, line, start, len(line), file, line32)
		n++
	}
	return ws[:n], len(line)
}

// putWord sets ws[n] to the word line[start:end], start < end, at
// column start+1, for splitSpaced, without the bounds checks: splitSpaced
// has made sure that ws has room for a word in two bytes of the line, and
// its words end before their space, after their start. The checks and the
// slice's masking were 9 of the mask loop's 37 instructions a word. Every
// field is set, one by one (see splitFast).
func putWord(ws []Word, n int, line string, start, end int, file string, line32 int32) {
	wd := (*Word)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(ws)), uintptr(n)*unsafe.Sizeof(Word{})))
	text := (*stringHeader)(unsafe.Pointer(&wd.Text))
	text.data, text.len = unsafe.Add(unsafe.Pointer(unsafe.StringData(line)), start), end-start
	wd.Pos.File, wd.Pos.Line, wd.Pos.Col = file, line32, int32(start+1)
}

// stringHeader is a string's layout: its bytes and its length.
type stringHeader struct {
	data unsafe.Pointer
	len  int
}

// ones has a 1 in each byte.
const ones = 0x0101010101010101

// notSpacedPlain is 1 for a byte that is neither a space nor one Quote
// leaves bare.
var notSpacedPlain = func() (t [256]uint8) {
	for c := range t {
		if lexClass[c] != lexPlain && c != ' ' {
			t[c] = 1
		}
	}
	return t
}()

// wordParts reads, for splitFast, a word of bare and quoted parts that
// starts at start and whose first bare part (maybe empty) ends at i,
// before a quote or a byte splitFast leaves to splitLine. It returns the
// word's text and end, or !ok for a byte left to splitLine or an
// unterminated quote. A word of one part is that part of the line; the
// parts of a longer one are joined in a new string.
func wordParts(line string, start, i int) (text string, end int, ok bool) {
	var (
		buf   []byte // the text of a word of several parts
		parts int
	)
	if i > start {
		text, parts = line[start:i], 1
	}
	for i < len(line) {
		var part string
		switch q := line[i]; lexClass[q] {
		case lexBlank:
			goto word
		case lexOther:
			return "", 0, false
		case lexQuote:
			j := quoteEnd(line, i+1, q)
			if j == len(line) || line[j] != q {
				return "", 0, false // unterminated, or not plain
			}
			part = line[i+1 : j]
			i = j + 1
		default:
			j := i
			for i < len(line) && lexClass[line[i]] <= lexUnsafe {
				i++
			}
			part = line[j:i]
		}
		switch parts++; parts {
		case 1:
			text = part
		case 2:
			buf = append(append(buf, text...), part...)
		default:
			buf = append(buf, part...)
		}
	}
word:
	if parts > 1 {
		text = string(buf)
	}
	return text, i, true
}

// quoteEnd is where the quoted part of wordParts that starts at j ends:
// at the first byte from j on that is the quote q or one splitFast
// leaves to splitLine (lexOther), or at the end of the line. Eight bytes
// at a time: the byte loop, which reads what is left, took some nine
// instructions a byte (a comment's quoted words were 0.7 % of exact
// mode's instructions on the dispatch dump).
func quoteEnd(line string, j int, q byte) int {
	for ; len(line)-j >= 8; j += 8 {
		w := strword.Load64(line[j:])
		// the top bit of each byte beyond ASCII, and of the lowest of
		// each of the others it looks for
		m := w&(0x80*ones) | zeroBytes(w^(uint64(q)*ones)) | zeroBytes(w^('\\'*ones)) | zeroBytes(w^('\n'*ones))
		if m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	for j < len(line) && line[j] != q && lexClass[line[j]] != lexOther {
		j++
	}
	return j
}

// zeroBytes has the top bit set of the lowest zero byte of x, if any
// (and maybe of bytes above it, where the subtraction borrows).
func zeroBytes(x uint64) uint64 {
	return (x - ones) &^ x & (0x80 * ones)
}

// The classes of bytes for splitFast.
const (
	lexPlain  = iota // a byte Quote leaves bare
	lexUnsafe        // any other byte of a bare part
	lexBlank
	lexQuote
	lexOther // what splitFast leaves to splitLine
)

var lexClass = func() (t [256]uint8) {
	for c := range t {
		if !safeBytes[c] {
			t[c] = lexUnsafe
		}
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = lexOther
	}
	t['\\'], t['\n'] = lexOther, lexOther
	t[' '], t['\t'], t['\r'] = lexBlank, lexBlank, lexBlank
	t['"'], t['\''] = lexQuote, lexQuote
	return t
}()

func splitBlanks(line, file string, lineNo int) []Word {
	n := 0
	for i := 0; i < len(line); i++ {
		if !isBlank(line[i]) && (i == 0 || isBlank(line[i-1])) {
			n++
		}
	}
	words := make([]Word, 0, n)
	i := 0
	for i < len(line) {
		for i < len(line) && isBlank(line[i]) {
			i++
		}
		start := i
		for i < len(line) && !isBlank(line[i]) {
			i++
		}
		if i > start {
			words = append(words, Word{Text: line[start:i], Pos: MakePos(file, lineNo, start+1)})
		}
	}
	return words
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// wordStarts finds the byte offset where each word starts. It follows the
// same boundaries as shlex: unquoted blanks separate words, single quotes
// quote everything, double quotes allow backslash escapes, and a word that
// starts with '#' begins a comment.
func wordStarts(line string) (starts []int, comment bool) {
	const blanks = " \t\r\n"
	i := 0
	for i < len(line) {
		for i < len(line) && strings.IndexByte(blanks, line[i]) >= 0 {
			i++
		}
		if i >= len(line) {
			break
		}
		if line[i] == '#' {
			return starts, true
		}
		starts = append(starts, i)
		for i < len(line) && strings.IndexByte(blanks, line[i]) < 0 {
			switch line[i] {
			case '\\':
				i += 2
			case '\'':
				i++
				for i < len(line) && line[i] != '\'' {
					i++
				}
				i++
			case '"':
				i++
				for i < len(line) && line[i] != '"' {
					if line[i] == '\\' {
						i++
					}
					i++
				}
				i++
			default:
				i++
			}
		}
	}
	return starts, false
}

// WordsFromArgs wraps already split arguments (os.Args) as words. Columns
// count from 1 across the arguments joined by single spaces.
func WordsFromArgs(args []string, file string) []Word {
	words := make([]Word, len(args))
	col := 1
	for i, a := range args {
		words[i] = Word{Text: a, Pos: MakePos(file, 1, col)}
		col += len(a) + 1
	}
	return words
}
