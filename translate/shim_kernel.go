package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// Checks that the kernel makes on an iptables rule (x_tables) and that
// iptables-legacy therefore fails with "Invalid argument", where the nft
// translation would load: the shim refuses those rules too, so that it
// accepts what iptables-legacy accepts.

// legacyKernelCheck returns why the kernel refuses the rule of cmd, or nil.
func legacyKernelCheck(cmd *iptparse.Command) error {
	r := cmd.Rule
	if r == nil || r.Target == nil || r.Target.Ext == nil {
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
