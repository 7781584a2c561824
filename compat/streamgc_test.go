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
// collected 22 times, taking ten times as long).
func TestStreamGCOnlyForReusedMemory(t *testing.T) {
	tool, ok := compat.Lookup("iptables-restore-translate")
	if !ok {
		t.Fatal("no iptables-restore-translate")
	}
	for _, c := range []struct {
		name, in string
		want     bool
	}{
		{"save file", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n", true},
		{"commands", "iptables -A INPUT -j ACCEPT\n", false},
		{"set updated", "*filter\n-A INPUT -j SET --add-set s src\nCOMMIT\n", false},
	} {
		called := 0
		tool.Run(nil, compat.IO{Stdin: strings.NewReader(c.in), Stdout: io.Discard, Stderr: io.Discard,
			StreamGC: func(n int) {
				if n != len(c.in) {
					t.Errorf("%s: StreamGC(%d), input of %d bytes", c.name, n, len(c.in))
				}
				called++
			}})
		if got := called > 0; got != c.want || called > 1 {
			t.Errorf("%s: StreamGC called %d times; want it called: %v", c.name, called, c.want)
		}
	}
}
