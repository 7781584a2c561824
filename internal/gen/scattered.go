package gen

import "fmt"

// scatteredDump writes rules that the optimizer can hardly merge: random
// addresses, ports and interfaces spread over 50 user chains, using only
// core matches and tcp/udp. It is the worst case for loading (about as
// many nft rules as iptables rules), used by the apply benchmark and the
// large-batch test.
func (g *generator) scatteredDump() {
	next := g.r.Intn
	chains := []string{"INPUT", "FORWARD", "OUTPUT"}
	const user = 50
	g.line("*filter")
	g.line(":INPUT DROP [0:0]")
	g.line(":FORWARD DROP [0:0]")
	g.line(":OUTPUT ACCEPT [0:0]")
	for i := 0; i < user; i++ {
		g.line(fmt.Sprintf(":user-%d - [0:0]", i))
	}
	for i := 0; i < g.o.Rules; i++ {
		if i < user { // jumps into each user chain
			g.rule("-A %s -i eth%d -s 10.%d.0.0/16 -j user-%d", chains[i%2], i%4, i, i)
			continue
		}
		chain := fmt.Sprintf("user-%d", next(user))
		if next(4) == 0 {
			chain = chains[next(3)]
		}
		s := "-A " + chain
		switch next(3) {
		case 0:
			s += fmt.Sprintf(" -s 172.%d.%d.%d/32", 16+next(16), next(256), next(256))
		case 1:
			s += fmt.Sprintf(" -d 192.168.%d.0/24", next(256))
		}
		if next(3) == 0 && chain != "OUTPUT" {
			s += fmt.Sprintf(" -i eth%d", next(8))
		}
		switch next(4) {
		case 0, 1:
			s += fmt.Sprintf(" -p tcp -m tcp --dport %d", 1+next(65000))
		case 2:
			s += fmt.Sprintf(" -p udp -m udp --dport %d", 1+next(65000))
		}
		if next(10) == 0 {
			s += fmt.Sprintf(" -m comment --comment \"rule %d\"", i)
		}
		g.rule("%s -j %s", s, []string{"ACCEPT", "DROP", "RETURN", "ACCEPT"}[next(4)])
	}
	g.line("COMMIT")
}
