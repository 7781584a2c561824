package shim

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"syscall"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/kernel"
	"github.com/ipt2nft/ipt2nft/translate"
)

// Version is the iptables version the shim behaves like.
const Version = "1.8.11"

// IO bundles the streams a tool uses.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Kind is what a shim tool does.
type Kind uint8

const (
	KindIPTables Kind = iota
	KindSave
	KindRestore
	KindIPSet
)

// Tool is a program name the shim answers to.
type Tool struct {
	Name string
	Kind Kind
	fam  family
}

// Tools are the shim's names.
var Tools = []Tool{
	{"iptables", KindIPTables, famIPv4},
	{"ip6tables", KindIPTables, famIPv6},
	{"iptables-save", KindSave, famIPv4},
	{"ip6tables-save", KindSave, famIPv6},
	{"iptables-restore", KindRestore, famIPv4},
	{"ip6tables-restore", KindRestore, famIPv6},
	{"ipset", KindIPSet, famIPv4},
}

// Lookup finds a tool by its name.
func Lookup(name string) (Tool, bool) {
	for _, t := range Tools {
		if t.Name == name {
			return t, true
		}
	}
	return Tool{}, false
}

// Run runs the tool and returns its exit status.
func (t Tool) Run(args []string, s IO) int {
	switch t.Kind {
	case KindSave:
		return runSave(t, args, s)
	case KindRestore:
		return runRestore(t, args, s)
	case KindIPSet:
		return runIPSet(args, s)
	}
	return runIPTables(t, args, s)
}

// exitErr is a failure with iptables' message and exit status.
type exitErr struct {
	code int
	msg  string
}

func (e *exitErr) Error() string { return e.msg }

// failure kinds, worded like iptables.
func (m *model) errf(code int, format string, args ...any) error {
	return &exitErr{code, m.fam.prog + ": " + fmt.Sprintf(format, args...)}
}

func (m *model) noChain() error { return m.errf(1, "No chain/target/match by that name.") }
func (m *model) badRule() error {
	return m.errf(1, "Bad rule (does a matching rule exist in that chain?).")
}

// paramErr is an error iptables reports as a parameter problem (exit 2).
func paramErr(fam family, msg string) error {
	return &exitErr{2, fmt.Sprintf("%s v%s (ipt2nft): %s\nTry `%s -h' or '%s --help' for more information.", fam.prog, Version, msg, fam.prog, fam.prog)}
}

func report(s IO, err error) int {
	var ee *exitErr
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(s.Stderr, ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(s.Stderr, err)
	return 1
}

func runIPTables(t Tool, args []string, s IO) int {
	for _, a := range args {
		switch a {
		case "-V", "--version":
			fmt.Fprintf(s.Stdout, "%s v%s (ipt2nft)\n", t.fam.prog, Version)
			return 0
		case "-h", "--help":
			fmt.Fprintf(s.Stdout, "%s v%s (ipt2nft): the iptables shim of ipt2nft; rules are kept as native nftables in table %s %s.\nUsage: same as %s.\n", t.fam.prog, Version, t.fam.nft, TableName, t.fam.prog)
			return 0
		}
	}
	p := &iptparse.Parser{Registry: translate.Registry{}, Family: t.fam.ipt}
	cmd, err := p.ParseCommand(iptparse.WordsFromArgs(args, "<args>"))
	if err != nil {
		return report(s, paramErr(t.fam, parseMsg(err)))
	}
	unlock, err := takeLock(cmd.Flags)
	if err != nil {
		return report(s, err)
	}
	defer unlock()
	m := newModel(t.fam)
	m.single = true
	if err := m.load(); err != nil {
		return report(s, err)
	}
	out, err := m.command(cmd)
	io.WriteString(s.Stdout, out)
	if err != nil {
		return report(s, err)
	}
	if err := m.send(); err != nil {
		return report(s, err)
	}
	return 0
}

// parseMsg is a parse error without its position (the command line is
// the position).
func parseMsg(err error) string {
	var pe *iptparse.Error
	if errors.As(err, &pe) {
		if pe.Ext != "" && !strings.HasPrefix(pe.Msg, pe.Ext) {
			return pe.Ext + ": " + pe.Msg
		}
		return pe.Msg
	}
	return err.Error()
}

// send commits the model in one transaction.
func (m *model) send() error {
	msgs, err := m.commit()
	if err != nil {
		return m.errf(1, "%v", err)
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := kernel.SendBatch("", msgs, nil); err != nil {
		return m.kernelErr(err)
	}
	return nil
}

// kernelErr words a refused transaction.
func (m *model) kernelErr(err error) error {
	var be *kernel.BatchError
	if errors.As(err, &be) && len(be.Errors) > 0 {
		e := be.Errors[0]
		what := e.Msg.What
		if e.Msg.Rule != nil {
			what = "rule"
			for _, k := range e.Msg.Rule.Kinds {
				if e.Errno == syscall.ENOENT && (k == "queue" || k == "synproxy" || k == "osf" || k == "tproxy") {
					return m.errf(1, "the kernel has no nft_%s support, which this rule needs (nothing was changed)", k)
				}
			}
		}
		return m.errf(1, "the kernel refused the %s: %v (nothing was changed)", what, e.Errno)
	}
	return m.errf(1, "%v", err)
}

// newGroups makes the iptables rules of a rule command: one per source ×
// destination address, each with its canonical text and translation.
func (m *model) newGroups(cmd *iptparse.Command) ([]*group, error) {
	if err := m.prepareIPSets(cmd); err != nil {
		return nil, err
	}
	var out []*group
	for _, sub := range translate.SplitAddresses(cmd) {
		g := &group{spec: translate.CanonicalRule(sub), id: newGroupID(), fresh: true, pos: cmd.Pos, table: cmd.Table}
		u, err := m.tr.TranslateUnit(sub)
		if err != nil {
			return nil, m.errf(1, "cannot store `%s' as nftables: %s", strings.TrimSpace("-A "+sub.Chain+" "+g.spec), untranslatedMsg(err))
		}
		if len(u.Counters) > 0 {
			return nil, m.errf(1, "cannot store `%s': named counter objects are not supported by the shim", strings.TrimSpace("-A "+sub.Chain+" "+g.spec))
		}
		m.nameAux(g, u)
		g.unit = u
		out = append(out, g)
	}
	return out, nil
}

func untranslatedMsg(err error) string {
	var u *translate.UntranslatableError
	if errors.As(err, &u) {
		return strings.TrimPrefix(u.Ext+": "+u.Reason, ": ")
	}
	return parseMsg(err)
}

// nameAux gives the helper chains of a new rule names of its own
// ("TABLE/-NAME.ID"), so that the rule owns them and they go with it.
func (m *model) nameAux(g *group, u *translate.RuleUnit) {
	if len(u.Chains) == 0 {
		return
	}
	rename := map[string]string{}
	var chains []*ir.Chain
	seen := map[string]bool{}
	for _, c := range u.Chains {
		if seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		n := fmt.Sprintf("%s/-%s.%x", g.table, c.Name, g.id)
		rename[c.Name] = n
		chains = append(chains, c)
	}
	for _, c := range chains {
		c.Name = rename[c.Name]
		renameJumps(c.Rules, rename)
	}
	renameJumps(u.Rules, rename)
	u.Chains = chains
}

// command runs one iptables command against the model and returns what
// it prints.
func (m *model) command(cmd *iptparse.Command) (string, error) {
	if !knownTable(cmd.Table) {
		return "", &exitErr{3, fmt.Sprintf("%s v%s (ipt2nft): can't initialize %s table `%s': Table does not exist (do you need to insmod?)\nPerhaps %s or your kernel needs to be upgraded.", m.fam.prog, Version, m.fam.prog, cmd.Table, m.fam.prog)}
	}
	table := cmd.Table
	readOnly := cmd.Op == iptparse.OpList || cmd.Op == iptparse.OpListRules || cmd.Op == iptparse.OpCheck
	if !readOnly {
		m.ensureTable(table)
	}
	var c *chain
	if cmd.Chain != "" {
		c = m.chain(table, cmd.Chain)
		if c == nil && readOnly && isBuiltin(table, cmd.Chain) && !m.tableExists(table) {
			c = &chain{table: table, name: cmd.Chain, builtin: true, policy: "ACCEPT", loaded: true}
		}
		if c == nil && cmd.Op != iptparse.OpNewChain {
			return "", m.noChain()
		}
	}
	switch cmd.Op {
	case iptparse.OpAppend, iptparse.OpInsert, iptparse.OpReplace, iptparse.OpDelete, iptparse.OpCheck:
		if err := m.checkTarget(cmd); err != nil {
			return "", err
		}
	}
	switch cmd.Op {
	case iptparse.OpAppend:
		gs, err := m.newGroups(cmd)
		if err != nil {
			return "", err
		}
		if !c.loaded {
			// The rules need not be read to append.
			c.groups = append(c.groups, gs...)
			m.dirty = true
			return "", nil
		}
		for _, g := range gs {
			m.insertGroup(c, len(c.groups), g)
		}
	case iptparse.OpInsert:
		if !c.loaded && cmd.RuleNum == 1 {
			// The rules need not be read to insert at the head
			// (fail2ban bans so, into chains of thousands of rules).
			gs, err := m.newGroups(cmd)
			if err != nil {
				return "", err
			}
			for _, g := range gs {
				c.groups = slices.Insert(c.groups, 0, g)
				c.head++
			}
			m.dirty = true
			return "", nil
		}
		if err := m.loadRulesUntil(c, nth(cmd.RuleNum)); err != nil {
			return "", err
		}
		at := cmd.RuleNum - 1
		if at > len(c.groups) {
			return "", m.errf(1, "Index of insertion too big.")
		}
		gs, err := m.newGroups(cmd)
		if err != nil {
			return "", err
		}
		for _, g := range gs {
			m.insertGroup(c, at, g)
		}
	case iptparse.OpReplace:
		if err := m.loadRulesUntil(c, nth(cmd.RuleNum)); err != nil {
			return "", err
		}
		at := cmd.RuleNum - 1
		if at >= len(c.groups) {
			return "", m.errf(1, "Index of replacement too big.")
		}
		gs, err := m.newGroups(cmd)
		if err != nil {
			return "", err
		}
		if len(gs) != 1 {
			return "", paramErr(m.fam, "-R requires a single source and destination")
		}
		m.removeGroup(c, at)
		m.insertGroup(c, at, gs[0])
	case iptparse.OpDelete, iptparse.OpCheck:
		var specs []string
		for _, sub := range translate.SplitAddresses(cmd) {
			specs = append(specs, translate.CanonicalRule(sub))
		}
		if err := m.loadRulesUntil(c, haveAll(specs)); err != nil {
			return "", err
		}
		for _, spec := range specs {
			i := m.find(c, spec)
			if i < 0 {
				return "", m.badRule()
			}
			if cmd.Op == iptparse.OpDelete {
				m.removeGroup(c, i)
			}
		}
	case iptparse.OpDeleteNum:
		if err := m.loadRulesUntil(c, nth(cmd.RuleNum)); err != nil {
			return "", err
		}
		if cmd.RuleNum > len(c.groups) {
			return "", m.errf(1, "Index of deletion too big.")
		}
		m.removeGroup(c, cmd.RuleNum-1)
	case iptparse.OpFlush:
		for _, fc := range m.selected(table, c) {
			if err := m.flush(fc); err != nil {
				return "", err
			}
		}
	case iptparse.OpNewChain:
		if c != nil {
			return "", m.errf(1, "Chain already exists.")
		}
		m.newUserChain(table, cmd.Chain)
	case iptparse.OpDeleteChain:
		return "", m.deleteChains(table, c)
	case iptparse.OpRenameChain:
		return "", m.renameChain(c, cmd.NewName)
	case iptparse.OpPolicy:
		if !c.builtin {
			return "", m.errf(1, "Bad built-in chain name.")
		}
		if cmd.Policy != "ACCEPT" && cmd.Policy != "DROP" {
			return "", m.errf(1, "Bad policy name. Run `dmesg' for more information.")
		}
		if c.policy != cmd.Policy {
			c.policy = cmd.Policy
			c.newPolicy = c.k != nil
			m.dirty = true
		}
	case iptparse.OpListRules, iptparse.OpList:
		list := m.list
		if cmd.Op == iptparse.OpListRules {
			list = m.listRules
		}
		out, err := list(table, c, cmd)
		if err != nil || !cmd.Zero {
			return out, err
		}
		// -L -Z (and -S -Z): list, then zero the chain or the table,
		// saying so with -v, like iptables.
		if cmd.Flags.Verbose > 0 {
			for _, x := range m.selected(table, c) {
				out += fmt.Sprintf("Zeroing chain `%s'\n", x.name)
			}
		}
		return out, m.zero(table, c, 0)
	case iptparse.OpZero:
		return "", m.zero(table, c, cmd.RuleNum)
	}
	return "", nil
}

// nth is a loadRulesUntil stop for a command on rule number n: its
// rules are read up to the nth.
func nth(n int) func(*group) bool {
	seen := 0
	return func(*group) bool {
		seen++
		return seen >= n
	}
}

// haveAll is a loadRulesUntil stop for -D and -C: the rules are read up
// to the first ones whose texts are those of specs, as many of each text
// as specs has. find looks for the same text first, and takes the first
// rule with it, so it picks the same rules as in the whole chain; if a
// text is missing, the whole chain is read (find then compares every
// stored text printed again).
func haveAll(specs []string) func(*group) bool {
	need := map[string]int{}
	for _, s := range specs {
		need[s]++
	}
	left := len(specs)
	return func(g *group) bool {
		if need[g.spec] > 0 {
			need[g.spec]--
			left--
		}
		return left == 0
	}
}

// selected is the one chain given, or every chain of the table.
func (m *model) selected(table string, c *chain) []*chain {
	if c != nil {
		return []*chain{c}
	}
	return m.tableChains(table)
}

// parseStored parses a rule's stored text as "-A CHAIN text" in its table.
func (m *model) parseStored(table, chain, spec string) (*iptparse.Command, error) {
	p := &iptparse.Parser{Registry: translate.Registry{}, Family: m.fam.ipt, Table: table}
	return p.ParseCommand(iptparse.WordsFromArgs(append([]string{"-A", chain}, splitWords(spec)...), "<stored>"))
}

// find returns the index of the first rule of c with that text, or -1.
// A rule stored by an older ipt2nft may hold another spelling of the same
// rule (the canonical printer has since learnt the save format of more
// extensions): when no text is the same, the stored texts are printed
// again as they would be now and compared, so that an upgrade does not
// leave -D and -C unable to find the rules made before it.
func (m *model) find(c *chain, spec string) int {
	for i, g := range c.groups {
		if g.spec == spec {
			return i
		}
	}
	for i, g := range c.groups {
		cmd, err := m.parseStored(c.table, c.name, g.spec)
		if err != nil || cmd.Rule == nil {
			continue
		}
		for _, sub := range translate.SplitAddresses(cmd) {
			if translate.CanonicalRule(sub) == spec {
				return i
			}
		}
	}
	return -1
}

// checkTarget checks that a jump goes to a chain that exists.
func (m *model) checkTarget(cmd *iptparse.Command) error {
	tg := cmd.Rule.Target
	if tg == nil || !tg.IsChain() || tg.Name == "CONTINUE" {
		return nil
	}
	if m.chain(cmd.Table, tg.Name) == nil || isBuiltin(cmd.Table, tg.Name) {
		if tg.Goto || !isBuiltin(cmd.Table, tg.Name) {
			return paramErr(m.fam, fmt.Sprintf("Couldn't load target `%s':No such file or directory\n", tg.Name))
		}
	}
	return nil
}

func (m *model) deleteChains(table string, c *chain) error {
	if c != nil && c.builtin {
		return m.errf(1, "Invalid argument. Run `dmesg' for more information.")
	}
	var cs []*chain
	for _, x := range m.selected(table, c) {
		if !x.builtin {
			cs = append(cs, x)
		}
	}
	if err := m.loadRules(cs...); err != nil {
		return err
	}
	// iptables tries every chain and, if any cannot go, changes
	// nothing and names the last one's reason.
	var err error
	for _, x := range cs {
		if m.referenced(x) {
			err = m.errf(1, "Too many links.")
		} else if len(x.groups) > 0 {
			err = m.errf(1, "Directory not empty.")
		}
	}
	if err != nil {
		return err
	}
	for _, x := range cs {
		m.deleteChain(x)
	}
	return nil
}

// referenced reports whether a rule jumps to chain x.
func (m *model) referenced(x *chain) bool {
	if x.k != nil && x.loaded && !m.dirty {
		// The kernel's use count of a chain is its own rules plus the
		// jumps to it (rules, verdict map elements): more than its
		// rules, and something jumps there; as many, and nothing
		// does, without reading the other chains. (It was taken for
		// references alone: "Too many links." for a chain that only
		// had rules, where iptables says "Directory not empty.")
		n := 0
		for _, g := range x.groups {
			n += len(g.handles)
		}
		if int(x.k.Use) >= n {
			return int(x.k.Use) > n
		}
	}
	var all []*chain
	for _, c := range m.chains {
		if c.table == x.table {
			all = append(all, c)
		}
	}
	if err := m.loadRules(all...); err != nil {
		return true
	}
	for _, c := range all {
		for _, g := range c.groups {
			if name, _ := specTarget(g.spec); name == x.name {
				return true
			}
		}
	}
	return false
}

// specTarget finds the jump of a rule text: the chain or target name and
// whether it is a goto.
func specTarget(spec string) (string, bool) {
	_, tgt := splitTarget(spec)
	f := strings.Fields(tgt)
	if len(f) >= 2 {
		return f[1], f[0] == "-g"
	}
	return "", false
}

// splitTarget splits a rule text before its " -j "/" -g " (outside
// quotes).
func splitTarget(spec string) (string, string) {
	s := " " + spec
	inQ := false
	at := -1
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && inQ:
			i++
		case s[i] == '"':
			inQ = !inQ
		case !inQ && i+4 <= len(s) && (s[i:i+4] == " -j " || s[i:i+4] == " -g "):
			at = i
		}
	}
	if at < 0 {
		return spec, ""
	}
	return strings.TrimSpace(s[:at]), strings.TrimSpace(s[at:])
}

func (m *model) renameChain(c *chain, newName string) error {
	if c.builtin {
		return m.errf(1, "Invalid argument. Run `dmesg' for more information.")
	}
	if m.chain(c.table, newName) != nil {
		return m.errf(1, "File exists.")
	}
	var all []*chain
	for _, x := range m.chains {
		if x.table == c.table {
			all = append(all, x)
		}
	}
	if err := m.loadRules(all...); err != nil {
		return err
	}
	old := c.name
	if c.k != nil && c.renamedFrom == "" {
		c.renamedFrom = c.nftName()
	}
	delete(m.chains, c.nftName())
	c.name = newName
	m.chains[c.nftName()] = c
	m.dirty = true
	// Rules that jump to the chain keep working (the kernel jumps to the
	// chain, not to a name), but their text names it: they are stored
	// again with the new name and their counters.
	for _, x := range all {
		for i, g := range x.groups {
			name, _ := specTarget(g.spec)
			if name != old {
				continue
			}
			pre, tgt := splitTarget(g.spec)
			f := strings.Fields(tgt)
			f[1] = newName
			spec := strings.TrimSpace(pre + " " + strings.Join(f, " "))
			cmd, err := m.parseStored(x.table, x.name, spec)
			if err != nil {
				return m.errf(1, "internal: rule %q: %v", spec, err)
			}
			cmd.Counters = &iptparse.Counters{Packets: g.packets, Bytes: g.bytes}
			gs, err := m.newGroups(cmd)
			if err != nil {
				return err
			}
			x.groups[i] = gs[0]
		}
	}
	return nil
}

// splitWords splits a canonical rule text into words (double quotes with
// backslash escapes, as iptables-save writes them).
func splitWords(s string) []string {
	words, _, err := iptparse.SplitLine(s, "<spec>", 1)
	if err != nil {
		return strings.Fields(s)
	}
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w.Text
	}
	return out
}

// zero resets counters: of rule n (1-based) of c, of c, or of the table.
func (m *model) zero(table string, c *chain, n int) error {
	fam := emit.FamilyByte(m.fam.nft)
	if n > 0 {
		if err := m.loadRules(c); err != nil {
			return err
		}
		if n > len(c.groups) {
			return m.errf(1, "Index of deletion too big.")
		}
		for _, h := range c.groups[n-1].handles {
			if err := resetRule(fam, TableName, c.kernelName(), h); err != nil {
				return m.errf(1, "%v", err)
			}
		}
		return nil
	}
	for _, x := range m.selected(table, c) {
		if x.k == nil {
			continue
		}
		if err := eachRule(fam, TableName, x.kernelName(), true, func(*kRule) error { return nil }); err != nil {
			return m.errf(1, "%v", err)
		}
	}
	return nil
}

// renameJumps points jumps and gotos at renamed chains.
func renameJumps(rules []*ir.Rule, rename map[string]string) {
	for _, r := range rules {
		for _, st := range r.Stmts {
			if v, ok := st.(*ir.Verdict); ok {
				if n, ok := rename[v.Chain]; ok {
					v.Chain = n
				}
			}
		}
	}
}
