package iptparse

import "testing"

// TestProtocolsDB: names, aliases and numbers of the protocols list,
// the first name of a number, and what the list does not have.
func TestProtocolsDB(t *testing.T) {
	for _, c := range []struct {
		name string
		num  uint8
		ok   bool
	}{
		{"gre", 47, true}, {"GRE", 47, true}, {"ipv6-route", 43, true}, {"IPv6-Route", 43, true},
		{"47", 47, true}, {"tcp", 6, true}, {"no-such-protocol", 0, false}, {"", 0, false},
	} {
		if n, ok := ProtocolNumber(c.name); n != c.num || ok != c.ok {
			t.Errorf("ProtocolNumber(%q) = %d, %v; want %d, %v", c.name, n, ok, c.num, c.ok)
		}
	}
	for num, want := range map[uint8]string{47: "gre", 0: "ip", 43: "ipv6-route", 6: "tcp", 200: ""} {
		if got := ProtocolDBName(num); got != want {
			t.Errorf("ProtocolDBName(%d) = %q, want %q", num, got, want)
		}
	}
	if got := ProtocolName(47); got != "gre" {
		t.Errorf("ProtocolName(47) = %q, want gre", got)
	}
	if p, ok := ServicePort("ssh"); p != 22 || !ok {
		t.Errorf("ServicePort(ssh) = %d, %v", p, ok)
	}
}

// TestServiceNamesNoDigit: ServicePort answers a name that starts with a
// digit without the list, which must then have no such name.
func TestServiceNamesNoDigit(t *testing.T) {
	servicesOnce.Do(loadServices)
	if len(services) < 100 {
		t.Fatalf("only %d service names", len(services))
	}
	for name := range services {
		if name == "" || '0' <= name[0] && name[0] <= '9' {
			t.Errorf("service name %q starts with a digit (or is empty)", name)
		}
	}
	for _, s := range []string{"22", "0x16", "026", ""} {
		if p, ok := ServicePort(s); ok {
			t.Errorf("ServicePort(%q) = %d, true", s, p)
		}
	}
}
