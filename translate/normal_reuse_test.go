package translate_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/translate"
)

// normalReuseDump is a save file of some 3,000 rules whose first rules
// leave state that the ruleset's finishing reads (recent lists whose
// --reap rules are made untranslatable only once every rule is known,
// hashlimit tables and ipsets shared by name, chains jumped to), and
// whose later rules are parsed into the memory of the first ones when
// AddText reuses it.
func normalReuseDump() string {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT DROP [5:300]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:web - [0:0]\n:ssh - [0:0]\n")
	// First chunk: each --reap rule is dropped at the end (another rule
	// of its list looks back 3600 seconds); their targets differ, and
	// so does what leaving each out does.
	targets := []string{"DROP", "REJECT --reject-with tcp-reset", "web", "LOG --log-prefix reap", "ACCEPT"}
	for i := range 40 {
		list := fmt.Sprintf("L%d", i%8)
		fmt.Fprintf(&b, "-A INPUT -p tcp --dport %d -m recent --name %s --set\n", 2000+i, list)
		fmt.Fprintf(&b, "-A INPUT -p tcp --dport %d -m recent --name %s --update --seconds %d --reap -j %s\n", 2000+i, list, 30+i, targets[i%len(targets)])
		fmt.Fprintf(&b, "-A ssh -s 198.51.100.%d,203.0.113.%d -m recent --name %s --rcheck --seconds 3600 -j DROP\n", i, i, list)
	}
	for i := range 3000 {
		switch i % 10 {
		case 0:
			fmt.Fprintf(&b, "[%d:%d] -A INPUT -s 10.%d.%d.0/24,192.0.2.%d -p tcp -m tcp --dport %d -j ACCEPT\n", i, 7*i, i/256, i%256, i%250, 1+i%60000)
		case 1:
			fmt.Fprintf(&b, "-A FORWARD -m comment --comment \"rule %d\" -m conntrack --ctstate NEW,RELATED -j LOG --log-prefix \"f%d \"\n", i, i)
		case 2:
			fmt.Fprintf(&b, "-A INPUT -p tcp -m hashlimit --hashlimit-upto %d/sec --hashlimit-mode srcip --hashlimit-name hl%d -j web\n", 10+i%3, i%4)
		case 3:
			fmt.Fprintf(&b, "-A INPUT -m set --match-set s%d src -j DROP\n", i%5)
		case 4:
			fmt.Fprintf(&b, "-A web -i eth%d -p udp -m multiport --dports 53,%d -j REJECT --reject-with icmp-port-unreachable\n", i%4, 1000+i)
		case 5:
			fmt.Fprintf(&b, "-A INPUT -p udp --dport 99999 -j ACCEPT\n") // rejected
		case 6:
			fmt.Fprintf(&b, "-A OUTPUT -m string --string x%d --algo bm -j DROP\n", i) // untranslatable
		case 7:
			fmt.Fprintf(&b, "-A ssh -p tcp --dport 22 -m recent --name L%d --rcheck --seconds 3600 --hitcount %d -j DROP\n", i%8, 1+i%2)
		case 8:
			fmt.Fprintf(&b, "-A FORWARD -o ppp%d -m mark --mark 0x%x/0xff -g undeclared%d\n", i%3, i%255, i%7)
		default:
			fmt.Fprintf(&b, "-A INPUT -d 172.16.%d.%d -p tcp -m tcp --sport 1024:65535 --tcp-flags SYN,ACK SYN -j ssh\n", i/256%256, i%256)
		}
	}
	b.WriteString("COMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n")
	for i := range 600 {
		fmt.Fprintf(&b, "-A PREROUTING -d 203.0.113.%d -p tcp --dport %d -j DNAT --to-destination 10.1.%d.%d:%d\n", i%250, 8000+i, i/250, i%250, 80+i%3)
		fmt.Fprintf(&b, "-A POSTROUTING -s 10.2.%d.0/24 -o eth%d -j MASQUERADE\n", i%250, i%2)
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// TestNormalAddTextReusesParseMemory: normal mode's AddText parses a save
// file into memory reused from chunk to chunk of rules (ParseFileReuse),
// so nothing the translation keeps may point into a parsed command. Its
// ruleset, optimized or not, its diagnostics and its counts must be those
// of the file parsed whole, every parse tree kept; on one core and on
// several (the parse is serial on one).
func TestNormalAddTextReusesParseMemory(t *testing.T) {
	src := normalReuseDump()
	for _, procs := range []int{1, 4} {
		t.Run(fmt.Sprintf("procs=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			whole := translate.New(translate.Options{})
			whole.AddFile(iptparse.ParseFile("f", src, translate.Registry{}, iptparse.FamilyIPv4))
			reused := translate.New(translate.Options{})
			reused.AddText("f", src, iptparse.FamilyIPv4)

			text := func(tr *translate.Translator, optimize bool) string {
				rs := tr.Ruleset()
				if optimize {
					translate.MergeInet(rs, &translate.OptReport{})
					translate.Optimize(rs, translate.AllOpt())
				}
				var out bytes.Buffer
				if err := (&emit.Printer{}).WriteRuleset(&out, rs, emit.RulesetOptions{}); err != nil {
					t.Fatal(err)
				}
				return out.String()
			}
			for _, optimize := range []bool{false, true} {
				w, g := text(whole, optimize), text(reused, optimize)
				if g != w {
					wl, gl := strings.Split(w, "\n"), strings.Split(g, "\n")
					for i := 0; i < len(wl) && i < len(gl); i++ {
						if wl[i] != gl[i] {
							t.Fatalf("optimized %v: ruleset line %d differs:\n got %s\nwant %s", optimize, i+1, gl[i], wl[i])
						}
					}
					t.Fatalf("optimized %v: %d ruleset lines, want %d", optimize, len(gl), len(wl))
				}
			}
			wd, gd := whole.Diags(), reused.Diags()
			if len(gd) != len(wd) {
				t.Fatalf("%d diagnostics, want %d", len(gd), len(wd))
			}
			reaps := 0
			for i := range wd {
				if gd[i] != wd[i] {
					t.Fatalf("diagnostic %d differs:\n got %+v\nwant %+v", i, gd[i], wd[i])
				}
				if strings.Contains(wd[i].Msg, "--reap deletes") {
					reaps++
				}
			}
			if ws, gs := whole.Stats(), reused.Stats(); gs != ws {
				t.Errorf("stats %+v, want %+v", gs, ws)
			}
			// The test file is what it should be: --reap rules dropped
			// at the end, well before the rules read last.
			if reaps != 40 || whole.Stats().Rules < 4000 {
				t.Errorf("%d --reap rules dropped, %d rules: the test file is not what it should be", reaps, whole.Stats().Rules)
			}
		})
	}
}
