package iptparse

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/google/shlex"
)

// shellWords splits a line into words exactly as shlex.Split does (the
// same words and the same errors; FuzzShellWords compares them), without
// its cost per character: words without quotes or escapes are slices of
// the line. Blanks are space, tab, CR and LF; double quotes allow
// backslash escapes, single quotes none; an unquoted '#' that starts a word
// starts a comment, which runs to the end of the line.
func shellWords(line string) ([]string, error) {
	if !utf8.ValidString(line) {
		// shlex reads invalid bytes as U+FFFD: leave those lines to it.
		return shlex.Split(line)
	}
	words := make([]string, 0, 16)
	var b strings.Builder
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case isShlexBlank(c):
			i++
			continue
		case c == '#':
			nl := strings.IndexByte(line[i:], '\n')
			if nl < 0 {
				return words, nil
			}
			i += nl + 1
			continue
		}
		// A word: plain bytes up to a blank, or a quote or escape that
		// needs unquoting into a builder.
		start := i
		for i < len(line) && !isShlexBlank(line[i]) && line[i] != '"' && line[i] != '\'' && line[i] != '\\' {
			i++
		}
		if i == len(line) || isShlexBlank(line[i]) {
			words = append(words, line[start:i])
			continue
		}
		b.Reset()
		b.WriteString(line[start:i])
		for i < len(line) && !isShlexBlank(line[i]) {
			switch line[i] {
			case '\\':
				if i+1 == len(line) {
					return words, errors.New("EOF found after escape character")
				}
				_, n := utf8.DecodeRuneInString(line[i+1:])
				b.WriteString(line[i+1 : i+1+n])
				i += 1 + n
			case '\'':
				end := strings.IndexByte(line[i+1:], '\'')
				if end < 0 {
					return words, errors.New("EOF found when expecting closing quote")
				}
				b.WriteString(line[i+1 : i+1+end])
				i += end + 2
			case '"':
				i++
				for {
					if i == len(line) {
						return words, errors.New("EOF found when expecting closing quote")
					}
					if line[i] == '"' {
						i++
						break
					}
					if line[i] == '\\' {
						if i+1 == len(line) {
							return words, errors.New("EOF found after escape character")
						}
						i++
					}
					_, n := utf8.DecodeRuneInString(line[i:])
					b.WriteString(line[i : i+n])
					i += n
				}
			default:
				b.WriteByte(line[i])
				i++
			}
		}
		words = append(words, b.String())
	}
	return words, nil
}

// isShlexBlank is shlex's blank class.
func isShlexBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
