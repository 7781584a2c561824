// Package shim makes ipt2nft a drop-in iptables: run as iptables,
// ip6tables, iptables-save, iptables-restore (and the ip6tables
// versions) or ipset, it keeps the rules in nftables tables of its own,
// as native nft rules (ipt2nft's translation, no xtables expressions),
// changed one netlink transaction per call. See docs/shim.md.
package shim

import (
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/translate"
)

// TableName is the nft table (one per family: ip and ip6) that holds
// every iptables table of the shim. It is not the "ipt2nft" table that
// ipt2nft apply replaces, so the two never overwrite each other.
const TableName = "ipt2nft_shim"

// family is one of iptables (IPv4) and ip6tables (IPv6).
type family struct {
	ipt  iptparse.Family
	nft  ir.Family
	prog string // "iptables" or "ip6tables"
}

var (
	famIPv4 = family{iptparse.FamilyIPv4, ir.FamilyIP, "iptables"}
	famIPv6 = family{iptparse.FamilyIPv6, ir.FamilyIP6, "ip6tables"}
)

// builtinChains are each iptables table's built-in chains in hook order.
var builtinChains = lazy.Of[map[string][]string]{New: func() map[string][]string {
	return map[string][]string{
		"raw":      {"PREROUTING", "OUTPUT"},
		"mangle":   {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"},
		"nat":      {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"},
		"filter":   {"INPUT", "FORWARD", "OUTPUT"},
		"security": {"INPUT", "FORWARD", "OUTPUT"},
	}
}}

func knownTable(t string) bool { _, ok := builtinChains.Get()[t]; return ok }

func isBuiltin(table, chain string) bool {
	for _, c := range builtinChains.Get()[table] {
		if c == chain {
			return true
		}
	}
	return false
}

// baseChain is the nft base chain of a built-in iptables chain.
func baseChain(table, chain, policy string) *ir.Chain {
	h := &ir.Hook{Type: "filter", Hook: strings.ToLower(chain), Priority: ir.Priority{Offset: translate.TablePriority(table, chain)}, Policy: strings.ToLower(policy)}
	switch {
	case table == "nat":
		h.Type = "nat"
	case table == "mangle" && chain == "OUTPUT":
		h.Type = "route"
	}
	return &ir.Chain{Name: nftChainName(table, chain), Hook: h}
}

// nftChainName is the nft name of an iptables chain: "filter/INPUT",
// "nat/DOCKER". Helper chains that one rule needs are "TABLE/-NAME.ID"
// (no iptables chain name starts with '-').
func nftChainName(table, chain string) string { return table + "/" + chain }

// splitChainName reverses nftChainName; aux is set for helper chains.
func splitChainName(name string) (table, chain string, aux, ok bool) {
	table, chain, ok = strings.Cut(name, "/")
	if !ok || !knownTable(table) || chain == "" {
		return "", "", false, false
	}
	return table, chain, strings.HasPrefix(chain, "-"), true
}
