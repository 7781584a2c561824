package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Checks that the kernel makes on an iptables rule (x_tables) and that
// iptables-legacy therefore fails with "Invalid argument", where the nft
// translation would load: the shim refuses those rules too, so that it
// accepts what iptables-legacy accepts.

// legacyKernelCheck returns why the kernel refuses the rule of cmd, or nil.
func legacyKernelCheck(cmd *iptparse.Command) error {
	r := cmd.Rule
	if r == nil {
		return nil
	}
	// xt_limit's limit_mt_check: avg × burst must not overflow 32 bits
	// (in credits), or the kernel fails with ERANGE.
	for _, m := range r.Matches {
		if m.Name != "limit" {
			continue
		}
		avg := uint64(limitScale * 60 * 60 / 3) // 3/hour
		if o := m.Opt("limit"); o != nil {
			p, ok := limitPeriod(o.Arg())
			if !ok {
				continue
			}
			avg = p
		}
		burst := uint64(5)
		if o := m.Opt("limit-burst"); o != nil {
			burst, _ = o.Value.(uint64)
		}
		if burst == 0 || limitCredits(avg*burst&0xffffffff) < limitCredits(avg) {
			return &UntranslatableError{Pos: m.Pos, Ext: m.Label(), Reason: fmt.Sprintf("the kernel refuses a rate this slow with a burst of %d (the average period times the burst overflows: \"Numerical result out of range\")", burst)}
		}
	}
	if r.Target == nil || r.Target.Ext == nil {
		return nil
	}
	// xt_TCPMSS's tcpmss_tg4_check/tcpmss_tg6_check (find_syn_match): a
	// tcp match whose flags compare SYN set, not negated.
	if x := r.Target.Ext; x.Name == "TCPMSS" {
		for _, m := range r.Matches {
			if m.Name != "tcp" {
				continue
			}
			var last *iptparse.Option
			for _, o := range m.Options {
				if o.Name == "syn" || o.Name == "tcp-flags" {
					last = o
				}
			}
			if last == nil || last.Neg {
				continue
			}
			if last.Name == "syn" {
				return nil
			}
			if cmp, err := parseTCPFlags(last.Args[1].Text); err == nil && cmp&0x02 != 0 {
				return nil
			}
		}
		return &UntranslatableError{Pos: x.Pos, Ext: x.Label(), Reason: "the kernel accepts TCPMSS only in a rule that matches TCP SYN packets (--syn, or --tcp-flags with SYN set), and iptables-legacy fails with \"Invalid argument\""}
	}
	return nil
}

// limitCredits is xt_limit's user2credits for a kernel with HZ 1000 or
// 250 (HZ × CREDITS_PER_JIFFY = 32000), in its 32-bit arithmetic.
func limitCredits(user uint64) uint64 {
	const perSec = 32000
	if user > 0xffffffff/perSec {
		return user / limitScale * perSec & 0xffffffff
	}
	return user * perSec / limitScale
}
