package compat_test

import (
	"io"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/compat"
)

// TestStreamGCOnlyForReusedMemory: iptables-restore-translate lets the
// program set its collector for a streamed translation (IO.StreamGC) only
// when the input is a save file translated in reused memory: a list of
// iptables commands is parsed whole first, and its parse trees would
// outgrow a limit set from the input's size (a 100,000-rule list then
// collected 22 times, taking ten times as long). A save file whose
// commands turn out to be held (a rule changes a set) sets it back from
// its first set declaration on, before which nothing is held.
func TestStreamGCOnlyForReusedMemory(t *testing.T) {
	tool, ok := compat.Lookup("iptables-restore-translate")
	if !ok {
		t.Fatal("no iptables-restore-translate")
	}
	for _, c := range []struct {
		name, in string
		want     bool // the program's setting in force at the end
		undone   bool // set, then set back
	}{
		{"save file", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n", true, false},
		{"commands", "iptables -A INPUT -j ACCEPT\n", false, false},
		{"set matched", "*filter\n-A INPUT -m set --match-set s src -j DROP\nCOMMIT\n", true, false},
		{"set updated", "*filter\n-A INPUT -j SET --add-set s src\nCOMMIT\n", false, true},
		{"set updated later", "*filter\n-A INPUT -j ACCEPT\n-A INPUT -m set --match-set s src -j DROP\n-A INPUT -j SET --del-set s src\nCOMMIT\n", false, true},
	} {
		called, undone := 0, 0
		tool.Run(nil, compat.IO{Stdin: strings.NewReader(c.in), Stdout: io.Discard, Stderr: io.Discard,
			StreamGC: func(n int) func() {
				if n != len(c.in) {
					t.Errorf("%s: StreamGC(%d), input of %d bytes", c.name, n, len(c.in))
				}
				called++
				return func() { undone++ }
			}})
		if called > 1 || undone > called {
			t.Errorf("%s: StreamGC called %d times, undone %d times", c.name, called, undone)
		}
		if got := called > undone; got != c.want || (undone > 0) != c.undone {
			t.Errorf("%s: StreamGC called %d times, undone %d times; want it in force: %v, undone: %v", c.name, called, undone, c.want, c.undone)
		}
	}
}
