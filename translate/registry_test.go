package translate

import (
	"slices"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// The match and target extensions iptables 1.8.11 ships for IPv4 and IPv6
// (extensions/libxt_*.c, libipt_*.c, libip6t_*.c; "standard" is the
// built-in verdict target). Every one must have an option table, so that
// rules using it parse and are either translated or reported.
var upstreamMatches = strings.Fields(`addrtype ah bpf cgroup cluster comment connbytes connlabel
	connlimit connmark conntrack cpu dccp devgroup dscp dst ecn esp eui64 frag hashlimit hbh helper
	hl icmp icmp6 ipcomp iprange ipv6header ipvs length limit mac mark mh multiport nfacct osf owner
	physdev pkttype policy quota rateest realm recent rpfilter rt sctp set socket srh state statistic
	string tcp tcpmss time tos ttl u32 udp`)

var upstreamTargets = strings.Fields(`AUDIT CHECKSUM CLASSIFY CLUSTERIP CONNMARK CONNSECMARK CT DNAT
	DNPT DSCP ECN HL HMARK IDLETIMER LED LOG MARK MASQUERADE NETMAP NFLOG NFQUEUE NOTRACK RATEEST
	REDIRECT REJECT SECMARK SET SNAT SNPT SYNPROXY TCPMSS TCPOPTSTRIP TEE TOS TPROXY TRACE TTL ULOG`)

func TestEveryUpstreamExtensionRegistered(t *testing.T) {
	for _, kind := range []struct {
		k     iptparse.ExtKind
		names []string
	}{{iptparse.KindMatch, upstreamMatches}, {iptparse.KindTarget, upstreamTargets}} {
		for _, name := range kind.names {
			if Lookup(name, kind.k, iptparse.FamilyIPv4) == nil && Lookup(name, kind.k, iptparse.FamilyIPv6) == nil {
				t.Errorf("%s %s has no option table", kind.k, name)
			}
			if e := Lookup(name, kind.k, iptparse.FamilyIPv4); e != nil && e.Translate == nil {
				t.Errorf("%s %s has no translation (not even a reasoned refusal)", kind.k, name)
			}
		}
	}
}

// TestStaticOptionTables checks the option tables written out as literals
// (built by helpers at start before): the options of each group exclude
// the group's others, as libxtables' F_ANY does, and the per-family
// tables differ only where their family does.
func TestStaticOptionTables(t *testing.T) {
	type key struct {
		name string
		kind iptparse.ExtKind
		fam  iptparse.Family
	}
	groups := []struct {
		key
		opts []string
	}{
		{key{"ttl", iptparse.KindMatch, iptparse.FamilyIPv4}, []string{"ttl-lt", "ttl-gt", "ttl-eq", "ttl"}},
		{key{"hl", iptparse.KindMatch, iptparse.FamilyIPv6}, []string{"hl-lt", "hl-gt", "hl-eq", "hl"}},
		{key{"TTL", iptparse.KindTarget, iptparse.FamilyIPv4}, []string{"ttl-set", "ttl-dec", "ttl-inc"}},
		{key{"HL", iptparse.KindTarget, iptparse.FamilyIPv6}, []string{"hl-set", "hl-dec", "hl-inc"}},
		{key{"TOS", iptparse.KindTarget, iptparse.FamilyIPv4}, []string{"set-tos", "and-tos", "or-tos", "xor-tos"}},
		{key{"multiport", iptparse.KindMatch, iptparse.FamilyIPv4}, []string{"sports", "dports", "ports"}},
		{key{"set", iptparse.KindMatch, iptparse.FamilyIPv4}, []string{"packets-eq", "packets-lt", "packets-gt"}},
		{key{"set", iptparse.KindMatch, iptparse.FamilyIPv4}, []string{"bytes-eq", "bytes-lt", "bytes-gt"}},
	}
	for _, g := range groups {
		e := Lookup(g.name, g.kind, g.fam)
		if e == nil {
			t.Fatalf("%s not registered", g.name)
		}
		for _, name := range g.opts {
			o := e.Option(name)
			if o == nil {
				t.Errorf("%s: no option --%s", g.name, name)
				continue
			}
			var want []string
			for _, other := range g.opts {
				if other != name {
					want = append(want, other)
				}
			}
			if !slices.Equal(o.Excl, want) {
				t.Errorf("%s --%s excludes %q, want %q", g.name, name, o.Excl, want)
			}
		}
	}
	for _, name := range []string{"TCPMSS", "HMARK", "REJECT", "TPROXY", "TEE", "NETMAP"} {
		e4 := Lookup(name, iptparse.KindTarget, iptparse.FamilyIPv4)
		e6 := Lookup(name, iptparse.KindTarget, iptparse.FamilyIPv6)
		if e4 == nil || e6 == nil || e4 == e6 || e4.Family != iptparse.FamilyIPv4 || e6.Family != iptparse.FamilyIPv6 {
			t.Errorf("%s: want one extension a family, got %v and %v", name, e4, e6)
			continue
		}
		if len(e4.Options) != len(e6.Options) {
			t.Errorf("%s: %d IPv4 options, %d IPv6", name, len(e4.Options), len(e6.Options))
		}
	}
	// --set-mss leaves room for the IP header, larger in IPv6.
	for fam, max := range map[iptparse.Family]uint64{iptparse.FamilyIPv4: 0xffff - 20, iptparse.FamilyIPv6: 0xffff - 40} {
		if got := Lookup("TCPMSS", iptparse.KindTarget, fam).Option("set-mss").Max; got != max {
			t.Errorf("TCPMSS family %v: --set-mss max %d, want %d", fam, got, max)
		}
	}
	nat := map[string][]string{
		"DNAT":       {"to-destination", "random", "persistent"},
		"SNAT":       {"to-source", "random", "random-fully", "persistent"},
		"MASQUERADE": {"to-ports", "random", "random-fully"},
		"REDIRECT":   {"to-ports", "random"},
		"DNPT":       {"src-pfx", "dst-pfx"},
		"SNPT":       {"src-pfx", "dst-pfx"},
	}
	for name, want := range nat {
		e := Lookup(name, iptparse.KindTarget, iptparse.FamilyIPv6)
		var got []string
		for _, o := range e.Options {
			got = append(got, o.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s options %q, want %q", name, got, want)
		}
	}
}
