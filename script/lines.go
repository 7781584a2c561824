package script

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

var (
	shebangRe = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp {
		return regexp.MustCompile(`^#!\s*\S*/(env\s+(-\S+\s+)*)?(ba|da|a|k|z)?sh(\s|$)`)
	}}
	// promptRe matches a shell prompt at the start of a transcript line:
	// root@host:~# , user@host:/etc$ , [root@host ~]#
	promptRe = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp {
		return regexp.MustCompile(`^(\[[\w.-]+@[\w.-]+[^\]]*\][#$]|[\w.-]+@[\w.-]+(:[^\s#$]*)?[#$]) ?`)
	}}
	// dollarPromptRe is the bare "$ " prompt of documentation.
	dollarPromptRe = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`^\$ +`) }}
	wgHookRe       = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)^\s*(PreUp|PostUp|PreDown|PostDown)\s*=\s*(.*)$`)
	}}
	plainLineRe = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`^(sudo\s+)?(\S*/)?ip6?tables(-legacy|-nft)?\s`) }}
)

// shebang tells whether first, an input's first line, starts a shell
// script (#!/bin/sh, #!/usr/bin/env bash). The regular expression is
// compiled only for a line that starts with #!, as it must to match:
// compiled for every input (save files too), it cost the optimizing
// mode some 30,000 instructions at start, and its recursion grew the
// main goroutine's stack where the stack was already deep.
func shebang(first string) bool {
	return strings.HasPrefix(first, "#!") && shebangRe.Get().MatchString(first)
}

// Detect tells what kind of script an input is, or KindNone for a save
// file or a plain list of iptables commands (one per line, nothing a
// shell would expand), which iptparse.ParseFile reads directly.
func Detect(name, src string) Kind {
	first, _, _ := strings.Cut(src, "\n")
	if shebang(first) {
		return KindShell
	}
	hooks, prompts, dollars := 0, 0, 0
	iface := false
	// The lines are looked at only when they could tell something: a
	// hook needs an =, a prompt an @ and a dollar prompt a $. A save
	// file seldom has any, and three searches of the input, many bytes
	// at a time, cost less than a walk of every line.
	scan := hasLineSigns(src)
	// Then every line is looked at: the regular expressions run
	// only on lines that have what they need (a leading p or P, an @, a
	// leading $), which save-file lines seldom have. strings.Lines walks
	// the lines without listing them.
	if scan {
		for l := range strings.Lines(src) {
			l = strings.TrimSuffix(l, "\n")
			switch {
			case maybeHook(l) && wgHookRe.Get().MatchString(l):
				hooks++
			case strings.TrimSpace(l) == "[Interface]":
				iface = true
			case strings.IndexByte(l, '@') >= 0 && promptRe.Get().MatchString(l):
				prompts++
			case strings.HasPrefix(l, "$") && dollarPromptRe.Get().MatchString(l):
				dollars++
			}
		}
	}
	if hooks > 0 && (iface || strings.HasSuffix(name, ".conf")) {
		return KindWireGuard
	}
	if prompts > 0 || dollars > 1 {
		return KindTranscript
	}
	for _, suf := range []string{".sh", ".bash", "bash_history"} {
		if strings.HasSuffix(name, suf) {
			return KindShell
		}
	}
	if iptparse.DetectFormat(src) == iptparse.FormatSave {
		// a script may start with "[ -x /sbin/iptables ] || exit 0" or
		// ": ${IPT:=iptables}", which are not counters or chains
		for l := range strings.Lines(src) {
			t := strings.TrimSpace(l)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			if strings.HasPrefix(t, "[ ") || strings.HasPrefix(t, "[[ ") || strings.HasPrefix(t, ": ") {
				return KindShell
			}
			break
		}
		return KindNone
	}
	for l := range strings.Lines(src) {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if !plainLineRe.Get().MatchString(t+" ") || strings.ContainsAny(t, "$`") || strings.HasSuffix(t, "\\") {
			return KindShell
		}
	}
	return KindNone
}

// detectBlock is how much of a text hasLineSigns searches at a time. A
// variable for tests.
var detectBlock = 256 << 10

// hasLineSigns reports whether src has an '=', '@' or '$'. The three
// searches are made on a block at a time, while it is in the cache: on
// the whole text, one after the other, they read a big text from memory
// three times.
func hasLineSigns(src string) bool {
	for len(src) > 0 {
		b := src[:min(len(src), detectBlock)]
		if strings.IndexByte(b, '=') >= 0 || strings.IndexByte(b, '@') >= 0 || strings.IndexByte(b, '$') >= 0 {
			return true
		}
		src = src[len(b):]
	}
	return false
}

// maybeHook reports whether l could be a WireGuard hook line: after
// leading white space (wgHookRe's \s), a p or P.
func maybeHook(l string) bool {
	t := strings.TrimLeft(l, "\t\n\f\r ")
	return t != "" && (t[0] == 'p' || t[0] == 'P')
}

// cmdLine is a command taken out of a line-oriented input, with where it is.
type cmdLine struct {
	line, col int
	text      string
	adj       []colAdj
}

// transcriptLines takes the commands after the prompts of a terminal
// session; the lines in between are output. A command continued with a
// backslash goes on on the next line (after a "> " prompt, if any).
func transcriptLines(src string) []cmdLine {
	lines := strings.Split(src, "\n")
	var out []cmdLine
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], "\r")
		m := promptRe.Get().FindString(l)
		if m == "" {
			m = dollarPromptRe.Get().FindString(l)
		}
		if m == "" {
			continue
		}
		c := cmdLine{line: i + 1, col: len(m) + 1, text: l[len(m):]}
		for endsWithBackslash(c.text) && i+1 < len(lines) {
			i++
			next := strings.TrimRight(lines[i], "\r")
			if strings.HasPrefix(next, "> ") {
				next = "  " + next[2:]
			}
			c.text += "\n" + next
		}
		if strings.TrimSpace(c.text) != "" {
			out = append(out, c)
		}
	}
	return out
}

func endsWithBackslash(s string) bool {
	n := len(s) - len(strings.TrimRight(s, "\\"))
	return n%2 == 1
}

// wireGuardLines takes the PreUp and PostUp commands of a wg-quick
// configuration, with %i replaced by the interface name, as wg-quick
// runs them. PreDown and PostDown commands (taking the interface down)
// are reported, not translated.
func (s *session) wireGuardLines(src string) []cmdLine {
	iface, ok := s.opt.Defines["%i"]
	if !ok {
		iface = "wg0"
		if strings.HasSuffix(s.name, ".conf") {
			iface = strings.TrimSuffix(filepath.Base(s.name), ".conf")
		}
	}
	var out []cmdLine
	warnedIface := false
	for i, l := range strings.Split(src, "\n") {
		l = strings.TrimRight(l, "\r")
		m := wgHookRe.Get().FindStringSubmatchIndex(l)
		if m == nil {
			continue
		}
		key := strings.ToLower(l[m[2]:m[3]])
		val := l[m[4]:m[5]]
		if h := strings.IndexByte(val, '#'); h >= 0 {
			val = val[:h] // wg-quick cuts comments before it reads a line
		}
		pos := iptparse.MakePos(s.name, i+1, m[4]+1)
		if key == "predown" || key == "postdown" {
			s.warn(pos, fmt.Sprintf("not translated: %s runs when the interface goes down", l[m[2]:m[3]]))
			continue
		}
		if strings.Contains(val, "%i") {
			if !ok && !warnedIface {
				s.warn(pos, fmt.Sprintf("%%i is taken to be %s (set it with -D %%i=NAME)", iface))
				warnedIface = true
			}
		}
		// replace %i, noting how far the columns after it move
		var adj []colAdj
		var b strings.Builder
		col := m[4] + 1
		for {
			k := strings.Index(val, "%i")
			if k < 0 {
				b.WriteString(val)
				break
			}
			b.WriteString(val[:k])
			b.WriteString(iface)
			val = val[k+2:]
			adj = append(adj, colAdj{at: col + b.Len(), delta: len(iface) - 2})
		}
		if v := b.String(); strings.TrimSpace(v) != "" {
			out = append(out, cmdLine{line: i + 1, col: m[4] + 1, text: v, adj: adj})
		}
	}
	return out
}

// runLines runs the commands of a line-oriented input one by one. A
// transcript's commands share one shell (which goes on after an exit: the
// next prompt is another shell); wg-quick runs each hook in a subshell of
// its own.
func (s *session) runLines(ctx context.Context, lines []cmdLine, subshells bool) {
	for _, l := range lines {
		src := strings.Repeat(" ", l.col-1) + l.text
		u := newUnit(s.name, src, l.line-1)
		u.colAdj = l.adj
		f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), s.name)
		if err != nil {
			s.lineSyntaxError(u, l, err)
			continue
		}
		r := s.runner
		if subshells {
			r = s.runner.Subshell()
		}
		uctx := context.WithValue(ctx, unitKey{}, u)
		for _, st := range f.Stmts {
			if !s.runStmt(uctx, r, u, st) {
				break
			}
		}
		// a transcript goes on after an exit: the next prompt is another shell
		if s.isStopped() || ctx.Err() != nil {
			return
		}
	}
}

// lineSyntaxError reports a command of a line-oriented input that a
// shell cannot read; the next commands still run.
func (s *session) lineSyntaxError(u *unit, l cmdLine, err error) {
	pos := iptparse.MakePos(s.name, l.line, l.col)
	msg := err.Error()
	if pe, ok := err.(syntax.ParseError); ok {
		pos = u.pos(pe.Pos)
		msg = pe.Text
	}
	text := oneLine(l.text)
	if ruleOp.Get().MatchString(" " + text + " ") {
		bad := &iptparse.BadLine{Pos: pos, Text: text, IsRule: true,
			Err: &iptparse.Error{Pos: pos, Msg: "shell syntax error: " + msg}}
		s.addItem(iptparse.FamilyIPv4, bad)
		return
	}
	s.warn(pos, "not run: shell syntax error: "+msg)
}
