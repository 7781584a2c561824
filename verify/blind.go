package verify

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
)

// BlindSpot is something the harness cannot observe: a difference there
// is not noticed (see docs/verify.md, "What it cannot observe").
type BlindSpot struct {
	Name string // short name: "logging", "queues"...
	What string // one sentence
}

// BlindSpots lists, in general, what a comparison cannot observe. The
// verify command and the migration report print it.
var BlindSpots = []BlindSpot{
	{"logging", "LOG/NFLOG/ULOG: log lines written inside a namespace (and NFLOG groups) are not read, so a missing, extra or changed log is not noticed; the verdicts after it are compared"},
	{"queues", "NFQUEUE/QUEUE: this kernel has no nft_queue and no userspace listener runs, so rulesets that queue packets are refused"},
	{"time and rate", "limit, hashlimit, connlimit, quota, recent, time, statistic: probes go one at a time, so a burst that trips a limit or a time window is not tried; counters are not compared"},
	{"marks", "MARK, CONNMARK, CLASSIFY, SECMARK, ct zone: marks are not in the packet; they are seen only through later rules' verdicts (no policy routing)"},
	{"unprobed packets", "IP fragments, IPv6 extension headers, IP options, payload contents (string, u32, bpf), ipsec policy, bridged traffic (physdev), other users' sockets (owner), socket/TPROXY, conntrack helpers and expectations"},
	{"ipsets", "sets no --ipset file defines: verify makes them up from how the rules use them, with a few probe addresses as elements, so what the real sets hold is not compared (sets given with --ipset are probed inside, at the edges of and just outside up to 64 elements each, the others only by chance)"},
	{"random NAT ports", "NAT that picks a port at random (--random, --random-fully, a port range): fates that differ only in such ports count as the same"},
	{"topology", "the namespaces' interfaces, addresses and routes are inferred from the rules; a rule the inferred topology cannot reach is compared only by random probes"},
}

// blindWords maps the words of an iptables rule (match and target names,
// options) to the blind spot they fall into.
var blindWords = lazy.Of[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"-j LOG": "logging", "-j NFLOG": "logging", "-j ULOG": "logging", "-j TRACE": "logging", "-j AUDIT": "logging",
		"-j NFQUEUE": "queues", "-j QUEUE": "queues",
		"-m limit": "time and rate", "-m hashlimit": "time and rate", "-m connlimit": "time and rate",
		"-m quota": "time and rate", "-m recent": "time and rate", "-m time": "time and rate",
		"-m statistic": "time and rate", "-m connbytes": "time and rate", "-m rateest": "time and rate",
		"-j MARK": "marks", "-j CONNMARK": "marks", "-j CLASSIFY": "marks", "-j SECMARK": "marks",
		"-j CONNSECMARK": "marks", "-j HMARK": "marks", "-m mark": "marks", "-m connmark": "marks",
		"-m string": "unprobed packets", "-m u32": "unprobed packets", "-m bpf": "unprobed packets",
		"-m physdev": "unprobed packets", "-m owner": "unprobed packets", "-m socket": "unprobed packets",
		"-j TPROXY": "unprobed packets", "-m policy": "unprobed packets", "-m set": "ipsets",
		"-j SET": "ipsets", "-m helper": "unprobed packets", "-m frag": "unprobed packets",
		"-m hbh": "unprobed packets", "-m dst": "unprobed packets", "-m rt": "unprobed packets",
		"-m ipv6header": "unprobed packets", "-m mh": "unprobed packets", "-m ah": "unprobed packets",
		"-m esp": "unprobed packets", "-m ipvs": "unprobed packets", "-m cgroup": "unprobed packets",
		"-m cluster": "unprobed packets", "-m osf": "unprobed packets", "-m ipcomp": "unprobed packets",
		"-j TEE": "unprobed packets", "-j SYNPROXY": "unprobed packets",
		"-f": "unprobed packets", "--fragment": "unprobed packets",
		"--helper": "unprobed packets", "--zone": "marks", "--zone-orig": "marks", "--zone-reply": "marks",
		"--random": "random NAT ports", "--random-fully": "random NAT ports",
	}
}}

// RuleBlindSpots returns the names of the blind spots one iptables rule
// (its words, as iptables-save prints them) falls into, in the order of
// BlindSpots. given names the ipsets the user's "ipset save" files define
// (verify --ipset): a rule whose sets (-m set, -j SET) are all given is
// not in the "ipsets" blind spot.
func RuleBlindSpots(rule string, given ...string) []string {
	hit := map[string]bool{}
	nat := false
	f := words{rule}
	for w, next := f.next(), ""; w != ""; w = next {
		next = f.next()
		prefix, key := "", w
		switch w {
		case "-j", "--jump", "-g", "--goto":
			if next != "" {
				prefix, key = "-j ", next
			}
			switch next {
			case "SNAT", "DNAT", "MASQUERADE", "REDIRECT", "NETMAP":
				nat = nat || w == "-j" || w == "--jump"
			}
		case "-m", "--match":
			if next != "" {
				prefix, key = "-m ", next
			}
		}
		if b := blindWord(prefix, key); b != "" {
			hit[b] = true
		}
	}
	if hit["ipsets"] && len(given) > 0 && allGiven(rule, given) {
		delete(hit, "ipsets")
	}
	if hit["random NAT ports"] || !nat {
		return order(hit)
	}
	// A NAT port range the original port is not in is chosen at random.
	f = words{rule}
	for w, next := f.next(), ""; w != ""; w = next {
		next = f.next()
		if (w == "--to-ports" || w == "--to-source" || w == "--to-destination" || w == "--to") && next != "" && strings.Contains(portPart(next), "-") {
			hit["random NAT ports"] = true
		}
	}
	return order(hit)
}

// blindWord is the blind spot of prefix+word ("-j " and a target, "-m "
// and a match, or "" and an option). It joins them in a stack buffer: a
// map lookup by string(bytes) does not copy, and no key is longer.
func blindWord(prefix, word string) string {
	if prefix == "" {
		return blindWords.Get()[word]
	}
	var buf [32]byte
	if len(prefix)+len(word) > len(buf) {
		return ""
	}
	return blindWords.Get()[string(append(append(buf[:0], prefix...), word...))]
}

// allGiven says the sets the rule names are all given (and it names some).
func allGiven(rule string, given []string) bool {
	n := 0
	f := words{rule}
	for w, next := f.next(), ""; w != ""; w = next {
		next = f.next()
		switch w {
		case "--match-set", "--set", "--add-set", "--del-set", "--map-set":
			if next != "" && !strings.HasPrefix(next, "-") {
				if !slices.Contains(given, next) {
					return false
				}
				n++
			}
		}
	}
	return n > 0
}

// words walks the words of a rule as strings.Fields splits them, without
// the slice: RuleBlindSpots runs on every rule of a report, and the slices
// were 153 MB of garbage on a 1,000,000-rule dump.
type words struct{ rest string }

// next returns the next word, "" after the last one.
func (f *words) next() string {
	s := f.rest
	i := 0
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if !asciiSpace[c] {
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	j := i
	for j < len(s) {
		if c := s[j]; c < utf8.RuneSelf {
			if asciiSpace[c] {
				break
			}
			j++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[j:])
		if unicode.IsSpace(r) {
			break
		}
		j += n
	}
	f.rest = s[j:]
	return s[i:j]
}

// asciiSpace marks the ASCII bytes unicode.IsSpace is true of.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// portPart is the port part of a NAT target's argument ("1.2.3.4:80-90",
// "[::1]:80", "8000-8010").
func portPart(arg string) string {
	if i := strings.LastIndex(arg, "]:"); i >= 0 {
		return arg[i+2:]
	}
	if strings.Count(arg, ":") == 1 {
		return arg[strings.IndexByte(arg, ':')+1:]
	}
	if strings.ContainsAny(arg, ".:") {
		return ""
	}
	return arg
}

func order(hit map[string]bool) []string {
	var out []string
	for _, b := range BlindSpots {
		if hit[b.Name] {
			out = append(out, b.Name)
		}
	}
	return out
}
