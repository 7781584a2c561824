package verify

import "fmt"

// LoadError is returned by Compare when a side's ruleset does not load:
// iptables-legacy-restore or nft refused it.
type LoadError struct {
	Side   string // "A" or "B"
	What   string // "iptables", "ip6tables" or "nft"
	Err    error
	Output string // what the tool printed
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("side %s: loading the %s ruleset: %v: %s", e.Side, e.What, e.Err, e.Output)
}

func (e *LoadError) Unwrap() error { return e.Err }
