package verify

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Topology describes the firewall namespace: its interfaces (the names the
// rules use), the addresses it owns and which destinations it routes out of
// which interface. Both sides of a comparison get the same topology.
type Topology struct {
	Interfaces []Interface
}

// Interface is one interface of the firewall namespace. Each is a veth
// whose peer sits in the harness's "world" namespace, where probes are
// injected and outputs observed.
type Interface struct {
	Name string
	// Addrs are the firewall's own addresses on this interface, with the
	// on-link prefix (198.18.0.1/24). Both families may be mixed.
	Addrs []netip.Prefix
	// Routes are destinations routed out of this interface (no gateway:
	// the interfaces do not resolve neighbours). 0.0.0.0/0 and ::/0 make
	// it the default route.
	Routes []netip.Prefix
}

// Iface returns the interface with the given name, or nil.
func (t *Topology) Iface(name string) *Interface {
	for i := range t.Interfaces {
		if t.Interfaces[i].Name == name {
			return &t.Interfaces[i]
		}
	}
	return nil
}

// Addr returns the firewall's first address of the family on the
// interface.
func (ifc *Interface) Addr(v6 bool) (netip.Addr, bool) {
	for _, p := range ifc.Addrs {
		if p.Addr().Is6() == v6 {
			return p.Addr(), true
		}
	}
	return netip.Addr{}, false
}

// IsLocal reports whether a is one of the firewall's addresses.
func (t *Topology) IsLocal(a netip.Addr) bool {
	if a.IsLoopback() {
		return true
	}
	for _, ifc := range t.Interfaces {
		for _, p := range ifc.Addrs {
			if p.Addr() == a {
				return true
			}
		}
	}
	return false
}

// Route returns the interface a destination is routed out of, by longest
// prefix over on-link prefixes and routes (as the kernel would decide with
// the routes the harness installs), or "" if none.
func (t *Topology) Route(a netip.Addr) string {
	best, bits := "", -1
	for _, ifc := range t.Interfaces {
		for _, list := range [][]netip.Prefix{ifc.Addrs, ifc.Routes} {
			for _, p := range list {
				p = p.Masked()
				if p.Addr().Is6() == a.Is6() && p.Contains(a) && p.Bits() > bits {
					best, bits = ifc.Name, p.Bits()
				}
			}
		}
	}
	return best
}

// Names lists the interface names.
func (t *Topology) Names() []string {
	var r []string
	for _, ifc := range t.Interfaces {
		r = append(r, ifc.Name)
	}
	return r
}

// validIfname reports whether Linux accepts name as an interface name.
func validIfname(name string) bool {
	if name == "" || len(name) > 15 || name == "." || name == ".." || name == "lo" {
		return false
	}
	return !strings.ContainsAny(name, "/: \t\n+*")
}

// Validate checks the topology for what the harness cannot build.
func (t *Topology) Validate() error {
	if len(t.Interfaces) == 0 {
		return fmt.Errorf("topology without interfaces")
	}
	if len(t.Interfaces) > 32 {
		return fmt.Errorf("topology with %d interfaces (at most 32)", len(t.Interfaces))
	}
	seen := map[string]bool{}
	for _, ifc := range t.Interfaces {
		if !validIfname(ifc.Name) {
			return fmt.Errorf("bad interface name %q", ifc.Name)
		}
		if seen[ifc.Name] {
			return fmt.Errorf("interface %q twice", ifc.Name)
		}
		seen[ifc.Name] = true
	}
	return nil
}

// DefaultAddrs gives interface number i of a generated topology its
// addresses: 198.18.i.1/24 and 2001:2:0:i::1/64 (benchmarking ranges, RFC
// 2544 and RFC 5180, which real rulesets rarely mention).
func DefaultAddrs(i int) []netip.Prefix {
	return []netip.Prefix{
		netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(i), 1}), 24),
		netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0, 2, 0, 0, 0, byte(i), 15: 1}), 64),
	}
}

// RemoteNets are the world networks behind interface i of a generated
// topology: 198.19.i.0/24 and 2001:2:0:10i::/64. Probes use hosts there
// when a rule names no address.
func RemoteNets(i int) []netip.Prefix {
	return []netip.Prefix{
		netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 19, byte(i), 0}), 24),
		netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0, 2, 0, 0, 1, byte(i)}), 64),
	}
}

// Simple returns a topology with the named interfaces, each with
// DefaultAddrs and RemoteNets; the first one carries the default routes.
func Simple(names ...string) Topology {
	var t Topology
	for i, n := range names {
		ifc := Interface{Name: n, Addrs: DefaultAddrs(i), Routes: RemoteNets(i)}
		if i == 0 {
			ifc.Routes = append(ifc.Routes, netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"))
		}
		t.Interfaces = append(t.Interfaces, ifc)
	}
	return t
}

// AddAddr adds a local address (as a host prefix) to the interface if the
// topology does not own it yet.
func (t *Topology) AddAddr(iface string, a netip.Addr) {
	if t.IsLocal(a) {
		return
	}
	ifc := t.Iface(iface)
	if ifc == nil {
		return
	}
	ifc.Addrs = append(ifc.Addrs, netip.PrefixFrom(a, a.BitLen()))
}

// AddRoute routes a prefix out of the interface unless the same prefix is
// routed already.
func (t *Topology) AddRoute(iface string, p netip.Prefix) {
	p = p.Masked()
	for _, ifc := range t.Interfaces {
		if slices.Contains(ifc.Routes, p) || slices.ContainsFunc(ifc.Addrs, func(q netip.Prefix) bool { return q.Masked() == p }) {
			return
		}
	}
	if ifc := t.Iface(iface); ifc != nil {
		ifc.Routes = append(ifc.Routes, p)
	}
}
