package report

import (
	"fmt"
	"strings"
	"unicode"

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

func words(s string) []word {
	var ws []word
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

// parts splits a word at commas (lists) into value tokens.
func parts(w word, trim string) []valueTok {
	var out []valueTok
	if strings.HasPrefix(w.text, `"`) {
		return []valueTok{{w.span, normValue(strings.Trim(w.text, `"`))}}
	}
	start := w.start
	for _, p := range strings.Split(w.text, ",") {
		end := start + len(p)
		t := strings.Trim(p, trim)
		off := strings.Index(p, t)
		if t != "" && off >= 0 {
			out = append(out, valueTok{span{start + off, start + off + len(t)}, normValue(t)})
		}
		start = end + 1
	}
	return out
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
	if n, unit, ok := strings.Cut(v, "/"); ok && isDigits(n) && rateUnits[unit] != "" {
		v = n + "/" + rateUnits[unit] // limit rate
	}
	return v
}

var rateUnits = map[string]string{
	"s": "second", "sec": "second", "second": "second", "m": "minute", "min": "minute", "minute": "minute",
	"h": "hour", "hour": "hour", "d": "day", "day": "day",
}

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
var iptTargets = map[string]string{
	"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject", "RETURN": "return",
	"MASQUERADE": "masquerade", "SNAT": "snat", "DNAT": "dnat", "REDIRECT": "redirect",
	"LOG": "log", "NFLOG": "log", "NFQUEUE": "queue", "QUEUE": "queue", "NOTRACK": "notrack",
}

// logLevels are syslog levels by number, as nft writes them.
var logLevels = map[string]string{"0": "emerg", "1": "alert", "2": "crit", "3": "err", "4": "warn", "5": "notice", "6": "info", "7": "debug"}

// iptValues are the values of an iptables rule's text.
func iptValues(s string) []valueTok {
	ws := words(s)
	var out []valueTok
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
				if v, ok := iptTargets[ws[i].text]; ok {
					out = append(out, valueTok{ws[i].span, v})
				}
			}
			continue
		case w == "--log-level" && i+1 < len(ws):
			i++
			if lv, ok := logLevels[ws[i].text]; ok {
				out = append(out, valueTok{ws[i].span, lv})
			} else {
				out = append(out, parts(ws[i], "")...)
			}
			continue
		case strings.HasPrefix(w, "-") && !isDigits(strings.TrimPrefix(w, "-")):
			continue // an option name
		}
		for _, v := range parts(ws[i], "") {
			switch {
			case v.norm == "all" || v.norm == "none":
				continue // tcp flag masks: nft lists the flags
			case i > 0 && (strings.HasSuffix(ws[i-1].text, "port") || strings.HasSuffix(ws[i-1].text, "ports")):
				if p, ok := iptparse.ServicePort(v.norm); ok {
					v.norm = fmt.Sprint(p) // a service name
				}
			}
			out = append(out, v)
		}
	}
	return out
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

// nftValues are the values of an nft rule's text.
func nftValues(s string, left map[string]bool) []valueTok {
	var out []valueTok
	ws := words(s)
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
			out = append(out, parts(w, "")...)
			continue
		}
		for _, t := range parts(w, "{}:;,()") {
			if t.norm == "" || strings.Trim(t.norm, "{}:.,=!&|^<>-@") == "" {
				continue
			}
			if nftValueWord(t.norm, left) {
				out = append(out, t)
			}
		}
	}
	return out
}

// sideTok is a value token of one of several texts.
type sideTok struct {
	valueTok
	text int // index of the text
}

// highlight returns, for each left text and each right text, the spans of
// values that appear on that side only.
func highlight(left, right []string) (lh, rh [][]span) {
	var lt, rt []sideTok
	leftSet := map[string]bool{}
	for i, s := range left {
		for _, v := range iptValues(s) {
			lt = append(lt, sideTok{v, i})
			leftSet[v.norm] = true
		}
	}
	rightSet := map[string]bool{}
	for i, s := range right {
		for _, v := range nftValues(s, leftSet) {
			rt = append(rt, sideTok{v, i})
			rightSet[v.norm] = true
		}
	}
	// A value also counts as present when the other side has it with a
	// suffix ("ftp" and the helper object "ftp-tcp"): v is o cut at one
	// of its dashes, or o is v cut at one of its. The cut forms are
	// looked up, not searched for: a merged rule can have 20,000 values.
	stems := func(set map[string]bool) map[string]bool {
		out := map[string]bool{}
		for o := range set {
			for i := 0; i < len(o); i++ {
				if o[i] == '-' {
					out[o[:i]] = true
				}
			}
		}
		return out
	}
	leftStems, rightStems := stems(leftSet), stems(rightSet)
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
	for _, t := range lt {
		if !present(t.norm, rightSet, rightStems) {
			lh[t.text] = append(lh[t.text], t.span)
		}
	}
	for _, t := range rt {
		if !present(t.norm, leftSet, leftStems) {
			rh[t.text] = append(rh[t.text], t.span)
		}
	}
	return lh, rh
}
