package script

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Markers stand for what a script cannot know without running commands:
// the output of a command that was not run (out), the file a redirection
// names (redir: the open handler strips it and learns the redirection's
// position), a process substitution that was not run (proc).
const markerPrefix = "@@ipt2nft:"

var markerRe = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`@@ipt2nft:(out|redir|proc):(\d+)@@`) }}

func marker(kind string, id int) string { return fmt.Sprintf("%s%s:%d@@", markerPrefix, kind, id) }

// hasMarker reports whether s holds a marker or a piece of one (a marker
// cut by ${x%...} and the like still means the value is unknown).
func hasMarker(s string) bool {
	return strings.Contains(s, "@@ipt2nft") || strings.Contains(s, "ipt2nft:out:")
}

// prepare indexes a statement about to run (call sites, functions) and
// rewrites it: markers on redirection targets, process substitutions
// replaced by a marker, -D values for VAR=$(command) assignments.
func (s *session) prepare(u *unit, node syntax.Node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.mu.Lock()
	defer u.mu.Unlock()
	syntax.Walk(node, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Stmt:
			if c, ok := n.Cmd.(*syntax.CallExpr); ok && len(c.Args) > 0 {
				u.calls[c.Args[0].Pos().Offset()] = &callSite{call: c, stmt: n}
			}
			for _, rd := range n.Redirs {
				if !fileRedir(rd.Op) || rd.Word == nil || len(rd.Word.Parts) == 0 {
					continue
				}
				s.redirs = append(s.redirs, &redirInfo{unit: u, pos: rd.OpPos, text: u.text(rd)})
				lit := &syntax.Lit{ValuePos: rd.Word.Pos(), ValueEnd: rd.Word.Pos(), Value: marker("redir", len(s.redirs)-1)}
				rd.Word.Parts = append([]syntax.WordPart{lit}, rd.Word.Parts...)
			}
		case *syntax.FuncDecl:
			if n.Name != nil {
				s.funcs[n.Name.Value] = u
			}
		case *syntax.BinaryCmd:
			if n.Op == syntax.Pipe || n.Op == syntax.PipeAll {
				u.pipeFrom[n.Y] = lastStmt(n.X)
			}
		case *syntax.Assign:
			s.overrideAssign(u, n)
		case *syntax.Word:
			// ~user would read the user database: home directories are
			// /root and /home/user
			if len(n.Parts) == 0 {
				break
			}
			if l, ok := n.Parts[0].(*syntax.Lit); ok && strings.HasPrefix(l.Value, "~") {
				name, rest, _ := strings.Cut(l.Value[1:], "/")
				if name != "" && syntax.ValidName(strings.ReplaceAll(name, "-", "_")) {
					home := "/home/" + name
					if name == "root" {
						home = "/root"
					}
					if rest != "" || strings.Contains(l.Value, "/") {
						home += "/" + rest
					}
					n.Parts[0] = &syntax.Lit{ValuePos: l.ValuePos, ValueEnd: l.ValueEnd, Value: home}
				}
			}
			for i, p := range n.Parts {
				if ps, ok := p.(*syntax.ProcSubst); ok {
					s.procs = append(s.procs, &redirInfo{unit: u, pos: ps.Pos(), text: u.text(ps)})
					n.Parts[i] = &syntax.Lit{ValuePos: ps.Pos(), ValueEnd: ps.End(), Value: marker("proc", len(s.procs)-1)}
				}
			}
		}
		return true
	})
}

// lastStmt is the statement that writes into a pipe: the last of a pipeline.
func lastStmt(st *syntax.Stmt) *syntax.Stmt {
	for {
		b, ok := st.Cmd.(*syntax.BinaryCmd)
		if !ok || (b.Op != syntax.Pipe && b.Op != syntax.PipeAll) {
			return st
		}
		st = b.Y
	}
}

func fileRedir(op syntax.RedirOperator) bool {
	switch op {
	case syntax.RdrOut, syntax.AppOut, syntax.RdrIn, syntax.RdrInOut, syntax.RdrClob, syntax.RdrAll, syntax.AppAll:
		return true
	}
	return false
}

// overrideAssign gives VAR=$(command) the value of -D VAR=..., and notes
// -D values the script overwrites with its own constant.
func (s *session) overrideAssign(u *unit, as *syntax.Assign) {
	if as.Name == nil || as.Value == nil || as.Append || as.Index != nil || as.Array != nil {
		return
	}
	name := as.Name.Value
	if hasCmdSubst(as.Value) {
		s.substVars[name] = true
	}
	v, ok := s.opt.Defines[name]
	if !ok {
		return
	}
	if hasCmdSubst(as.Value) {
		text := u.text(as.Value)
		as.Value = &syntax.Word{Parts: []syntax.WordPart{&syntax.SglQuoted{Left: as.Value.Pos(), Right: as.Value.End(), Value: v}}}
		s.warnLocked(u.pos(as.Pos()), fmt.Sprintf("%s is %q (from -D) instead of the output of %s", name, v, text))
		return
	}
	if _, fixed := fixedText(as.Value); fixed {
		s.warnLocked(u.pos(as.Pos()), fmt.Sprintf("-D %s has no effect from here on: the script sets %s itself", name, name))
	}
}

func hasCmdSubst(w *syntax.Word) bool {
	found := false
	syntax.Walk(w, func(n syntax.Node) bool {
		if _, ok := n.(*syntax.CmdSubst); ok {
			found = true
		}
		return !found
	})
	return found
}

// fixedText returns the value of a word that expands to exactly itself:
// no expansion, no glob or brace, quotes removed.
func fixedText(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for i, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(p.Value, "\\*?[{") || (i == 0 && strings.HasPrefix(p.Value, "~")) {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok || strings.Contains(l.Value, "\\") {
					return "", false
				}
				b.WriteString(l.Value)
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// oneField reports whether a word always expands to exactly one field:
// nothing in it is subject to field splitting or globbing.
func oneField(w *syntax.Word) bool {
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(p.Value, "*?[{") {
				return false
			}
		case *syntax.SglQuoted:
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if pe, ok := q.(*syntax.ParamExp); ok && pe.Param != nil && (pe.Param.Value == "@" || pe.Index != nil) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// fromParams reports whether a word expands positional parameters.
func fromParams(w *syntax.Word) bool {
	found := false
	syntax.Walk(w, func(n syntax.Node) bool {
		if pe, ok := n.(*syntax.ParamExp); ok && pe.Param != nil {
			v := pe.Param.Value
			if v == "@" || v == "*" {
				found = true
			} else if _, err := strconv.Atoi(v); err == nil && v != "0" {
				found = true
			}
		}
		return !found
	})
	return found
}

func mostlyParams(words []*syntax.Word) bool {
	n := 0
	for _, w := range words {
		if fromParams(w) {
			n++
		}
	}
	return len(words) > 0 && n*2 >= len(words)
}

// align finds which word of a call produced each field: literal words
// produce themselves, quoted words one field, other words any number
// (preferably one). It returns the word index of each field, or nil.
func align(words []*syntax.Word, fields []string) []int {
	if len(words) > 300 || len(fields) > 300 {
		return nil
	}
	type key struct{ i, j int }
	memo := map[key]bool{}
	choice := map[key]int{}
	var match func(i, j int) bool
	match = func(i, j int) bool {
		if i == len(words) {
			return j == len(fields)
		}
		k := key{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		ok := false
		if t, fixed := fixedText(words[i]); fixed {
			if j < len(fields) && fields[j] == t && match(i+1, j+1) {
				ok, choice[k] = true, 1
			}
		} else if oneField(words[i]) {
			if j < len(fields) && match(i+1, j+1) {
				ok, choice[k] = true, 1
			}
		} else {
			for _, n := range countOrder(len(fields) - j) {
				if match(i+1, j+n) {
					ok, choice[k] = true, n
					break
				}
			}
		}
		memo[k] = ok
		return ok
	}
	if !match(0, 0) {
		return nil
	}
	out := make([]int, 0, len(fields))
	for i, j := 0, 0; i < len(words); i++ {
		n := choice[key{i, j}]
		for range n {
			out = append(out, i)
		}
		j += n
	}
	return out
}

// countOrder lists the field counts to try for a word: 1, 0, 2, 3...
func countOrder(max int) []int {
	order := []int{}
	if max >= 1 {
		order = append(order, 1)
	}
	order = append(order, 0)
	for n := 2; n <= max; n++ {
		order = append(order, n)
	}
	return order
}

// place finds where a captured call is in the input: the position of the
// command and of each of its fields. Commands inside a function that only
// passes on its parameters ("$@", $1...) are placed at the function's call
// site; commands inside an eval'd string at the eval.
func (s *session) place(ctx context.Context, fields []string) (cmd iptparse.Pos, words []iptparse.Pos, text string) {
	hc := interp.HandlerCtx(ctx)
	u := currentUnit(ctx)
	f := frameOf(ctx)
	words = make([]iptparse.Pos, len(fields))
	fill := func(p iptparse.Pos) {
		for i := range words {
			words[i] = p
		}
	}
	if u != nil {
		if cs := u.site(hc.Pos); cs != nil {
			idx := align(cs.call.Args, fields)
			params := 0
			for _, i := range idx {
				if fromParams(cs.call.Args[i]) {
					params++
				}
			}
			if idx != nil && (f == nil || f.kind != frameFunc || params*2 < len(fields)) {
				for k, i := range idx {
					words[k] = u.pos(cs.call.Args[i].Pos())
				}
				return u.pos(hc.Pos), words, u.text(cs.call)
			}
			if idx == nil && (f == nil || f.kind != frameFunc) {
				p := u.pos(hc.Pos)
				fill(p)
				return p, words, u.text(cs.call)
			}
		} else if f == nil {
			p := u.pos(hc.Pos)
			fill(p)
			return p, words, ""
		}
	}
	// Go up to the call site of the function (or eval, sh -c) the
	// command is in.
	for f != nil {
		if f.kind == frameSource {
			f = f.parent
			continue
		}
		// a wrapper called by another wrapper: go on up
		if cs := f.callUnit.site(f.callPos); f.kind == frameFunc && cs != nil && f.parent != nil &&
			f.parent.kind != frameSource && mostlyParams(cs.call.Args[1:]) {
			f = f.parent
			continue
		}
		break
	}
	if f == nil {
		p := iptparse.Pos{File: s.name}
		if u != nil {
			p = u.pos(hc.Pos)
		}
		fill(p)
		return p, words, ""
	}
	cu := f.callUnit
	p := cu.pos(f.callPos)
	fill(p)
	cs := cu.site(f.callPos)
	if cs == nil {
		return p, words, ""
	}
	if f.kind == frameFunc && len(fields) > 0 && len(cs.call.Args) > 0 {
		// the function's arguments are usually the command's arguments
		if idx := align(cs.call.Args[1:], fields[1:]); idx != nil {
			for k, i := range idx {
				words[k+1] = cu.pos(cs.call.Args[i+1].Pos())
			}
		}
	}
	return p, words, cu.text(cs.call)
}

// anchorPos is the position reported for a handler call (see place).
func (s *session) anchorPos(ctx context.Context, args []string) iptparse.Pos {
	p, _, _ := s.place(ctx, args)
	return p
}
