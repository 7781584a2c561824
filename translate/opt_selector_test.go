package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/ir"
)

// TestMergeablePayloadSelector checks mergeableSelector's payload switch
// (by protocol, then field) against the list of "proto field" pairs it
// stands for.
func TestMergeablePayloadSelector(t *testing.T) {
	want := map[string]bool{}
	for _, k := range []string{"ip saddr", "ip daddr", "ip protocol", "ip dscp", "ip6 saddr", "ip6 daddr", "ip6 dscp",
		"tcp sport", "tcp dport", "udp sport", "udp dport", "sctp sport", "sctp dport",
		"dccp sport", "dccp dport", "udplite sport", "udplite dport", "th sport", "th dport",
		"icmp type", "icmp code", "icmpv6 type", "icmpv6 code", "ether saddr", "ether daddr",
		"ah spi", "esp spi"} {
		want[k] = true
	}
	protos := []string{"", "ip", "ip6", "tcp", "udp", "sctp", "dccp", "udplite", "th", "icmp", "icmpv6",
		"ether", "ah", "esp", "arp", "vlan", "ip saddr", "tcp dport"}
	fields := []string{"", "saddr", "daddr", "protocol", "dscp", "sport", "dport", "type", "code", "spi",
		"ttl", "length", "flags", "saddr daddr"}
	for _, p := range protos {
		for _, f := range fields {
			if got := mergeableSelector(&ir.Payload{Proto: p, Field: f}); got != want[p+" "+f] {
				t.Errorf("mergeableSelector(%q %q) = %v, want %v", p, f, got, want[p+" "+f])
			}
		}
	}
}
