package iptparse

import (
	"math/bits"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/ipt2nft/ipt2nft/internal/strword"
	"github.com/ipt2nft/ipt2nft/internal/textio"
)

// Counting family hints. DetectFamily counts the non-overlapping matches
// of v6Hints and v4Hints, as len(re.FindAllStringIndex(src, -1)) would.
// Running those regular expressions over a dump of 100,000 rules takes
// longer than parsing it, so the matches are found by the hand-written
// matchers below instead; the expressions remain the specification (in
// hints_test.go, so that no run compiles them), and
// TestHintMatchers and FuzzHintCount check that both count the same.

// hintCount counts the leftmost-first, non-overlapping matches of a hint
// matcher: at returns the end of the match starting at p, or -1.
func hintCount(src string, at func(s string, p int) int) int {
	n := 0
	for p := 0; p < len(src); p++ {
		if !hintStart[src[p]] {
			continue
		}
		if e := at(src, p); e >= 0 {
			n++
			p = e - 1 // every hint is at least one byte long
		}
	}
	return n
}

// hintCounts is (hintCount(src, v6HintAt), hintCount(src, v4HintAt)) in
// one pass, calling the matchers only where hintCandidate says a hint can
// start.
func hintCounts(src string) (n6, n4 int) {
	n6, n4, _, _ = hintCountsIn(src, 0, len(src), 0, 0)
	return n6, n4
}

// hintCountsIn is hintCounts for the matches that start from from to to,
// with the next matches allowed to start at next6 and next4 (a match
// before from may end after it). It also returns where the next matches
// may start after to.
//
// Every hint starts with "i" or at a '-' or just before one, so only
// those places are looked at: strings.IndexByte finds them many bytes
// at a time, where a loop over every byte was most of the time taken.
func hintCountsIn(src string, from, to, next6, next4 int) (n6, n4, end6, end4 int) {
	end := min(to, len(src)-2) // a candidate is at least 3 bytes long
	dash, ii := -1, -1         // the next '-' and 'i' at or after p, once found
	for p := from; p < end; {
		if dash < p {
			dash = indexByteFrom(src, p, end+1, '-')
		}
		if ii < p {
			ii = indexByteFrom(src, p, end, 'i')
		}
		// the first place a hint can start: just before the next '-'
		// (the blank of " -s"), at it ("-m"), or at the next 'i'; the
		// place just before a '-' at p was looked at already
		c := dash
		if dash > p {
			c = dash - 1
		}
		c = min(c, ii)
		if c >= end {
			break
		}
		p = c + 1
		if !hintCandidate(src, c) {
			continue
		}
		if b := src[c]; b == 'i' || b == '-' {
			if c >= next6 {
				if e := v6HintAt(src, c); e >= 0 {
					n6, next6 = n6+1, e
				}
			}
			if c >= next4 {
				if e := v4HintAt(src, c); e >= 0 {
					n4, next4 = n4+1, e
				}
			}
			continue
		}
		// A blank before a '-' (hintCandidate): both families' matchers
		// would look for the same address option first; it is found once.
		i := addrOption(src, c)
		if c >= next6 {
			e := -1
			if i >= 0 {
				e = v6AddrEnd(src, i)
			} else {
				e = v6BlankOption(src, c)
			}
			if e >= 0 {
				n6, next6 = n6+1, e
			}
		}
		if c >= next4 {
			e := -1
			if i >= 0 {
				e = v4AddrEnd(src, i)
			} else {
				e = v4BlankOption(src, c)
			}
			if e >= 0 {
				n4, next4 = n4+1, e
			}
		}
	}
	return n6, n4, next6, next4
}

// v6HintCount is hintCount(src, v6HintAt) if no byte before from tells
// a hint (v6HintsIn(src, 0, from) finds none): the hints told by the
// bytes after it, found on parts pieces at once, and counted as
// hintCount counts them: in order, none starting inside the one before.
func v6HintCount(src string, from, parts int) int {
	var found []hintMatch
	if parts <= 1 {
		found = v6HintsIn(src, from, len(src))
	} else {
		pieces := make([][]hintMatch, parts)
		bound := func(i int) int { return from + (len(src)-from)*i/parts }
		var wg sync.WaitGroup
		for i := range pieces {
			wg.Go(func() {
				defer textio.Guard() // src may be mapped: see parseChunks
				for lo, hi, _ := bound(i), bound(i+1), debug.SetPanicOnFault(true); lo < hi; lo += hintBlock {
					pieces[i] = append(pieces[i], v6HintsIn(src, lo, min(lo+hintBlock, hi))...)
				}
			})
		}
		wg.Wait()
		found = slices.Concat(pieces...)
	}
	slices.SortFunc(found, func(a, b hintMatch) int { return a.start - b.start })
	n, next := 0, 0
	for _, m := range found {
		if m.start >= next {
			n, next = n+1, m.end
		}
	}
	return n
}

// hintBlock is how much of its part v6HintCount gives v6HintsIn at a
// time. v6HintsIn looks through its bytes three times (for '-', 'i' and
// ':'): on a block at a time, while it is in the cache, it reads a big
// text from memory once. A variable for tests.
var hintBlock = 256 << 10

// v6HintsIn returns the IPv6 hints (v6HintAt's matches, overlapping ones
// included) told by a byte from from to to. Each hint is told by one
// byte: an "-m", "-p" or "-j" by its '-' ("-p" and "-j" start at the
// blank before it), "ip6tables" and "icmp6-" by their 'i', and
// "--icmpv6-type" by its 'i' too (the rare "ic" after "--", rather than
// the many "--" of long options). Address hints are found from their ':'
// instead of from each address option: none of the addresses of an IPv4
// dump has one. The few 'i' and ':' are found by strings.IndexByte, many
// bytes at a time; the many '-' (several a line) sixteen bytes at a
// time, by dashBytes, which costs less than a call of strings.IndexByte
// for each. Most '-' are then told from the byte after them and the two
// after a blank by a look in tables (v6OptionWords, keywords), with no
// call: a call spills what the loop keeps in registers.
func v6HintsIn(src string, from, to int) []hintMatch {
	var found []hintMatch
	at := func(p int) {
		if e := v6HintAt(src, p); e >= 0 {
			found = append(found, hintMatch{p, e})
		}
	}
	// a hint has three bytes or more: none starts in the last two
	end := min(to, len(src)-2)
	w := from
	// sixty-four places at a time, where dashOptions finds the "-m",
	// "-p" and "-j" before a blank, told by the look in the tables below
	for ; simdHints && w < end && len(src)-w >= 18; w += 64 {
		for m := dashOptions(src[w:]); m != 0; m &= m - 1 {
			p := w + bits.TrailingZeros64(m)
			if p >= end {
				break
			}
			k := v6OptionWords[src[p+1]]
			if p+4 < len(src) {
				if c := src[p+3]; !isRegexpSpace(c) && k.first[c]&k.second[src[p+4]] == 0 {
					continue
				}
			}
			v6ShortOption(src, p, at)
		}
	}
	// sixteen bytes at a time: the marks of the first eight in the top
	// bit of each byte of m, those of the next eight a bit lower
	for ; w < end; w += 16 {
		var m uint64
		if w+16 <= len(src) {
			s := src[w : w+16]
			m = dashBytes(strword.Load64(s)) | dashBytes(strword.Load64(s[8:]))>>1
		} else {
			m = dashBytes(lastWord(src, w)) | dashBytes(lastWord(src, w+8))>>1
		}
		for ; m != 0; m &= m - 1 {
			b := bits.TrailingZeros64(m)
			p := w + b>>3 + (^b&1)<<3
			if p >= end {
				continue
			}
			// Most are told here, without a call: the options that
			// are not "-m", "-p" or "-j", and those whose word after
			// one blank starts with two bytes no keyword of theirs
			// starts with.
			k := v6OptionWords[src[p+1]]
			if k == nil || src[p] != '-' {
				continue
			}
			if p+4 < len(src) {
				if c := src[p+3]; !isRegexpSpace(c) && k.first[c]&k.second[src[p+4]] == 0 {
					continue
				}
			}
			v6ShortOption(src, p, at)
		}
	}
	for p := from; ; p++ {
		if p = indexByteFrom(src, p, end, 'i'); p >= end {
			break
		}
		switch src[p+1] {
		case 'c':
			if p >= 2 && src[p-1] == '-' && src[p-2] == '-' {
				at(p - 2) // --icmpv6-type
			}
			at(p)
		case 'p':
			at(p)
		}
	}
	for p := from; ; p++ {
		if p = indexByteFrom(src, p, to, ':'); p >= to {
			break
		}
		// Most ':' (of counters, of ports) are told here, from the
		// byte before their hex digits, without a call:
		// addrOptionsBefore needs a blank or a '!' there.
		k := p - 1
		for k >= 0 && isHexByte(src[k]) {
			k--
		}
		if k >= 0 && (isRegexpSpace(src[k]) || src[k] == '!') {
			addrOptionsBefore(src, p, at)
		}
	}
	return found
}

// dashBytes has the top bit set in each byte of x that is a '-', and
// maybe in a byte just above one.
func dashBytes(x uint64) uint64 {
	// y's zero bytes are x's '-'; less one, they have the top bit set,
	// which y has not (a byte borrowed from may be marked too)
	const tops = 0x8080808080808080
	y := x ^ '-'*ones
	return (y - ones) &^ y & tops
}

// lastWord is the bytes of src from w, at most eight, as the low
// bytes of a word (the bytes after them 0).
func lastWord(src string, w int) uint64 {
	var x uint64
	for i := min(len(src), w+8) - 1; i >= w; i-- {
		x = x<<8 | uint64(src[i])
	}
	return x
}

// v6OptionWords is the keywords of the IPv6 hints of an option "-c" by
// its letter c.
var v6OptionWords = [256]*keywords{'m': v6MatchWords, 'p': v6ProtoWords, 'j': v6TargetWords}

// v6ShortOption calls at where the IPv6 hint an "-m", "-p" or "-j" at
// p, p+2 < len(src), tells starts, if it tells one.
func v6ShortOption(src string, p int, at func(int)) {
	if src[p] != '-' {
		return
	}
	switch src[p+1] {
	case 'm':
		if keywordMayFollow(src, p+2, v6MatchWords) && keywordAfterSpaces(src, p+2, v6MatchWords) >= 0 {
			at(p)
		}
	case 'p':
		if p > 0 && isRegexpSpace(src[p-1]) && keywordMayFollow(src, p+2, v6ProtoWords) &&
			keywordAfterSpaces(src, p+2, v6ProtoWords) >= 0 {
			at(p - 1)
		}
	case 'j':
		if p > 0 && isRegexpSpace(src[p-1]) && keywordMayFollow(src, p+2, v6TargetWords) &&
			keywordAfterSpaces(src, p+2, v6TargetWords) >= 0 {
			at(p - 1)
		}
	}
}

// keywordMayFollow tells whether keywordAfterSpaces(s, i, k) may match:
// whether the first two bytes of one of k's words follow blanks at i.
func keywordMayFollow(s string, i int, k *keywords) bool {
	j := spaces(s, i)
	return j > i && j+1 < len(s) && k.first[s[j]]&k.second[s[j+1]] != 0
}

// hintMatch is where a hint starts and ends.
type hintMatch struct{ start, end int }

// addrOptionsBefore calls at with where the address hint
// \s(-s|-d|--source|--destination|--src|--dst)\s+!?\s*[0-9a-fA-F]*:
// would start if it ended with the ':' at q, if it can.
func addrOptionsBefore(s string, q int, at func(int)) {
	k := q - 1
	for k >= 0 && isHexByte(s[k]) {
		k--
	}
	j := k
	for j >= 0 && isRegexpSpace(s[j]) {
		j--
	}
	switch {
	case j >= 0 && s[j] == '!':
		j--
		m := j
		for j >= 0 && isRegexpSpace(s[j]) {
			j--
		}
		if j == m {
			return
		}
	case j == k:
		return
	}
	// the option ends at j, with its last letter
	if j < 1 {
		return
	}
	switch s[j] {
	case 's', 'd', 'e', 'n', 'c', 't':
	default:
		return
	}
	for _, o := range []string{"-s", "-d", "--source", "--destination", "--src", "--dst"} {
		if p := j - len(o); p >= 0 && s[p+1:j+1] == o && isRegexpSpace(s[p]) {
			at(p)
		}
	}
}

// hintWindow is how many bytes v4HintsReach counts in at a time; a
// variable for tests.
var hintWindow = 4096

// v4HintsReach reports whether src has at least n IPv4 hints
// (hintCount(src, v4HintAt) >= n) in the matches starting in its first
// limit bytes.
func v4HintsReach(src string, n, limit int) bool {
	if n <= 0 {
		return true
	}
	n4, next4 := 0, 0
	for from := 0; from < min(limit, len(src)); from += hintWindow {
		// next6 past the end: the IPv6 hints are not looked for.
		var k int
		_, k, _, next4 = hintCountsIn(src, from, min(from+hintWindow, len(src)), len(src), next4)
		if n4 += k; n4 >= n {
			return true
		}
	}
	return false
}

// indexByteFrom returns the index of the first b in src[from:to], or to
// if there is none.
func indexByteFrom(src string, from, to int, b byte) int {
	if from >= to {
		return to
	}
	if i := strings.IndexByte(src[from:to], b); i >= 0 {
		return from + i
	}
	return to
}

// hintCandidate tells whether a hint can start at p, p+2 < len(src),
// from the bytes every hint starts with: "ip" or "ic"; "-m" or "-j" and
// a blank, "--i" or "--r"; a blank before "-s", "-d", "-p" or "-j" and a
// blank, or before "--s" or "--d".
func hintCandidate(src string, p int) bool {
	c, d, e := src[p], src[p+1], src[p+2]
	switch {
	case c == 'i':
		return d == 'p' || d == 'c'
	case c == '-':
		return (d == 'm' || d == 'j') && isRegexpSpace(e) || d == '-' && (e == 'i' || e == 'r')
	case d != '-' || !isRegexpSpace(c) || p+3 >= len(src):
		return false
	}
	switch f := src[p+3]; e {
	case 's', 'd', 'p', 'j':
		return isRegexpSpace(f)
	case '-':
		return f == 's' || f == 'd'
	}
	return false
}

// hintCountsParallel is hintCounts on parts pieces of src at once. Each
// piece is counted as if no match ran into it from the piece before; in
// the rare case one does, the piece is counted again from where that
// match ends.
func hintCountsParallel(src string, parts int) (n6, n4 int) {
	type count struct{ n6, n4, end6, end4 int }
	counts := make([]count, parts)
	bound := func(i int) int { return len(src) * i / parts }
	var wg sync.WaitGroup
	for i := range counts {
		wg.Go(func() {
			debug.SetPanicOnFault(true) // src may be mapped: see parseChunks
			defer textio.Guard()
			c := &counts[i]
			c.n6, c.n4, c.end6, c.end4 = hintCountsIn(src, bound(i), bound(i+1), bound(i), bound(i))
		})
	}
	wg.Wait()
	next6, next4 := 0, 0
	for i, c := range counts {
		if from := bound(i); next6 > from || next4 > from {
			c.n6, c.n4, c.end6, c.end4 = hintCountsIn(src, from, bound(i+1), next6, next4)
		}
		n6, n4, next6, next4 = n6+c.n6, n4+c.n4, c.end6, c.end4
	}
	return n6, n4
}

// hintStart marks the bytes a hint can start with: 'i' (ip6tables,
// icmp...), '-' (options) and blanks (\s before an option).
var hintStart = func() (t [256]bool) {
	for _, c := range []byte("i-\t\n\f\r ") {
		t[c] = true
	}
	return t
}()

// isRegexpSpace is the \s class of Go's regexp: [\t\n\f\r ]. One
// test of a bit, rather than five comparisons for each byte that is not
// a blank.
func isRegexpSpace(c byte) bool {
	const blanks uint64 = 1<<' ' | 1<<'\t' | 1<<'\n' | 1<<'\f' | 1<<'\r'
	return c <= ' ' && blanks>>c&1 != 0
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isHexByte(c byte) bool {
	// c|0x20 is the lower case of a letter
	return c-'0' < 10 || c|0x20-'a' < 6
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// wordEnd tells whether \b holds at i after a word byte.
func wordEnd(s string, i int) bool { return i == len(s) || !isWordByte(s[i]) }

// spaces returns the end of the run of \s bytes starting at i.
func spaces(s string, i int) int {
	for i < len(s) && isRegexpSpace(s[i]) {
		i++
	}
	return i
}

// firstPrefix returns the end of the first of words that s has at i, or -1.
func firstPrefix(s string, i int, words ...string) int {
	for _, w := range words {
		// the last byte first: most tries fail there, without a call
		if e := i + len(w); e <= len(s) && s[e-1] == w[len(w)-1] && s[i:e] == w {
			return e
		}
	}
	return -1
}

// keywords is a list of words for keywordAfterSpaces, with their first
// two bytes: bit i of first[c] is set if words[i] starts with c, of
// second[c] if c is its second byte. Most words after an option begin
// with a byte of no keyword; most of the others ("-j DROP" for "DNPT",
// "-m multiport" for "mh") are told by their second (keywordMayFollow).
type keywords struct {
	first, second [256]uint16
	words         []string
}

// The words the hints look for after an option, with their first and
// second bytes: all laid out by the compiler. Filled in by an init
// function (index, in the tests, which check these), they were written
// into three pages of the binary's data at every start, a copy-on-write
// page fault each (some 20 µs each on the PVM host), and took a page of
// code; built by a function, six allocations.
var (
	v6MatchWords = &keywords{
		words:  []string{"icmp6", "hl", "rt", "frag", "hbh", "dst", "mh", "ipv6header", "eui64", "ah6"},
		first:  [256]uint16{'a': 1 << 9, 'd': 1 << 5, 'e': 1 << 8, 'f': 1 << 3, 'h': 1<<1 | 1<<4, 'i': 1<<0 | 1<<7, 'm': 1 << 6, 'r': 1 << 2},
		second: [256]uint16{'b': 1 << 4, 'c': 1 << 0, 'h': 1<<6 | 1<<9, 'l': 1 << 1, 'p': 1 << 7, 'r': 1 << 3, 's': 1 << 5, 't': 1 << 2, 'u': 1 << 8},
	}
	v6ProtoWords = &keywords{
		words:  []string{"ipv6-icmp", "icmpv6", "58"},
		first:  [256]uint16{'5': 1 << 2, 'i': 1<<0 | 1<<1},
		second: [256]uint16{'8': 1 << 2, 'c': 1 << 1, 'p': 1 << 0},
	}
	v6TargetWords = &keywords{
		words:  []string{"HL", "DNPT", "SNPT"},
		first:  [256]uint16{'D': 1 << 1, 'H': 1 << 0, 'S': 1 << 2},
		second: [256]uint16{'L': 1 << 0, 'N': 1<<1 | 1<<2},
	}
	v4TargetWords = &keywords{
		words:  []string{"TTL", "ECN", "CLUSTERIP", "ULOG"},
		first:  [256]uint16{'C': 1 << 2, 'E': 1 << 1, 'T': 1 << 0, 'U': 1 << 3},
		second: [256]uint16{'C': 1 << 1, 'L': 1<<2 | 1<<3, 'T': 1 << 0},
	}
	v4MatchWords = &keywords{
		words:  []string{"ttl", "realm"},
		first:  [256]uint16{'r': 1 << 1, 't': 1 << 0},
		second: [256]uint16{'e': 1 << 1, 't': 1 << 0},
	}
	v4ProtoWords = &keywords{
		words:  []string{"icmp"},
		first:  [256]uint16{'i': 1 << 0},
		second: [256]uint16{'c': 1 << 0},
	}
)

// keywordAfterSpaces matches (w1|w2|...)\b after \s+ at i, the first
// alternative that matches winning. A word no keyword starts with (most
// of them: "-m tcp", "-j ACCEPT") is told by its first byte, and only
// the keywords that start with it are compared with the others.
func keywordAfterSpaces(s string, i int, k *keywords) int {
	j := spaces(s, i)
	if j == i || j == len(s) {
		return -1
	}
	for ws := k.first[s[j]]; ws != 0; ws &= ws - 1 {
		w := k.words[bits.TrailingZeros16(ws)]
		if e := j + len(w); e <= len(s) && s[j:e] == w && wordEnd(s, e) {
			return e
		}
	}
	return -1
}

// addrOption matches \s(-s|-d|--source|--destination|--src|--dst)\s+!?\s*
// at p and returns where the address starts, or -1.
func addrOption(s string, p int) int {
	if !isRegexpSpace(s[p]) || p+2 >= len(s) || s[p+1] != '-' {
		return -1
	}
	// the first of "-s", "-d", "--source", "--destination", "--src",
	// "--dst" at p+1
	i := -1
	switch s[p+2] {
	case 's', 'd':
		i = p + 3
	case '-':
		i = firstPrefix(s, p+1, "--source", "--destination", "--src", "--dst")
	}
	if i < 0 {
		return -1
	}
	j := spaces(s, i)
	if j == i {
		return -1
	}
	if j < len(s) && s[j] == '!' {
		j++
	}
	return spaces(s, j)
}

// v6HintAt matches v6Hints at p:
//
//	ip6tables
//	\s(-s|-d|--source|--destination|--src|--dst)\s+!?\s*[0-9a-fA-F]*:[0-9a-fA-F:.]*(/\d+)?(\s|$)
//	\s-p\s+(ipv6-icmp|icmpv6|58)\b
//	--icmpv6-type
//	-m\s+(icmp6|hl|rt|frag|hbh|dst|mh|ipv6header|eui64|ah6)\b
//	icmp6-
//	\s-j\s+(HL|DNPT|SNPT)\b
func v6HintAt(s string, p int) int {
	switch c := s[p]; {
	case c == 'i':
		return firstPrefix(s, p, "ip6tables", "icmp6-")
	case c == '-':
		if e := firstPrefix(s, p, "--icmpv6-type"); e >= 0 {
			return e
		}
		if strings.HasPrefix(s[p:], "-m") {
			return keywordAfterSpaces(s, p+2, v6MatchWords)
		}
		return -1
	case !isRegexpSpace(c) || p+1 == len(s) || s[p+1] != '-':
		return -1
	}
	if i := addrOption(s, p); i >= 0 {
		return v6AddrEnd(s, i)
	}
	return v6BlankOption(s, p)
}

// v6AddrEnd matches the address of v6Hints'
// \s(-s|-d|...)\s+!?\s*[0-9a-fA-F]*:[0-9a-fA-F:.]*(/\d+)?(\s|$) at i, where
// addrOption says the address starts.
func v6AddrEnd(s string, i int) int {
	// [0-9a-fA-F]*:[0-9a-fA-F:.]*(/\d+)?(\s|$)
	for i < len(s) && isHexByte(s[i]) {
		i++
	}
	if i < len(s) && s[i] == ':' {
		i++
		for i < len(s) && (isHexByte(s[i]) || s[i] == ':' || s[i] == '.') {
			i++
		}
		if i+1 < len(s) && s[i] == '/' && isDigit(s[i+1]) {
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if e := spaceOrEnd(s, j); e >= 0 {
				return e
			}
		}
		if e := spaceOrEnd(s, i); e >= 0 {
			return e
		}
	}
	return -1
}

// v6BlankOption matches v6Hints' \s-p and \s-j hints at p, a blank
// before a '-' that is not an address option.
func v6BlankOption(s string, p int) int {
	switch {
	case strings.HasPrefix(s[p+1:], "-p"):
		return keywordAfterSpaces(s, p+3, v6ProtoWords)
	case strings.HasPrefix(s[p+1:], "-j"):
		return keywordAfterSpaces(s, p+3, v6TargetWords)
	}
	return -1
}

// spaceOrEnd matches (\s|$) in multi-line mode at i.
func spaceOrEnd(s string, i int) int {
	switch {
	case i < len(s) && isRegexpSpace(s[i]):
		return i + 1
	case i == len(s) || s[i] == '\n':
		return i
	}
	return -1
}

// v4HintAt matches v4Hints at p:
//
//	iptables-save
//	\s(-s|-d|--source|--destination|--src|--dst)\s+!?\s*\d+\.\d+\.\d+\.\d+
//	\s-p\s+icmp\b
//	--icmp-type
//	icmp-[a-z]+-unreachable
//	--reject-with\s+icmp-
//	-j\s+(TTL|ECN|CLUSTERIP|ULOG)\b
//	-m\s+(ttl|realm)\b
func v4HintAt(s string, p int) int {
	switch c := s[p]; {
	case c == 'i':
		if e := firstPrefix(s, p, "iptables-save"); e >= 0 {
			return e
		}
		if strings.HasPrefix(s[p:], "icmp-") {
			i := p + 5
			for i < len(s) && 'a' <= s[i] && s[i] <= 'z' {
				i++
			}
			if i > p+5 {
				return firstPrefix(s, i, "-unreachable")
			}
		}
		return -1
	case c == '-':
		if e := firstPrefix(s, p, "--icmp-type"); e >= 0 {
			return e
		}
		if strings.HasPrefix(s[p:], "--reject-with") {
			i := p + len("--reject-with")
			if j := spaces(s, i); j > i {
				return firstPrefix(s, j, "icmp-")
			}
			return -1
		}
		if strings.HasPrefix(s[p:], "-j") {
			return keywordAfterSpaces(s, p+2, v4TargetWords)
		}
		if strings.HasPrefix(s[p:], "-m") {
			return keywordAfterSpaces(s, p+2, v4MatchWords)
		}
		return -1
	case !isRegexpSpace(c) || p+1 == len(s) || s[p+1] != '-':
		return -1
	}
	if i := addrOption(s, p); i >= 0 {
		return v4AddrEnd(s, i)
	}
	return v4BlankOption(s, p)
}

// v4AddrEnd matches the address of v4Hints'
// \s(-s|-d|...)\s+!?\s*\d+\.\d+\.\d+\.\d+ at i, where addrOption says the
// address starts.
func v4AddrEnd(s string, i int) int {
	// \d+\.\d+\.\d+\.\d+
	for part := 0; part < 4; part++ {
		if part > 0 {
			if i == len(s) || s[i] != '.' {
				return -1
			}
			i++
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// v4BlankOption matches v4Hints' \s-p hint at p, a blank before a '-'
// that is not an address option.
func v4BlankOption(s string, p int) int {
	if strings.HasPrefix(s[p+1:], "-p") {
		return keywordAfterSpaces(s, p+3, v4ProtoWords)
	}
	return -1
}
