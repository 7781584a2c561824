package script

import (
	"context"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// addItem appends a captured command to the output: consecutive commands
// of one family share a file.
func (s *session) addItem(fam iptparse.Family, it iptparse.Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.files); n > 0 {
		f := s.files[n-1]
		if f.Format == iptparse.FormatCommands && f.Family == fam {
			f.Items = append(f.Items, it)
			return
		}
	}
	s.files = append(s.files, &iptparse.File{Name: s.name, Family: fam, Format: iptparse.FormatCommands, Items: []iptparse.Item{it}})
}

// shellLine renders a command line for reports.
func shellLine(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = iptparse.Quote(a)
	}
	return strings.Join(q, " ")
}

func infoOnly(args []string) bool {
	for _, a := range args {
		switch a {
		case "-V", "--version", "-h", "--help":
			return true
		}
	}
	return false
}

// refusal explains why a command that uses unknown values is not
// translated, and how to give the value.
func (s *session) refusal(ctx context.Context, what string, args []string) string {
	m := ""
	for _, a := range args {
		if mm := markerRe.Get().FindString(a); mm != "" {
			m = mm
			break
		}
	}
	msg := what + " uses " + s.describe(m)
	if v := varHolding(ctx, m); v != "" && s.substVar(v) {
		return msg + fmt.Sprintf("; give its value with -D %s=VALUE", v)
	}
	return msg
}

// substVar reports whether the script sets a variable from a command
// substitution (VAR=$(...)), which -D VAR=VALUE replaces.
func (s *session) substVar(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.substVars[name]
}

// varHolding finds a variable whose value holds a marker.
func varHolding(ctx context.Context, m string) string {
	if m == "" {
		return ""
	}
	hc := interp.HandlerCtx(ctx)
	var names []string
	hc.Env.Each(func(name string, vr expand.Variable) bool {
		if vr.Kind == expand.String && strings.Contains(vr.Str, m) && syntax.ValidName(name) && name != "_" {
			names = append(names, name)
		}
		return true
	})
	sort.Strings(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// iptables captures an iptables/ip6tables call.
func (s *session) iptables(ctx context.Context, args []string, skip int) error {
	hc := interp.HandlerCtx(ctx)
	prog := args[skip]
	fam := iptparse.ProgramFamily(path.Base(prog))
	if fam == iptparse.FamilyAny {
		fam = iptparse.FamilyIPv4
	}
	cmdPos, wordPos, src := s.place(ctx, args)
	rest := args[skip+1:]
	line := s.pretty(shellLine(args[skip:]))
	if infoOnly(rest) {
		return s.unknown(ctx, args[skip:], "it only prints information")
	}
	call := &Call{Kind: CallIptables, Program: prog, Args: rest, Pos: cmdPos, Family: fam}
	joined := " " + strings.Join(rest, " ") + " "
	marked := false
	for _, a := range args[skip:] {
		marked = marked || hasMarker(a)
	}
	if marked {
		call.Refused = true
		isRule := ruleOp.Get().MatchString(joined)
		if isRule {
			call.Rules = 1
		}
		text := src
		if text == "" {
			text = line
		}
		what := "this command"
		if hasMarker(prog) {
			what = "this command's name"
		}
		msg := s.refusal(ctx, what, args[skip:])
		s.addItem(fam, &iptparse.BadLine{Pos: cmdPos, Text: text, Err: &iptparse.Error{Pos: cmdPos, Msg: msg}, IsRule: isRule})
		s.capture(ctx, call, args)
		return nil
	}
	words := make([]iptparse.Word, len(rest))
	for i, a := range rest {
		words[i] = iptparse.Word{Text: a, Pos: wordPos[skip+1+i]}
	}
	p := &iptparse.Parser{Registry: s.opt.Registry, Family: fam}
	cmd, err := p.ParseCommand(words)
	if err != nil {
		isRule := ruleOp.Get().MatchString(joined)
		if cmd != nil && cmd.Op != iptparse.OpNone {
			isRule = cmd.Op.AddsRule()
		}
		if isRule {
			call.Rules = 1
		}
		e, ok := err.(*iptparse.Error)
		if !ok {
			e = &iptparse.Error{Pos: cmdPos, Msg: err.Error()}
		}
		s.addItem(fam, &iptparse.BadLine{Pos: cmdPos, Text: line, Err: e, IsRule: isRule})
		s.capture(ctx, call, args)
		return nil
	}
	cmd.Pos = cmdPos
	if cmd.Op.AddsRule() {
		call.Rules = 1
	}
	s.addItem(fam, &iptparse.CommandLine{Command: cmd, Line: line, Program: path.Base(prog)})
	s.capture(ctx, call, args)
	status, list := s.state.apply(fam, cmd)
	if list && hc.Stdout != io.Writer(s.top) {
		s.mu.Lock()
		s.unknowns = append(s.unknowns, &unknownCmd{text: strings.Join(args[skip:], " "), pos: cmdPos})
		m := marker("out", len(s.unknowns)-1)
		s.mu.Unlock()
		io.WriteString(hc.Stdout, m+"\n")
	}
	if status != 0 {
		return interp.ExitStatus(status)
	}
	return nil
}

// restore captures iptables-restore: its input is a here-document, a
// pipe, a redirected file or a file argument; files are read only inside
// the script's directory (or when the script wrote them).
func (s *session) restore(ctx context.Context, args []string, skip int) error {
	hc := interp.HandlerCtx(ctx)
	prog := args[skip]
	fam := iptparse.ProgramFamily(path.Base(prog))
	cmdPos, _, src := s.place(ctx, args)
	call := &Call{Kind: CallRestore, Program: prog, Args: args[skip+1:], Pos: cmdPos, Family: fam}
	defer s.capture(ctx, call, args)
	noflush, test := false, false
	file := ""
	rest := args[skip+1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "-n" || a == "--noflush":
			noflush = true
		case a == "-t" || a == "--test":
			test = true
		case a == "-T" || a == "--table" || a == "-M" || a == "--modprobe" || a == "-W" || a == "--wait-interval":
			if a == "-T" || a == "--table" {
				s.warn(cmdPos, "iptables-restore "+a+" (restore one table only) is not honoured: every table of the input is translated")
			}
			i++
		case a == "-w" || a == "--wait":
			if i+1 < len(rest) && strings.Trim(rest[i+1], "0123456789") == "" {
				i++
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			if strings.Contains(a, "n") && !strings.HasPrefix(a, "--") {
				noflush = true
			}
		default:
			file = a
		}
	}
	var content, name string
	lineOff := 0
	switch {
	case file != "" && hasMarker(file):
		s.badRestore(fam, cmdPos, src, s.refusal(ctx, "the input file name of iptables-restore", []string{file}))
		return nil
	case file != "":
		data, nm, ok := s.readFile(hc.Dir, file)
		if !ok {
			s.warn(cmdPos, fmt.Sprintf("not read: %s (%s); its rules are not translated", file, s.whyNotRead(hc.Dir, file)))
			return interp.ExitStatus(1)
		}
		content, name = data, nm
	case hc.Stdin != nil:
		content, _ = readAll(ctx, hc.Stdin)
		name, lineOff = s.restoreInput(ctx, cmdPos)
	default:
		s.warn(cmdPos, "iptables-restore has no input here")
		return nil
	}
	if test {
		s.warn(cmdPos, "iptables-restore --test only checks its input; not translated")
		return nil
	}
	if strings.TrimSpace(markerRe.Get().ReplaceAllString(content, "")) == "" && hasMarker(content) {
		s.badRestore(fam, cmdPos, src, s.refusal(ctx, "the input of iptables-restore", []string{content}))
		return nil
	}
	if iptparse.DetectFormat(content) != iptparse.FormatSave {
		s.badRestore(fam, cmdPos, src, "the input of iptables-restore is not in iptables-save format")
		return nil
	}
	if !noflush {
		s.mu.Lock()
		prior := false
		for _, c := range s.calls {
			prior = prior || (c.Family == fam && (c.Kind == CallIptables || c.Kind == CallRestore) && c.Rules > 0)
		}
		s.mu.Unlock()
		if prior {
			s.warn(cmdPos, "iptables-restore without --noflush empties the tables it lists first; ipt2nft keeps the rules the script added to them before")
		}
	}
	padded := strings.Repeat("\n", lineOff) + content
	f := iptparse.ParseFile(name, padded, s.opt.Registry, fam)
	lines := strings.Split(padded, "\n")
	for i, it := range f.Items {
		l := int(it.Position().Line)
		if l < 1 || l > len(lines) || !hasMarker(lines[l-1]) {
			continue
		}
		text := s.pretty(lines[l-1])
		f.Items[i] = &iptparse.BadLine{Pos: it.Position(), Text: text, IsRule: ruleOp.Get().MatchString(" " + lines[l-1] + " "),
			Err: &iptparse.Error{Pos: it.Position(), Msg: s.refusal(ctx, "this line", []string{lines[l-1]})}}
	}
	for _, it := range f.Items {
		switch it := it.(type) {
		case *iptparse.CommandLine:
			if it.Op.AddsRule() {
				call.Rules++
			}
		case *iptparse.BadLine:
			if it.IsRule {
				call.Rules++
			}
		}
	}
	s.mu.Lock()
	s.files = append(s.files, f)
	s.mu.Unlock()
	return nil
}

func (s *session) badRestore(fam iptparse.Family, pos iptparse.Pos, src, msg string) {
	s.addItem(fam, &iptparse.BadLine{Pos: pos, Text: src, Err: &iptparse.Error{Pos: pos, Msg: msg + "; none of its rules is translated"}})
}

// restoreInput names the input of an iptables-restore call for positions:
// a here-document is placed at its lines in the script, a redirected file
// under its own name.
func (s *session) restoreInput(ctx context.Context, cmdPos iptparse.Pos) (string, int) {
	hc := interp.HandlerCtx(ctx)
	u := currentUnit(ctx)
	fallback := fmt.Sprintf("%s (input of iptables-restore at line %d)", cmdPos.File, cmdPos.Line)
	if u == nil {
		return fallback, 0
	}
	cs := u.site(hc.Pos)
	if cs == nil {
		return fallback, 0
	}
	stmts := []*syntax.Stmt{cs.stmt}
	u.mu.Lock()
	if from := u.pipeFrom[cs.stmt]; from != nil {
		stmts = append(stmts, from)
	}
	u.mu.Unlock()
	for _, st := range stmts {
		for _, rd := range st.Redirs {
			switch {
			case (rd.Op == syntax.Hdoc || rd.Op == syntax.DashHdoc) && rd.Hdoc != nil:
				return u.name, int(rd.Hdoc.Pos().Line()) - 1 + u.lineOff
			case rd.Op == syntax.RdrIn && rd.Word != nil && len(rd.Word.Parts) > 0:
				if l, ok := rd.Word.Parts[0].(*syntax.Lit); ok {
					if id, _ := stripRedir(l.Value); id >= 0 {
						s.mu.Lock()
						p := s.redirs[id].path
						s.mu.Unlock()
						if p != "" {
							abs := absPath(hc.Dir, p)
							if _, ok := s.mem.get(abs); ok {
								return abs, 0
							}
							return s.display(abs), 0
						}
					}
				}
			}
		}
	}
	return fallback, 0
}

// ipset captures ipset calls and follows what they do to the sets
// (create, add, del, flush, destroy, rename, swap, restore): at the end
// the sets are what the script leaves in the kernel, and become named nft
// sets. A call ipset would refuse fails (exit status 1) with a warning.
func (s *session) ipset(ctx context.Context, args []string, skip int) error {
	hc := interp.HandlerCtx(ctx)
	rest := args[skip+1:]
	call := &Call{Kind: CallIpset, Program: args[skip], Args: rest}
	s.capture(ctx, call, args)
	i := 0
	for i < len(rest) && strings.HasPrefix(rest[i], "-") && !isIpsetCmd(rest[i]) {
		if rest[i] == "-o" || rest[i] == "-output" || rest[i] == "-file" || rest[i] == "-f" {
			i++
		}
		i++
	}
	if i >= len(rest) {
		return nil
	}
	sub, operands := rest[i], rest[i+1:]
	name := ""
	if len(operands) > 0 {
		name = operands[0]
	}
	words := func(texts []string, pos iptparse.Pos) []iptparse.Word {
		ws := make([]iptparse.Word, len(texts))
		for i, t := range texts {
			ws[i] = iptparse.Word{Text: t, Pos: pos}
		}
		return ws
	}
	switch sub {
	case "list", "-L", "--list", "save", "-S", "--save", "test", "-T", "--test":
		s.mu.Lock()
		known := s.ipsets.Set(name) != nil
		s.unknowns = append(s.unknowns, &unknownCmd{text: strings.Join(args[skip:], " "), pos: call.Pos})
		m := marker("out", len(s.unknowns)-1)
		s.mu.Unlock()
		if hc.Stdout != io.Writer(s.top) && sub != "test" && sub != "-T" && sub != "--test" {
			io.WriteString(hc.Stdout, m+"\n")
		}
		if (name != "" && !strings.HasPrefix(name, "-") && !known) || sub == "test" || sub == "-T" || sub == "--test" {
			return interp.ExitStatus(1)
		}
	case "restore", "-R", "--restore":
		if hc.Stdin == nil {
			return nil
		}
		in, _ := readAll(ctx, hc.Stdin)
		exist := contains(rest, "-exist") || contains(rest, "-!")
		failed := false
		for _, l := range strings.Split(in, "\n") {
			f := strings.Fields(l)
			if len(f) == 0 || strings.HasPrefix(f[0], "#") || f[0] == "COMMIT" {
				continue
			}
			if exist {
				f = append(f, "-exist")
			}
			s.mu.Lock()
			if err := s.ipsets.Command(words(f, call.Pos)); err != nil {
				s.warnLocked(call.Pos, "ipset restore: "+err.Msg)
				failed = true
			}
			s.mu.Unlock()
		}
		if failed {
			return interp.ExitStatus(1)
		}
	default:
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.ipsets.Command(words(rest, call.Pos)); err != nil {
			s.warnLocked(call.Pos, "ipset: "+err.Msg)
			return interp.ExitStatus(1)
		}
	}
	return nil
}

func isIpsetCmd(a string) bool {
	switch a {
	case "-N", "-A", "-D", "-T", "-X", "-F", "-E", "-W", "-L", "-S", "-R", "-V", "-H":
		return true
	}
	return strings.HasPrefix(a, "--") && a != "--exist"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fwState follows what the script did to the ruleset, for the exit
// status of commands whose result scripts test: -C (rule present?), -N
// (chain already there?), -L CHAIN (chain there?).
type fwState struct {
	mu     sync.Mutex
	chains map[string]bool
	rules  map[string]bool
}

func newFwState() *fwState { return &fwState{chains: map[string]bool{}, rules: map[string]bool{}} }

var builtinChains = lazy.Of[map[string][]string]{New: func() map[string][]string {
	return map[string][]string{
		"filter":   {"INPUT", "FORWARD", "OUTPUT"},
		"nat":      {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"},
		"mangle":   {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"},
		"raw":      {"PREROUTING", "OUTPUT"},
		"security": {"INPUT", "FORWARD", "OUTPUT"},
	}
}}

func (st *fwState) hasChain(key, table, chain string) bool {
	for _, c := range builtinChains.Get()[table] {
		if c == chain {
			return true
		}
	}
	return st.chains[key]
}

var opWords = lazy.Of[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"-A": true, "--append": true, "-I": true, "--insert": true, "-C": true, "--check": true,
		"-D": true, "--delete": true, "-R": true, "--replace": true,
	}
}}

// ruleSpec is a rule's words without the command, chain and table.
func ruleSpec(cmd *iptparse.Command) string {
	var out []string
	w := cmd.Words
	opDone := false
	for i := 0; i < len(w); i++ {
		t := w[i].Text
		if !opDone && opWords.Get()[t] {
			opDone = true
			i++ // the chain
			if i+1 < len(w) && w[i+1].Text != "" && strings.Trim(w[i+1].Text, "0123456789") == "" {
				i++ // the rule number
			}
			continue
		}
		if t == "-t" || t == "--table" {
			i++
			continue
		}
		out = append(out, t)
	}
	return strings.Join(out, "\x00")
}

// apply returns the exit status of a command and whether it lists rules.
func (st *fwState) apply(fam iptparse.Family, cmd *iptparse.Command) (uint8, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	key := fmt.Sprintf("%d/%s/%s", fam, cmd.Table, cmd.Chain)
	switch cmd.Op {
	case iptparse.OpNewChain:
		if st.hasChain(key, cmd.Table, cmd.Chain) {
			return 1, false
		}
		st.chains[key] = true
	case iptparse.OpDeleteChain:
		delete(st.chains, key)
	case iptparse.OpRenameChain:
		delete(st.chains, key)
		st.chains[fmt.Sprintf("%d/%s/%s", fam, cmd.Table, cmd.NewName)] = true
	case iptparse.OpAppend, iptparse.OpInsert:
		st.rules[key+"\x01"+ruleSpec(cmd)] = true
	case iptparse.OpDelete:
		delete(st.rules, key+"\x01"+ruleSpec(cmd))
	case iptparse.OpFlush:
		prefix := fmt.Sprintf("%d/%s/", fam, cmd.Table)
		if cmd.Chain != "" {
			prefix = key + "\x01"
		}
		for k := range st.rules {
			if strings.HasPrefix(k, prefix) {
				delete(st.rules, k)
			}
		}
	case iptparse.OpCheck:
		if !st.rules[key+"\x01"+ruleSpec(cmd)] {
			return 1, false
		}
	case iptparse.OpList, iptparse.OpListRules:
		if cmd.Chain != "" && !st.hasChain(key, cmd.Table, cmd.Chain) {
			return 1, false
		}
		return 0, true
	}
	return 0, false
}
