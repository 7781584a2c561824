package report

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func markedTexts(s string, spans []span) []string {
	var out []string
	for _, sp := range spans {
		out = append(out, s[sp.start:sp.end])
	}
	return out
}

func TestHighlight(t *testing.T) {
	for _, c := range []struct {
		left, right         []string
		wantLeft, wantRight [][]string
	}{
		{
			[]string{"-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -j ACCEPT"},
			[]string{"ip saddr 10.0.0.0/8 tcp dport 22 accept"},
			[][]string{nil}, [][]string{nil},
		},
		{ // a changed port and a lost address
			[]string{"-A INPUT -s 192.0.2.1/32 -p tcp -m tcp --dport 22 -j ACCEPT"},
			[]string{"tcp dport 23 accept"},
			[][]string{{"192.0.2.1/32", "22"}}, [][]string{{"23"}},
		},
		{ // a merge brings in the other rule's value
			[]string{"-A INPUT -p tcp -m multiport --dports 22,80 -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT"},
			[]string{`tcp dport { 22, 80, 443 } ct state new,established accept`},
			[][]string{nil}, [][]string{{"443"}},
		},
		{ // port ranges, interface wildcards, quoted comments, jumps
			[]string{`-A FORWARD -i eth+ -p udp -m udp --dport 1000:2000 -m comment --comment "a b" -j SERVICES`},
			[]string{`iifname "eth*" udp dport 1000-2000 comment "a b" jump SERVICES`},
			[][]string{nil}, [][]string{nil},
		},
		{ // service names, rates, flag masks, log levels, helper objects
			[]string{"-A INPUT -p tcp -m tcp --dport ssh -m limit --limit 2/s -j LOG --log-level 4", "-A INPUT -p tcp --tcp-flags ALL NONE -j CT --helper ftp"},
			[]string{"tcp dport 22 limit rate 2/second log level warn", `tcp flags & (fin | syn) == 0x0 ct helper set "ftp-tcp"`},
			[][]string{nil, nil}, [][]string{nil, {"0x0"}},
		},
	} {
		lh, rh := highlight(c.left, c.right)
		for i := range c.left {
			if got := markedTexts(c.left[i], lh[i]); !reflect.DeepEqual(got, c.wantLeft[i]) {
				t.Errorf("%q: left marks %q, want %q", c.left[i], got, c.wantLeft[i])
			}
		}
		for i := range c.right {
			if got := markedTexts(c.right[i], rh[i]); !reflect.DeepEqual(got, c.wantRight[i]) {
				t.Errorf("%q: right marks %q, want %q", c.right[i], got, c.wantRight[i])
			}
		}
	}
}

// TestQuotedValueInList: a quoted value followed by a comma in an nft set
// is the same value as on the iptables side, not highlighted.
func TestQuotedValueInList(t *testing.T) {
	_, rh := highlight([]string{"-A INPUT -i lo -j ACCEPT", "-A INPUT -i eth0 -j ACCEPT"}, []string{`iifname { "lo", "eth0" } accept`})
	if len(rh[0]) != 0 {
		t.Errorf("highlighted on the right: %v", rh[0])
	}
}

// TestHighlighterReused checks that a highlighter carried from group to
// group, as the side-by-side view does, marks what a fresh one marks:
// nothing of one group's values leaks into the next, also after a big
// group whose sets are dropped rather than cleared.
func TestHighlighterReused(t *testing.T) {
	big := []string{}
	var ports []string
	for i := range 100 {
		big = append(big, fmt.Sprintf("-A INPUT -s 10.0.%d.1/32 -p tcp -m tcp --dport %d -j ACCEPT", i, 1000+i))
		ports = append(ports, fmt.Sprint(1000+i))
	}
	groups := [][2][]string{
		{{"-A INPUT -s 192.0.2.1/32 -p tcp -m tcp --dport 22 -j ACCEPT"}, {"ip saddr 192.0.2.1 tcp dport 22 accept"}},
		{{"-A INPUT -p tcp -m tcp --dport 23 -j DROP"}, {"tcp dport 22 drop"}},
		{big, {"ip saddr 10.0.0.1 tcp dport { " + strings.Join(ports, ", ") + ", 5 } accept"}},
		{{"-A INPUT -p tcp -j CT --helper ftp"}, {`ct helper set "ftp-tcp"`}},
		{{"-A INPUT -s 10.0.3.1/32 -j ACCEPT"}, {"ip saddr 192.0.2.1 accept"}},
		{{"-A INPUT -p tcp -m tcp --dport 1000 -j ACCEPT"}, {"tcp dport 1001 accept"}},
	}
	var h highlighter
	for round := range 2 {
		for _, g := range groups {
			wl, wr := highlight(g[0], g[1])
			gl, gr := h.highlight(g[0], g[1])
			if !reflect.DeepEqual(gl, wl) || !reflect.DeepEqual(gr, wr) {
				t.Errorf("round %d, %.40q: reused highlighter marks %v %v, a fresh one %v %v", round, g[1], gl, gr, wl, wr)
			}
		}
	}
}

// FuzzParts checks parts against a split of the word at every comma.
func FuzzParts(f *testing.F) {
	for _, s := range []string{"22,80", "{ 22,", ",,a,", `"a,b"`, "(x),y:", ""} {
		f.Add(s, 3, "{}:;,()")
	}
	f.Fuzz(func(t *testing.T, s string, start int, trim string) {
		w := word{span{start, start + len(s)}, s}
		var want []valueTok
		if strings.HasPrefix(s, `"`) {
			want = []valueTok{{w.span, normValue(strings.Trim(s, `"`))}}
		} else {
			at := start
			for _, p := range strings.Split(s, ",") {
				if v := strings.Trim(p, trim); v != "" {
					off := strings.Index(p, v)
					want = append(want, valueTok{span{at + off, at + off + len(v)}, normValue(v)})
				}
				at += len(p) + 1
			}
		}
		prev := []valueTok{{span{-1, -1}, "kept"}}
		got := parts(prev, w, trim)
		if got[0] != prev[0] || len(got)-1 != len(want) || len(want) > 0 && !reflect.DeepEqual(got[1:], want) {
			t.Errorf("parts(%q, %q) = %v, want %v", s, trim, got[1:], want)
		}
	})
}

// highlight is a fresh highlighter's highlight, as the view does it for
// its first group.
func highlight(left, right []string) (lh, rh [][]span) {
	var h highlighter
	return h.highlight(left, right)
}
