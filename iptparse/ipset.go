package iptparse

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
)

// IPSetFile is the parsed output of "ipset save" (or an "ipset restore"
// input): set definitions and their elements.
type IPSetFile struct {
	Name     string
	Sets     []*IPSet
	Errors   []*Error
	Warnings []Warning
}

// IPSet is one "create NAME TYPE [options]" with its "add" lines.
type IPSet struct {
	Pos      Pos
	Name     string
	Type     string // "hash:ip", "hash:net,port"...
	Family   Family // from "family inet|inet6" (IPv4 when absent)
	Options  map[string]string
	Elements []IPSetElem

	// index is the position of each element's value in Elements, for
	// duplicates and lookups (restoring a set of 50,000 was quadratic);
	// indexed is the list it was made for.
	index   map[string]int
	indexed []IPSetElem
}

// IPSetElem is one "add NAME VALUE [options]".
type IPSetElem struct {
	Pos     Pos
	Value   string
	Options map[string]string
}

// Dims returns the dimensions of the set type ("hash:ip,port" → ip, port).
func (s *IPSet) Dims() []string {
	_, dims, _ := strings.Cut(s.Type, ":")
	return strings.Split(dims, ",")
}

// Options without a value, for create and for add ("comment" is a flag
// when creating a set and takes the comment text when adding).
var (
	ipsetCreateFlags = lazy.Of[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"counters": true, "comment": true, "skbinfo": true, "forceadd": true}
	}}
	ipsetAddFlags = lazy.Of[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"nomatch": true}
	}}
)

// ParseIPSetSave parses "ipset save" output. Errors name the line.
func ParseIPSetSave(name, src string) *IPSetFile {
	f := &IPSetFile{Name: name}
	for i, line := range strings.Split(src, "\n") {
		lineNo := i + 1
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		words, _, err := SplitLine(line, name, lineNo)
		if err != nil {
			f.Errors = append(f.Errors, err.(*Error))
			continue
		}
		if len(words) > 0 && words[0].Text == "ipset" {
			words = words[1:]
		}
		if len(words) == 0 {
			continue
		}
		if err := f.Command(words); err != nil {
			f.Errors = append(f.Errors, err)
		}
	}
	return f
}

// Command applies one ipset command (the words after "ipset", as in a
// save file or on a command line) to the sets: create, add, del, flush,
// destroy, rename and swap change them; list, save and test do not.
// Global flags (-exist, -!, -q...) may come first. A command ipset itself
// would refuse returns an error naming it and changes nothing; a command
// that does not define sets is a warning.
func (f *IPSetFile) Command(words []Word) *Error {
	exist := false
	for len(words) > 0 && strings.HasPrefix(words[0].Text, "-") && !ipsetCommands.Get()[words[0].Text] {
		switch words[0].Text {
		case "-exist", "-!":
			exist = true
		case "-o", "-output", "-f", "-file":
			if len(words) > 1 {
				words = words[1:]
			}
		}
		words = words[1:]
	}
	if len(words) == 0 {
		return nil
	}
	bad := func(format string, args ...any) *Error {
		return &Error{Pos: words[0].Pos, Ext: "ipset", Msg: fmt.Sprintf(format, args...)}
	}
	cmd := words[0].Text
	var args []Word // global flags may also follow the command
	for _, w := range words[1:] {
		switch w.Text {
		case "-exist", "-!":
			exist = true
		case "-q", "-quiet":
		default:
			args = append(args, w)
		}
	}
	var set *IPSet
	if len(args) > 0 {
		set = f.Set(args[0].Text)
	}
	switch cmd {
	case "create", "-N", "n", "--create":
		if len(args) < 2 {
			return bad("create needs a set name and a type")
		}
		s := &IPSet{Pos: words[0].Pos, Name: args[0].Text, Type: args[1].Text, Family: FamilyIPv4, Options: map[string]string{}}
		if !strings.Contains(s.Type, ":") {
			return bad("unknown set type %q", s.Type)
		}
		opts, err := ipsetOptions(args[2:], ipsetCreateFlags.Get())
		if err != "" {
			return bad("%s", err)
		}
		s.Options = opts
		switch opts["family"] {
		case "", "inet":
		case "inet6":
			s.Family = FamilyIPv6
		default:
			return bad("unknown family %q", opts["family"])
		}
		if set != nil {
			if exist && set.Type == s.Type {
				return nil
			}
			return bad("set %s is created twice", s.Name)
		}
		f.Sets = append(f.Sets, s)
	case "add", "-A", "a", "--add", "del", "-D", "d", "--del":
		if len(args) < 2 {
			return bad("%s needs a set name and an element", cmd)
		}
		if set == nil {
			return bad("set %s does not exist (it is not created before its elements)", args[0].Text)
		}
		opts, err := ipsetOptions(args[2:], ipsetAddFlags.Get())
		if err != "" {
			return bad("%s", err)
		}
		value := args[1].Text
		i := set.element(value)
		if cmd[0] == 'a' || cmd == "-A" || cmd == "--add" {
			switch {
			case i < 0:
				set.Elements = append(set.Elements, IPSetElem{Pos: words[0].Pos, Value: value, Options: opts})
				set.index[value] = len(set.Elements) - 1
				set.indexed = set.Elements
			case exist: // ipset -exist add refreshes the options
				set.Elements[i] = IPSetElem{Pos: words[0].Pos, Value: value, Options: opts}
			default:
				return bad("element %s cannot be added to set %s: it's already added", value, set.Name)
			}
			return nil
		}
		switch {
		case i >= 0:
			set.Elements = append(set.Elements[:i:i], set.Elements[i+1:]...)
			delete(set.index, value)
			for j := i; j < len(set.Elements); j++ {
				set.index[set.Elements[j].Value] = j
			}
			set.indexed = set.Elements
		case !exist:
			return bad("element %s cannot be deleted from set %s: it's not added", value, set.Name)
		}
	case "flush", "-F", "f", "--flush", "destroy", "-X", "x", "--destroy":
		var sets []*IPSet
		switch {
		case len(args) == 0:
			sets = f.Sets
		case set != nil:
			sets = []*IPSet{set}
		default:
			return bad("set %s does not exist", args[0].Text)
		}
		if cmd[0] == 'f' || cmd == "-F" || cmd == "--flush" {
			for _, s := range sets {
				s.Elements, s.index, s.indexed = nil, nil, nil
			}
			return nil
		}
		if len(args) == 0 {
			f.Sets = nil
			return nil
		}
		f.Sets = slices.DeleteFunc(f.Sets, func(s *IPSet) bool { return s == set })
	case "rename", "-E", "e", "--rename", "swap", "-W", "w", "--swap":
		if len(args) < 2 {
			return bad("%s needs two set names", cmd)
		}
		other := f.Set(args[1].Text)
		if set == nil {
			return bad("set %s does not exist", args[0].Text)
		}
		if cmd[0] == 'r' || cmd == "-E" || cmd == "e" || cmd == "--rename" {
			if other != nil {
				return bad("set %s already exists", args[1].Text)
			}
			set.Name = args[1].Text
			return nil
		}
		if other == nil {
			return bad("set %s does not exist", args[1].Text)
		}
		set.Name, other.Name = other.Name, set.Name
	case "list", "-L", "l", "--list", "save", "-S", "s", "--save", "test", "-T", "t", "--test", "version", "-V", "help", "-H":
		// read only
	default:
		f.Warnings = append(f.Warnings, Warning{Pos: words[0].Pos, Msg: fmt.Sprintf("ipset command %q ignored (it does not define sets)", cmd)})
	}
	return nil
}

// Set returns the set of that name, or nil.
func (f *IPSetFile) Set(name string) *IPSet {
	for _, s := range f.Sets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Element returns the element with that value, or nil.
func (s *IPSet) Element(value string) *IPSetElem {
	if i := s.element(value); i >= 0 {
		return &s.Elements[i]
	}
	return nil
}

// element returns the index of an element, or -1. A list of Elements
// appended to or replaced by others is indexed again on first use (an
// element's value changed in place is not seen).
func (s *IPSet) element(value string) int {
	if s.index == nil || len(s.indexed) != len(s.Elements) || len(s.Elements) > 0 && &s.indexed[0] != &s.Elements[0] {
		s.index = make(map[string]int, len(s.Elements))
		for i, e := range s.Elements {
			s.index[e.Value] = i
		}
		s.indexed = s.Elements
	}
	if i, ok := s.index[value]; ok && s.Elements[i].Value == value {
		return i
	}
	return -1
}

// ipsetCommands are the command words that look like flags.
var ipsetCommands = lazy.Of[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"-N": true, "-A": true, "-D": true, "-T": true, "-X": true, "-F": true, "-E": true,
		"-W": true, "-L": true, "-S": true, "-R": true, "-V": true, "-H": true,
		"--create": true, "--add": true, "--del": true, "--test": true, "--destroy": true, "--flush": true,
		"--rename": true, "--swap": true, "--list": true, "--save": true, "--restore": true,
	}
}}

func ipsetOptions(words []Word, flags map[string]bool) (map[string]string, string) {
	opts := map[string]string{}
	for i := 0; i < len(words); i++ {
		k := words[i].Text
		if flags[k] {
			opts[k] = ""
			continue
		}
		if i+1 >= len(words) {
			return nil, fmt.Sprintf("option %q needs a value", k)
		}
		opts[k] = words[i+1].Text
		i++
	}
	return opts, ""
}
