package translate

import (
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
