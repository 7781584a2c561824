package report

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// The side-by-side view highlights values (addresses, ports, interfaces,
// states, verdicts...) that appear on one side only: a value of the
// iptables rule missing from the nft rule, or a value the nft rule has
// that the iptables rule does not (typically brought in by a merge, or
// spelled differently, like an ICMP type number and its name). Option
// names and nft keywords are syntax, not values, and are not compared.
// (They were aligned with go-diff once; the alignment never changed which
// values were marked, since a value is marked only when the other side
// lacks it altogether, and it made the report quadratic in big merges.)

// span is a part of a text to highlight.
type span struct{ start, end int }

// valueTok is a value in a rule's text.
type valueTok struct {
	span
	norm string
}

// word is a whitespace-separated word, a quoted string kept whole.
type word struct {
	span
	text string
}

// words appends the words of s to ws.
func words(ws []word, s string) []word {
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		quoted := false
		for i < len(s) && (quoted || (s[i] != ' ' && s[i] != '\t')) {
			switch {
			case s[i] == '\\' && quoted && i+1 < len(s):
				i++
			case s[i] == '"':
				quoted = !quoted
			}
			i++
		}
		ws = append(ws, word{span{start, i}, s[start:i]})
	}
	return ws
}

// parts appends the value tokens of a word, split at commas (lists), to out.
func parts(out []valueTok, w word, trim string) []valueTok {
	if strings.HasPrefix(w.text, `"`) {
		return append(out, valueTok{w.span, normValue(strings.Trim(w.text, `"`))})
	}
	start := w.start
	rest := w.text
	for {
		p, after, more := strings.Cut(rest, ",")
		t := strings.TrimLeft(p, trim)
		off := len(p) - len(t)
		if t = strings.TrimRight(t, trim); t != "" {
			out = append(out, valueTok{span{start + off, start + off + len(t)}, normValue(t)})
		}
		if !more {
			return out
		}
		start += len(p) + 1
		rest = after
	}
}

// normValue writes a value the way both sides can compare it.
func normValue(v string) string {
	v = strings.ToLower(strings.Trim(v, `"'`))
	v = strings.TrimSuffix(v, "/32")
	if strings.Contains(v, ":") && strings.HasSuffix(v, "/128") {
		v = strings.TrimSuffix(v, "/128")
	}
	if strings.HasSuffix(v, "+") {
		v = strings.TrimSuffix(v, "+") + "*"
	}
	if a, b, ok := strings.Cut(v, ":"); ok && isDigits(a) && isDigits(b) {
		v = a + "-" + b // port range
	}
	if n, unit, ok := strings.Cut(v, "/"); ok && isDigits(n) && rateUnits.Get()[unit] != "" {
		v = n + "/" + rateUnits.Get()[unit] // limit rate
	}
	return v
}

var rateUnits = lazy.Of[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"s": "second", "sec": "second", "second": "second", "m": "minute", "min": "minute", "minute": "minute",
		"h": "hour", "hour": "hour", "d": "day", "day": "day",
	}
}}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// iptTargets are iptables targets with the nft word they become.
var iptTargets = lazy.Of[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject", "RETURN": "return",
		"MASQUERADE": "masquerade", "SNAT": "snat", "DNAT": "dnat", "REDIRECT": "redirect",
		"LOG": "log", "NFLOG": "log", "NFQUEUE": "queue", "QUEUE": "queue", "NOTRACK": "notrack",
	}
}}

// logLevels are syslog levels by number, as nft writes them.
var logLevels = lazy.Of[map[string]string]{New: func() map[string]string {
	return map[string]string{"0": "emerg", "1": "alert", "2": "crit", "3": "err", "4": "warn", "5": "notice", "6": "info", "7": "debug"}
}}

// iptValues appends the values of an iptables rule's text to out; ws is
// a buffer for its words.
func iptValues(out []valueTok, ws []word, s string) ([]valueTok, []word) {
	ws = words(ws[:0], s)
	for i := 0; i < len(ws); i++ {
		w := ws[i].text
		switch {
		case w == "!":
			continue
		case w == "-A" || w == "--append" || w == "-R" || w == "--replace" || w == "-m" || w == "--match" || w == "-t" || w == "--table":
			i++
			continue
		case w == "-I" || w == "--insert":
			i++
			if i+1 < len(ws) && isDigits(ws[i+1].text) {
				i++
			}
			continue
		case w == "-j" || w == "--jump" || w == "-g" || w == "--goto":
			if i+1 < len(ws) {
				i++
				if v, ok := iptTargets.Get()[ws[i].text]; ok {
					out = append(out, valueTok{ws[i].span, v})
				}
			}
			continue
		case w == "--log-level" && i+1 < len(ws):
			i++
			if lv, ok := logLevels.Get()[ws[i].text]; ok {
				out = append(out, valueTok{ws[i].span, lv})
			} else {
				out = parts(out, ws[i], "")
			}
			continue
		case strings.HasPrefix(w, "-") && !isDigits(strings.TrimPrefix(w, "-")):
			continue // an option name
		}
		n := len(out)
		out = parts(out, ws[i], "")
		kept := out[:n]
		for _, v := range out[n:] {
			switch {
			case v.norm == "all" || v.norm == "none":
				continue // tcp flag masks: nft lists the flags
			case i > 0 && (strings.HasSuffix(ws[i-1].text, "port") || strings.HasSuffix(ws[i-1].text, "ports")):
				if p, ok := iptparse.ServicePort(v.norm); ok {
					v.norm = fmt.Sprint(p) // a service name
				}
			}
			kept = append(kept, v)
		}
		out = kept
	}
	return out, ws
}

// nftValueWord tells value-like words of nft text from keywords.
func nftValueWord(norm string, left map[string]bool) bool {
	switch norm {
	case "ip6", "icmpv6", "ip6ext", "ipv4_addr", "ipv6_addr", "l4proto", "th", "nfproto":
		return false
	case "accept", "drop", "reject", "return", "masquerade", "snat", "dnat", "redirect", "log", "queue", "notrack":
		return true
	}
	if left[norm] {
		return true
	}
	for _, c := range norm {
		if unicode.IsDigit(c) {
			return true
		}
	}
	return false
}

// nftValues appends the values of an nft rule's text to out; ws is a
// buffer for its words.
func nftValues(out []valueTok, ws []word, s string, left map[string]bool) ([]valueTok, []word) {
	ws = words(ws[:0], s)
	for i, w := range ws {
		if i > 0 && (ws[i-1].text == "jump" || ws[i-1].text == "goto") {
			continue // a chain name: not compared (nor on the left)
		}
		if strings.HasPrefix(w.text, `"`) {
			// A quoted value in a list or set ends before its comma:
			// "lo", is the value lo.
			if i := strings.LastIndexByte(w.text, '"'); i > 0 && strings.Trim(w.text[i+1:], ",;})") == "" {
				w.text, w.end = w.text[:i+1], w.start+i+1
			}
			out = parts(out, w, "")
			continue
		}
		n := len(out)
		out = parts(out, w, "{}:;,()")
		kept := out[:n]
		for _, t := range out[n:] {
			if t.norm == "" || strings.Trim(t.norm, "{}:.,=!&|^<>-@") == "" {
				continue
			}
			if nftValueWord(t.norm, left) {
				kept = append(kept, t)
			}
		}
		out = kept
	}
	return out, ws
}

// highlighter keeps highlight's buffers and sets from one group to the
// next: the side-by-side view calls it for every group, most of a few
// values, where allocating them was most of its cost.
type highlighter struct {
	ws                    []word
	lt, rt                []valueTok
	ltext, rtext          []int // the text index of each of lt, rt
	leftSet, rightSet     map[string]bool
	leftStems, rightStems map[string]bool
}

// reset empties a set for reuse; one a big merge grew is dropped instead,
// as clearing a map costs its capacity.
func reset(m map[string]bool) map[string]bool {
	if m == nil || len(m) > 64 {
		return map[string]bool{}
	}
	clear(m)
	return m
}

// highlight returns, for each left text and each right text, the spans of
// values that appear on that side only, with h's buffers kept for the
// next group.
func (h *highlighter) highlight(left, right []string) (lh, rh [][]span) {
	h.leftSet, h.rightSet = reset(h.leftSet), reset(h.rightSet)
	h.lt, h.rt, h.ltext, h.rtext = h.lt[:0], h.rt[:0], h.ltext[:0], h.rtext[:0]
	for i, s := range left {
		n := len(h.lt)
		h.lt, h.ws = iptValues(h.lt, h.ws, s)
		for _, v := range h.lt[n:] {
			h.ltext = append(h.ltext, i)
			h.leftSet[v.norm] = true
		}
	}
	for i, s := range right {
		n := len(h.rt)
		h.rt, h.ws = nftValues(h.rt, h.ws, s, h.leftSet)
		for _, v := range h.rt[n:] {
			h.rtext = append(h.rtext, i)
			h.rightSet[v.norm] = true
		}
	}
	// A value also counts as present when the other side has it with a
	// suffix ("ftp" and the helper object "ftp-tcp"): v is o cut at one
	// of its dashes, or o is v cut at one of its. The cut forms are
	// looked up, not searched for: a merged rule can have 20,000 values.
	stems := func(out, set map[string]bool) map[string]bool {
		out = reset(out)
		for o := range set {
			for i := 0; i < len(o); i++ {
				if o[i] == '-' {
					out[o[:i]] = true
				}
			}
		}
		return out
	}
	h.leftStems, h.rightStems = stems(h.leftStems, h.leftSet), stems(h.rightStems, h.rightSet)
	present := func(v string, other, otherStems map[string]bool) bool {
		if other[v] || otherStems[v] {
			return true
		}
		for i := 0; i < len(v); i++ {
			if v[i] == '-' && other[v[:i]] {
				return true
			}
		}
		return false
	}
	lh, rh = make([][]span, len(left)), make([][]span, len(right))
	for k, t := range h.lt {
		if !present(t.norm, h.rightSet, h.rightStems) {
			lh[h.ltext[k]] = append(lh[h.ltext[k]], t.span)
		}
	}
	for k, t := range h.rt {
		if !present(t.norm, h.leftSet, h.leftStems) {
			rh[h.rtext[k]] = append(rh[h.rtext[k]], t.span)
		}
	}
	return lh, rh
}
