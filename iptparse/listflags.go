package iptparse

// ListFlags are the options that change how iptables talks rather than
// what the rule is: listing format (-n, -v, -x, --line-numbers) and the
// xtables lock (-w, -W). The translator ignores them; the iptables shim
// uses them.
type ListFlags struct {
	Verbose int
	// WaitSecs is -w's argument ("" for "wait forever").
	WaitSecs string
	// WaitInterval is -W's argument (microseconds), "" if not given.
	WaitInterval string
	// The flags last, together: no padding after each.
	Numeric, Exact, LineNumbers bool
	// Wait is set by -w.
	Wait bool
	// Version is -V.
	Version bool
}
