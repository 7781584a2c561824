// Package verify is a kernel differential harness: it proves, packet by
// packet, that an nftables ruleset behaves like an iptables original.
//
// Each comparison builds throwaway network namespaces: a firewall
// namespace per side (A, B) whose interfaces carry the names the rules use,
// and a "world" namespace holding the other ends of their veths, where
// probes are injected and outputs captured with packet sockets. Side A is
// typically loaded with iptables-legacy-restore, side B with nft -f. Every
// probe (a short conversation of packets, see Probe) is sent into both, and
// what became of each packet — dropped, delivered to the local stack,
// forwarded out of which interface with which rewrite, answered with which
// RST or ICMP error — is compared.
//
//	h, err := verify.New(verify.Options{})
//	defer h.Close()
//	ps, err := verify.Probes(saveText, iptparse.FamilyIPv4, 400, 1)
//	res, err := h.Compare(ctx, verify.Ruleset{IptablesSave: saveText}, verify.Ruleset{Nft: nftText}, ps)
//
// Probes derives the probes and the namespaces' topology from the
// original's constants, and from the elements of the ipsets its rules
// look up when their "ipset save" files are given. See docs/verify.md for the design and for what the
// harness can and cannot observe.
package verify
