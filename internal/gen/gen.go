// Package gen writes realistic synthetic iptables-save dumps of a given
// size for benchmarks: blocklists, port lists, LOG+DROP pairs, per-service
// accepts, DNAT forwards, user chains, kube-proxy style dispatch chains,
// comments and counters. The output is deterministic for a seed.
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
	if g.o.Counters {
		fmt.Fprintf(&g.b, "[%d:%d] ", g.r.Intn(1000), g.r.Intn(100000))
	}
	fmt.Fprintf(&g.b, format+"\n", args...)
	g.n++
}

// addr returns a deterministic, distinct public-looking IPv4 address.
func addr(i int) string {
	return fmt.Sprintf("%d.%d.%d.%d", 11+(i>>16)%200, (i>>8)&255, i&255, 1+(i>>24))
}

func (g *generator) blocklistDump() {
	g.line("*filter")
	g.line(":INPUT ACCEPT [0:0]")
	g.line(":FORWARD ACCEPT [0:0]")
	g.line(":OUTPUT ACCEPT [0:0]")
	for i := 0; g.n < g.o.Rules; i++ {
		g.rule("-A FORWARD -s %s/32 -j DROP", addr(i))
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
	for i := 0; i < services; i++ {
		port := 1000 + i
		g.rule("-A SERVICES -s 10.%d.0.0/16 -p tcp -m tcp --dport %d -m comment --comment \"service %d\" -j ACCEPT", i%250, port, i)
	}
	for i := 0; i < pairs/2; i++ {
		p := 20000 + i
		g.rule("-A FORWARD -p tcp -m tcp --dport %d -j LOG --log-prefix \"blocked %d: \"", p, p)
		g.rule("-A FORWARD -p tcp -m tcp --dport %d -j DROP", p)
	}
	for i := 0; g.n < g.o.Rules; i++ {
		g.rule("-A BLOCKLIST -s %s/32 -j DROP", addr(i))
	}
	for i := 0; i < forwards; i++ {
		g.line(fmt.Sprintf("-A FORWARD -d 192.168.%d.%d/32 -p tcp -m tcp --dport %d -j ACCEPT", 1+i/250%250, 1+i%250, 22+i%3*58))
	}
	g.line("COMMIT")
}
