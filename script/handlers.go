package script

import (
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
)

// Names the call handler gives to calls it hands to the exec handler,
// which then runs them with a frame: function calls, source, eval, and
// the lookups command -v / type that would otherwise search the real PATH.
const (
	hookCall   = "\x00ipt2nft-call"
	hookSource = "\x00ipt2nft-source"
	hookEval   = "\x00ipt2nft-eval"
	hookWhich  = "\x00ipt2nft-command-v"
	hookType   = "\x00ipt2nft-type"
	hookExec   = "\x00ipt2nft-exec"
)

const maxDepth = 100

var (
	reIptables = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`^ip6?tables(-legacy|-nft)?$`) }}
	reRestore  = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`^ip6?tables(-legacy|-nft)?-restore$`) }}
	reSave     = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`^ip6?tables(-legacy|-nft)?-save$`) }}
	reShell    = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`^(ba|da|a|k|z)?sh$`) }}
)

// firewallTools are the programs whose calls are captured (and which
// "exist" when a script looks for them).
func firewallTool(base string) bool {
	return reIptables.Get().MatchString(base) || reRestore.Get().MatchString(base) || reSave.Get().MatchString(base) ||
		base == "ipset" || base == "modprobe" || base == "xtables-multi" || base == "xtables-legacy-multi" || base == "xtables-nft-multi"
}

// callHandler sees every simple command (builtins and functions too).
func (s *session) callHandler(ctx context.Context, args []string) ([]string, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	hc := interp.HandlerCtx(ctx)
	name := args[0]
	if top := frameOf(ctx); top != nil && top.kind == frameFunc && top.name == name && !top.isEntered() {
		close(top.entered)
		return args, nil
	}
	s.mu.Lock()
	_, isFunc := s.funcs[name]
	s.mu.Unlock()
	switch {
	case isFunc:
		return append([]string{hookCall}, args...), nil
	case name == "source" || name == ".":
		return append([]string{hookSource}, args[1:]...), nil
	case name == "eval":
		return append([]string{hookEval}, args[1:]...), nil
	case name == "command" && len(args) > 1 && (args[1] == "-v" || args[1] == "-V"):
		return append([]string{hookWhich}, args[2:]...), nil
	case name == "type":
		return append([]string{hookType}, args[1:]...), nil
	case name == "exec" && len(args) > 1:
		// exec CMD: handle CMD like any command, then exit
		i := 1
		for i < len(args) && strings.HasPrefix(args[i], "-") {
			if args[i] == "-a" {
				i++
			}
			i++
		}
		if i < len(args) {
			return append([]string{hookExec}, args[i:]...), nil
		}
	case name == "exit":
		p := s.anchorPos(ctx, args)
		s.mu.Lock()
		s.exitPos = p
		s.mu.Unlock()
	case name == "[" || name == "test" || name == "cd" || name == "pushd":
		u := currentUnit(ctx)
		p := s.anchorPos(ctx, args)
		if u != nil && frameOf(ctx) == nil {
			p = u.pos(hc.Pos)
		}
		s.mu.Lock()
		s.lastCall = &lastCall{pos: p, args: args}
		s.mu.Unlock()
		for _, a := range args[1:] {
			if hasMarker(a) {
				s.warn(p, fmt.Sprintf("this %s uses %s; its outcome is a guess", name, s.describe(a)))
				break
			}
		}
	}
	return args, nil
}

// execHandler sees every command that is not a builtin or a function:
// it captures the firewall tools, emulates a few harmless commands, and
// runs nothing.
func (s *session) execHandler(ctx context.Context, args []string) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	hc := interp.HandlerCtx(ctx)
	switch args[0] {
	case hookCall:
		return s.withFrame(ctx, frameFunc, args[1], s.funcUnit(args[1]), func(ctx context.Context) error {
			return hc.Builtin(ctx, []string{"eval", quoteArgs(args[1:])})
		})
	case hookSource:
		return s.source(ctx, args[1:])
	case hookEval:
		return s.withFrame(ctx, frameEval, "eval", nil, func(ctx context.Context) error {
			return hc.Builtin(ctx, append([]string{"eval"}, args[1:]...))
		})
	case hookWhich:
		return s.which(ctx, args[1:], "command")
	case hookType:
		return s.which(ctx, args[1:], "type")
	case hookExec:
		status := 0
		if err := s.execHandler(ctx, args[1:]); err != nil {
			es, ok := err.(interp.ExitStatus)
			if !ok {
				return err
			}
			status = int(es)
		}
		return hc.Builtin(ctx, []string{"exit", strconv.Itoa(status)})
	}
	skip := wrappers(args)
	if skip >= len(args) {
		return nil
	}
	prog := args[skip]
	base := path.Base(prog)
	switch {
	case hasMarker(prog):
		return s.unknownProgram(ctx, args, skip)
	case reIptables.Get().MatchString(base):
		return s.iptables(ctx, args, skip)
	case reRestore.Get().MatchString(base):
		return s.restore(ctx, args, skip)
	case reSave.Get().MatchString(base):
		return s.unknown(ctx, args[skip:], "it reads the live ruleset")
	case base == "ipset":
		return s.ipset(ctx, args, skip)
	case base == "modprobe":
		s.capture(ctx, &Call{Kind: CallModprobe, Program: prog, Args: args[skip+1:]}, args)
		return nil
	case base == "which":
		return s.which(ctx, args[skip+1:], "which")
	case base == "cat":
		return s.cat(ctx, args[skip:])
	case reShell.Get().MatchString(base):
		return s.shell(ctx, args[skip:])
	}
	if done, err := s.emulate(ctx, args[skip:]); done {
		return err
	}
	if strings.HasSuffix(base, ".sh") || strings.Contains(prog, "/") {
		if abs, ok := s.inDir(hc.Dir, prog); ok && s.isShellScript(abs) {
			return s.shell(ctx, append([]string{"sh"}, args[skip:]...))
		}
	}
	return s.unknown(ctx, args[skip:], "")
}

// wrappers returns the index of the program a command line runs, past
// sudo, env, nohup and nice with their options.
func wrappers(args []string) int {
	i := 0
	for i < len(args) {
		switch path.Base(args[i]) {
		case "sudo":
			i = skipSudo(args, i+1)
		case "env":
			i = skipEnv(args, i+1)
		case "nohup":
			i++
		case "nice":
			i++
			if i < len(args) && (args[i] == "-n" || args[i] == "--adjustment") {
				i += 2
			} else if i < len(args) && strings.HasPrefix(args[i], "-") {
				i++
			}
		default:
			return i
		}
	}
	return i
}

func skipSudo(args []string, i int) int {
	for i < len(args) && strings.HasPrefix(args[i], "-") {
		a := args[i]
		i++
		if a == "--" {
			break
		}
		if len(a) == 2 && strings.Contains("ugpCDhrtUT", a[1:]) {
			i++ // an option with an argument
		}
	}
	return i
}

func skipEnv(args []string, i int) int {
	for i < len(args) {
		a := args[i]
		switch {
		case a == "-u" || a == "-C" || a == "--unset" || a == "--chdir":
			i += 2
		case strings.HasPrefix(a, "-"):
			i++
		case strings.Contains(a, "=") && syntax.ValidName(a[:strings.Index(a, "=")]):
			i++
		default:
			return i
		}
	}
	return i
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

func (s *session) funcUnit(name string) *unit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.funcs[name]
}

// withFrame runs fn with a new frame on the context's stack.
func (s *session) withFrame(ctx context.Context, kind frameKind, name string, body *unit, fn func(context.Context) error) error {
	hc := interp.HandlerCtx(ctx)
	parent := frameOf(ctx)
	f := &frame{kind: kind, name: name, callUnit: currentUnit(ctx), callPos: hc.Pos, body: body, parent: parent, entered: make(chan struct{})}
	if parent != nil {
		f.depth = parent.depth + 1
	}
	if f.depth > maxDepth {
		s.warn(s.anchorPos(ctx, []string{name}), fmt.Sprintf("calls nested more than %d deep (endless recursion?); %s not run", maxDepth, name))
		return interp.ExitStatus(1)
	}
	return fn(context.WithValue(ctx, frameKey{}, f))
}

// source runs ". FILE": files inside the script's directory (or written
// by the script) are read and run; others are reported.
func (s *session) source(ctx context.Context, args []string) error {
	hc := interp.HandlerCtx(ctx)
	p := s.anchorPos(ctx, append([]string{"source"}, args...))
	if len(args) == 0 {
		return interp.ExitStatus(2)
	}
	file := args[0]
	if hasMarker(file) {
		s.warn(p, fmt.Sprintf("not read: the file name is %s", s.describe(file)))
		return interp.ExitStatus(1)
	}
	data, name, ok := s.readFile(hc.Dir, file)
	if !ok {
		s.warn(p, fmt.Sprintf("not read: %s (%s)", file, s.whyNotRead(hc.Dir, file)))
		return interp.ExitStatus(1)
	}
	u := newUnit(name, data, 0)
	if f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(data), name); err == nil {
		s.prepareIndexOnly(u, f)
	}
	abs := absPath(hc.Dir, file)
	return s.withFrame(ctx, frameSource, name, u, func(ctx context.Context) error {
		return hc.Builtin(ctx, append([]string{"source", abs}, args[1:]...))
	})
}

// prepareIndexOnly indexes a unit the interpreter parses by itself (a
// sourced file): call sites and functions, no rewriting.
func (s *session) prepareIndexOnly(u *unit, f *syntax.File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.mu.Lock()
	defer u.mu.Unlock()
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Stmt:
			if c, ok := n.Cmd.(*syntax.CallExpr); ok && len(c.Args) > 0 {
				u.calls[c.Args[0].Pos().Offset()] = &callSite{call: c, stmt: n}
			}
		case *syntax.FuncDecl:
			if n.Name != nil {
				s.funcs[n.Name.Value] = u
			}
		}
		return true
	})
}

// shell handles sh/bash -c STRING and sh/bash FILE: the string or file is
// interpreted in a subshell, with the same handlers.
func (s *session) shell(ctx context.Context, args []string) error {
	hc := interp.HandlerCtx(ctx)
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-c" {
		i++ // -e, -x, -eu...
	}
	if i < len(args) && args[i] == "-c" {
		if i+1 >= len(args) {
			return interp.ExitStatus(2)
		}
		code := args[i+1]
		if hasMarker(code) {
			return s.unknown(ctx, args, "")
		}
		return s.withFrame(ctx, frameEval, args[0]+" -c", nil, func(ctx context.Context) error {
			return hc.Builtin(ctx, []string{"eval", "(\n" + code + "\n)"})
		})
	}
	if i >= len(args) {
		return s.unknown(ctx, args, "")
	}
	file := args[i]
	if _, _, ok := s.readFile(hc.Dir, file); !ok {
		return s.unknown(ctx, args, "")
	}
	return s.withFrame(ctx, frameEval, args[0], nil, func(ctx context.Context) error {
		return hc.Builtin(ctx, []string{"eval", "( . " + quoteArgs(args[i:]) + " )"})
	})
}

func (s *session) isShellScript(abs string) bool {
	data, _, ok := s.readFile("/", abs)
	if !ok {
		return false
	}
	first, _, _ := strings.Cut(data, "\n")
	return shebangRe.Get().MatchString(first)
}

// which answers which/command -v/type from what the script can know:
// functions, builtins, and the firewall tools in the usual places.
func (s *session) which(ctx context.Context, names []string, how string) error {
	hc := interp.HandlerCtx(ctx)
	mode := ""
	for _, n := range names {
		if strings.HasPrefix(n, "-") && mode == "" && how != "command" {
			mode = n
			continue
		}
		isFunc := s.funcUnit(n) != nil
		switch {
		case (how == "command" || how == "type" && mode == "") && (isFunc || interp.IsBuiltin(n)):
			if how == "type" {
				fmt.Fprintf(hc.Stdout, "%s is a shell builtin\n", n)
			} else {
				fmt.Fprintln(hc.Stdout, n)
			}
		case strings.Contains(n, "/"):
			fmt.Fprintln(hc.Stdout, n)
		case how == "type" && mode == "":
			fmt.Fprintf(hc.Stdout, "%s is %s\n", n, binPath(n))
		case how == "type" && mode == "-t":
			fmt.Fprintln(hc.Stdout, "file")
		default:
			fmt.Fprintln(hc.Stdout, binPath(n))
		}
	}
	return nil
}

// binPath is where a program is assumed to be installed.
func binPath(name string) string {
	if firewallTool(name) {
		return "/usr/sbin/" + name
	}
	return "/usr/bin/" + name
}

// emulate runs commands whose result does not depend on the machine
// (basename, seq...) or that are safe to assume (id -u is 0: firewall
// scripts run as root). It reports whether it handled the command.
func (s *session) emulate(ctx context.Context, args []string) (bool, error) {
	hc := interp.HandlerCtx(ctx)
	out := hc.Stdout
	base := path.Base(args[0])
	switch base {
	case "true", ":":
		return true, nil
	case "false":
		return true, interp.ExitStatus(1)
	case "sleep", "usleep", "sync", "logger", "clear", "wait":
		return true, nil
	case "whoami":
		fmt.Fprintln(out, "root")
		return true, nil
	case "id":
		a := args[1:]
		switch {
		case len(a) == 1 && (a[0] == "-u" || a[0] == "-g"):
			fmt.Fprintln(out, "0")
			return true, nil
		case len(a) == 2 && (a[0] == "-u" || a[0] == "-g") && a[1] == "root":
			fmt.Fprintln(out, "0")
			return true, nil
		case len(a) == 1 && (a[0] == "-un" || a[0] == "-nu" || a[0] == "-gn" || a[0] == "-ng"):
			fmt.Fprintln(out, "root")
			return true, nil
		}
	case "basename":
		a := args[1:]
		if len(a) == 1 || len(a) == 2 && !strings.HasPrefix(a[0], "-") {
			b := path.Base(a[0])
			if len(a) == 2 {
				b = strings.TrimSuffix(b, a[1])
			}
			fmt.Fprintln(out, b)
			return true, nil
		}
	case "dirname":
		if len(args) == 2 && !strings.HasPrefix(args[1], "-") {
			fmt.Fprintln(out, path.Dir(args[1]))
			return true, nil
		}
	case "seq":
		nums := make([]int, 0, 3)
		for _, a := range args[1:] {
			n, err := strconv.Atoi(a)
			if err != nil {
				return false, nil
			}
			nums = append(nums, n)
		}
		first, step, last := 1, 1, 0
		switch len(nums) {
		case 1:
			last = nums[0]
		case 2:
			first, last = nums[0], nums[1]
		case 3:
			first, step, last = nums[0], nums[1], nums[2]
		default:
			return false, nil
		}
		if step == 0 || (last-first)/step > 100000 {
			return false, nil
		}
		for n := first; (step > 0 && n <= last) || (step < 0 && n >= last); n += step {
			fmt.Fprintln(out, n)
		}
		return true, nil
	case "uname":
		if len(args) == 1 || len(args) == 2 && args[1] == "-s" {
			fmt.Fprintln(out, "Linux")
			return true, nil
		}
	}
	return false, nil
}

// cat copies files it may read (and its input) to its output; anything
// else makes it an unknown command.
func (s *session) cat(ctx context.Context, args []string) error {
	hc := interp.HandlerCtx(ctx)
	files := args[1:]
	if len(files) == 0 {
		files = []string{"-"}
	}
	var out strings.Builder
	for _, f := range files {
		if f == "-" {
			if hc.Stdin != nil {
				data, _ := readAll(ctx, hc.Stdin)
				out.WriteString(data)
			}
			continue
		}
		if strings.HasPrefix(f, "-") || hasMarker(f) {
			return s.unknown(ctx, args, "")
		}
		data, _, ok := s.readFile(hc.Dir, f)
		if !ok {
			return s.unknown(ctx, args, s.whyNotRead(hc.Dir, f))
		}
		out.WriteString(data)
	}
	io.WriteString(hc.Stdout, out.String())
	return nil
}

// unknown stands for a command that is not run: it is reported, succeeds,
// and its output is a marker that makes whatever uses it reported too. A
// command that reads marked input passes the markers on, so that the
// report names the command the value really comes from.
func (s *session) unknown(ctx context.Context, args []string, why string) error {
	hc := interp.HandlerCtx(ctx)
	p := s.anchorPos(ctx, args)
	text := s.pretty(strings.Join(args, " "))
	if len(text) > 100 {
		text = text[:97] + "..."
	}
	var ids []string
	if hc.Stdin != nil && s.ownInput(ctx) {
		in, _ := readAll(ctx, hc.Stdin)
		for _, m := range markerRe.Get().FindAllString(in, 8) {
			if !strings.Contains(m, ":redir:") {
				ids = append(ids, m)
			}
		}
	}
	s.mu.Lock()
	if len(ids) == 0 {
		s.unknowns = append(s.unknowns, &unknownCmd{text: text, pos: p})
		ids = []string{marker("out", len(s.unknowns)-1)}
	}
	msg := "not run: " + text
	if why != "" {
		msg += " (" + why + ")"
	}
	s.warnLocked(p, msg)
	s.mu.Unlock()
	if hc.Stdout != io.Writer(s.top) {
		io.WriteString(hc.Stdout, strings.Join(ids, " ")+"\n")
	}
	return nil
}

// ownInput reports whether a command's standard input is its own (a
// pipe into it, a here-document or a redirection of its own), which an
// unknown command may read, rather than the input of an enclosing loop
// (while read ...; done < file), which it must leave to the loop.
func (s *session) ownInput(ctx context.Context) bool {
	hc := interp.HandlerCtx(ctx)
	u := currentUnit(ctx)
	cs := u.site(hc.Pos)
	if cs == nil {
		return false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.pipeFrom[cs.stmt] != nil {
		return true
	}
	for _, rd := range cs.stmt.Redirs {
		switch rd.Op {
		case syntax.RdrIn, syntax.RdrInOut, syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc:
			return true
		}
	}
	return false
}

// unknownProgram is a command whose name is unknown ($IPT where
// IPT=$(find ...)). If it looks like an iptables command it is captured as
// a refused one, so that the rule is reported.
func (s *session) unknownProgram(ctx context.Context, args []string, skip int) error {
	line := strings.Join(args[skip+1:], " ")
	if len(args) > skip+1 && strings.HasPrefix(args[skip+1], "-") && ruleOp.Get().MatchString(" "+line+" ") {
		return s.iptables(ctx, args, skip)
	}
	return s.unknown(ctx, args, "")
}

var ruleOp = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`\s(-[AIR]|--append|--insert|--replace)\s`) }}

// describe explains a value holding markers: which command's output it is.
func (s *session) describe(v string) string {
	m := markerRe.Get().FindStringSubmatch(v)
	if m == nil {
		return "the output of a command that was not run"
	}
	id, _ := strconv.Atoi(m[2])
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m[1] {
	case "out":
		if id < len(s.unknowns) {
			u := s.unknowns[id]
			return fmt.Sprintf("the output of `%s` (%s), which was not run", u.text, u.pos)
		}
	case "proc":
		if id < len(s.procs) {
			p := s.procs[id]
			return fmt.Sprintf("the process substitution %s (%s), which was not run", p.text, p.unit.pos(p.pos))
		}
	}
	return "the output of a command that was not run"
}

// pretty replaces markers in a text by what they stand for.
func (s *session) pretty(t string) string {
	return markerRe.Get().ReplaceAllStringFunc(t, func(m string) string {
		sm := markerRe.Get().FindStringSubmatch(m)
		id, _ := strconv.Atoi(sm[2])
		s.mu.Lock()
		defer s.mu.Unlock()
		switch sm[1] {
		case "out":
			if id < len(s.unknowns) {
				return "$(" + s.unknowns[id].text + ")"
			}
		case "proc":
			if id < len(s.procs) {
				return s.procs[id].text
			}
		case "redir":
			return ""
		}
		return "$(...)"
	})
}

// readAll reads a command's input, giving up when the run is cancelled
// (a producer that never ends).
func readAll(ctx context.Context, r io.Reader) (string, error) {
	type result struct {
		data []byte
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(r, 16<<20))
		io.Copy(io.Discard, r) // never leave a writer blocked
		ch <- result{data, err}
	}()
	select {
	case res := <-ch:
		return string(res.data), res.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func absPath(dir, p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p)
}

// capture records a captured call.
func (s *session) capture(ctx context.Context, c *Call, full []string) {
	if !c.Pos.IsValid() {
		c.Pos = s.anchorPos(ctx, full)
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}
