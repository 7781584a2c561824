package kernel

import (
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// UnifiedDiff is a line diff of a (live) and b (planned) in unified
// format with 3 lines of context; "" when they are equal. color adds
// ANSI colors for a terminal.
func UnifiedDiff(a, b, nameA, nameB string, color bool) string {
	if a == b {
		return ""
	}
	dmp := diffmatchpatch.New()
	ca, cb, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	type line struct {
		op   byte // ' ', '-', '+'
		text string
	}
	var all []line
	for _, d := range diffs {
		op := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = '-'
		case diffmatchpatch.DiffInsert:
			op = '+'
		}
		text := strings.TrimSuffix(d.Text, "\n")
		for _, l := range strings.Split(text, "\n") {
			all = append(all, line{op, l})
		}
	}
	const ctx = 3
	paint := func(op byte, s string) string {
		if !color {
			return s
		}
		switch op {
		case '-':
			return "\x1b[31m" + s + "\x1b[0m"
		case '+':
			return "\x1b[32m" + s + "\x1b[0m"
		case '@':
			return "\x1b[36m" + s + "\x1b[0m"
		}
		return s
	}
	var b2 strings.Builder
	b2.WriteString(paint('-', "--- "+nameA) + "\n" + paint('+', "+++ "+nameB) + "\n")
	for i := 0; i < len(all); {
		if all[i].op == ' ' {
			i++
			continue
		}
		start := max(0, i-ctx)
		end := i
		for end < len(all) {
			if all[end].op != ' ' {
				end++
				continue
			}
			j := end
			for j < len(all) && all[j].op == ' ' {
				j++
			}
			if j-end > 2*ctx || j == len(all) {
				end = min(len(all), end+ctx)
				break
			}
			end = j
		}
		aStart, bStart := 1, 1
		for _, l := range all[:start] {
			if l.op != '+' {
				aStart++
			}
			if l.op != '-' {
				bStart++
			}
		}
		aLen, bLen := 0, 0
		for _, l := range all[start:end] {
			if l.op != '+' {
				aLen++
			}
			if l.op != '-' {
				bLen++
			}
		}
		b2.WriteString(paint('@', fmt.Sprintf("@@ -%d,%d +%d,%d @@", aStart, aLen, bStart, bLen)) + "\n")
		for _, l := range all[start:end] {
			b2.WriteString(paint(l.op, string(l.op)+l.text) + "\n")
		}
		i = end
	}
	return b2.String()
}
