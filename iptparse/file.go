package iptparse

import (
	"fmt"
	"math/bits"
	"path"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/internal/strword"
	"github.com/ipt2nft/ipt2nft/internal/textio"
)

// Format is the kind of input file.
type Format uint8

const (
	FormatSave     Format = iota // iptables-save / iptables-restore
	FormatCommands               // one iptables/ip6tables command per line
)

// Item is one meaningful line of a file.
type Item interface{ Position() Pos }

// TableHeader is "*table" in a save file.
type TableHeader struct {
	Pos  Pos
	Name string
}

// ChainDecl is ":CHAIN POLICY [p:b]" in a save file. Policy is "-" for
// user chains.
type ChainDecl struct {
	Pos      Pos
	Table    string
	Name     string
	Policy   string
	Counters *Counters
}

// Commit is "COMMIT" in a save file.
type Commit struct {
	Pos   Pos
	Table string
}

// CommandLine is a command from a save file or command list, with the raw
// line it came from.
type CommandLine struct {
	*Command
	Line string
	// Program is the command name for command lists ("iptables",
	// "ip6tables"); empty in save files.
	Program string
}

// BadLine is a line that could not be parsed. It is kept so that nothing
// in the input goes missing: reports count it, and the translator prints
// it as a comment. IsRule tells whether it looks like a rule (-A/-I/-R).
type BadLine struct {
	Pos    Pos
	Text   string
	Err    *Error
	IsRule bool
}

func (t *TableHeader) Position() Pos { return t.Pos }
func (c *ChainDecl) Position() Pos   { return c.Pos }
func (c *Commit) Position() Pos      { return c.Pos }
func (c *CommandLine) Position() Pos { return c.Pos }
func (b *BadLine) Position() Pos     { return b.Pos }

// File is a parsed input file.
type File struct {
	Name     string
	Family   Family
	Format   Format
	Items    []Item
	Warnings []Warning
}

// Errors returns the errors of all bad lines.
func (f *File) Errors() []*Error {
	var errs []*Error
	for _, it := range f.Items {
		if b, ok := it.(*BadLine); ok {
			errs = append(errs, b.Err)
		}
	}
	return errs
}

var (
	countersRe = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`^\[(\d+):(\d+)\]\s*`) }}
	ruleOpRe   = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`(^|\s)(-[AIR]|--append|--insert|--replace)(\s|$)`) }}
)

// DetectFormat tells a save file from a list of commands: save files have
// "*table" headers or start rules with "-A".
func DetectFormat(src string) Format {
	f, _ := DetectFormatOf(src)
	return f
}

// DetectFormatOf is DetectFormat of a text's first lines, known (ok)
// once one of them is neither blank nor a comment: the text's format is
// then f, whatever follows.
func DetectFormatOf(src string) (f Format, ok bool) {
	for rest, more := src, true; more; {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			more = false
		}
		t := strings.TrimSpace(line)
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
			continue
		case strings.HasPrefix(t, "*"), strings.HasPrefix(t, ":"), strings.HasPrefix(t, "-"),
			strings.HasPrefix(t, "["), t == "COMMIT":
			return FormatSave, true
		default:
			return FormatCommands, true
		}
	}
	return FormatSave, false
}

// DetectFamily guesses whether an input is IPv6. It counts signs of either
// family; an explicit "ip6tables-save" header or command name decides.
func DetectFamily(src string) Family {
	head := src
	if len(head) > 400 {
		head = head[:400]
	}
	if strings.Contains(head, "ip6tables-save") {
		return FamilyIPv6
	}
	if strings.Contains(head, "iptables-save") && !strings.Contains(head, "ip6tables") {
		return FamilyIPv4
	}
	parts := 1
	if workers := runtime.GOMAXPROCS(0); workers > 1 && len(src) >= 1<<18 {
		parts = workers
	}
	// IPv6 takes more IPv6 hints than IPv4 ones. In most dumps, IPv4
	// ones, there are no IPv6 hints at all: they are looked for first,
	// from the few places they can start, and the IPv4 hints, on nearly
	// every line, then need not be counted (or only until there are as
	// many). Where the first bytes have IPv6 hints, both are counted at
	// once, as that costs less than counting one after the other.
	if probe := min(len(src), 1<<16); len(v6HintsIn(src, 0, probe)) == 0 {
		n6 := v6HintCount(src, probe, parts)
		if n6 == 0 || v4HintsReach(src, n6, 1<<16) {
			return FamilyIPv4
		}
	}
	var n6, n4 int
	if parts > 1 {
		n6, n4 = hintCountsParallel(src, parts)
	} else {
		n6, n4 = hintCounts(src)
	}
	if n6 > n4 {
		return FamilyIPv6
	}
	return FamilyIPv4
}

// ParseFile parses a save file or a list of iptables commands. fam is the
// family to use (FamilyAny: detect). Errors are recorded as BadLine items;
// parsing always carries on with the next line.
func ParseFile(name string, src string, reg Registry, fam Family) *File {
	var items []Item
	// The items are made once, at their number, rather than grown:
	// growing a slice of 100,000 items copies it some twenty times.
	f := parseFile(name, src, reg, fam, func(_ *File, n int) { items = make([]Item, 0, n) },
		func(it Item) { items = append(items, it) })
	f.Items = items
	return f
}

// ParseFileFunc parses like ParseFile, but hands the items to each, in
// order, instead of keeping them: a big save file is never held parsed
// whole, nor scanned whole, and its rules are parsed on every core while
// each takes the ones before. start, if not nil, is called first with
// the file (name, family and format; no items). The file's warnings are
// complete when ParseFileFunc returns: a save file's are found as it is
// read.
func ParseFileFunc(name string, src string, reg Registry, fam Family, start func(*File), each func(Item)) *File {
	return parseFileFunc(name, src, reg, fam, start, each, false)
}

// ParseFileReuse is ParseFileFunc for an each that is done with an item,
// and with all the item points to, when it returns: the memory of a save
// file's parsed rules is then cleared and reused for the rules read
// after them, which spares the allocation of new memory for every rule
// (and the page faults and collections that come with it). Strings are
// never reused: each may keep the texts it was given.
func ParseFileReuse(name string, src string, reg Registry, fam Family, start func(*File), each func(Item)) *File {
	return parseFileFunc(name, src, reg, fam, start, each, true)
}

// ParsePiecesReuse is ParseFileReuse of a save file read a piece at a
// time: next returns the pieces in order, each ending at a line end but
// the last, and false after the last. Nothing is held of a piece once
// the items that point into it are handed on, and positions count from
// the file's start. fam must be a family (not FamilyAny): the file is
// not there whole to detect it.
func ParsePiecesReuse(name string, next func() (string, bool), reg Registry, fam Family, start func(*File), each func(Item)) *File {
	f := &File{Name: name, Family: fam, Format: FormatSave}
	if start != nil {
		start(f)
	}
	parseScan(&saveScanner{f: f, next: next}, true, func() parseFunc { return (&saveParser{f: f, reg: reg}).parse }, each)
	return f
}

func parseFileFunc(name string, src string, reg Registry, fam Family, start func(*File), each func(Item), reuse bool) *File {
	f := &File{Name: name, Family: fam, Format: DetectFormat(src)}
	if f.Format != FormatSave {
		var begin func(*File, int)
		if start != nil {
			begin = func(f *File, _ int) { start(f) }
		}
		return parseCommandFile(f, src, reg, begin, each)
	}
	if fam == FamilyAny {
		f.Family = DetectFamily(src)
	}
	if start != nil {
		start(f)
	}
	parseScan(&saveScanner{f: f, rest: src}, reuse, func() parseFunc { return (&saveParser{f: f, reg: reg}).parse }, each)
	return f
}

// parseFile is ParseFile's parse: a save file is scanned whole first, so
// that start is told how many items will follow.
func parseFile(name string, src string, reg Registry, fam Family, start func(*File, int), each func(Item)) *File {
	f := &File{Name: name, Family: fam, Format: DetectFormat(src)}
	if f.Format != FormatSave {
		return parseCommandFile(f, src, reg, start, each)
	}
	// The scan does not need the family: detect it meanwhile.
	detected := make(chan Family, 1)
	if fam == FamilyAny {
		go func() {
			debug.SetPanicOnFault(true) // src may be mapped: see parseChunks
			defer textio.Guard()
			detected <- DetectFamily(src)
		}()
	}
	entries := scanSave(f, src)
	if fam == FamilyAny {
		f.Family = <-detected
	}
	if start != nil {
		start(f, len(entries))
	}
	parseEntries(entries, func() parseFunc { return (&saveParser{f: f, reg: reg}).parse }, each)
	return f
}

// parseCommandFile parses a list of commands into f, then hands start
// their number and each the items.
func parseCommandFile(f *File, src string, reg Registry, start func(*File, int), each func(Item)) *File {
	if f.Family == FamilyAny {
		f.Family = DetectFamily(src)
	}
	parseCommands(f, src, reg)
	items := f.Items
	f.Items = nil
	if start != nil {
		start(f, len(items))
	}
	for _, it := range items {
		each(it)
	}
	return f
}

func (f *File) bad(pos Pos, text string, err error) {
	f.Items = append(f.Items, f.badLine(pos, text, err))
}

func (f *File) badLine(pos Pos, text string, err error) *BadLine {
	e, ok := err.(*Error)
	if !ok {
		e = &Error{Pos: pos, Msg: err.Error()}
	} else if e.Pos == (Pos{}) {
		// a line without words ("[0:0]" alone) has no word to point at
		e.Pos = pos
	}
	return &BadLine{Pos: pos, Text: text, Err: e, IsRule: ruleOpRe.Get().MatchString(text)}
}

// entry is a line of a save file after the scan: an item, or a rule still
// to parse.
type entry struct {
	item  Item   // nil for a rule
	line  string // a rule's line
	table string // the table a rule is in
	// the rule's line number: the parser has the file name and finds
	// the column again, for a smaller entry per line
	lineNo int
}

// scanSave reads the structure of a save file: table headers, chain
// declarations, COMMIT lines and the lines that cannot be right, in
// order, with the rule lines left to parse. Warnings go to f.
func scanSave(f *File, src string) []entry {
	sc := saveScanner{f: f, rest: src}
	return sc.scan(make([]entry, 0, strings.Count(src, "\n")+1), -1)
}

// saveScanner is scanSave a piece at a time, so that a big file's
// entries need not all be held at once (see ParseFileFunc).
type saveScanner struct {
	f    *File
	rest string // what is left to scan
	// next, if set, returns the pieces of the file after rest (see
	// ParsePiecesReuse): each ends at a line end but the last.
	next     func() (string, bool)
	lineNo   int
	done     bool
	table    string // the table open, and where it opened
	tablePos Pos
	n        int // entries so far: the size of the next slabs
	decls    pool[ChainDecl]
	counters pool[Counters]
	// into, if set, is the reusable arena of the chunk being scanned: its
	// chain declarations come from there, reused once the chunk is
	// handed on, rather than from new memory (a dispatch dump's 7,400
	// declarations took some 240 page faults).
	into *arena
}

// scan appends to entries those of the next lines, until entries holds
// max of them (max < 0: to the end of the file). At the end of the file
// it sets done.
func (sc *saveScanner) scan(entries []entry, max int) []entry {
	f := sc.f
	bad := func(pos Pos, text string, err error) {
		entries = append(entries, entry{item: f.badLine(pos, text, err)})
	}
	defer func(before int) { sc.n += len(entries) - before }(len(entries))
	// rest is sc.rest while the loop runs, which spares a store (and its
	// write barrier) per line
	rest := sc.rest
	for {
		if rest == "" {
			if rest = sc.refill(); rest == "" && sc.lineNo != 0 {
				break // the end
			}
		}
		if len(entries) == max {
			sc.rest = rest
			return entries
		}
		sc.lineNo++
		lineNo := sc.lineNo
		raw := rest
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			raw, rest = rest[:nl], rest[nl+1:]
		} else {
			rest = ""
		}
		line := trimCR(raw)
		if len(line) > 0 && (line[0] == '-' || line[0] == '[') && sc.table != "" {
			// A rule in a table, as most lines are: the default case
			// below, without trimming the line first.
			entries = appendRule(entries, line, sc.table, lineNo)
			continue
		}
		t := strings.TrimSpace(line)
		pos := MakePos(f.Name, lineNo, 1+len(line)-len(trimBlanksLeft(line)))
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
			continue
		case strings.HasPrefix(t, "*"):
			if sc.table != "" {
				f.Warnings = append(f.Warnings, Warning{Pos: pos, Msg: fmt.Sprintf("table %q opened at %s has no COMMIT", sc.table, sc.tablePos)})
			}
			sc.table, sc.tablePos = sc.own(t[1:]), pos
			if sc.table == "" {
				bad(pos, line, Errorf(pos, "", "empty table name"))
				continue
			}
			entries = append(entries, entry{item: &TableHeader{Pos: pos, Name: sc.table}})
		case t == "COMMIT":
			if sc.table == "" {
				bad(pos, line, Errorf(pos, "", "COMMIT without a table"))
				continue
			}
			entries = append(entries, entry{item: &Commit{Pos: pos, Table: sc.table}})
			sc.table = ""
		case strings.HasPrefix(t, ":"):
			if sc.table == "" {
				bad(pos, line, Errorf(pos, "", "chain declaration outside a table (no *table line before it)"))
				continue
			}
			fields, nfields := chainFields(t[1:])
			if nfields < 2 {
				bad(pos, line, Errorf(pos, "", "bad chain declaration %q: expected \":CHAIN POLICY [packets:bytes]\"", t))
				continue
			}
			// From the chunk's arena if there is one (see into).
			decls, counters, reusable, used := &sc.decls, &sc.counters, false, sc.n+len(entries)
			if a := sc.into; a != nil {
				decls, counters, reusable, used = &a.decls, &a.counters, true, chunkSize
			}
			d := one(reusable, decls, used)
			d.Pos, d.Table, d.Name, d.Policy, d.Counters = pos, sc.table, sc.own(fields[0]), sc.own(fields[1]), nil
			// iptables-restore reads the counters of built-in chains
			// only; after "-" it ignores the rest of the line.
			if nfields >= 3 && d.Policy != "-" {
				// leadingCounters is countersRe, and the field has no blanks
				c, _, ok := leadingCounters(fields[2])
				if !ok {
					bad(pos, line, Errorf(pos, "", "bad counters %q in chain declaration", fields[2]))
					continue
				}
				d.Counters = one(reusable, counters, used)
				*d.Counters = c
			}
			if d.Policy != "-" && d.Policy != "ACCEPT" && d.Policy != "DROP" {
				bad(pos, line, Errorf(pos, "", "bad policy %q for chain %s (expected ACCEPT, DROP or -)", d.Policy, d.Name))
				continue
			}
			entries = append(entries, entry{item: d})
		default:
			if sc.table == "" {
				bad(pos, line, Errorf(pos, "", "rule outside a table (no *table line before it)"))
				continue
			}
			entries = appendRule(entries, line, sc.table, lineNo)
		}
	}
	if !sc.done {
		sc.done = true
		if sc.table != "" {
			f.Warnings = append(f.Warnings, Warning{Pos: sc.tablePos, Msg: fmt.Sprintf("table %q has no COMMIT", sc.table)})
		}
	}
	return entries
}

// more reports whether there are lines left to scan (or the first, of
// an empty file), taking the next pieces when rest is used up.
func (sc *saveScanner) more() bool {
	for sc.rest == "" && sc.next != nil {
		var ok bool
		if sc.rest, ok = sc.next(); !ok {
			sc.next = nil
		}
	}
	return sc.rest != "" || sc.lineNo == 0
}

// refill is more for scan, which holds what is left to scan rather than
// sc.rest, and has used it up: it returns the next pieces ("" at the end
// of the file, or for the first line of an empty file).
func (sc *saveScanner) refill() string {
	sc.rest = ""
	sc.more()
	return sc.rest
}

// trimCR is strings.TrimRight(s, "\r"), inlined wherever it is called
// (a call per line was some 20 instructions of it).
func trimCR(s string) string {
	for len(s) > 0 && s[len(s)-1] == '\r' {
		s = s[:len(s)-1]
	}
	return s
}

// own returns a name that every later rule of its table, or the
// translation's layout, keeps: when the file is read in pieces, a copy,
// so that it does not keep its piece.
func (sc *saveScanner) own(s string) string {
	if sc.next == nil {
		return s
	}
	return strings.Clone(s)
}

// appendRule appends the entry of a rule line to entries.
func appendRule(entries []entry, line, table string, lineNo int) []entry {
	if len(entries) == cap(entries) {
		entries = append(entries, entry{})
	} else {
		entries = entries[:len(entries)+1]
	}
	e := &entries[len(entries)-1] // set field by field: see (*Parser).parse
	e.line, e.table, e.lineNo = line, table, lineNo
	return entries
}

// chainFields returns the first three of strings.Fields(s) and how many
// fields (at most three) there are, but only two after a second field
// "-": iptables-restore ignores the rest of a user chain's declaration,
// whose counters ("[0:0]") were some 70 instructions of its 450. It
// splits at ASCII spaces, reading each byte once, as long as it meets
// no byte beyond ASCII (where unicode.IsSpace has more spaces):
// strings.Fields splits the line then.
func chainFields(s string) (f [3]string, n int) {
	if haveMasks && len(s) >= 16 {
		// Most are a user chain's, "NAME - [0:0]": its name is what
		// comes before the first space, if masks64 finds no other
		// byte than bare ones before the space after the "-".
		spaces, bad := masks64(s)
		if p := bits.TrailingZeros64(spaces); p > 0 && p < 62 && p+1 < len(s) && s[p+1] == '-' &&
			(p+2 == len(s) || s[p+2] == ' ') && bad&(1<<(p+2)-1) == 0 {
			f[0], f[1] = s[:p], s[p+1:p+2]
			return f, 2
		}
	}
	i := 0
	for n < 3 && (n < 2 || f[1] != "-") {
		for i < len(s) && fieldClass[s[i]] == fieldSpace {
			i++
		}
		j := i
		// eight bytes at a time while they are all text: a chain's
		// name is most of a chain declaration
		for i+8 <= len(s) && graphicASCII(strword.Load64(s[i:])) {
			i += 8
		}
		for i < len(s) && fieldClass[s[i]] == fieldText {
			i++
		}
		if i < len(s) && fieldClass[s[i]] == fieldOther {
			var all [3]string
			if n = copy(all[:], strings.Fields(s)); n == 3 && all[1] == "-" {
				all[2], n = "", 2
			}
			return all, n
		}
		if i == j {
			break // the end
		}
		f[n] = s[j:i]
		n++
	}
	return f, n
}

// graphicASCII reports whether the eight bytes of x (as load64 reads
// them) are all above ' ' and ASCII, and so text for chainFields.
func graphicASCII(x uint64) bool {
	// (b & 0x7f) + 0x5f has its top bit set if b & 0x7f > ' ', and
	// carries into no other byte
	return (x|^((x&(0x7f*ones))+0x5f*ones))&(0x80*ones) == 0
}

// The classes of bytes for chainFields.
const (
	fieldText  = iota
	fieldSpace // the ASCII part of unicode.IsSpace, which strings.Fields splits at
	fieldOther // beyond ASCII
)

var fieldClass = func() (t [256]uint8) {
	for _, c := range "\t\n\v\f\r " {
		t[c] = fieldSpace
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = fieldOther
	}
	return t
}()

// saveParser parses the rule lines of a save file; each parse worker has
// its own.
type saveParser struct {
	f   *File
	reg Registry
	// p parses the rules, its Table set for each: one Parser per
	// worker, to which each rule's parse points (see parseState.p).
	p Parser
}

// parse parses a rule line of a save file, taking its nodes from a.
func (sp *saveParser) parse(e *entry, a *arena) Item {
	f := sp.f
	line, trimmed := e.line, trimBlanksLeft(e.line)
	// (the line's position, for its errors, is worked out by linePos)
	from := 0
	var counters Counters
	hasCounters := false
	if strings.HasPrefix(trimmed, "[") {
		if c, n, ok := leadingCounters(trimmed); ok {
			counters, hasCounters = c, true
			// the words start after the counters; columns count from
			// the start of the line
			from = len(line) - len(trimmed) + n
		}
	}
	words, comment, ok := splitFast(a, line, from, f.Name, e.lineNo)
	if !ok {
		body := line
		if from > 0 {
			// keep columns right: blank out the counters
			body = strings.Repeat(" ", from) + line[from:]
		}
		var err error
		if words, comment, err = splitLine(body, f.Name, e.lineNo); err != nil {
			return f.badLine(linePos(f, e), line, err)
		}
	}
	p := sp.parser(e.table) // one line, as the Parser it replaced: default.pgo has the calls below by their lines
	cmd, err := p.parse(words, a)
	if err != nil {
		return f.badLine(linePos(f, e), line, err)
	}
	if comment {
		cmd.Warnings = append(cmd.Warnings, Warning{Pos: linePos(f, e), Msg: "text after '#' ignored (iptables-restore would reject it)"})
	}
	if hasCounters && cmd.Counters == nil {
		cmd.Counters = a.counter()
		*cmd.Counters = counters
	}
	cmd.line, cmd.bare = line, ok && a != nil && !a.parted // ok: split by splitFast
	cl := a.commandLine()
	cl.Command, cl.Line, cl.Program = cmd, line, "" // every field: see arena.reset
	return cl
}

// linePos is the position of a rule's line, where its first word, or
// its counters, start (as scanSave has it), for its errors and warnings:
// most lines have none, and need not work it out.
func linePos(f *File, e *entry) Pos {
	return MakePos(f.Name, e.lineNo, 1+len(e.line)-len(trimBlanksLeft(e.line)))
}

// parser returns sp.p, for a rule of table.
func (sp *saveParser) parser(table string) *Parser {
	if sp.p.Registry == nil {
		sp.p = Parser{Registry: sp.reg, Family: sp.f.Family, Restore: true}
	}
	sp.p.Table = table
	return &sp.p
}

// leadingCounters reads "[packets:bytes]" and the blanks after it at the
// start of s, as countersRe does (TestLeadingCounters), and returns its
// length. It is not inlined: in saveParser.parse, short of registers,
// its digit loops cost twice the instructions.
//
//go:noinline
func leadingCounters(s string) (c Counters, n int, ok bool) {
	if len(s) >= 17 && s[0] == '[' {
		// Fewer than eight digits each, as nearly all counters have: the
		// digits and the byte after them, eight bytes at a time.
		w := strword.Load64(s[1:])
		if p, pk := digits8(w); p > 0 && p < 8 && byte(w>>(8*p)) == ':' {
			w = strword.Load64(s[p+2:])
			if b, by := digits8(w); b > 0 && b < 8 && byte(w>>(8*b)) == ']' {
				n = p + b + 3
				for n < len(s) && isRegexpSpace(s[n]) {
					n++
				}
				return Counters{Packets: pk, Bytes: by}, n, true
			}
		}
	}
	if len(s) == 0 || s[0] != '[' {
		return c, 0, false
	}
	p, pk := counterDigits(s, 1)
	if p == 1 || p == len(s) || s[p] != ':' {
		return c, 0, false
	}
	b, by := counterDigits(s, p+1)
	if b == p+1 || b == len(s) || s[b] != ']' {
		return c, 0, false
	}
	// More than 19 digits may overflow: parseUintBase reads them.
	if p-1 > 19 {
		pk, _ = parseUintBase(s[1:p], 10)
	}
	if b-p-1 > 19 {
		by, _ = parseUintBase(s[p+1:b], 10)
	}
	n = b + 1
	for n < len(s) && isRegexpSpace(s[n]) {
		n++
	}
	return Counters{Packets: pk, Bytes: by}, n, true
}

// counterDigits reads the decimal digits of s from i on, for
// leadingCounters: their end, and their value (wrapped around if there
// are more than 19 of them). Fewer than eight digits followed by a byte
// of s, as nearly all counters are, are read eight bytes at a time: a
// loop over them was 2-3% of exact mode's instructions.
func counterDigits(s string, i int) (int, uint64) {
	if i >= 0 && len(s)-i >= 8 {
		if n, v := digits8(strword.Load64(s[i:])); n < 8 {
			return i + n, v
		}
	}
	var v uint64
	for ; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			break
		}
		v = v*10 + uint64(d)
	}
	return i, v
}

// digits8 reads the decimal digits that start the eight bytes of w (as
// load64 reads them): how many there are (8 if all), and, if fewer, their
// value.
func digits8(w uint64) (n int, v uint64) {
	// the bytes of t are below 10 for the digits; adding 0x76 sets the
	// top bit of the others (carries come out of those only, and leave
	// the first of them right)
	t := w ^ 0x3030303030303030
	other := (t + 0x7676767676767676 | t) & 0x8080808080808080
	if other == 0 {
		return 8, 0
	}
	n = bits.TrailingZeros64(other) >> 3
	// the n digits to the top, the first the most significant (a byte's
	// place is its order in s), then combined in pairs, fours and
	// eights (no digits: a value not used)
	t <<= (64 - 8*n) & 63
	t = t*10 + t>>8
	t = ((t&0x000000FF000000FF)*(100+1000000<<32) + (t>>16&0x000000FF000000FF)*(1+10000<<32)) >> 32
	return n, t
}

func countersOf(m []string) *Counters {
	p, _ := parseUintBase(m[1], 10)
	b, _ := parseUintBase(m[2], 10)
	return &Counters{Packets: p, Bytes: b}
}

// programRe recognises the command name of an iptables command line,
// possibly with a path, sudo, or a prompt before it.
var programRe = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:sudo\s+(?:-\S+\s+)*)?((?:/[\w.-]+)*/)?(ip6?tables(?:-legacy|-nft)?)$`)
}}

// ProgramFamily tells the family from a command name, or FamilyAny.
func ProgramFamily(prog string) Family {
	base := path.Base(prog)
	switch {
	case strings.HasPrefix(base, "ip6tables"):
		return FamilyIPv6
	case strings.HasPrefix(base, "iptables"):
		return FamilyIPv4
	}
	return FamilyAny
}

func parseCommands(f *File, src string, reg Registry) {
	var a arena                 // as for save files: nodes from slabs
	p := &Parser{Registry: reg} // one for all lines (see parseState.p)
	for i, raw := range strings.Split(src, "\n") {
		lineNo := i + 1
		line := strings.TrimRight(raw, "\r")
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		pos := MakePos(f.Name, lineNo, 1+len(line)-len(strings.TrimLeft(line, " \t")))
		words, _, ok := splitFast(&a, line, 0, f.Name, lineNo)
		if !ok {
			var err error
			if words, _, err = splitLine(line, f.Name, lineNo); err != nil {
				f.bad(pos, line, err)
				continue
			}
		}
		if len(words) > 0 && words[0].Text == "sudo" {
			words = words[1:]
		}
		if len(words) == 0 {
			continue
		}
		prog := words[0].Text
		fam := ProgramFamily(prog)
		if fam == FamilyAny || !programRe.Get().MatchString(prog) {
			f.Warnings = append(f.Warnings, Warning{Pos: pos, Msg: fmt.Sprintf("not an iptables command, ignored: %s", t)})
			continue
		}
		p.Family = fam
		cmd, err := p.parse(words[1:], &a)
		if err != nil {
			f.bad(pos, line, err)
			continue
		}
		cl := a.commandLine()
		cl.Command, cl.Line, cl.Program = cmd, line, path.Base(prog)
		f.Items = append(f.Items, cl)
	}
}
