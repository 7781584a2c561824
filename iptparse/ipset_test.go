package iptparse

import (
	"fmt"
	"strings"
	"testing"
)

// sets renders the sets of a file compactly: "NAME TYPE: elem elem".
func sets(f *IPSetFile) string {
	var b strings.Builder
	for _, s := range f.Sets {
		b.WriteString(s.Name + " " + s.Type + ":")
		for _, e := range s.Elements {
			b.WriteString(" " + e.Value)
			if t, ok := e.Options["timeout"]; ok {
				b.WriteString("/" + t)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestIPSetCommands(t *testing.T) {
	tests := []struct {
		name, src, want, err string
	}{
		{"save file", "create a hash:ip family inet hashsize 1024 maxelem 65536\nadd a 192.0.2.1\nadd a 192.0.2.2\n",
			"a hash:ip: 192.0.2.1 192.0.2.2\n", ""},
		{"ipset words and long commands", "ipset --create a hash:net\nipset -A a 10.0.0.0/8\n", "a hash:net: 10.0.0.0/8\n", ""},
		{"create -exist twice", "create a hash:ip\n-exist create a hash:ip\ncreate a hash:ip -exist\nadd a 1.2.3.4\n", "a hash:ip: 1.2.3.4\n", ""},
		{"create twice", "create a hash:ip\ncreate a hash:ip\n", "a hash:ip:\n", "set a is created twice"},
		{"create -exist with another type", "create a hash:ip\ncreate a hash:net -exist\n", "a hash:ip:\n", "set a is created twice"},
		{"add twice", "create a hash:ip\nadd a 1.2.3.4\nadd a 1.2.3.4\n", "a hash:ip: 1.2.3.4\n", "it's already added"},
		{"add -exist refreshes", "create a hash:ip timeout 60\nadd a 1.2.3.4 timeout 5\nadd -exist a 1.2.3.4 timeout 9\n", "a hash:ip: 1.2.3.4/9\n", ""},
		{"del", "create a hash:ip\nadd a 1.2.3.4\nadd a 1.2.3.5\ndel a 1.2.3.4\nadd a 1.2.3.4\n", "a hash:ip: 1.2.3.5 1.2.3.4\n", ""},
		{"del missing", "create a hash:ip\ndel a 1.2.3.4\n", "a hash:ip:\n", "it's not added"},
		{"dels move the others", "create a hash:ip timeout 60\nadd a 1.1.1.1\nadd a 1.1.1.2\nadd a 1.1.1.3\ndel a 1.1.1.1\nadd -exist a 1.1.1.3 timeout 7\ndel a 1.1.1.2\nadd a 1.1.1.2 timeout 3\nadd a 1.1.1.3\n",
			"a hash:ip: 1.1.1.3/7 1.1.1.2/3\n", "1.1.1.3 cannot be added to set a: it's already added"},
		{"del missing -exist", "create a hash:ip\n-! del a 1.2.3.4\n", "a hash:ip:\n", ""},
		{"flush one", "create a hash:ip\ncreate b hash:ip\nadd a 1.1.1.1\nadd b 2.2.2.2\nflush a\n", "a hash:ip:\nb hash:ip: 2.2.2.2\n", ""},
		{"flush all", "create a hash:ip\ncreate b hash:ip\nadd a 1.1.1.1\nadd b 2.2.2.2\n-F\n", "a hash:ip:\nb hash:ip:\n", ""},
		{"destroy", "create a hash:ip\ncreate b hash:ip\ndestroy a\n", "b hash:ip:\n", ""},
		{"destroy all", "create a hash:ip\ncreate b hash:ip\n-X\n", "", ""},
		{"rename", "create a hash:ip\nadd a 1.1.1.1\nrename a b\nadd b 2.2.2.2\n", "b hash:ip: 1.1.1.1 2.2.2.2\n", ""},
		{"swap", "create a hash:ip\ncreate b hash:ip\nadd a 1.1.1.1\nswap a b\n", "b hash:ip: 1.1.1.1\na hash:ip:\n", ""},
		{"add before create", "add a 1.2.3.4\n", "", "set a does not exist"},
		{"read-only commands", "create a hash:ip\nlist a\ntest a 1.1.1.1\nsave\n", "a hash:ip:\n", ""},
		{"bad type", "create a nope\n", "", `unknown set type "nope"`},
		{"missing value", "create a hash:ip timeout\n", "", `option "timeout" needs a value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ParseIPSetSave("s", tt.src)
			if got := sets(f); got != tt.want {
				t.Errorf("sets:\n%s\nwant:\n%s", got, tt.want)
			}
			var errs []string
			for _, e := range f.Errors {
				errs = append(errs, e.Error())
			}
			all := strings.Join(errs, "\n")
			if tt.err == "" && all != "" || !strings.Contains(all, tt.err) {
				t.Errorf("errors = %q, want %q", all, tt.err)
			}
		})
	}
}

// TestIPSetLineNumbers checks that errors name the line.
func TestIPSetLineNumbers(t *testing.T) {
	f := ParseIPSetSave("sets.save", "create a hash:ip\n\n# c\nadd b 1.2.3.4\n")
	if len(f.Errors) != 1 || !strings.HasPrefix(f.Errors[0].Error(), "sets.save:4:") {
		t.Errorf("errors = %v", f.Errors)
	}
}

// TestIPSetManyElements guards against quadratic duplicate checks.
func TestIPSetManyElements(t *testing.T) {
	var b strings.Builder
	b.WriteString("create big hash:ip maxelem 1000000\n")
	for i := 0; i < 200000; i++ {
		b.WriteString(fmt.Sprintf("add big 10.%d.%d.%d\n", i>>16, i>>8&255, i&255))
	}
	f := ParseIPSetSave("big", b.String())
	if len(f.Errors) != 0 || len(f.Sets[0].Elements) != 200000 {
		t.Fatalf("errors %v, %d elements", f.Errors, len(f.Sets[0].Elements))
	}
}

// TestIPSetElement: lookups by value find elements added by commands
// and elements put in Elements directly (the shim fills a set from the
// kernel so), also after the list is replaced.
func TestIPSetElement(t *testing.T) {
	f := ParseIPSetSave("s", "create a hash:ip\nadd a 1.1.1.1\nadd a 1.1.1.2\ndel a 1.1.1.1\n")
	s := f.Set("a")
	if e := s.Element("1.1.1.2"); e == nil || e.Value != "1.1.1.2" {
		t.Errorf("Element(1.1.1.2) = %v", e)
	}
	if e := s.Element("1.1.1.1"); e != nil {
		t.Errorf("deleted element found: %v", e)
	}
	s.Elements = append(s.Elements, IPSetElem{Value: "2.2.2.2"})
	if e := s.Element("2.2.2.2"); e == nil {
		t.Error("an element appended to Elements is not found")
	}
	s.Elements = []IPSetElem{{Value: "3.3.3.3"}, {Value: "4.4.4.4"}}
	if s.Element("1.1.1.2") != nil || s.Element("2.2.2.2") != nil || s.Element("4.4.4.4") == nil {
		t.Error("lookups after Elements was replaced use the old list")
	}
	if err := f.Command(WordsFromArgs([]string{"add", "a", "4.4.4.4"}, "t")); err == nil {
		t.Error("adding an element the replaced list has: no error")
	}
}
