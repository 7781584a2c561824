package iptparse

import (
	"fmt"
	"strings"
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
	ipsetCreateFlags = map[string]bool{"counters": true, "comment": true, "skbinfo": true, "forceadd": true, "-exist": true, "-!": true}
	ipsetAddFlags    = map[string]bool{"nomatch": true, "-exist": true, "-!": true}
)

// ParseIPSetSave parses "ipset save" output. Errors name the line.
func ParseIPSetSave(name, src string) *IPSetFile {
	f := &IPSetFile{Name: name}
	byName := map[string]*IPSet{}
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
		if len(words) == 0 {
			continue
		}
		if words[0].Text == "ipset" {
			words = words[1:]
		}
		if len(words) == 0 {
			continue
		}
		bad := func(format string, args ...any) {
			f.Errors = append(f.Errors, &Error{Pos: words[0].Pos, Ext: "ipset", Msg: fmt.Sprintf(format, args...)})
		}
		switch words[0].Text {
		case "create", "-N", "n", "-exist":
			if len(words) < 3 {
				bad("create needs a set name and a type")
				continue
			}
			s := &IPSet{Pos: words[0].Pos, Name: words[1].Text, Type: words[2].Text, Family: FamilyIPv4, Options: map[string]string{}}
			if !strings.Contains(s.Type, ":") {
				bad("unknown set type %q", s.Type)
				continue
			}
			opts, err := ipsetOptions(words[3:], ipsetCreateFlags)
			if err != "" {
				bad("%s", err)
				continue
			}
			s.Options = opts
			switch opts["family"] {
			case "", "inet":
			case "inet6":
				s.Family = FamilyIPv6
			default:
				bad("unknown family %q", opts["family"])
				continue
			}
			if _, dup := byName[s.Name]; dup {
				bad("set %s created twice", s.Name)
				continue
			}
			byName[s.Name] = s
			f.Sets = append(f.Sets, s)
		case "add", "-A", "a":
			if len(words) < 3 {
				bad("add needs a set name and an element")
				continue
			}
			s := byName[words[1].Text]
			if s == nil {
				bad("set %s is not created before its elements", words[1].Text)
				continue
			}
			opts, err := ipsetOptions(words[3:], ipsetAddFlags)
			if err != "" {
				bad("%s", err)
				continue
			}
			s.Elements = append(s.Elements, IPSetElem{Pos: words[0].Pos, Value: words[2].Text, Options: opts})
		default:
			f.Warnings = append(f.Warnings, Warning{Pos: words[0].Pos, Msg: fmt.Sprintf("ipset command %q ignored (only create and add define sets)", words[0].Text)})
		}
	}
	return f
}

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
