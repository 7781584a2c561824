package verify

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// A dump whose rules use ipsets (-m set --match-set, -j SET) loads into
// iptables only when the sets exist. Real-world dumps rarely come with
// their "ipset save", so UsedIPSets reads what the rules need of each set
// and IPSetSave writes sets of a fitting type, with a few elements taken
// from the probes so that some probes hit them. Both sides of a comparison
// must be given the same sets: the original loads the text with "ipset
// restore" (Ruleset.IPSetSave), the translation reads it as an "ipset
// save" file (ipt2nft --ipset FILE).

// UsedIPSet is what the rules of a dump ask of one ipset.
type UsedIPSet struct {
	Name string
	// Dirs are the directions ("src", "dst") of its first use; their
	// number is the set's dimension.
	Dirs []string
	// Dims are the dimension counts of every use, in order of appearance
	// and without repeats.
	Dims []int
	// Dynamic says a rule adds or deletes elements (-j SET): the set
	// holds single addresses, not networks.
	Dynamic bool
	// Timeout says a rule adds elements with a timeout.
	Timeout bool
	// Counters says a rule compares or updates the elements' counters.
	Counters bool
}

var dirsRE = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`^(src|dst)(,(src|dst))*$`) }}

// UsedIPSets lists the ipsets the rules of src use, in order of first use.
func UsedIPSets(src string) []*UsedIPSet {
	var sets []*UsedIPSet
	byName := map[string]*UsedIPSet{}
	for i, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(raw)
		if !strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "[") {
			continue
		}
		words, _, ok := ruleWords(line, i+1)
		if !ok {
			continue
		}
		var used []*UsedIPSet // the sets of this rule
		target := false
		for j, w := range words {
			switch w.Text {
			case "-j", "--jump", "-g", "--goto":
				target = true
			case "--match-set", "--set", "--add-set", "--del-set", "--map-set":
				if j+2 >= len(words) || !dirsRE.Get().MatchString(words[j+2].Text) {
					continue
				}
				name, dirs := words[j+1].Text, strings.Split(words[j+2].Text, ",")
				s := byName[name]
				if s == nil {
					s = &UsedIPSet{Name: name, Dirs: dirs}
					byName[name] = s
					sets = append(sets, s)
				}
				if !slices.Contains(s.Dims, len(dirs)) {
					s.Dims = append(s.Dims, len(dirs))
				}
				if target && (w.Text == "--add-set" || w.Text == "--del-set") {
					s.Dynamic = true
				}
				used = append(used, s)
			case "--timeout":
				if target {
					for _, s := range used {
						s.Timeout = s.Timeout || s.Dynamic
					}
				}
			case "--update-counters", "--update-subcounters", "--packets-eq", "--packets-lt", "--packets-gt", "--bytes-eq", "--bytes-lt", "--bytes-gt":
				for _, s := range used {
					s.Counters = true
				}
			}
		}
	}
	return sets
}

// ipsetType is the ipset type for n directions: an address set (a
// network set when rules only look it up), address and port, address,
// port and address. Other counts have no type to guess.
func (s *UsedIPSet) ipsetType() (string, error) {
	if len(s.Dims) != 1 {
		return "", fmt.Errorf("set %s is used with %v directions", s.Name, s.Dims)
	}
	switch len(s.Dirs) {
	case 1:
		if s.Dynamic {
			return "hash:ip", nil
		}
		return "hash:net", nil
	case 2:
		return "hash:ip,port", nil
	case 3:
		return "hash:ip,port,ip", nil
	}
	return "", fmt.Errorf("set %s has %d directions: no ipset type to guess", s.Name, len(s.Dirs))
}

// IPSetSave writes an "ipset save" text that creates the sets, of the
// family fam, each with up to three elements made from the probes' first
// packets (their addresses, and their protocol and port where the set has
// a port), so that those probes match the set. defined names sets that
// exist already (they are left out). A set no type fits is an error.
func IPSetSave(sets []*UsedIPSet, fam iptparse.Family, ps *ProbeSet, defined map[string]bool) (string, error) {
	family := "inet"
	if fam == iptparse.FamilyIPv6 {
		family = "inet6"
	}
	var b strings.Builder
	for _, s := range sets {
		if defined[s.Name] {
			continue
		}
		typ, err := s.ipsetType()
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "create %s %s family %s", s.Name, typ, family)
		if s.Timeout {
			b.WriteString(" timeout 0")
		}
		if s.Counters {
			b.WriteString(" counters")
		}
		b.WriteString("\n")
		for _, e := range s.elements(typ, fam, ps) {
			fmt.Fprintf(&b, "add %s %s\n", s.Name, e)
		}
	}
	return b.String(), nil
}

// elements picks up to three elements from probes spread over the set:
// the first of each third whose packet fits. A set with a port gets a TCP
// element, a UDP element and one of any protocol with ports; a network
// set gets two addresses and a small network around the third.
func (s *UsedIPSet) elements(typ string, fam iptparse.Family, ps *ProbeSet) []string {
	if ps == nil {
		return nil
	}
	ports := strings.Contains(typ, "port")
	var out []string
	n := len(ps.Probes)
	for k := 0; k < 3; k++ {
		for i := k * n / 3; i < (k+1)*n/3; i++ {
			st := ps.Probes[i].Steps
			if len(st) == 0 || st[0].Reply != Literal {
				continue
			}
			p := st[0].Packet
			if (fam == iptparse.FamilyIPv6) != p.Is6() {
				continue
			}
			if ports && (p.Proto != ProtoTCP && p.Proto != ProtoUDP || k == 0 && p.Proto != ProtoTCP || k == 1 && p.Proto != ProtoUDP) {
				continue
			}
			var parts []string
			for d, dir := range s.Dirs {
				src := dir == "src"
				switch {
				case d == 1 && ports:
					proto, port := "tcp", p.DstPort
					if p.Proto == ProtoUDP {
						proto = "udp"
					}
					if src {
						port = p.SrcPort
					}
					parts = append(parts, fmt.Sprintf("%s:%d", proto, port))
				case src:
					parts = append(parts, p.Src.String())
				default:
					parts = append(parts, p.Dst.String())
				}
			}
			if typ == "hash:net" && k == 2 {
				bits := 28
				if fam == iptparse.FamilyIPv6 {
					bits = 124
				}
				a, _ := netip.ParseAddr(parts[0])
				parts[0] = netip.PrefixFrom(a, bits).Masked().String()
			}
			e := strings.Join(parts, ",")
			if !slices.Contains(out, e) {
				out = append(out, e)
				break
			}
		}
	}
	return out
}
