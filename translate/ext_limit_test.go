package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateLimit(t *testing.T) {
	cases := []matchCase{
		{"-A INPUT -m limit --limit 3/m --limit-burst 3",
			"add rule ip filter INPUT limit rate 3/minute burst 3 packets counter",
			"limit rate 3/minute burst 3 packets counter"},
		{"-A INPUT -m limit --limit 10/s --limit-burst 5",
			"add rule ip filter INPUT limit rate 10/second burst 5 packets counter",
			"limit rate 10/second burst 5 packets counter"},
		// The defaults: 3/hour, burst 5.
		{"-A INPUT -m limit",
			"add rule ip filter INPUT limit rate 3/hour burst 5 packets counter",
			"limit rate 3/hour burst 5 packets counter"},
		{"-A INPUT -m limit --limit 2/DAY",
			"add rule ip filter INPUT limit rate 2/day burst 5 packets counter",
			"limit rate 2/day burst 5 packets counter"},
		// No unit: per second. 60/minute is 1/second.
		{"-A INPUT -m limit --limit 25",
			"add rule ip filter INPUT limit rate 25/second burst 5 packets counter",
			"limit rate 25/second burst 5 packets counter"},
		{"-A INPUT -m limit --limit 60/min",
			"add rule ip filter INPUT limit rate 1/second burst 5 packets counter",
			"limit rate 1/second burst 5 packets counter"},
		// The kernel keeps 1/10000 s: 3000/s is really 3333/s.
		{"-A INPUT -m limit --limit 3000/second --limit-burst 10000",
			"add rule ip filter INPUT limit rate 3333/second burst 10000 packets counter",
			"limit rate 3333/second burst 10000 packets counter"},
		{"-A INPUT -m limit --limit 7/h",
			"add rule ip filter INPUT limit rate 7/hour burst 5 packets counter",
			"limit rate 7/hour burst 5 packets counter"},
		// Burst 0: upstream leaves it out; the kernel refuses it.
		{"-A INPUT -m limit --limit 10/s --limit-burst 0",
			"add rule ip filter INPUT limit rate 10/second counter",
			""},
	}
	bad := []badCase{
		{"-A INPUT -m limit --limit 3/week", DiagError, `bad rate "3/week"`},
		{"-A INPUT -m limit --limit 3/", DiagError, `bad rate "3/"`},
		{"-A INPUT -m limit --limit x/s", DiagError, `bad rate "x/s"`},
		{"-A INPUT -m limit --limit 10001/s", DiagError, `Rate too fast "10001/s"`},
		{"-A INPUT -m limit --limit-burst 10001", DiagError, "out of range"},
		{"-A INPUT -m limit ! --limit 1/s", DiagError, "cannot be inverted"},
	}
	checkMatchCases(t, iptparse.FamilyIPv4, cases, bad)
	if _, err := xlate(t, iptparse.FamilyIPv4, false, "-A INPUT -m limit --limit-burst 0"); err == nil {
		t.Errorf("--limit-burst 0 must be refused in normal mode")
	}
}

func TestLimitRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		rate uint64
		per  string
	}{
		{"1/day", 1, "day"}, {"24/day", 1, "hour"}, {"1/h", 1, "hour"},
		{"90/minute", 90, "minute"}, {"7/s", 7, "second"}, {"1/sec", 1, "second"},
		{"5000/s", 5000, "second"}, {"100/hour", 100, "hour"},
	} {
		avg, err := parseLimitRate(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if r, p := limitRate(avg); r != c.rate || p != c.per {
			t.Errorf("%s: got %d/%s, want %d/%s", c.in, r, p, c.rate, c.per)
		}
	}
}
