package iptparse

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

//go:embed netdb/services
var servicesFile string

//go:embed netdb/protocols
var protocolsFile string

// The two databases are read on first use, each on its own: a process
// that needs a protocol name (iptables -L, the shim's rule texts) does
// not read the services list, five times the size.
var (
	servicesOnce  sync.Once
	services      map[string]uint16 // "ssh" -> 22 (tcp or udp entry)
	protocolsOnce sync.Once
	protoNames    map[string]uint8 // "gre" -> 47, aliases too
	protoByNum    [256]string      // 47 -> "gre" (first official name)
)

func loadServices() {
	services = map[string]uint16{}
	for _, line := range strings.Split(servicesFile, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		portProto := strings.SplitN(f[1], "/", 2)
		n, err := strconv.ParseUint(portProto[0], 10, 16)
		if err != nil {
			continue
		}
		for _, name := range append([]string{f[0]}, f[2:]...) {
			if _, dup := services[name]; !dup {
				services[name] = uint16(n)
			}
		}
	}
}

func loadProtocols() {
	// Room for a name and an alias a line, the list's usual.
	protoNames = make(map[string]uint8, 2*strings.Count(protocolsFile, "\n"))
	for line := range strings.Lines(protocolsFile) {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, err := strconv.ParseUint(f[1], 10, 8)
		if err != nil {
			continue
		}
		if protoByNum[n] == "" {
			protoByNum[n] = f[0]
		}
		for i, name := range f {
			if _, dup := protoNames[name]; i != 1 && !dup {
				protoNames[name] = uint8(n)
			}
		}
	}
}

// ServicePort resolves a service name from netbase's services list.
// No name there starts with a digit (TestServiceNamesNoDigit): a port
// number is answered without reading the list, which costs as much as
// parsing a few thousand rules.
func ServicePort(name string) (uint16, bool) {
	if name == "" || '0' <= name[0] && name[0] <= '9' {
		return 0, false
	}
	servicesOnce.Do(loadServices)
	p, ok := services[name]
	return p, ok
}

// chainProtos is libxtables' xtables_chain_protos: names iptables knows
// without /etc/protocols, in its lookup order.
var chainProtos = []struct {
	Name string
	Num  uint8
}{
	{"tcp", 6}, {"sctp", 132}, {"udp", 17}, {"udplite", 136}, {"icmp", 1},
	{"ipv6-icmp", 58}, {"icmpv6", 58}, {"esp", 50}, {"ah", 51},
	{"mobility-header", 135}, {"ipv6-mh", 135}, {"mh", 135}, {"dccp", 33},
	{"ipcomp", 108}, {"all", 0},
}

// ProtocolNumber resolves a protocol name or number like
// xtables_parse_protocol does.
func ProtocolNumber(s string) (uint8, bool) {
	if n, ok := parseUintBase(s, 0); ok && n <= 255 {
		return uint8(n), true
	}
	for _, p := range chainProtos {
		if p.Name == s {
			return p.Num, true
		}
	}
	protocolsOnce.Do(loadProtocols)
	n, ok := protoNames[s]
	return n, ok
}

// ProtocolName is iptables' proto_to_name(num, 0): the built-in name if
// there is one, else the protocols database name, else "".
func ProtocolName(num uint8) string {
	for _, p := range chainProtos {
		if p.Num == num {
			return p.Name
		}
	}
	protocolsOnce.Do(loadProtocols)
	return protoByNum[num]
}

// ChainProtoName is proto_to_name(num, 1): only the built-in names.
func ChainProtoName(num uint8) string {
	for _, p := range chainProtos {
		if p.Num == num {
			return p.Name
		}
	}
	return ""
}
