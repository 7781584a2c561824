package translate

import "strings"

// builtinChains lists each iptables table's built-in chains in hook order.
var builtinChains = map[string][]string{
	"raw":      {"PREROUTING", "OUTPUT"},
	"mangle":   {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"},
	"nat":      {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"},
	"filter":   {"INPUT", "FORWARD", "OUTPUT"},
	"security": {"INPUT", "FORWARD", "OUTPUT"},
}

// isBuiltinChain tells whether chain is one of table's builtinChains,
// with a switch: a map look-up of the table, for every rule of a chain
// with a target that checks its hook (NAT) and every chain declaration,
// cost more than the rest of the test (TestIsBuiltinChain).
func isBuiltinChain(table, chain string) bool {
	switch chain {
	case "PREROUTING":
		return table == "raw" || table == "mangle" || table == "nat"
	case "INPUT":
		return table == "filter" || table == "nat" || table == "mangle" || table == "security"
	case "FORWARD":
		return table == "filter" || table == "mangle" || table == "security"
	case "OUTPUT":
		return table == "filter" || table == "nat" || table == "mangle" || table == "raw" || table == "security"
	case "POSTROUTING":
		return table == "nat" || table == "mangle"
	}
	return false
}

// hookOf is the nft hook of a built-in chain: its name in lower case,
// without a new string for the built-in ones (a target checks its hook
// for every rule).
func hookOf(chain string) string {
	switch chain {
	case "PREROUTING":
		return "prerouting"
	case "INPUT":
		return "input"
	case "FORWARD":
		return "forward"
	case "OUTPUT":
		return "output"
	case "POSTROUTING":
		return "postrouting"
	}
	return strings.ToLower(chain)
}

// TablePriority is the hook priority of an iptables table's chain
// (NF_IP_PRI_*).
func TablePriority(table, chain string) int {
	switch table {
	case "raw":
		return -300
	case "mangle":
		return -150
	case "nat":
		if chain == "PREROUTING" || chain == "OUTPUT" {
			return -100
		}
		return 100
	case "security":
		return 50
	}
	return 0
}

// namedPriority is the nft name of a table's priority, where nft has one
// for that hook ("dstnat" exists for prerouting only, "srcnat" for
// postrouting only).
func namedPriority(table, chain string) (string, bool) {
	switch table {
	case "raw", "mangle", "filter", "security":
		return table, true
	case "nat":
		switch chain {
		case "PREROUTING":
			return "dstnat", true
		case "POSTROUTING":
			return "srcnat", true
		}
	}
	return "", false
}
