// Package gen writes realistic synthetic iptables-save dumps of a given
// size for benchmarks: blocklists, port lists (multiport), LOG+DROP pairs,
// per-service accepts, DNAT forwards, user chains, kube-proxy style
// dispatch chains, comments and counters; and probe packets to follow
// through them. The output is deterministic for a seed, for any size (the
// benchmarks use 1,000 to 1,000,000 rules).
package gen

import (
	"fmt"
	"io"
	"math/rand"
	"strings"
)

// Shape selects the mix of rules.
type Shape string

const (
	// Mixed is a bit of everything, like a big company firewall.
	Mixed Shape = "mixed"
	// Blocklist is thousands of source-address DROPs in FORWARD.
	Blocklist Shape = "blocklist"
	// Dispatch is kube-proxy style service dispatch.
	Dispatch Shape = "dispatch"
	// Scattered is rules the optimizer can hardly merge (the loading worst case).
	Scattered Shape = "scattered"
)

// Options for a dump.
type Options struct {
	Rules    int   // approximate number of rules
	Shape    Shape // default Mixed
	Seed     int64
	Counters bool // write [packets:bytes] before each rule
	// Shuffle lists the blocklist addresses out of order, as real
	// blocklists (fail2ban's, a feed's) are: sorted lists hide the cost
	// of inserting into the middle of a sorted set.
	Shuffle bool
}

// Write writes an iptables-save dump.
func Write(w io.Writer, o Options) error {
	if o.Shape == "" {
		o.Shape = Mixed
	}
	g := &generator{o: o, r: rand.New(rand.NewSource(o.Seed))}
	switch o.Shape {
	case Blocklist:
		g.blocklistDump()
	case Dispatch:
		g.dispatchDump()
	case Mixed:
		g.mixedDump()
	case Scattered:
		g.scatteredDump()
	default:
		return fmt.Errorf("unknown shape %q", o.Shape)
	}
	_, err := io.WriteString(w, g.b.String())
	return err
}

type generator struct {
	o Options
	r *rand.Rand
	b strings.Builder
	n int // rules written
}

func (g *generator) line(s string) { g.b.WriteString(s + "\n") }

func (g *generator) rule(format string, args ...any) {
	g.countedRule(g.counters(), format, args...)
}

// counters is a rule's "[packets:bytes] " prefix, or "" without Counters.
func (g *generator) counters() string {
	if !g.o.Counters {
		return ""
	}
	return fmt.Sprintf("[%d:%d] ", g.r.Intn(1000), g.r.Intn(100000))
}

// countedRule writes a rule with the given counters prefix.
func (g *generator) countedRule(counters, format string, args ...any) {
	g.b.WriteString(counters)
	fmt.Fprintf(&g.b, format+"\n", args...)
	g.n++
}

// addr returns a deterministic, distinct public-looking IPv4 address.
func addr(i int) string {
	return fmt.Sprintf("%d.%d.%d.%d", 11+(i>>16)%200, (i>>8)&255, i&255, 1+(i>>24))
}

// listAddr is the i-th address of a blocklist: in order, or with Shuffle
// a bijection of the first 2^24 indexes (an odd multiplier modulo 2^24).
func (g *generator) listAddr(i int) string {
	if g.o.Shuffle {
		i = int(uint32(i) * 0x9E3779B1 & (1<<24 - 1))
	}
	return addr(i)
}

func (g *generator) blocklistDump() {
	g.line("*filter")
	g.line(":INPUT ACCEPT [0:0]")
	g.line(":FORWARD ACCEPT [0:0]")
	g.line(":OUTPUT ACCEPT [0:0]")
	for i := 0; g.n < g.o.Rules; i++ {
		g.rule("-A FORWARD -s %s/32 -j DROP", g.listAddr(i))
	}
	g.line("COMMIT")
}

func (g *generator) dispatchDump() {
	g.line("*nat")
	g.line(":PREROUTING ACCEPT [0:0]")
	g.line(":INPUT ACCEPT [0:0]")
	g.line(":OUTPUT ACCEPT [0:0]")
	g.line(":POSTROUTING ACCEPT [0:0]")
	g.line(":KUBE-SERVICES - [0:0]")
	services := g.o.Rules / 4
	if services < 1 {
		services = 1
	}
	var chains, body []string
	for s := 0; s < services && g.n < g.o.Rules; s++ {
		svc := fmt.Sprintf("KUBE-SVC-%08X", s)
		chains = append(chains, ":"+svc+" - [0:0]")
		vip := fmt.Sprintf("10.96.%d.%d", (s>>8)&255, s&255)
		body = append(body, fmt.Sprintf("-A KUBE-SERVICES -d %s/32 -p tcp -m comment --comment \"ns/svc-%d:http cluster IP\" -m tcp --dport 80 -j %s", vip, s, svc))
		g.n++
		eps := 2
		for e := 0; e < eps; e++ {
			sep := fmt.Sprintf("KUBE-SEP-%08X%d", s, e)
			chains = append(chains, ":"+sep+" - [0:0]")
			if e < eps-1 {
				body = append(body, fmt.Sprintf("-A %s -m statistic --mode random --probability 0.50000000000 -j %s", svc, sep))
			} else {
				body = append(body, fmt.Sprintf("-A %s -j %s", svc, sep))
			}
			body = append(body, fmt.Sprintf("-A %s -p tcp -m tcp -j DNAT --to-destination 10.244.%d.%d:8080", sep, (s>>8)&255, (s*2+e)&255))
			g.n += 2
		}
	}
	for _, c := range chains {
		g.line(c)
	}
	g.rule("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES")
	g.rule("-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES")
	for _, l := range body {
		g.line(l)
	}
	g.line("COMMIT")
}

func (g *generator) mixedDump() {
	g.line("*nat")
	g.line(":PREROUTING ACCEPT [0:0]")
	g.line(":INPUT ACCEPT [0:0]")
	g.line(":OUTPUT ACCEPT [0:0]")
	g.line(":POSTROUTING ACCEPT [0:0]")
	forwards := g.o.Rules / 20
	for i := 0; i < forwards; i++ {
		g.rule("-A PREROUTING -d 203.0.113.1/32 -i eth0 -p tcp -m tcp --dport %d -j DNAT --to-destination 192.168.%d.%d:%d", 10000+i, 1+i/250%250, 1+i%250, 22+i%3*58)
	}
	g.rule("-A POSTROUTING -s 192.168.0.0/16 -o eth0 -j MASQUERADE")
	g.line("COMMIT")
	g.line("*filter")
	g.line(":INPUT DROP [0:0]")
	g.line(":FORWARD DROP [0:0]")
	g.line(":OUTPUT ACCEPT [0:0]")
	g.line(":BLOCKLIST - [0:0]")
	g.line(":SERVICES - [0:0]")
	g.line(":LOGDROP - [0:0]")
	g.rule("-A INPUT -i lo -j ACCEPT")
	g.rule("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
	g.rule("-A INPUT -j BLOCKLIST")
	g.rule("-A INPUT -j SERVICES")
	g.rule("-A INPUT -j LOGDROP")
	g.rule("-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
	g.rule("-A FORWARD -j BLOCKLIST")
	g.rule("-A LOGDROP -m limit --limit 5/min -j LOG --log-prefix \"drop: \"")
	g.rule("-A LOGDROP -j DROP")
	rest := g.o.Rules - g.n - forwards
	services := rest / 5
	pairs := rest / 10
	portLists := rest / 50
	for i := 0; i < services; i++ {
		g.rule("-A SERVICES -s %s -p tcp -m tcp --dport %d -m comment --comment \"service %d\" -j ACCEPT", serviceNet(i), servicePort(i), i)
	}
	for i := 0; i < portLists; i++ {
		p := 40000 + 4*(i%5000)
		g.rule("-A SERVICES -s 172.%d.%d.0/24 -p udp -m multiport --dports %d,%d,%d:%d -j ACCEPT", 16+i/256%16, i%256, p, p+1, p+2, p+3)
	}
	for i := 0; i < pairs/2; i++ {
		// ports 20000-59999, tcp then udp: distinct up to 80,000 pairs
		p, proto := 20000+i%40000, []string{"tcp", "udp"}[i/40000%2]
		// Every packet the LOG rule counts goes on to the DROP rule,
		// which has the same matches: iptables-save -c shows both with
		// the same counters.
		c := g.counters()
		g.countedRule(c, "-A FORWARD -p %s -m %s --dport %d -j LOG --log-prefix \"blocked %d: \"", proto, proto, p, p)
		g.countedRule(c, "-A FORWARD -p %s -m %s --dport %d -j DROP", proto, proto, p)
	}
	for i := 0; g.n < g.o.Rules; i++ {
		g.rule("-A BLOCKLIST -s %s/32 -j DROP", g.listAddr(i))
	}
	for i := 0; i < forwards; i++ {
		g.line(fmt.Sprintf("-A FORWARD -d 192.168.%d.%d/32 -p tcp -m tcp --dport %d -j ACCEPT", 1+i/250%250, 1+i%250, 22+i%3*58))
	}
	g.line("COMMIT")
}

// serviceNet and servicePort are the source network and port of the
// mixed dump's i-th service: distinct pairs up to 1,200,000 services, ports
// 1000-19999.
func serviceNet(i int) string { return fmt.Sprintf("10.%d.%d.0/24", i%250, i/250%256) }
func servicePort(i int) int   { return 1000 + i%19000 }

// Probe is a packet to follow through a dump's ruleset (see
// internal/evalcount): where it enters and its header fields.
type Probe struct {
	Hook     string // prerouting, input, forward
	Iif, Oif string
	Src, Dst string
	Proto    string // tcp
	SPort    uint16
	DPort    uint16
	CtState  string // new, established
}

// Probes returns n probe packets for the dump Write makes with o: about
// half hit a rule of the dump's bulk (a listed address, a service, a
// forwarded port), the others pass by it, the way most traffic through a
// blocklist does. The same options give the same probes.
func Probes(o Options, n int) []Probe {
	if o.Shape == "" {
		o.Shape = Mixed
	}
	r := rand.New(rand.NewSource(o.Seed + 1))
	var out []Probe
	for i := 0; i < n; i++ {
		hit := i%2 == 0
		p := Probe{Iif: "eth1", Oif: "eth2", Proto: "tcp", SPort: uint16(32768 + r.Intn(28000)), DPort: 5201, CtState: "new",
			Src: fmt.Sprintf("198.51.100.%d", 1+r.Intn(250)), Dst: fmt.Sprintf("203.0.113.%d", 10+r.Intn(240))}
		switch o.Shape {
		case Blocklist:
			p.Hook = "forward"
			if hit {
				p.Src = addr(r.Intn(max(o.Rules, 1)))
			}
		case Dispatch:
			p.Hook = "prerouting"
			p.DPort = 80
			s := r.Intn(max(o.Rules/4, 1))
			if hit {
				p.Dst = fmt.Sprintf("10.96.%d.%d", (s>>8)&255, s&255)
			} else {
				p.Dst = fmt.Sprintf("10.97.%d.%d", (s>>8)&255, s&255)
			}
		case Mixed:
			forwards := max(o.Rules/20, 1)
			switch i % 4 {
			case 0: // a forwarded port, after DNAT
				f := r.Intn(forwards)
				p.Hook, p.Dst, p.DPort = "forward", fmt.Sprintf("192.168.%d.%d", 1+f/250%250, 1+f%250), uint16(22+f%3*58)
			case 1: // a port forward, before DNAT
				p.Hook, p.Iif, p.Dst, p.DPort = "prerouting", "eth0", "203.0.113.1", uint16(10000+r.Intn(forwards))
			case 2: // a service
				s := r.Intn(max(o.Rules/5, 1))
				p.Hook, p.Src, p.DPort = "input", strings.Replace(serviceNet(s), ".0/24", fmt.Sprintf(".%d", 1+r.Intn(254)), 1), uint16(servicePort(s))
			default: // established traffic
				p.Hook, p.CtState = "forward", "established"
			}
		}
		out = append(out, p)
	}
	return out
}
