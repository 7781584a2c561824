package iptparse

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Parser parses iptables command lines. The zero value is not usable: set
// Registry. Family selects iptables (IPv4) or ip6tables (IPv6) behaviour.
type Parser struct {
	Registry Registry
	Family   Family
	// Restore is set for lines of an iptables-restore file, where -t is
	// not allowed and the table comes from the *table header.
	Restore bool
	// Table is the default table ("filter" if empty).
	Table string
}

// baseOpt is one of iptables' own options (not an extension's).
type baseOpt struct {
	long  string
	short byte
	arg   ArgMode // ArgRequired, ArgOptional, or ArgDefault meaning none
}

// baseLong is the index in baseOpts of each long option name (the first,
// as iptables' getopt finds it): most long options of a rule are an
// extension's, which a look through baseOpts compared with every name.
var baseLong = func() map[string]int {
	m := make(map[string]int, len(baseOpts))
	for i := len(baseOpts) - 1; i >= 0; i-- {
		m[baseOpts[i].long] = i
	}
	return m
}()

// baseLongShapes has, for each first byte of a name in baseLong, bit n
// set if a name of n bytes starts with it: most long options of a rule
// are an extension's ("--dport", "--comment"), which that tells from
// iptables' own without looking them up.
var baseLongShapes = func() (t [256]uint32) {
	for _, o := range baseOpts {
		if len(o.long) == 0 || len(o.long) >= 32 {
			panic("iptparse: a long option name of " + strconv.Itoa(len(o.long)) + " bytes")
		}
		t[o.long[0]] |= 1 << len(o.long)
	}
	return t
}()

// mayBeBaseLong tells whether name may be in baseLong.
func mayBeBaseLong(name string) bool {
	return len(name) > 0 && len(name) < 32 && baseLongShapes[name[0]]&(1<<len(name)) != 0
}

// baseOpts is iptables' original_opts (iptables/xtables.c) in order.
var baseOpts = []baseOpt{
	{"append", 'A', ArgRequired}, {"delete", 'D', ArgRequired},
	{"check", 'C', ArgRequired}, {"insert", 'I', ArgRequired},
	{"replace", 'R', ArgRequired}, {"list", 'L', ArgOptional},
	{"list-rules", 'S', ArgOptional}, {"flush", 'F', ArgOptional},
	{"zero", 'Z', ArgOptional}, {"new-chain", 'N', ArgRequired},
	{"delete-chain", 'X', ArgOptional}, {"rename-chain", 'E', ArgRequired},
	{"policy", 'P', ArgRequired}, {"source", 's', ArgRequired},
	{"destination", 'd', ArgRequired}, {"src", 's', ArgRequired},
	{"dst", 'd', ArgRequired}, {"protocol", 'p', ArgRequired},
	{"in-interface", 'i', ArgRequired}, {"jump", 'j', ArgRequired},
	{"table", 't', ArgRequired}, {"match", 'm', ArgRequired},
	{"numeric", 'n', ArgDefault}, {"out-interface", 'o', ArgRequired},
	{"verbose", 'v', ArgDefault}, {"wait", 'w', ArgOptional},
	{"wait-interval", 'W', ArgOptional}, {"exact", 'x', ArgDefault},
	{"fragments", 'f', ArgDefault}, {"version", 'V', ArgDefault},
	{"help", 'h', ArgOptional}, {"line-numbers", '0', ArgDefault},
	{"modprobe", 'M', ArgRequired}, {"set-counters", 'c', ArgRequired},
	{"goto", 'g', ArgRequired}, {"ipv4", '4', ArgDefault},
	{"ipv6", '6', ArgDefault},
}

// shortArgs is IPT_OPTSTRING: the argument mode of each short option. An
// array, which the compiler lays out, not a map built at every start.
var shortArgs = [...]struct {
	c    byte
	mode ArgMode
}{
	{'A', ArgRequired}, {'C', ArgRequired}, {'D', ArgRequired}, {'E', ArgRequired},
	{'F', ArgOptional}, {'I', ArgRequired}, {'L', ArgOptional}, {'M', ArgRequired},
	{'N', ArgRequired}, {'P', ArgRequired}, {'R', ArgRequired}, {'S', ArgOptional},
	{'V', ArgDefault}, {'X', ArgOptional}, {'Z', ArgOptional}, {'c', ArgRequired},
	{'d', ArgRequired}, {'i', ArgRequired}, {'j', ArgRequired}, {'o', ArgRequired},
	{'p', ArgRequired}, {'s', ArgRequired}, {'t', ArgRequired}, {'v', ArgDefault},
	{'W', ArgOptional}, {'4', ArgDefault}, {'6', ArgDefault}, {'f', ArgDefault},
	{'g', ArgRequired}, {'h', ArgOptional}, {'m', ArgRequired}, {'n', ArgDefault},
	{'w', ArgOptional}, {'x', ArgDefault},
}

// shortArg and shortOpt are shortArgs as tables: the mode, and whether
// there is such an option.
var shortArg, shortOpt = func() (mode [256]ArgMode, ok [256]bool) {
	for _, s := range shortArgs {
		mode[s.c], ok[s.c] = s.mode, true
	}
	return
}()

// parseState is the state of one ParseCommand call.
type parseState struct {
	// p is the parser's, not a copy: st leaks to the heap as a whole
	// (st.exts goes to the arena), and p with it, which points to
	// memory of the heap (a save file's worker's) or costs one
	// allocation (ParseCommand's); a copy cost each rule its 40 bytes.
	p         *Parser
	cmd       *Command
	words     []Word
	next      int  // index of the next word to read (getopt's optind)
	invert    bool // a "!" was seen
	notPos    Pos
	exts      []*Ext // loaded extensions, in load order (matches and target)
	plain     uint64 // bit i: none of the options of exts[i] is mandatory
	proto     *ProtoSel
	protoUsed bool
	seen      uint16 // core options given, to catch repeats (bits: onceFlags)
	a         *arena // where the nodes come from (nil: the heap, one by one)
	// bare: splitFast found every word one bare part of bytes Quote
	// leaves bare (see arena.parted), which holds no space
	bare bool
}

// ParseCommand parses the words of one iptables command (without the
// program name).
func (p *Parser) ParseCommand(words []Word) (*Command, error) {
	return p.parse(words, nil)
}

// parse is ParseCommand taking the nodes from a.
func (p *Parser) parse(words []Word, a *arena) (*Command, error) {
	cmd := a.command()
	// cmd is zeroed: setting fields one by one spares the write barrier
	// of a whole Command while the collector runs (so below)
	cmd.Words, cmd.Family, cmd.Table = words, p.Family, p.Table
	if cmd.Table == "" {
		cmd.Table = "filter"
	}
	if len(words) > 0 {
		cmd.Pos = words[0].Pos
	}
	var st parseState // field by field: a composite literal was built aside, then copied
	st.p, st.cmd, st.words, st.a, st.bare = p, cmd, words, a, a != nil && !a.parted
	if a != nil {
		st.exts = a.extScratch[:0]
	}
	err := st.run()
	if a != nil {
		for i := range st.exts {
			st.exts[i] = nil // (a few: clear's call cost more)
		}
		a.extScratch = st.exts[:0]
	}
	return cmd, err
}

func (st *parseState) errorf(pos Pos, format string, args ...any) *Error {
	return Errorf(pos, "", format, args...)
}

// hasArg is iptables' xs_has_arg: the next word exists and does not look
// like an option or a "!".
func (st *parseState) hasArg() bool {
	return st.next < len(st.words) && !strings.HasPrefix(st.words[st.next].Text, "-") &&
		!strings.HasPrefix(st.words[st.next].Text, "!")
}

func (st *parseState) run() error {
	for st.next < len(st.words) {
		w := &st.words[st.next]
		st.next++
		t := w.Text
		switch {
		case len(t) == 2 && t[0] == '-' && shortOpt[t[1]]:
			// one short option, as most words read here are:
			// shortOptions' first case, without the call (and first:
			// no other case takes such a word)
			if err := st.base(w, t[1], shortArg[t[1]], "", false); err != nil {
				return err
			}
		case t == "--":
			// getopt stops at "--"; iptables then complains about the rest.
			if st.next < len(st.words) {
				return st.errorf(st.words[st.next].Pos, "Bad argument `%s'", st.words[st.next].Text)
			}
			continue
		case strings.HasPrefix(t, "--"):
			if err := st.longOption(w); err != nil {
				return err
			}
		case len(t) > 1 && t[0] == '-':
			if err := st.shortOptions(w); err != nil {
				return err
			}
		default:
			if t == "!" {
				if st.invert {
					return st.errorf(w.Pos, "multiple consecutive ! not allowed")
				}
				st.invert, st.notPos = true, w.Pos
				continue
			}
			return st.errorf(w.Pos, "Bad argument `%s'", t)
		}
	}
	return st.finish()
}

// longOption handles "--name[=value]".
func (st *parseState) longOption(w *Word) error {
	name, inline, hasInline := cutEq(w.Text[2:])
	b, x, o, err := st.resolveLong(w, name)
	if err != nil {
		return err
	}
	switch {
	case b != nil:
		return st.base(w, b.short, b.arg, inline, hasInline)
	case o != nil:
		return st.extOption(w, x, o, inline, hasInline)
	}
	// Unknown: maybe the protocol match was not loaded yet.
	if st.loadProto(w.Pos) {
		st.next--
		return nil
	}
	return st.unknownOption(w, w.Text)
}

// cutEq is strings.Cut(s, "=") for an option's name, a few bytes,
// where a loop costs less than IndexByte's call.
func cutEq(s string) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// unknownOption reports an option no loaded extension knows, naming the
// extension most recently given with -m or -j (the one the option was
// probably meant for), or the protocol match -p loaded.
func (st *parseState) unknownOption(w *Word, opt string) error {
	ext := ""
	for i := len(st.exts) - 1; i >= 0; i-- {
		if !st.exts[i].Implicit {
			ext = st.exts[i].Label()
			break
		}
		if ext == "" {
			ext = "-p " + st.exts[i].Name
		}
	}
	return &Error{Pos: w.Pos, Ext: ext, Msg: fmt.Sprintf("unknown option %q", opt)}
}

// resolveLong finds a long option like getopt_long does over iptables'
// merged option table (base options, then extensions newest first): an
// exact name wins; otherwise an abbreviation must pick out one option.
func (st *parseState) resolveLong(w *Word, name string) (*baseOpt, *Ext, *OptionSpec, error) {
	if mayBeBaseLong(name) {
		if i, ok := baseLong[name]; ok {
			return &baseOpts[i], nil, nil, nil
		}
	}
	for i := len(st.exts) - 1; i >= 0; i-- {
		x := st.exts[i]
		for j := range x.Spec.Options {
			o := &x.Spec.Options[j]
			if o.Name == name || containsStr(o.Aliases, name) {
				return nil, x, o, nil
			}
		}
	}
	if name == "" {
		return nil, nil, nil, nil
	}
	var (
		fb    *baseOpt
		fx    *Ext
		fo    *OptionSpec
		count int
	)
	for i := range baseOpts {
		if strings.HasPrefix(baseOpts[i].long, name) {
			if fb == nil {
				fb, count = &baseOpts[i], count+1
			} else if fb.short != baseOpts[i].short {
				count++
			}
		}
	}
	for i := len(st.exts) - 1; i >= 0; i-- {
		x := st.exts[i]
		for j := range x.Spec.Options {
			o := &x.Spec.Options[j]
			match := strings.HasPrefix(o.Name, name)
			for _, a := range o.Aliases {
				match = match || strings.HasPrefix(a, name)
			}
			if !match || (fx == x && fo == o) {
				continue
			}
			if fo == nil {
				fx, fo = x, o
			}
			count++
		}
	}
	switch {
	case count > 1:
		return nil, nil, nil, st.errorf(w.Pos, "option '%s' is ambiguous", w.Text)
	case fb != nil:
		return fb, nil, nil, nil
	}
	return nil, fx, fo, nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// shortOptions handles a cluster like "-nvL" or "-AINPUT".
func (st *parseState) shortOptions(w *Word) error {
	t := w.Text
	if len(t) == 2 && shortOpt[t[1]] {
		// One option, as nearly every short option word is: what the
		// loop does for it, whatever its argument mode.
		return st.base(w, t[1], shortArg[t[1]], "", false)
	}
	for i := 1; i < len(t); i++ {
		c := t[i]
		mode, ok := shortArg[c], shortOpt[c]
		if !ok {
			if st.loadProto(w.Pos) {
				// Retry the whole word with the protocol match loaded; an
				// extension never has short options, so this fails again.
				st.next--
				return nil
			}
			return st.unknownOption(w, "-"+string(c))
		}
		rest := t[i+1:]
		switch mode {
		case ArgRequired:
			if rest != "" {
				return st.base(w, c, mode, rest, true)
			}
			return st.base(w, c, mode, "", false)
		case ArgOptional:
			return st.base(w, c, mode, rest, rest != "")
		default:
			if err := st.base(w, c, mode, "", false); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkInverse handles the old intrapositioned negation "-s ! addr": if the
// argument is "!", the option is negated and the next word is the argument.
func (st *parseState) checkInverse(w *Word, arg **Word) error {
	a := *arg
	if a.Text != "!" {
		return nil
	}
	if st.invert {
		return st.errorf(a.Pos, "Multiple `!' flags not allowed")
	}
	if st.next >= len(st.words) {
		return st.errorf(a.Pos, "no argument following `!'")
	}
	st.cmd.Warnings = append(st.cmd.Warnings, Warning{Pos: a.Pos,
		Msg: fmt.Sprintf("intrapositioned negation (`%s ! this`) is deprecated; read as `! %s this`", w.Text, w.Text)})
	st.invert = true
	st.notPos = a.Pos
	*arg = &st.words[st.next]
	st.next++
	return nil
}

// setCommand records the command op, and reports false if it may not
// (setCommandError tells why): small enough to be inlined, where its call
// cost 24 instructions a rule.
func (st *parseState) setCommand(w *Word, op Op) bool {
	if st.invert || st.cmd.Op != OpNone {
		return false
	}
	st.cmd.Op, st.cmd.OpPos = op, w.Pos
	return true
}

// setCommandError is why setCommand(w, op) failed.
func (st *parseState) setCommandError(w *Word, op Op) error {
	if st.invert {
		return st.errorf(st.notPos, "unexpected '!' flag")
	}
	return st.errorf(w.Pos, "Cannot use %s with %s", op, st.cmd.Op)
}

// onceFlags are the core options that may be given once, in the order of
// their bits in parseState.seen.
const onceFlags = "psdiofjtc"

// onceBits is the bit in parseState.seen of each of onceFlags.
var onceBits = func() (t [256]uint16) {
	for i := range len(onceFlags) {
		t[onceFlags[i]] = 1 << i
	}
	return t
}()

// once records the core option -c and fails if it was given before. It
// is small enough to be inlined: the error is made by onceError.
func (st *parseState) once(w *Word, c byte) error {
	if st.seen&onceBits[c] != 0 {
		return st.onceError(w, c)
	}
	st.seen |= onceBits[c]
	return nil
}

// onceError is once's error.
func (st *parseState) onceError(w *Word, c byte) error {
	return Errorf(w.Pos, "", "multiple %s flags not allowed", shortOptName(c))
}

// shortOptName is "-c", for messages. Built when a message needs it:
// a table of the 52 letters' names took 52 allocations and 4 KB of the
// init function's stack frame (which grew the stack) in every process.
func shortOptName(c byte) string {
	return "-" + string(rune(c))
}

// base handles one of iptables' own options. A "!" before it has been
// used up afterwards.
func (st *parseState) base(w *Word, c byte, mode ArgMode, inline string, hasInline bool) error {
	err := st.baseOption(w, c, mode, inline, hasInline)
	st.invert = false
	return err
}

func (st *parseState) baseOption(w *Word, c byte, mode ArgMode, inline string, hasInline bool) error {
	// The words are handled by pointer, most of them into st.words:
	// copying them by value through the calls cost more than the rest.
	var (
		arg       *Word
		inlineArg Word // the argument given in the option's own word, if any
	)
	switch {
	case mode == ArgRequired && !hasInline:
		if st.next >= len(st.words) {
			return st.errorf(w.Pos, "option \"%s\" requires an argument", w.Text)
		}
		arg = &st.words[st.next]
		st.next++
	case hasInline && (mode == ArgRequired || mode == ArgOptional):
		inlineArg = Word{Text: inline, Pos: w.Pos}
		arg = &inlineArg
	default:
		arg = &inlineArg // none: the zero word
	}
	optionalWord := func() (*Word, bool) {
		if hasInline {
			return arg, true
		}
		if st.hasArg() {
			st.next++
			return &st.words[st.next-1], true
		}
		return nil, false
	}
	cmd := st.cmd
	switch c {
	case 'A', 'C':
		op := OpAppend
		if c == 'C' {
			op = OpCheck
		}
		if !st.setCommand(w, op) {
			return st.setCommandError(w, op)
		}
		cmd.Chain = arg.Text
	case 'D':
		if !st.setCommand(w, OpDelete) {
			return st.setCommandError(w, OpDelete)
		}
		cmd.Chain = arg.Text
		if st.hasArg() {
			n, err := st.ruleNum(&st.words[st.next])
			if err != nil {
				return err
			}
			st.next++
			cmd.RuleNum, cmd.Op = n, OpDeleteNum
		}
	case 'R':
		if !st.setCommand(w, OpReplace) {
			return st.setCommandError(w, OpReplace)
		}
		cmd.Chain = arg.Text
		if !st.hasArg() {
			return st.errorf(w.Pos, "-R requires a rule number")
		}
		n, err := st.ruleNum(&st.words[st.next])
		if err != nil {
			return err
		}
		st.next++
		cmd.RuleNum = n
	case 'I':
		if !st.setCommand(w, OpInsert) {
			return st.setCommandError(w, OpInsert)
		}
		cmd.Chain = arg.Text
		cmd.RuleNum = 1
		if st.hasArg() {
			n, err := st.ruleNum(&st.words[st.next])
			if err != nil {
				return err
			}
			st.next++
			cmd.RuleNum = n
		}
	case 'L', 'S', 'Z':
		op := map[byte]Op{'L': OpList, 'S': OpListRules, 'Z': OpZero}[c]
		if st.invert {
			return st.errorf(st.notPos, "unexpected '!' flag")
		}
		// -L and -Z may be combined (list and zero).
		if cmd.Op != OpNone && !((cmd.Op == OpZero && op != OpZero) || (op == OpZero && (cmd.Op == OpList || cmd.Op == OpListRules))) {
			return st.errorf(w.Pos, "Cannot use %s with %s", op, cmd.Op)
		}
		if cmd.Op != OpNone && op != cmd.Op {
			cmd.Zero = true
		}
		if cmd.Op == OpNone || op != OpZero {
			cmd.Op, cmd.OpPos = op, w.Pos
		}
		if a, ok := optionalWord(); ok {
			cmd.Chain = a.Text
		}
		if st.hasArg() {
			n, err := st.ruleNum(&st.words[st.next])
			if err != nil {
				return err
			}
			st.next++
			cmd.RuleNum = n
		}
	case 'F', 'X':
		op := OpFlush
		if c == 'X' {
			op = OpDeleteChain
		}
		if !st.setCommand(w, op) {
			return st.setCommandError(w, op)
		}
		if a, ok := optionalWord(); ok {
			cmd.Chain = a.Text
		}
	case 'N':
		if !st.setCommand(w, OpNewChain) {
			return st.setCommandError(w, OpNewChain)
		}
		if err := st.validChainName(arg); err != nil {
			return err
		}
		cmd.Chain = arg.Text
	case 'E':
		if !st.setCommand(w, OpRenameChain) {
			return st.setCommandError(w, OpRenameChain)
		}
		cmd.Chain = arg.Text
		if !st.hasArg() {
			return st.errorf(w.Pos, "-E requires old-chain-name and new-chain-name")
		}
		nw := &st.words[st.next]
		st.next++
		if err := st.validChainName(nw); err != nil {
			return err
		}
		cmd.NewName = nw.Text
	case 'P':
		if !st.setCommand(w, OpPolicy) {
			return st.setCommandError(w, OpPolicy)
		}
		if !st.hasArg() {
			return st.errorf(w.Pos, "-P requires a chain and a policy")
		}
		cmd.Chain = arg.Text
		cmd.Policy = st.words[st.next].Text
		st.next++
	case 'p':
		if err := st.checkInverse(w, &arg); err != nil {
			return err
		}
		if err := st.once(w, 'p'); err != nil {
			return err
		}
		name := toLower(arg.Text)
		num, ok := ProtocolNumber(name)
		if !ok {
			return st.errorf(arg.Pos, "unknown protocol \"%s\" specified", arg.Text)
		}
		if num == 0 && st.invert {
			return st.errorf(arg.Pos, "rule would never match protocol")
		}
		st.proto = st.a.protoSel()
		st.proto.Pos, st.proto.Neg, st.proto.Name, st.proto.Num = w.Pos, st.invert, name, num
		st.rule().Proto = st.proto
	case 's', 'd':
		if err := st.checkInverse(w, &arg); err != nil {
			return err
		}
		if err := st.once(w, c); err != nil {
			return err
		}
		sel, err := st.parseAddrList(arg)
		if err != nil {
			return err
		}
		sel.Pos, sel.Neg = w.Pos, st.invert
		if c == 's' {
			st.rule().Src = sel
		} else {
			st.rule().Dst = sel
		}
	case 'i', 'o':
		if arg.Text == "" {
			return st.errorf(arg.Pos, "Empty interface is likely to be undesired")
		}
		if err := st.checkInverse(w, &arg); err != nil {
			return err
		}
		if err := st.once(w, c); err != nil {
			return err
		}
		if len(arg.Text) >= 16 {
			return st.errorf(arg.Pos, "interface name `%s' must be shorter than 16 characters", arg.Text)
		}
		if strings.ContainsAny(arg.Text, "/ ") {
			cmd.Warnings = append(cmd.Warnings, Warning{Pos: arg.Pos, Msg: fmt.Sprintf("weird character in interface `%s' ('/' and ' ' are not allowed by the kernel)", arg.Text)})
		}
		sel := st.a.ifaceSel()
		sel.Pos, sel.Neg, sel.Name = w.Pos, st.invert, arg.Text
		if c == 'i' {
			st.rule().In = sel
		} else {
			st.rule().Out = sel
		}
	case 'f':
		if st.p.Family == FamilyIPv6 {
			return st.errorf(w.Pos, "`-f' is not supported in IPv6, use -m frag instead")
		}
		if err := st.once(w, 'f'); err != nil {
			return err
		}
		st.rule().Frag = &FragSel{Pos: w.Pos, Neg: st.invert}
	case 'j', 'g':
		if st.invert {
			return st.errorf(st.notPos, "cannot have ! before -%c", c)
		}
		if err := st.once(w, 'j'); err != nil {
			return st.errorf(w.Pos, "multiple -j flags not allowed")
		}
		if err := st.validTargetName(arg); err != nil {
			return err
		}
		t := st.a.target()
		t.Pos, t.Name, t.Goto, t.Ext = w.Pos, arg.Text, c == 'g', nil // every field: see arena.reset
		st.rule().Target = t
		if c == 'j' && arg.Text != "CONTINUE" {
			// (not kept in the arena as matches are: most -j are to a
			// standard verdict or a chain, which the registry tells at
			// once, and then to a few targets)
			if spec := st.p.Registry.Target(arg.Text, st.p.Family); spec != nil {
				t.Ext = st.a.ext()
				t.Ext.Pos, t.Ext.Kind, t.Ext.Name, t.Ext.Spec = w.Pos, KindTarget, arg.Text, spec
				st.exts = append(st.exts, t.Ext)
			}
		}
	case 'm':
		if st.invert {
			return st.errorf(st.notPos, "unexpected ! flag before --match")
		}
		name := arg.Text
		spec, plain := st.matchSpec(name)
		if spec == nil {
			return &Error{Pos: arg.Pos, Msg: fmt.Sprintf("Couldn't load match `%s':No such file or directory", name)}
		}
		m := st.a.ext()
		m.Pos, m.Kind, m.Name, m.Spec = w.Pos, KindMatch, spec.Name, spec
		r := st.rule()
		r.Matches = st.a.appendExt(r.Matches, m)
		st.loaded(m, plain)
	case 't':
		if st.invert {
			return st.errorf(st.notPos, "unexpected ! flag before --table")
		}
		if st.p.Restore {
			return st.errorf(w.Pos, "The -t option cannot be used in iptables-restore")
		}
		if err := st.once(w, 't'); err != nil {
			return err
		}
		cmd.Table = arg.Text
	case 'c':
		if err := st.once(w, 'c'); err != nil {
			return err
		}
		pcnt, bcnt, found := strings.Cut(arg.Text, ",")
		if !found {
			if !st.hasArg() {
				return st.errorf(w.Pos, "-c requires packet and byte counter")
			}
			bcnt = st.words[st.next].Text
			st.next++
		}
		p, ok1 := parseUintBase(pcnt, 10)
		b, ok2 := parseUintBase(bcnt, 10)
		if !ok1 {
			return st.errorf(w.Pos, "-c packet counter not numeric")
		}
		if !ok2 {
			return st.errorf(w.Pos, "-c byte counter not numeric")
		}
		cmd.Counters = st.a.counter()
		*cmd.Counters = Counters{Packets: p, Bytes: b}
	case 'w', 'W':
		// The xtables lock: meaningless when translating; accept the
		// optional seconds argument.
		if st.p.Restore {
			return st.errorf(w.Pos, "You cannot use `-%c' from iptables-restore", c)
		}
		val := inline
		if !hasInline && st.hasArg() {
			val = st.words[st.next].Text
			st.next++
		}
		if c == 'w' {
			cmd.Flags.Wait, cmd.Flags.WaitSecs = true, val
		} else {
			cmd.Flags.WaitInterval = val
		}
	case '4':
		if st.p.Family == FamilyIPv6 {
			return &Error{Pos: w.Pos, Msg: "-4: this command is for IPv4 only (ignored by ip6tables)", Ext: ""}
		}
	case '6':
		if st.p.Family != FamilyIPv6 {
			return &Error{Pos: w.Pos, Msg: "-6: this command is for IPv6 only (ignored by iptables)"}
		}
	case 'n':
		cmd.Flags.Numeric = true
	case 'v':
		cmd.Flags.Verbose++
	case 'x':
		cmd.Flags.Exact = true
	case '0':
		cmd.Flags.LineNumbers = true
	case 'M':
		// modprobe: no effect on the rule.
	case 'V':
		cmd.Flags.Version = true
		return st.errorf(w.Pos, "-%c is not a rule command", c)
	case 'h':
		return st.errorf(w.Pos, "-%c is not a rule command", c)
	default:
		return st.unknownOption(w, "-"+string(c))
	}
	return nil
}

// matchSpec finds the match that "-m name" loads: by its name in lower
// case, else as written. plain tells that none of its options is
// mandatory (known for the extensions the arena keeps).
func (st *parseState) matchSpec(name string) (spec *ExtensionSpec, plain bool) {
	var e *specEntry
	if st.a != nil {
		var ok bool
		if e, ok = st.a.specs.lookup(name, KindMatch, st.p.Family); ok {
			return e.spec, e.plain
		}
	}
	spec = st.p.Registry.Match(toLower(name), st.p.Family)
	if spec == nil {
		spec = st.p.Registry.Match(name, st.p.Family)
	}
	if e != nil {
		e.store(name, KindMatch, st.p.Family, spec)
	}
	return spec, false
}

// loaded adds x to the loaded extensions; plain: none of its options is
// mandatory.
func (st *parseState) loaded(x *Ext, plain bool) {
	if plain && len(st.exts) < 64 {
		st.plain |= 1 << len(st.exts)
	}
	st.exts = append(st.exts, x)
}

func (st *parseState) rule() *Rule {
	if st.cmd.Rule == nil {
		st.cmd.Rule = st.a.rule()
	}
	return st.cmd.Rule
}

func (st *parseState) ruleNum(w *Word) (int, error) {
	n, ok := ParseUint(w.Text, 0, 1, 1<<31-1)
	if !ok {
		return 0, st.errorf(w.Pos, "Invalid rule number `%s'", w.Text)
	}
	return int(n), nil
}

func (st *parseState) validChainName(w *Word) error {
	name := w.Text
	if len(name) >= 29 {
		return st.errorf(w.Pos, "chain name `%s' too long (must be under 29 chars)", name)
	}
	if name == "" || name[0] == '-' || name[0] == '!' {
		return st.errorf(w.Pos, "chain name not allowed to start with `%.1s'", name)
	}
	if strings.IndexFunc(name, unicode.IsSpace) >= 0 {
		return st.errorf(w.Pos, "Invalid chain name `%s'", name)
	}
	if st.p.Registry.Target(name, st.p.Family) != nil {
		return st.errorf(w.Pos, "chain name may not clash with target name")
	}
	return nil
}

// validTargetName is validTargetName, which need not look for spaces
// in a bare word.
func (st *parseState) validTargetName(w *Word) error {
	if st.bare && w.Text != "" && len(w.Text) < 29 {
		return nil
	}
	return validTargetName(w)
}

func validTargetName(w *Word) error {
	if w.Text == "" {
		return Errorf(w.Pos, "", "Invalid target name (too short)")
	}
	if len(w.Text) >= 29 {
		return Errorf(w.Pos, "", "Invalid target name `%s' (28 chars max)", w.Text)
	}
	if hasSpace(w.Text) {
		return Errorf(w.Pos, "", "Invalid target name `%s'", w.Text)
	}
	return nil
}

// hasSpace is strings.IndexFunc(s, unicode.IsSpace) >= 0, reading a
// string of printable ASCII byte by byte: the ASCII spaces are at most
// ' ', and IndexFunc reads a string with any such byte or beyond ASCII.
func hasSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= utf8.RuneSelf {
			return strings.IndexFunc(s, unicode.IsSpace) >= 0
		}
	}
	return false
}

// toLower is strings.ToLower for the names of protocols and matches,
// which are lower case: one look at their bytes, where strings.ToLower
// takes two.
func toLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
	}
	return s
}

// parseAddrList parses -s/-d arguments: a comma list of "addr[/mask]".
func (st *parseState) parseAddrList(arg *Word) (*AddrSel, error) {
	if st.p.Family != FamilyIPv6 {
		if sel := st.a.addrSelIPv4(arg.Text); sel != nil {
			return sel, nil
		}
	}
	return st.parseAddrs(arg)
}

// parseAddrs is parseAddrList for any argument.
func (st *parseState) parseAddrs(arg *Word) (*AddrSel, error) {
	maxBits := 32
	if st.p.Family == FamilyIPv6 {
		maxBits = 128
	}
	addrs := st.a.addrList(strings.Count(arg.Text, ",") + 1)
	for rest, more := arg.Text, true; more; {
		part := rest
		if i := strings.IndexByte(rest, ','); i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			more = false
		}
		part = trimBlanksLeft(part)
		addr, mask, hasMask := part, "", false
		if i := strings.LastIndexByte(part, '/'); i >= 0 {
			addr, mask, hasMask = part[:i], part[i+1:], true
		}
		pl := Plen{Bits: maxBits, Mask: prefixMask(maxBits, maxBits)}
		if hasMask {
			var err error
			if pl, err = ParsePlen(mask, st.p.Family); err != nil {
				return nil, st.errorf(arg.Pos, "invalid mask `%s' specified", mask)
			}
		}
		if pl.Bits == 0 {
			addr = "0.0.0.0" // "any/0": the name is ignored
			if maxBits == 128 {
				addr = "::"
			}
		}
		a, err := ParseHost(addr, st.p.Family)
		if err != nil {
			return nil, &Error{Pos: arg.Pos, Msg: err.Error()}
		}
		am := AddrMask{Addr: andAddr(a, pl.Mask), Mask: pl.Mask, Bits: pl.Bits}
		addrs = append(addrs, am)
	}
	sel := st.a.addrSel()
	sel.Addrs = addrs
	return sel, nil
}

// oneIPv4 reads into am the most common -s/-d argument, one IPv4
// address in dotted quad with a decimal prefix length or none
// ("10.0.0.0/8"), as parseAddrList's loop reads it, in a fraction of its
// time; it reports false, and leaves am as it is, for any other
// argument, which the loop then reads. It fills in a slot of the arena
// rather than returning the AddrMask: copying its 56 bytes (two
// pointers) there cost more than reading the address.
func oneIPv4(am *AddrMask, s string) bool {
	// A prefix length is one or two digits after the last '/', the
	// first not a 0 unless alone (ParsePlen reads "010" as octal): the
	// '/' is looked for there only, as dottedQuad32 rejects any other.
	addr, bits, n := s, 32, len(s)
	switch {
	case n >= 2 && s[n-2] == '/' && '0' <= s[n-1] && s[n-1] <= '9':
		addr, bits = s[:n-2], int(s[n-1]-'0')
	case n >= 3 && s[n-3] == '/' && '1' <= s[n-2] && s[n-2] <= '3' && '0' <= s[n-1] && s[n-1] <= '9':
		addr, bits = s[:n-3], int(s[n-2]-'0')*10+int(s[n-1]-'0')
	}
	if bits > 32 {
		return false
	}
	a, ok := dottedQuad32(addr)
	if !ok {
		return false
	}
	// andAddr's masking, on the number (a shift by 32 gives 0)
	am.Addr, am.Mask, am.Bits = addrFrom32(a&(^uint32(0)<<(32-bits))), prefixMasks4[bits], bits
	return true
}

// trimBlanksLeft is strings.TrimLeft(s, " \t").
func trimBlanksLeft(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

// loadProto loads the match named by -p when an unknown option is met,
// like iptables' load_proto. It reports whether a match was loaded.
func (st *parseState) loadProto(pos Pos) bool {
	if st.proto == nil || st.protoUsed {
		return false
	}
	st.protoUsed = true
	name := st.proto.Name
	if n, ok := ParseUint(name, 0, 0, 255); ok {
		name = ChainProtoName(uint8(n))
		if name == "" {
			name = ProtocolName(uint8(n))
		}
		if name == "" {
			return false
		}
	}
	spec := st.p.Registry.Match(name, st.p.Family)
	if spec == nil {
		return false
	}
	m := st.a.ext()
	m.Pos, m.Kind, m.Name, m.Spec, m.Implicit = pos, KindMatch, spec.Name, spec, true
	r := st.rule()
	r.Matches = st.a.appendExt(r.Matches, m)
	st.exts = append(st.exts, m)
	return true
}

// extOption parses one option of an extension.
func (st *parseState) extOption(w *Word, x *Ext, o *OptionSpec, inline string, hasInline bool) error {
	neg := st.invert
	st.invert = false
	opt := st.a.option()
	opt.Pos, opt.Spec, opt.Name, opt.Written, opt.Neg = w.Pos, o, o.Name, w.Text, neg
	n := o.Words()
	switch {
	case n == 0:
		if hasInline {
			return &Error{Pos: w.Pos, Ext: x.Label(), Msg: fmt.Sprintf("option \"--%s\" doesn't allow an argument", o.Name)}
		}
	case o.Arg == ArgOptional:
		if hasInline {
			opt.Args = append(st.a.wordList(1), Word{Text: inline, Pos: w.Pos})
		} else if st.hasArg() {
			opt.Args = st.words[st.next : st.next+1 : st.next+1]
			st.next++
		}
	default:
		// The arguments are the next words, or the inline one and the
		// words after it: the first's text, and its index (-1: inline).
		first, idx := inline, -1
		if !hasInline {
			if st.next >= len(st.words) {
				return &Error{Pos: w.Pos, Ext: x.Label(), Msg: fmt.Sprintf("option \"--%s\" requires an argument", o.Name)}
			}
			first, idx = st.words[st.next].Text, st.next
			st.next++
		}
		if first == "!" && !neg && st.next < len(st.words) {
			st.cmd.Warnings = append(st.cmd.Warnings, Warning{Pos: st.argPos(w, idx),
				Msg: fmt.Sprintf("intrapositioned negation (`--%s ! this`) is deprecated; read as `! --%s this`", o.Name, o.Name)})
			neg, opt.Neg = true, true
			idx = st.next
			st.next++
		}
		if st.next+n-1 > len(st.words) {
			return &Error{Pos: w.Pos, Ext: x.Label(), Msg: fmt.Sprintf("option \"--%s\" requires %d arguments", o.Name, n)}
		}
		if idx >= 0 {
			opt.Args = st.words[idx : idx+n : idx+n]
		} else {
			opt.Args = append(append(st.a.wordList(n), Word{Text: inline, Pos: w.Pos}), st.words[st.next:st.next+n-1]...)
		}
		st.next += n - 1
	}
	if neg && o.Flags&Invert == 0 {
		return &Error{Pos: w.Pos, Ext: x.Label(), Msg: fmt.Sprintf("option \"--%s\" cannot be inverted", o.Name)}
	}
	if o.Flags&Multi == 0 && x.Has(o.Name) {
		return &Error{Pos: w.Pos, Ext: x.Label(), Msg: fmt.Sprintf("option \"--%s\" can only be used once", o.Name)}
	}
	if n == 1 && len(opt.Args) == 1 {
		arg := opt.Args[0].Text
		var err error
		switch o.Type {
		case TypeString:
			err = checkString(o, arg) // the value is the argument: Value stays nil
		case TypePortRC:
			r := st.a.portRange()
			*r, err = ParsePortRange(arg)
			opt.Value = r
		default:
			opt.Value, err = ParseValue(x.Name, o, arg, st.p.Family)
		}
		if err != nil {
			return &Error{Pos: opt.Args[0].Pos, Ext: x.Label(), Msg: err.Error()}
		}
	}
	x.Options = st.a.appendOption(x.Options, opt)
	return nil
}

// argPos is the position of an option's argument: that of word idx, or
// (idx < 0) of the option's own word w, where it is given inline.
func (st *parseState) argPos(w *Word, idx int) Pos {
	if idx < 0 {
		return w.Pos
	}
	return st.words[idx].Pos
}

// finish runs the checks iptables makes once all words are read.
func (st *parseState) finish() error {
	cmd := st.cmd
	if st.invert {
		return st.errorf(st.notPos, "nothing appropriate following !")
	}
	if cmd.Op == OpNone {
		return st.errorf(cmd.Pos, "no command specified")
	}
	for i, x := range st.exts {
		// An extension none of whose options is mandatory, given no
		// option that requires or excludes another (as most are), has
		// none for CheckExt to check.
		check := CheckExt
		if i < 64 && st.plain&(1<<i) != 0 && !constrained(x.Options) {
			check = checkSpec
		}
		if err := check(x); err != nil {
			return err
		}
	}
	if cmd.Rule != nil && !cmd.Op.HasRule() {
		return st.errorf(cmd.OpPos, "rule options are not allowed with %s", cmd.Op)
	}
	if cmd.Op.HasRule() && cmd.Rule == nil {
		cmd.Rule = st.a.rule()
	}
	if len(cmd.Chain) >= 29 {
		return st.errorf(cmd.OpPos, "chain name `%s' too long (must be under 29 chars)", cmd.Chain)
	}
	if r := cmd.Rule; r != nil {
		switch cmd.Chain {
		case "PREROUTING", "INPUT":
			if r.Out != nil {
				return st.errorf(r.Out.Pos, "Can't use -o with %s", cmd.Chain)
			}
		case "POSTROUTING", "OUTPUT":
			if r.In != nil {
				return st.errorf(r.In.Pos, "Can't use -i with %s", cmd.Chain)
			}
		}
		if cmd.Table == "nat" && r.Target != nil && r.Target.Name == "DROP" {
			return st.errorf(r.Target.Pos, "The \"nat\" table is not intended for filtering, the use of DROP is therefore inhibited")
		}
	}
	if cmd.Op == OpPolicy && cmd.Table == "nat" && cmd.Policy == "DROP" {
		return st.errorf(cmd.OpPos, "The \"nat\" table is not intended for filtering, the use of DROP is therefore inhibited")
	}
	return nil
}

// CheckExt checks an extension's options the way libxtables'
// xtables_options_fcheck does (mandatory options, exclusions,
// requirements), then runs the extension's own Check.
func CheckExt(x *Ext) error {
	opts := x.Spec.Options
	for i := range opts {
		o := &opts[i]
		if o.Flags&Mandatory == 0 && len(o.Also) == 0 && len(o.Excl) == 0 {
			continue // nothing to check: spare the look for it
		}
		given := x.Opt(o.Name)
		if o.Flags&Mandatory != 0 && given == nil {
			return &Error{Pos: x.Pos, Ext: x.Label(), Msg: fmt.Sprintf("option \"--%s\" must be specified", o.Name)}
		}
		if given == nil {
			continue
		}
		for _, other := range o.Also {
			if !x.Has(other) {
				return &Error{Pos: given.Pos, Ext: x.Label(), Msg: fmt.Sprintf("option \"--%s\" also requires \"--%s\"", o.Name, other)}
			}
		}
		for _, other := range o.Excl {
			if other != o.Name && x.Has(other) {
				return &Error{Pos: given.Pos, Ext: x.Label(), Msg: fmt.Sprintf("option \"--%s\" cannot be used together with \"--%s\"", o.Name, other)}
			}
		}
	}
	return checkSpec(x)
}

// constrained reports whether an option given requires or excludes
// another.
func constrained(opts []*Option) bool {
	for _, o := range opts {
		if o.Spec == nil || len(o.Spec.Also) > 0 || len(o.Spec.Excl) > 0 {
			return true
		}
	}
	return false
}

// checkSpec runs an extension's own Check.
func checkSpec(x *Ext) error {
	if x.Spec.Check != nil {
		if err := x.Spec.Check(x); err != nil {
			if _, ok := err.(*Error); !ok {
				err = &Error{Pos: x.Pos, Ext: x.Label(), Msg: err.Error()}
			}
			return err
		}
	}
	return nil
}
