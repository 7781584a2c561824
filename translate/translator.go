package translate

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Options configure a translation run.
type Options struct {
	// Exact reproduces upstream iptables-translate: one nft command per
	// iptables command, in upstream's tables (ip filter, ip nat...).
	Exact bool
	// Table is the name of the table ipt2nft writes to in normal mode
	// (default "ipt2nft").
	Table string
	// QuoteNames lets chain names that are nft keywords or contain odd
	// characters be written quoted, for an nft that reads quoted names.
	// Without it such chains are renamed.
	QuoteNames bool
	// ChainName, when set, gives the nft name of the iptables chain a
	// rule jumps to (the iptables shim's own naming); normal mode's
	// layout names them otherwise.
	ChainName func(fam iptparse.Family, table, chain string) string
	// NoCounterValues starts every counter from zero, as iptables-restore
	// does without -c: the dump's [packets:bytes] are not carried over.
	// Rules then merge into sets whatever their comments, and load faster
	// (no element counters).
	NoCounterValues bool
	// EmitCommand, in exact mode, is handed each nft command, in input
	// order, instead of the command being kept for Commands. AddText
	// hands them on as they are translated when StreamsCommands says so,
	// so that a big restore file is never held translated whole; else,
	// and for AddFile, once the file is read. The command and what it
	// points to are not used by the Translator afterwards. Nor may
	// EmitCommand keep them once it returns: when AddText hands them on
	// as they are translated, their memory (the command's parse tree and
	// IR) is reused for the next ones. Strings are never reused.
	EmitCommand func(*ir.Command)
	// BeforeReuse, if set, is called by AddText before it translates a
	// save file in memory it reuses from rule to rule, once it knows: a
	// program sets its garbage collector there. It spares the program a
	// look of its own through the file.
	BeforeReuse func()
	// Held, if set, is called when such a file's commands turn out to be
	// held after all, from a set declaration on (a rule of the file
	// changes a set: see StreamsCommands), and no longer in memory
	// reused: the program sets its collector back there.
	Held func()
	// Runs lets a chain that is nothing but rules alike be held compactly
	// (see ruleRun) until Optimize takes it: for a caller that hands the
	// ruleset to MergeInet and Optimize before anything else reads it.
	Runs bool
	// NoOrigin: the caller reads the Origin of no translated rule (nor
	// the positions of a Printer's Notes, which come from it) and of no
	// exact-mode chain declaration, as compat's restore translation
	// does: translateRule then makes no Origin list for a rule, one less
	// slice a rule (and chainDecl none for a chain).
	NoOrigin bool
	// NoProvenance: the caller reads the Source of no translated rule
	// (only of an untranslated or dead one, which the ruleset prints):
	// translated rules get none (see OptOptions.NoProvenance).
	NoProvenance bool
	// SeeItem, if set, is shown each item AddFile and AddText read, with
	// its file, once the item is translated: the report keeps what it
	// needs of the original rules this way, not their parse trees. It
	// may keep the item's strings, not the item: AddText reuses the
	// item's memory for the next ones.
	SeeItem func(*iptparse.File, iptparse.Item)
}

// DiagKind classifies diagnostics.
type DiagKind uint8

const (
	DiagError        DiagKind = iota // input iptables itself rejects
	DiagUntranslated                 // valid iptables that nft cannot express
	DiagWarning
	DiagNote
)

func (k DiagKind) String() string {
	return [...]string{"error", "untranslated", "warning", "note"}[k]
}

// Diag is a diagnostic with the position of the input it is about.
type Diag struct {
	Pos  iptparse.Pos
	Kind DiagKind
	Ext  string // "-m tcp", "-j DNAT"
	Msg  string
	// Effect is what the translation loses for untranslated rules.
	Effect string
	// Rule is the iptables rule text.
	Rule string
}

func (d Diag) String() string {
	s := fmt.Sprintf("%s: %s: ", d.Pos, d.Kind)
	if d.Ext != "" {
		s += d.Ext + ": "
	}
	s += d.Msg
	if d.Effect != "" {
		s += " (" + d.Effect + ")"
	}
	return s
}

// Stats counts rules: every -A/-I/-R is translated, untranslated or an
// error, so Translated+Untranslated+Errors == Rules.
type Stats struct {
	Rules, Translated, Untranslated, Errors int
}

// Translator translates iptables input, command by command.
type Translator struct {
	opt   Options
	diags []Diag
	stats Stats
	seq   map[string]int
	// ext holds per-run extension state (see Ctx.State).
	ext map[string]any

	// exact mode output; hold keeps the commands for EmitCommand until
	// the file is read
	cmds []*ir.Command
	hold bool
	// unsettled is the text of the file AddText streams the commands of
	// while it is not known whether a rule of it changes a set (see
	// settleStreaming); heldLate says that its commands are held after
	// all, from its first set declaration on.
	unsettled string
	heldLate  bool

	// normal mode state
	native *nativeLayout

	finished, rs *ir.Ruleset
	ipsets       map[string]*iptparse.IPSet
	ipsetOrder   []string

	// while reading a file: its family and current *table
	curFamily iptparse.Family
	curTable  string

	// translateRule's result slices, reused from rule to rule: its
	// callers are done with them before the next rule.
	ruleBuf []*ir.Rule
	ctxBuf  []*Ctx
	alloc   ruleAlloc
	// reuse says that each exact-mode command is handed on as soon as
	// it is translated, and not kept: alloc is reset after each.
	reuse bool
	// exactChain is the chain of the last exact-mode rule command,
	// exactChains the block the next ones are taken from (see ruleChain);
	// exactCmd the command filled for each rule while reuse is set
	// (each is handed on and dropped before the next).
	exactChain      *ir.Chain
	exactChains     []ir.Chain
	exactChainsUsed int
	exactCmd        ir.Command
	streamChain     ir.Chain // exactChain while reuse is set
	exactCtx        Ctx      // see newCtx
	// kept, while AddPieces translates a file in normal mode, holds the
	// strings the ruleset keeps of it (see keep); recent are some of
	// them, looked at first.
	kept   map[string]string
	recent [64]string
}

// keep returns a name (of a table, chain or interface) as the ruleset
// may keep it: while AddPieces reads a file (in normal mode), a string
// of the Translator's own, so that the ruleset does not keep the piece
// of the file the name is in. A name, which rule after rule repeats, is
// kept once.
func (t *Translator) keep(s string) string {
	if t.kept == nil || s == "" {
		return s
	}
	if len(s) > maxKeptOnce {
		return strings.Clone(s)
	}
	// Most strings are the ones a recent rule had (its chain, table,
	// interfaces): a look at a slot picked by their length and last
	// byte finds them without hashing them for the map (which took 6 %
	// of the mixed 1,000,000-rule dump's translation).
	slot := &t.recent[(len(s)*8+int(s[len(s)-1]))%len(t.recent)]
	if *slot == s {
		return *slot
	}
	k, ok := t.kept[s]
	if !ok {
		k = strings.Clone(s)
		t.kept[k] = k
	}
	*slot = k
	return k
}

// maxKeptOnce is the longest string keep keeps once.
const maxKeptOnce = 64

// keepText is keep for a text seldom repeated (a comment, a log prefix,
// a rule's text): a copy of it, without looking for one made before.
func (t *Translator) keepText(s string) string {
	if t.kept == nil {
		return s
	}
	return strings.Clone(s)
}

// New returns a Translator.
func New(opt Options) *Translator {
	if opt.Table == "" {
		opt.Table = "ipt2nft"
	}
	t := &Translator{opt: opt, seq: map[string]int{}}
	t.native = newNativeLayout(t)
	return t
}

func (t *Translator) diag(d Diag) {
	if t.kept != nil {
		d.Ext, d.Msg, d.Effect, d.Rule = t.keepText(d.Ext), t.keepText(d.Msg), t.keepText(d.Effect), t.keepText(d.Rule)
	}
	t.diags = append(t.diags, d)
}

// Note adds a diagnostic from a later stage (the optimizer) so that it is
// reported with the others, in input order.
func (t *Translator) Note(d Diag) { t.diag(d) }

// Diags returns all diagnostics in input order: by file (in the order
// the files first appear), line and column, errors first at one
// position.
func (t *Translator) Diags() []Diag {
	d := append([]Diag(nil), t.diags...)
	files := map[string]int{}
	for _, x := range d {
		if _, ok := files[x.Pos.File]; !ok {
			files[x.Pos.File] = len(files)
		}
	}
	sort.SliceStable(d, func(i, j int) bool {
		a, b := d[i].Pos, d[j].Pos
		if a.File != b.File {
			return files[a.File] < files[b.File]
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		// The same order however the file was read (its own warnings
		// are known only at its end when it is streamed).
		return d[i].Kind < d[j].Kind
	})
	return d
}

// Stats returns the rule counts so far.
func (t *Translator) Stats() Stats { return t.stats }

// Commands returns the exact-mode commands (none if Options.EmitCommand
// took them).
func (t *Translator) Commands() []*ir.Command { return t.cmds }

// addCmd passes on or keeps an exact-mode command.
func (t *Translator) addCmd(c *ir.Command) {
	if t.opt.EmitCommand != nil && !t.hold {
		t.opt.EmitCommand(c)
		return
	}
	t.cmds = append(t.cmds, c)
}

// StreamsCommands reports whether AddText can hand the exact-mode
// commands of src to EmitCommand as they are translated. An ipset's nft
// set is declared at its first use with flags a later rule can change
// (-j SET updates it from the packet path: dynamic, no intervals), so a
// file with such rules is held until it is read (from its first set
// declaration on: AddText asks there, see settleStreaming).
func StreamsCommands(src string) bool {
	return !hasLongOption(src, "add-set", 2) && !hasLongOption(src, "del-set", 4)
}

// ReusesMemory reports whether AddText, in exact mode with EmitCommand,
// translates src in memory it reuses from rule to rule: a save file
// whose commands it hands on as they are translated (StreamsCommands).
// What it holds at a time is then the input and a bounded window of
// rules, however big the file (a list of iptables commands is parsed
// whole first).
func ReusesMemory(src string) bool {
	return StreamsCommands(src) && iptparse.DetectFormat(src) == iptparse.FormatSave
}

// hasLongOption is strings.Contains(src, "--"+name), found by the byte
// at index key of "--"+name, one that save files have few of (a letter
// rarer than the dashes, "d" or "s" of their every other word): an
// IndexByte for it skips most of the file at memory speed. Searching
// for "--add-set" and "--del-set" by their first letters took 3.5 ms
// of a 20,000-rule dump's 40 ms before any rule is parsed; by "a" and
// "l", 0.07 ms each.
func hasLongOption(src, name string, key int) bool {
	needle := "--" + name
	c := needle[key]
	for from := 0; ; {
		i := strings.IndexByte(src[from:], c)
		if i < 0 {
			return false
		}
		i += from
		// The needle's last byte, tested first, rules out most places
		// without comparing the rest (for an "a" of "nat", "random"...:
		// 1.1 M instructions of the dispatch 20,000-rule dump's start).
		if start, end := i-key, i-key+len(needle); start >= 0 && end <= len(src) &&
			src[end-1] == needle[len(needle)-1] && src[start:end] == needle {
			return true
		}
		from = i + 1
	}
}

// holdCommands keeps the exact-mode commands until the returned function
// hands them to EmitCommand.
func (t *Translator) holdCommands() (release func()) {
	t.hold = true
	return t.releaseHeld
}

// releaseHeld hands the held exact-mode commands to EmitCommand.
func (t *Translator) releaseHeld() {
	t.hold = false
	if t.opt.EmitCommand != nil {
		for _, c := range t.cmds {
			t.opt.EmitCommand(c)
		}
		t.cmds = nil
	}
}

// settleStreaming is called at the first set declaration of a file whose
// commands AddText streams: only a set's declaration can be changed by a
// later rule (StreamsCommands), so the file is searched here, not before
// it is parsed (which cost 3-5 % of the time of a 20,000-rule dump with
// no sets, searched to the end for nothing). If a rule changes a set,
// the commands from this one on are held until the file is read, in
// memory that is not reused: those handed on so far declare no set.
func (t *Translator) settleStreaming() {
	src := t.unsettled
	t.unsettled = ""
	if StreamsCommands(src) {
		return
	}
	t.hold, t.heldLate = true, true
	// Commands are no longer dropped as they are handed on: the blocks
	// are not reset, and the chain and context of the streamed ones
	// (exactChain, exactCtx) are not shared with the held ones.
	t.reuse, t.exactChain = false, nil
	if t.opt.Held != nil {
		t.opt.Held()
	}
}

// AddFile translates a whole parsed file.
func (t *Translator) AddFile(f *iptparse.File) {
	defer t.holdCommands()()
	t.startFile(f)
	if !t.opt.Exact {
		n := 0
		for _, it := range f.Items {
			if _, ok := it.(*iptparse.ChainDecl); ok {
				n++
			}
		}
		t.native.reserve(f.Family, n)
	}
	each := t.itemFunc(f)
	for _, it := range f.Items {
		each(it)
	}
}

// itemFunc is addItem, followed by Options.SeeItem if set.
func (t *Translator) itemFunc(f *iptparse.File) func(iptparse.Item) {
	if t.opt.SeeItem == nil {
		return t.addItem
	}
	return func(it iptparse.Item) {
		t.addItem(it)
		t.opt.SeeItem(f, it)
	}
}

// AddText parses and translates a file's text: the same as
// AddFile(iptparse.ParseFile(name, src, Registry{}, fam)), in less time
// and memory on big files, as rules are translated while the next ones
// are parsed and none is kept parsed: a save file's parsed rules are
// cleared and their memory reused for later ones (in normal mode, and in
// exact mode when the commands are handed on as translated).
func (t *Translator) AddText(name, src string, fam iptparse.Family) {
	parse := iptparse.ParseFileFunc
	if t.opt.Exact && t.opt.EmitCommand != nil && !t.hold {
		// Each command is printed and dropped as it is translated:
		// nothing points into its parse tree afterwards (the state
		// kept across rules holds strings and values of its own).
		// Unless a rule changes a set: see settleStreaming.
		parse = iptparse.ParseFileReuse
		t.reuse, t.unsettled = true, src
		defer func() {
			t.reuse, t.unsettled = false, ""
			if t.heldLate {
				t.heldLate = false
				t.releaseHeld()
			}
		}()
		if t.opt.BeforeReuse != nil && iptparse.DetectFormat(src) == iptparse.FormatSave {
			t.opt.BeforeReuse()
		}
	}
	start := t.beginFile
	if !t.opt.Exact {
		// The ruleset keeps the IR, never the parse tree: what it keeps
		// of a command (rules, declared sets, diagnostics, extension
		// state such as recent's uses) is strings, positions and values
		// of its own. The parse memory is reused from chunk to chunk.
		parse = iptparse.ParseFileReuse
		// The chains declared up front size the layout's maps.
		n := firstDeclarations(src)
		start = func(f *iptparse.File) {
			t.beginFile(f)
			t.native.reserve(f.Family, n)
		}
	}
	each := t.addItem
	if t.opt.SeeItem != nil {
		// The file is known when parsing starts.
		var file *iptparse.File
		begin := start
		start = func(f *iptparse.File) { file = f; begin(f) }
		each = func(it iptparse.Item) { t.addItem(it); t.opt.SeeItem(file, it) }
	}
	// The file's warnings are known once it is read.
	t.fileWarnings(parse(name, src, Registry{}, fam, start, each))
}

// firstDeclarations counts the chain declarations (":NAME POLICY
// [counters]") of a save file's first table, up to its first rule:
// where a dump declares its chains, all of them in a kube-proxy dump.
// It is only a hint for the layout's maps, made before the parse starts,
// on one core: counting every "\n:" of the file instead cost 2.3 M
// instructions (0.5-0.9 ms) on the mixed 20,000-rule dump, whose 10
// declarations are too few to reserve for.
func firstDeclarations(src string) int {
	n := 0
	for src != "" {
		line := src
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = ""
		}
		switch {
		case line == "" || line[0] == '#' || line[0] == '*':
		case line[0] == ':':
			n++
		default: // a rule, COMMIT, or not a save file
			return n
		}
	}
	return n
}

func (t *Translator) startFile(f *iptparse.File) {
	t.fileWarnings(f)
	t.beginFile(f)
}

func (t *Translator) beginFile(f *iptparse.File) {
	t.curFamily, t.curTable = f.Family, ""
}

func (t *Translator) fileWarnings(f *iptparse.File) {
	for _, w := range f.Warnings {
		t.diag(Diag{Pos: w.Pos, Kind: DiagWarning, Msg: w.Msg})
	}
}

func (t *Translator) addItem(it iptparse.Item) {
	switch it := it.(type) {
	case *iptparse.TableHeader:
		t.curTable = it.Name
		t.tableHeader(t.curFamily, it)
	case *iptparse.ChainDecl:
		t.chainDecl(t.curFamily, it)
	case *iptparse.Commit:
	case *iptparse.CommandLine:
		t.AddCommand(it.Command)
	case *iptparse.BadLine:
		t.AddBadLine(it)
	}
}

// AddBadLine records a line that did not parse.
func (t *Translator) AddBadLine(b *iptparse.BadLine) {
	if b.IsRule {
		t.stats.Rules++
		t.stats.Errors++
	}
	t.diag(Diag{Pos: b.Err.Pos, Kind: DiagError, Ext: b.Err.Ext, Msg: b.Err.Msg, Rule: b.Text})
	if t.opt.Exact {
		t.addCmd(&ir.Command{Op: ir.CmdUntranslated, Family: nftFamily(t.curFamily), Table: t.curTable, Text: strings.TrimSpace(b.Text)})
	} else {
		t.native.badLine(b)
	}
}

func (t *Translator) tableHeader(fam iptparse.Family, h *iptparse.TableHeader) {
	if !knownTable(h.Name) {
		t.diag(Diag{Pos: h.Pos, Kind: DiagError, Msg: fmt.Sprintf("table name '%s' invalid", h.Name)})
		return
	}
	if t.opt.Exact {
		t.addCmd(&ir.Command{Op: ir.CmdAddTable, Family: nftFamily(fam), Table: h.Name})
	}
}

func (t *Translator) chainDecl(fam iptparse.Family, d *iptparse.ChainDecl) {
	if t.opt.Exact {
		// From the blocks, as a rule's command (kube-proxy dumps declare
		// a chain for every two rules).
		c := t.alloc.chains.new()
		c.Name = d.Name
		if !t.opt.NoOrigin {
			c.Origin = t.alloc.origin(d.Pos)
		}
		if isBuiltinChain(d.Table, d.Name) {
			c.Hook = upstreamHook(d.Table, d.Name, d.Policy)
		}
		cmd := t.alloc.cmds.new()
		cmd.Op, cmd.Family, cmd.Table, cmd.Chain = ir.CmdAddChain, nftFamily(fam), d.Table, c
		t.addCmd(cmd)
		if t.reuse {
			// Handed on, as a rule's command: the blocks are reused
			// (a dispatch dump's 7,400 declarations, before any rule,
			// took 560 page faults of new blocks).
			t.alloc.commandDone()
		}
		return
	}
	t.native.declareChain(fam, d.Table, d.Name, d.Pos, d.Policy, d.Counters)
}

func knownTable(name string) bool {
	switch name {
	case "filter", "nat", "mangle", "raw", "security":
		return true
	}
	return false
}

func nftFamily(f iptparse.Family) ir.Family {
	if f == iptparse.FamilyIPv6 {
		return ir.FamilyIP6
	}
	return ir.FamilyIP
}

// AddCommand translates one command.
func (t *Translator) AddCommand(cmd *iptparse.Command) {
	for _, w := range cmd.Warnings {
		t.diag(Diag{Pos: w.Pos, Kind: DiagWarning, Msg: w.Msg, Rule: cmd.RuleText()})
	}
	if cmd.Op.AddsRule() {
		t.stats.Rules++
	}
	if t.kept != nil {
		// The names the layout and the rules keep.
		cmd.Table, cmd.Chain = t.keep(cmd.Table), t.keep(cmd.Chain)
		if r := cmd.Rule; r != nil && r.Target != nil && r.Target.IsChain() {
			r.Target.Name = t.keep(r.Target.Name)
		}
	}
	if !knownTable(cmd.Table) {
		t.fail(cmd, &iptparse.Error{Pos: cmd.Pos, Msg: fmt.Sprintf("table '%s' does not exist", cmd.Table)})
		return
	}
	if t.opt.Exact {
		t.exactCommand(cmd)
		if t.reuse {
			t.alloc.commandDone()
		}
		return
	}
	t.native.command(cmd)
	// The rules keep their statements, not the contexts they were built
	// in: those are done with once the command has declared its sets.
	t.alloc.ctxs.reset()
}

// fail records a rule that could not be translated, classifying err.
func (t *Translator) fail(cmd *iptparse.Command, err error) {
	var u *UntranslatableError
	var pe *iptparse.Error
	switch {
	case errors.As(err, &u):
		if cmd.Op.AddsRule() {
			t.stats.Untranslated++
		}
		effect := Effect(cmd)
		if u.NoEffect {
			effect = "none: the rule never matches"
		}
		t.diag(Diag{Pos: u.Pos, Kind: DiagUntranslated, Ext: u.Ext, Msg: u.Reason, Effect: effect, Rule: cmd.RuleText()})
	case errors.As(err, &pe):
		if cmd.Op.AddsRule() {
			t.stats.Errors++
		}
		t.diag(Diag{Pos: pe.Pos, Kind: DiagError, Ext: pe.Ext, Msg: pe.Msg, Rule: cmd.RuleText()})
	default:
		if cmd.Op.AddsRule() {
			t.stats.Errors++
		}
		t.diag(Diag{Pos: cmd.Pos, Kind: DiagError, Msg: err.Error(), Rule: cmd.RuleText()})
	}
}

// Effect says what leaving a rule out does to the firewall.
func Effect(cmd *iptparse.Command) string {
	if cmd.Rule == nil || cmd.Rule.Target == nil {
		return "its packet counting is lost"
	}
	switch tg := cmd.Rule.Target; {
	case tg.Name == "DROP" || tg.Name == "REJECT" || tg.Name == "TARPIT":
		return "fail-open: packets this rule " + map[bool]string{true: "rejects", false: "drops"}[tg.Name != "DROP"] + " are no longer stopped by it"
	case tg.Name == "ACCEPT":
		return "fail-closed: packets this rule accepts go on to the next rules"
	case tg.IsChain():
		return "packets no longer " + map[bool]string{true: "go to", false: "jump to"}[tg.Goto] + " chain " + tg.Name
	default:
		return "the " + tg.Name + " action is not performed"
	}
}

// translateRules builds the nft rules for a rule-carrying command: one per
// source × destination address, as iptables does for comma lists.
func (t *Translator) translateRules(cmd *iptparse.Command) ([]*ir.Rule, []*Ctx, error) {
	r := cmd.Rule
	ns, nd := addrCount(r.Src), addrCount(r.Dst)
	// The lists of the rule before are reused (its caller is done with
	// them); the successful return keeps them, grown, for the next.
	rules, ctxs := t.ruleBuf[:0], t.ctxBuf[:0]
	// The rule's text is for reports and comments in a ruleset; exact
	// mode prints commands only. Made once: a command with N source
	// addresses gives N rules, which share it (rendering it for each was
	// quadratic: 50,000 addresses in one -s took 24 GB).
	source := ""
	if !t.opt.Exact && !t.opt.NoProvenance {
		source = cmd.RuleText()
	}
	if ns*nd == 1 {
		// One rule, as nearly every command gives: without the loops,
		// whose counters and lists were kept around the call (some 40
		// instructions a rule).
		c := t.newCtx(true)
		rule, err := t.translateRule(cmd, c, addrAt(r.Src, 0), addrAt(r.Dst, 0), source)
		if err != nil {
			return failedRule(rule, err)
		}
		rules, ctxs = appendRule(rules, ctxs, rule, c, cmd, source)
	} else {
		for si := 0; si < ns; si++ {
			s := addrAt(r.Src, si)
			for di := 0; di < nd; di++ {
				c := t.newCtx(false)
				rule, err := t.translateRule(cmd, c, s, addrAt(r.Dst, di), source)
				if err != nil {
					return failedRule(rule, err)
				}
				rules, ctxs = appendRule(rules, ctxs, rule, c, cmd, source)
			}
		}
	}
	t.ruleBuf, t.ctxBuf = rules[:0], ctxs[:0]
	return rules, ctxs, nil
}

// failedRule is translateRules' return for translateRule's error.
func failedRule(rule *ir.Rule, err error) ([]*ir.Rule, []*Ctx, error) {
	if err == errDeadRule {
		return []*ir.Rule{rule}, nil, nil
	}
	return nil, nil, err
}

// appendRule appends translateRule's rule and its context c, or, for a
// rule c split (rule nil), the rules it split into and their contexts.
func appendRule(rules []*ir.Rule, ctxs []*Ctx, rule *ir.Rule, c *Ctx, cmd *iptparse.Command, source string) ([]*ir.Rule, []*Ctx) {
	if rule != nil {
		return append(rules, rule), append(ctxs, c)
	}
	return appendSplit(rules, ctxs, cmd, c, source)
}

// appendSplit appends the rules c splits into (c.split), and their
// contexts.
func appendSplit(rules []*ir.Rule, ctxs []*Ctx, cmd *iptparse.Command, c *Ctx, source string) ([]*ir.Rule, []*Ctx) {
	for i, stmts := range c.ruleBodies() {
		rules = append(rules, (&ir.Rule{Stmts: stmts, Comment: c.comment, Origin: []iptparse.Pos{cmd.Pos}}).WithSource(source))
		ctxs = append(ctxs, c.forBody(i))
	}
	return rules, ctxs
}

// errDeadRule is translateRule's error for a rule that never matches,
// outside exact mode: the rule returned is the dead rule to keep in its
// place.
var errDeadRule = errors.New("the rule never matches")

// translateRule translates the rule of cmd for one of its source and
// destination addresses (s, d) into c, a context from newCtx, and returns
// it. Split (c.split), it returns no rule: c.ruleBodies() are its rules
// then, with c.comment. It is translateRules' body, apart so that
// exactCommand calls it for a command that gives one rule, as nearly every
// command does, without the loops and lists (some 70 instructions a rule).
func (t *Translator) translateRule(cmd *iptparse.Command, c *Ctx, s, d *iptparse.AddrMask, source string) (*ir.Rule, error) {
	r := cmd.Rule
	// The calls below are on the lines, counted from the func line,
	// where they were when this was the body of translateRules' loop
	// under this function's name (builtins 23 lines down, target 46,
	// origin 63): default.pgo knows the hot calls of a function by that
	// count, and inlines them (builtins, target, tcp's Translate, the
	// blocks' slice and origin) only there. Moved up, they were calls
	// again until the profile was refreshed: the optimizing mode took
	// 1 % more instructions on the mixed 20,000-rule dump, not 0.4 %
	// fewer. Keep them where they are, or refresh default.pgo (make
	// pgo) with the change; the lines below are kept for the count.
	//
	//
	//
	//
	//
	//
	//
	// The context is zeroed: its fields are set one by one,
	// without writing the rest again.
	c.tr, c.Family, c.Table, c.Chain, c.Exact, c.Cmd, c.Rule = t, cmd.Family, cmd.Table, cmd.Chain, t.opt.Exact, cmd, r
	c.stmts = t.alloc.stmts.slice(2*len(r.Matches) + 6) // room for most rules' statements
	c.builtins(s, d)
	for _, m := range r.Matches {
		e := lookupParsed(m, iptparse.KindMatch, cmd.Family)
		if e == nil || e.Translate == nil {
			return nil, c.Untranslatable(m, "nftables has no equivalent of this match")
		}
		if err := e.Translate(c, m); err != nil {
			var never *NeverMatchesError
			if errors.As(err, &never) && !t.opt.Exact {
				t.diag(Diag{Pos: never.Pos, Kind: DiagNote, Ext: never.Ext, Msg: "the rule never matches, so it is left out: " + never.Reason, Rule: cmd.RuleText()})
				return ir.DeadRule([]iptparse.Pos{cmd.Pos}, t.keepText(cmd.RuleText()), strings.TrimPrefix(never.Ext+": "+never.Reason, ": ")), errDeadRule
			}
			if errors.As(err, &never) {
				return nil, &UntranslatableError{Pos: never.Pos, Ext: never.Ext, Reason: "the rule never matches: " + never.Reason, NoEffect: true}
			}
			return nil, err
		}
	}
	counter := t.alloc.counter(t.opt.Exact)
	if cmd.Counters != nil && !t.opt.Exact && !t.opt.NoCounterValues {
		counter.Packets, counter.Bytes, counter.HasValues = cmd.Counters.Packets, cmd.Counters.Bytes, true
	}
	c.Add(counter)
	if err := c.target(r.Target); err != nil {
		return nil, err
	}
	if err := c.applyUnless(); err != nil {
		return nil, err
	}
	comment := c.comment
	if !t.opt.Exact && len(comment) > maxNftComment {
		comment = truncateUTF8(comment, maxNftComment)
		c.Warn(cmd.Pos, "comment longer than nft's %d bytes, shortened to %q", maxNftComment, comment)
	}
	if c.split == nil {
		// One body: the statements as they are (c.ruleBodies()).
		rule := t.alloc.rules.new()
		c.stmts = t.alloc.stmts.trim(c.stmts)
		rule.Stmts, rule.Comment = c.stmts, comment // (the rest zeroed: alloc's reset clears rules)
		if !t.opt.NoOrigin {
			rule.Origin = t.alloc.origin(cmd.Pos)
		}
		if source != "" {
			rule.SetSourceIn(t.alloc.notes.new(), source)
		}
		// (the lines of translateRules' appends of the rule and its
		// context)
		return rule, nil
	}
	c.comment = comment
	return nil, nil
}

// newCtx is a zeroed context for a rule of a command (one: the
// command's only one), but for the fields translateRule sets first. While
// exact mode hands each command on before the next (reuse), the
// Translator's own serves the commands that give one rule, which
// exactCommand clears once done with it (clearForRule): one from the
// blocks, cleared by their reset, took some 40 instructions a rule more
// (a Ctx is 224 bytes), and zeroing all of it, 28.
func (t *Translator) newCtx(one bool) *Ctx {
	if one && t.reuse {
		// (as exactCommand leaves it: clearForRule)
		return &t.exactCtx
	}
	return t.alloc.newCtx()
}

// addrCount and addrAt walk addrList(sel) without making it.
func addrCount(sel *iptparse.AddrSel) int {
	if sel == nil {
		return 1
	}
	return len(sel.Addrs)
}

func addrAt(sel *iptparse.AddrSel, i int) *iptparse.AddrMask {
	if sel == nil {
		return nil
	}
	return &sel.Addrs[i]
}

func addrList(sel *iptparse.AddrSel) []*iptparse.AddrMask {
	if sel == nil {
		return []*iptparse.AddrMask{nil}
	}
	var l []*iptparse.AddrMask
	for i := range sel.Addrs {
		l = append(l, &sel.Addrs[i])
	}
	return l
}

// target translates -j/-g.
func (c *Ctx) target(tg *iptparse.Target) error {
	switch {
	case tg == nil:
		return nil
	case tg.Ext != nil:
		e := lookupParsed(tg.Ext, iptparse.KindTarget, c.Family)
		if e == nil || e.Translate == nil {
			return c.Untranslatable(tg.Ext, "nftables has no equivalent of this target")
		}
		return e.Translate(c, tg.Ext)
	}
	a := &c.tr.alloc // (its method called, not a method value: that took a wrapper's call)
	switch tg.Name {
	case "ACCEPT":
		c.Add(a.verdict(ir.VerdictAccept, ""))
	case "DROP":
		c.Add(a.verdict(ir.VerdictDrop, ""))
	case "RETURN":
		c.Add(a.verdict(ir.VerdictReturn, ""))
	case "QUEUE":
		// QUEUE hands packets to queue 0, like nft's plain "queue".
		c.Add(&ir.Queue{})
	case "CONTINUE":
		// (no extension is named so: told here, not before the
		// extension's test, a test less for every other target)
	default:
		kind := ir.VerdictJump
		if tg.Goto {
			kind = ir.VerdictGoto
		}
		c.Add(a.verdict(kind, c.tr.chainRef(c, tg.Name, tg.Pos)))
	}
	return nil
}

// chainRef is the nft name of a user chain a rule jumps to.
func (t *Translator) chainRef(c *Ctx, name string, pos iptparse.Pos) string {
	if t.opt.Exact {
		return name
	}
	if t.opt.ChainName != nil {
		return t.opt.ChainName(c.Family, c.Table, name)
	}
	return t.native.userChainName(c.Family, c.Table, name, pos)
}

// uniqueSetName picks a set name not used by another, different set.
func (t *Translator) uniqueSetName(fam ir.Family, s *ir.Set, pending []*ir.Set) string {
	return t.native.uniqueSetName(fam, s, pending)
}

// maxNftComment is the longest rule comment nft accepts.
const maxNftComment = 128

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
