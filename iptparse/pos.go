// Package iptparse turns iptables command lines and iptables-save files into
// an AST. Every node keeps the position of the text it came from, so that any
// later stage (translation, optimisation, reports) can point back at it.
//
// The parser knows nothing about nftables. Extension option tables are
// supplied by the caller through a Registry, so each iptables extension can
// keep its options next to its translation.
package iptparse

import "fmt"

// Pos is a position in an input: file name, 1-based line and column.
// The zero Pos means "unknown". Line and column are 32-bit, which keeps a
// Word (of which a rule has a dozen or so) at 40 bytes instead of 48; a
// line or column past 2^31-1 is clamped to that (see MakePos).
type Pos struct {
	File string
	Line int32
	Col  int32
}

// maxPos is the largest line or column a Pos holds.
const maxPos = 1<<31 - 1

// MakePos returns the position of line and col in file, each clamped to
// the range a Pos holds: a position past it (a file of two billion lines)
// still points past the end rather than wrapping around to nonsense.
func MakePos(file string, line, col int) Pos {
	return Pos{File: file, Line: clampPos(line), Col: clampPos(col)}
}

// clampPos converts a line or column number to a Pos field, clamped to
// [0, maxPos].
func clampPos(n int) int32 {
	return int32(min(max(n, 0), maxPos))
}

// IsValid reports whether the position points somewhere.
func (p Pos) IsValid() bool { return p.Line > 0 }

func (p Pos) String() string {
	file := p.File
	if file == "" {
		file = "-"
	}
	switch {
	case p.Line == 0:
		return file
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", file, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", file, p.Line, p.Col)
}

// Word is one shell-style word of an iptables command with its position.
type Word struct {
	Text string
	Pos  Pos
}

// Error is an input error that iptables itself would also reject.
// Ext names the part of the rule that failed ("-m tcp", "-j DNAT"), if any.
type Error struct {
	Pos Pos
	Ext string
	Msg string
}

func (e *Error) Error() string {
	if e.Ext != "" {
		return fmt.Sprintf("%s: %s: %s", e.Pos, e.Ext, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
}

// Errorf builds an *Error.
func Errorf(pos Pos, ext, format string, args ...any) *Error {
	return &Error{Pos: pos, Ext: ext, Msg: fmt.Sprintf(format, args...)}
}

// Warning is a non-fatal remark about the input (deprecated syntax and the like).
type Warning struct {
	Pos Pos
	Msg string
}

func (w Warning) String() string { return fmt.Sprintf("%s: warning: %s", w.Pos, w.Msg) }
