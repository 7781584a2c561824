package translate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// The IPS chain ("IPS the easy way"). Suricata-style setups send packets to
// NFQUEUE from the mangle table, before the firewall has filtered them, or
// put an unconditional NFQUEUE at the head of filter FORWARD, which makes
// the IPS's verdict final and every later FORWARD rule dead. nftables can
// hook a chain after the filter chain instead: the firewall filters first
// and the IPS sees only the packets it accepted. This is a deliberate
// change of meaning, so it is announced in the output and on stderr.

// IPSPriorityOffset is the default offset from the filter priority.
const IPSPriorityOffset = 10

// ipsComment starts the IPS chain's comment.
const ipsComment = "IPS: NFQUEUE rules moved here"

func hasQueue(r *ir.Rule) bool {
	for _, s := range r.Stmts {
		if _, ok := s.(*ir.Queue); ok {
			return true
		}
	}
	return false
}

// unconditional reports whether a rule matches every packet.
func unconditional(r *ir.Rule) bool {
	if r.Placeholder() {
		return false
	}
	for _, s := range r.Stmts {
		switch s.(type) {
		case *ir.Match, *ir.Limit, *ir.Quota, *ir.SetUpdate, *ir.Meter, *ir.CtCount:
			return false
		case *ir.TProxy: // ends the rule when no transparent socket is found
			return false
		}
	}
	return true
}

// terminal reports whether a rule always ends evaluation of its chain when
// it matches.
func terminal(r *ir.Rule) bool {
	for _, s := range r.Stmts {
		switch s := s.(type) {
		case *ir.Verdict:
			return s.Kind != ir.VerdictJump && s.Kind != ir.VerdictContinue
		case *ir.Queue, *ir.Reject:
			return true
		case *ir.Nat:
			return true
		}
	}
	return false
}

func isMangleChain(c *ir.Chain) bool {
	return c.Hook != nil && c.Hook.Priority.Name == "mangle"
}

func isFilterForward(c *ir.Chain) bool {
	return c.Hook != nil && c.Hook.Hook == "forward" && c.Hook.Priority.Name == "filter" && c.Hook.Priority.Offset == 0
}

// moveIPS moves NFQUEUE rules into an IPS chain hooked after filtering.
func moveIPS(t *ir.Table, offset int, rep *OptReport) {
	var moved []*ir.Rule
	var from []string
	for _, c := range t.Chains {
		if !isMangleChain(c) {
			continue
		}
		var keep []*ir.Rule
		for _, r := range c.Rules {
			if !r.Placeholder() && hasQueue(r) {
				moved = append(moved, r)
				rep.Notes = append(rep.Notes, Diag{Pos: pos0(r), Kind: DiagWarning, Rule: r.Source(),
					Msg: fmt.Sprintf("NFQUEUE moved from %s (hook %s) to the IPS chain (hook forward, priority filter + %d): the IPS now sees only forwarded packets the firewall accepted; packets to or from this host are no longer queued", c.Name, c.Hook.Hook, offset)})
				continue
			}
			keep = append(keep, r)
		}
		c.Rules = keep
		if len(keep) != len(c.Rules) || len(moved) > 0 {
			from = appendUnique(from, c.Name)
		}
	}
	for _, c := range t.Chains {
		if !isFilterForward(c) || len(c.Rules) == 0 {
			continue
		}
		head := c.Rules[0]
		if !head.Placeholder() && hasQueue(head) && unconditional(head) {
			moved = append(moved, head)
			c.Rules = c.Rules[1:]
			from = appendUnique(from, c.Name)
			rep.Notes = append(rep.Notes, Diag{Pos: pos0(head), Kind: DiagWarning, Rule: head.Source(),
				Msg: fmt.Sprintf("unconditional NFQUEUE at the head of FORWARD moved to the IPS chain (hook forward, priority filter + %d): the %d FORWARD rules after it, dead before, now filter first", offset, len(c.Rules))})
		}
	}
	if len(moved) == 0 {
		return
	}
	name := "ips"
	for i := 2; t.Chain(name) != nil; i++ {
		name = fmt.Sprintf("ips_%d", i)
	}
	ips := &ir.Chain{
		Name:    name,
		Comment: fmt.Sprintf("%s from %s by ipt2nft, so the firewall filters first", ipsComment, strings.Join(from, ", ")),
		Hook:    &ir.Hook{Type: "filter", Hook: "forward", Priority: ir.Priority{Name: "filter", Offset: offset}, Policy: "accept"},
		Rules:   moved,
	}
	for _, r := range moved {
		for _, s := range r.Stmts {
			if q, ok := s.(*ir.Queue); ok {
				q.Flags = ipsQueueFlags(q.Flags)
			}
		}
	}
	t.Chains = append(t.Chains, ips)
	rep.Merges = append(rep.Merges, Merge{Pass: "ips", Into: nil, From: origins(moved), Reason: fmt.Sprintf("%d NFQUEUE rules moved to chain %s", len(moved), name)})
}

func appendUnique(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}

func pos0(r *ir.Rule) iptparse.Pos {
	if len(r.Origin) > 0 {
		return r.Origin[0]
	}
	return iptparse.Pos{}
}

// DeadRule is a rule no packet can reach.
type DeadRule struct {
	Chain string
	Rule  *ir.Rule
	// After is the rule that always ends evaluation before it.
	After *ir.Rule
}

// deadTail is the rules of a chain after an unconditional terminal rule,
// which no packet reaches.
type deadTail struct {
	chain int // the chain's index in its table
	after *ir.Rule
	rules []*ir.Rule
}

// findDead returns the rules of c after its first unconditional terminal
// rule, if any follow it; c is chain i of its table. The rules are c's
// before the optimizer changes them.
func findDead(i int, c *ir.Chain) (deadTail, bool) {
	for k, r := range c.Rules {
		if !unconditional(r) || !terminal(r) {
			continue
		}
		if k+1 == len(c.Rules) {
			return deadTail{}, false
		}
		return deadTail{chain: i, after: r, rules: slices.Clone(c.Rules[k+1:])}, true
	}
	return deadTail{}, false
}

// reportDead reports the dead rules of t's chains, in their order.
func reportDead(t *ir.Table, tails []deadTail, rep *OptReport) {
	slices.SortFunc(tails, func(a, b deadTail) int { return cmp.Compare(a.chain, b.chain) })
	for _, d := range tails {
		c, r := t.Chains[d.chain], d.after
		for _, x := range d.rules {
			rep.Dead = append(rep.Dead, DeadRule{Chain: c.Name, Rule: x, After: r})
			rep.Notes = append(rep.Notes, Diag{Pos: pos0(x), Kind: DiagNote, Rule: x.Source(),
				Msg: fmt.Sprintf("rule can never match: the rule at %s always ends chain %s before it", pos0(r), c.Name)})
		}
	}
}

// ipsQueueFlags writes the queue flags in the order the IPS idiom is known
// by ("queue num 0-3 fanout,bypass"); nft reads them in any order.
func ipsQueueFlags(flags []string) []string {
	var out []string
	for _, want := range []string{"fanout", "bypass"} {
		for _, f := range flags {
			if f == want {
				out = append(out, f)
			}
		}
	}
	for _, f := range flags {
		if f != "fanout" && f != "bypass" {
			out = append(out, f)
		}
	}
	return out
}
