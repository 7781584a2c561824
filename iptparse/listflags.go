package iptparse

// ListFlags are the options that change how iptables talks rather than
// what the rule is: listing format (-n, -v, -x, --line-numbers) and the
// xtables lock (-w, -W). The translator ignores them; the iptables shim
// uses them.
type ListFlags struct {
	Numeric, Exact, LineNumbers bool
	Verbose                     int
	// Wait is set by -w; WaitSecs is its argument ("" for "wait forever").
	Wait     bool
	WaitSecs string
	// WaitInterval is -W's argument (microseconds), "" if not given.
	WaitInterval string
	// Version is -V.
	Version bool
}
