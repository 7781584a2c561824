// Package script reads firewall shell scripts (and the line-oriented
// inputs that hold shell commands: shell session transcripts, bash
// histories, wg-quick PostUp lines) and turns the iptables commands they
// would issue into parsed iptables commands.
//
// A script is never executed. It is parsed by mvdan.cc/sh/v3/syntax and
// interpreted by mvdan.cc/sh/v3/interp with handlers that capture every
// call of iptables, ip6tables (and their -legacy/-nft variants, with a
// path or through sudo), iptables-restore, ipset and modprobe, and run
// nothing else: no external program is started, no file is written (the
// files a script writes are kept in memory), files are read only inside
// the script's directory, and the network is never touched. Variables,
// functions, loops, case and if work as in a shell; what a script would
// learn from the machine (the output of `ip addr`, `id -u tor`...) is
// unknown: such output is replaced by a marker, and the commands that
// depend on it are reported instead of guessed. -D NAME=VALUE supplies
// those values.
package script

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// DefaultTimeout bounds the time a script may run (endless loops).
const DefaultTimeout = 10 * time.Second

// noTmpDir is the script's TMPDIR: a directory that does not exist.
const noTmpDir = "/nonexistent/ipt2nft-script-has-no-tmpdir"

// maxSteps bounds the number of commands a script may run.
const maxSteps = 1_000_000

// Kind is the kind of input Run reads.
type Kind uint8

const (
	KindNone       Kind = iota // not a script (a save file or a plain command list)
	KindShell                  // a shell script
	KindTranscript             // a terminal session: commands after prompts, output between
	KindWireGuard              // a wg-quick configuration: PreUp/PostUp commands
)

func (k Kind) String() string {
	return [...]string{"none", "shell script", "shell session transcript", "wg-quick configuration"}[k]
}

// Options configure Run.
type Options struct {
	// Registry gives the parser the extensions' option tables.
	Registry iptparse.Registry
	// Defines are the -D NAME=VALUE settings: environment variables the
	// script reads, and values of variables the script would set from the
	// output of a command (VAR=$(...)). Names 1 to 9 set the positional
	// parameters ($1...). "%i" sets the wg-quick interface name.
	Defines map[string]string
	// Dir is the only directory the script may read files from
	// (iptables-restore < rules.v4, . ./config). Empty: none.
	Dir string
	// Kind forces the kind of input (KindNone: Detect decides).
	Kind Kind
	// Timeout bounds the run (0: DefaultTimeout).
	Timeout time.Duration
}

// CallKind classifies a captured call.
type CallKind uint8

const (
	CallIptables CallKind = iota // iptables / ip6tables
	CallRestore                  // iptables-restore / ip6tables-restore
	CallIpset
	CallModprobe
)

func (k CallKind) String() string {
	return [...]string{"iptables", "iptables-restore", "ipset", "modprobe"}[k]
}

// Call is one captured call, in the order the script makes them.
type Call struct {
	Kind    CallKind
	Program string   // as called: "iptables", "/sbin/ip6tables-legacy"
	Args    []string // after the program name, expanded
	Pos     iptparse.Pos
	Family  iptparse.Family
	// Rules is the number of rule commands (-A/-I/-R) the call issues:
	// 0 or 1 for iptables, the rule lines of the input of iptables-restore.
	Rules int
	// Refused is set when the call uses the output of a command that was
	// not run (it is reported, not translated).
	Refused bool
}

// Result is what Run captured.
type Result struct {
	Kind Kind
	// Files hold the captured commands in order, for
	// translate.Translator.AddFile: consecutive iptables calls of one
	// family share a file (FormatCommands), the input of each
	// iptables-restore call is a file of its own (FormatSave). Commands
	// that could not be parsed or that depend on unknown values are
	// iptparse.BadLine items. The first file holds no commands, only the
	// warnings about the script (commands not run, files not read...).
	Files []*iptparse.File
	// Calls lists every captured call.
	Calls []*Call
	// IPSets are the ipset sets the script leaves behind, with their
	// elements (nil if none), for translate.Translator.AddIPSets.
	IPSets *iptparse.IPSetFile
	// Stderr is what the shell itself printed (builtin errors).
	Stderr string
}

// Rules is the number of rule commands (-A/-I/-R) the script issues.
func (r *Result) Rules() int {
	n := 0
	for _, c := range r.Calls {
		n += c.Rules
	}
	return n
}

// Commands returns the parsed iptables commands, in order (commands that
// could not be parsed, or depend on unknown values, are left out).
func (r *Result) Commands() []*iptparse.Command {
	var cmds []*iptparse.Command
	for _, f := range r.Files {
		for _, it := range f.Items {
			if cl, ok := it.(*iptparse.CommandLine); ok {
				cmds = append(cmds, cl.Command)
			}
		}
	}
	return cmds
}

// Warnings returns the remarks about the script.
func (r *Result) Warnings() []iptparse.Warning {
	var ws []iptparse.Warning
	for _, f := range r.Files {
		ws = append(ws, f.Warnings...)
	}
	return ws
}

// unit is one parsed piece of input: the script, a sourced file, or one
// line of a transcript. Positions of its nodes are mapped to the input
// file through name and lineOff.
type unit struct {
	mu      sync.Mutex // calls and pipeFrom grow while background jobs read them
	name    string
	lineOff int
	src     string
	calls   map[uint]*callSite // by offset of the call's first word
	// colAdj corrects columns on the first line after text was replaced
	// (wg-quick's %i): columns from at on are delta too far right.
	colAdj []colAdj
	// pipeFrom maps the statement on the right of a pipe to the one
	// feeding it (for the here-document of cat <<EOF | iptables-restore)
	pipeFrom map[*syntax.Stmt]*syntax.Stmt
}

type colAdj struct{ at, delta int }

type callSite struct {
	call *syntax.CallExpr
	stmt *syntax.Stmt
}

func newUnit(name, src string, lineOff int) *unit {
	return &unit{name: name, src: src, lineOff: lineOff, calls: map[uint]*callSite{}, pipeFrom: map[*syntax.Stmt]*syntax.Stmt{}}
}

func (u *unit) pos(p syntax.Pos) iptparse.Pos {
	if u == nil {
		return iptparse.Pos{}
	}
	if !p.IsValid() {
		return iptparse.Pos{File: u.name}
	}
	col := int(p.Col())
	if p.Line() == 1 {
		c := col
		for _, a := range u.colAdj {
			if c >= a.at {
				col -= a.delta
			}
		}
	}
	return iptparse.MakePos(u.name, int(p.Line())+u.lineOff, col)
}

// site finds the call expression a handler was called for.
func (u *unit) site(p syntax.Pos) *callSite {
	if u == nil || !p.IsValid() {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.calls[p.Offset()]
}

// text is the source text of a node, on one line.
func (u *unit) text(n syntax.Node) string {
	if u == nil {
		return ""
	}
	a, b := int(n.Pos().Offset()), int(n.End().Offset())
	if a < 0 || b > len(u.src) || a >= b {
		return ""
	}
	return oneLine(u.src[a:b])
}

var continuation = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`\\\n\s*`) }}

func oneLine(s string) string {
	s = continuation.Get().ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(s), " ")
}

// frame is a function call, a sourced file or an eval'd string the
// interpreter is in. Frames live in the context the interpreter passes to
// the handlers, so concurrent pipeline parts each see their own stack.
type frame struct {
	kind     frameKind
	name     string
	callUnit *unit
	callPos  syntax.Pos
	body     *unit // where the frame's commands come from; nil for eval
	parent   *frame
	depth    int
	entered  chan struct{} // closed once the wrapped function call was re-issued
}

type frameKind uint8

const (
	frameFunc frameKind = iota
	frameSource
	frameEval
)

type frameKey struct{}
type unitKey struct{}

func frameOf(ctx context.Context) *frame {
	f, _ := ctx.Value(frameKey{}).(*frame)
	return f
}

func (f *frame) isEntered() bool {
	select {
	case <-f.entered:
		return true
	default:
		return false
	}
}

// currentUnit is the unit the commands being run come from.
func currentUnit(ctx context.Context) *unit {
	if f := frameOf(ctx); f != nil {
		return f.body
	}
	u, _ := ctx.Value(unitKey{}).(*unit)
	return u
}

// session is the state of one Run.
type session struct {
	opt    Options
	name   string
	dir    string // absolute, or "" (no file access)
	kind   Kind
	runner *interp.Runner
	top    *discard
	stderr *lockedBuffer

	mu        sync.Mutex
	steps     int
	warnFile  *iptparse.File
	files     []*iptparse.File
	calls     []*Call
	warned    map[string]bool
	funcs     map[string]*unit // function name -> unit it was defined in
	substVars map[string]bool  // variables set from a command substitution
	unknowns  []*unknownCmd
	redirs    []*redirInfo
	procs     []*redirInfo
	mem       *memFS
	state     *fwState
	lastCall  *lastCall
	ipsets    *iptparse.IPSetFile
	stopped   string
	exited    bool // the script ran exit (its EXIT trap ran then)
	exitPos   iptparse.Pos
}

type unknownCmd struct {
	text string
	pos  iptparse.Pos
}

type redirInfo struct {
	unit *unit
	pos  syntax.Pos
	text string
	path string // what was opened, once it was
}

type lastCall struct {
	pos  iptparse.Pos
	args []string
}

// Run interprets a script (or transcript, or wg-quick configuration) and
// returns what it captured. name is used in positions; the error is only
// for failures to set up the interpreter.
func Run(name, src string, opt Options) (*Result, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	s := &session{
		opt:       opt,
		name:      name,
		warnFile:  &iptparse.File{Name: name, Format: iptparse.FormatCommands},
		warned:    map[string]bool{},
		funcs:     map[string]*unit{},
		substVars: map[string]bool{},
		mem:       newMemFS(),
		state:     newFwState(),
		ipsets:    &iptparse.IPSetFile{Name: name},
		top:       &discard{},
		stderr:    &lockedBuffer{},
	}
	if opt.Dir != "" {
		d, err := filepath.Abs(opt.Dir)
		if err != nil {
			return nil, err
		}
		if r, err := filepath.EvalSymlinks(d); err == nil {
			d = r
		}
		s.dir = d
	}
	s.kind = opt.Kind
	if s.kind == KindNone {
		s.kind = Detect(name, src)
		if s.kind == KindNone {
			s.kind = KindShell
		}
	}
	if err := s.newRunner(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opt.Timeout)
	defer cancel()
	switch s.kind {
	case KindTranscript:
		s.runLines(ctx, transcriptLines(src), false)
	case KindWireGuard:
		s.runLines(ctx, s.wireGuardLines(src), true)
	default:
		s.runShell(ctx, src)
	}
	// let background jobs finish (they stop when the time is up), and
	// end the shell, which runs its EXIT trap if it did not exit already
	if !s.isStopped() && ctx.Err() == nil {
		s.runner.Run(ctx, &syntax.CallExpr{Args: []*syntax.Word{{Parts: []syntax.WordPart{&syntax.Lit{Value: "wait"}}}}})
		if s.kind == KindShell && !s.exited {
			s.runner.Run(ctx, &syntax.File{})
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctx.Err() == context.DeadlineExceeded && s.stopped == "" {
		s.stopped = fmt.Sprintf("the script did not finish within %s (an endless loop?); it was stopped there", opt.Timeout)
	}
	if s.stopped != "" {
		s.warnLocked(iptparse.Pos{File: name}, s.stopped+"; the commands captured until then are translated")
	}
	for _, w := range s.ipsets.Warnings {
		s.warnLocked(w.Pos, w.Msg)
	}
	rules := 0
	for _, c := range s.calls {
		rules += c.Rules
	}
	if s.exited && rules == 0 && s.exitPos.IsValid() {
		s.warnLocked(s.exitPos, "the script exits here before it adds any rule; if it expects arguments (start, restart...), give them with -D 1=ARG")
	}
	res := &Result{Kind: s.kind, Calls: s.calls, Stderr: s.stderr.String()}
	if len(s.ipsets.Sets) > 0 {
		res.IPSets = s.ipsets
	}
	res.Files = append([]*iptparse.File{s.warnFile}, s.files...)
	sortWarnings(s.warnFile.Warnings)
	return res, nil
}

func sortWarnings(ws []iptparse.Warning) {
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i].Pos, ws[j].Pos
		if a.File != b.File {
			return false
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

func (s *session) newRunner() error {
	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root", "USER=root", "LOGNAME=root", "SHELL=/bin/bash",
		"UID=0", "EUID=0", "LANG=C", "TERM=dumb",
		// The interpreter opens files in TMPDIR whose names start with
		// "sh-interp-" (its process substitution FIFOs) itself, without
		// the open handler, and creates the FIFOs there: a directory that
		// does not exist makes sure no such file is ever created.
		"TMPDIR=" + noTmpDir,
	}
	dir := s.dir
	if dir == "" {
		dir = "/"
	}
	env = append(env, "PWD="+dir)
	var params []string
	var names []string
	for k := range s.opt.Defines {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := s.opt.Defines[k]
		if n, err := strconv.Atoi(k); err == nil && n >= 1 && n <= 9 {
			for len(params) < n {
				params = append(params, "")
			}
			params[n-1] = v
			continue
		}
		if syntax.ValidName(k) {
			env = append(env, k+"="+v)
		}
	}
	opts := []interp.RunnerOption{
		interp.Env(expand.ListEnviron(env...)),
		interp.Dir(dir),
		interp.StdIO(nil, s.top, s.stderr),
		interp.CallHandler(s.callHandler),
		interp.ExecHandlers(func(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
			// next (the default handler, which starts programs) is never called.
			return s.execHandler
		}),
		interp.OpenHandler(s.openHandler),
		interp.StatHandler(s.statHandler),
		interp.AccessHandler(s.accessHandler),
		interp.ReadDirHandler2(s.readDirHandler),
	}
	if len(params) > 0 {
		opts = append(opts, interp.Params(append([]string{"--"}, params...)...))
	}
	r, err := interp.New(opts...)
	if err != nil {
		return err
	}
	s.runner = r
	return nil
}

// runShell parses and runs a script statement by statement, as a shell
// does: a syntax error stops it there, after the statements before it ran.
func (s *session) runShell(ctx context.Context, src string) {
	u := newUnit(s.name, src, 0)
	ctx = context.WithValue(ctx, unitKey{}, u)
	p := syntax.NewParser(syntax.Variant(syntax.LangBash))
	for stmt, err := range p.StmtsSeq(strings.NewReader(src)) {
		if err != nil {
			s.syntaxError(u, err)
			return
		}
		if !s.runStmt(ctx, s.runner, u, stmt) {
			return
		}
	}
}

// runStmt prepares and runs one top-level statement; false means stop.
func (s *session) runStmt(ctx context.Context, r *interp.Runner, u *unit, stmt *syntax.Stmt) bool {
	if ctx.Err() != nil {
		return false
	}
	s.prepare(u, stmt)
	err := r.Run(ctx, stmt)
	if s.isStopped() || ctx.Err() != nil {
		return false
	}
	if err != nil {
		if _, ok := err.(interp.ExitStatus); !ok {
			s.mu.Lock()
			s.stopped = "the shell stopped: " + err.Error()
			s.mu.Unlock()
			return false
		}
	}
	if r.Exited() {
		s.exited = true
		return false
	}
	return true
}

func (s *session) syntaxError(u *unit, err error) {
	pos := iptparse.Pos{File: u.name}
	msg := err.Error()
	if pe, ok := err.(syntax.ParseError); ok {
		pos = u.pos(pe.Pos)
		msg = pe.Text
	}
	line := ""
	if pos.Line > 0 {
		lines := strings.Split(u.src, "\n")
		if i := int(pos.Line) - 1 - u.lineOff; i >= 0 && i < len(lines) {
			line = lines[i]
		}
	}
	bad := &iptparse.BadLine{Pos: pos, Text: line, Err: &iptparse.Error{Pos: pos,
		Msg: "shell syntax error: " + msg + "; the shell stops here, so no command from this point on is translated"}}
	s.mu.Lock()
	s.files = append(s.files, &iptparse.File{Name: u.name, Family: iptparse.FamilyIPv4, Format: iptparse.FormatCommands, Items: []iptparse.Item{bad}})
	s.mu.Unlock()
}

// warn records a remark about the script once per position and text.
func (s *session) warn(pos iptparse.Pos, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.warnLocked(pos, msg)
}

func (s *session) warnLocked(pos iptparse.Pos, msg string) {
	key := pos.String() + "\x00" + msg
	if s.warned[key] {
		return
	}
	s.warned[key] = true
	s.warnFile.Warnings = append(s.warnFile.Warnings, iptparse.Warning{Pos: pos, Msg: msg})
}

func (s *session) isStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped != ""
}

// ValidDefine reports whether NAME can be given with -D NAME=VALUE: a
// shell variable name, a positional parameter 1 to 9, or wg-quick's %i.
func ValidDefine(name string) bool {
	if name == "%i" || syntax.ValidName(name) {
		return true
	}
	n, err := strconv.Atoi(name)
	return err == nil && n >= 1 && n <= 9 && len(name) == 1
}

// step counts commands, to stop runaway scripts.
func (s *session) step() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps++
	if s.steps > maxSteps {
		if s.stopped == "" {
			s.stopped = fmt.Sprintf("the script ran more than %d commands (an endless loop?); it was stopped there", maxSteps)
		}
		return fmt.Errorf("%s", s.stopped)
	}
	return nil
}

// discard is the script's standard output.
type discard struct{}

func (*discard) Write(p []byte) (int, error) { return len(p), nil }

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < 1<<20 {
		l.b.Write(p)
	}
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var _ io.Writer = (*discard)(nil)
