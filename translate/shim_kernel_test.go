package translate

import (
	"strings"
	"testing"

	"github.com/google/shlex"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// TestTranslateUnitTCPMSSNeedsSYN: the kernel (iptables-legacy) refuses
// -j TCPMSS without a tcp match on SYN; so does the shim's TranslateUnit.
func TestTranslateUnitTCPMSSNeedsSYN(t *testing.T) {
	for _, c := range []struct {
		rule string
		ok   bool
	}{
		{"-A FORWARD -p tcp --syn -j TCPMSS --set-mss 1400", true},
		{"-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", true},
		{"-A FORWARD -p tcp -m tcp --dport 22 -m tcp --tcp-flags ALL SYN,ACK -j TCPMSS --set-mss 1400", true},
		{"-A FORWARD -p tcp -j TCPMSS --set-mss 1400", false},
		{"-A FORWARD -p tcp ! --syn -j TCPMSS --set-mss 1400", false},
		{"-A FORWARD -p tcp ! --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400", false},
		{"-A FORWARD -p tcp --tcp-flags SYN FIN -j TCPMSS --set-mss 1400", false},
		{"-A FORWARD -p tcp --dport 22 -j TCPMSS --set-mss 1400", false},
	} {
		args, _ := shlex.Split("-t mangle " + c.rule)
		p := &iptparse.Parser{Registry: Registry{}, Family: iptparse.FamilyIPv4}
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs(args, "test"))
		if err != nil {
			t.Fatalf("%s: %v", c.rule, err)
		}
		_, err = New(Options{}).TranslateUnit(cmd)
		if c.ok && err != nil {
			t.Errorf("%s: %v", c.rule, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "TCP SYN")) {
			t.Errorf("%s: error %v, want the kernel's refusal", c.rule, err)
		}
	}
}

// TestTranslateUnitLimitOverflow: xt_limit refuses an average period
// times burst that overflows 32 bits (iptables-legacy: "Numerical result
// out of range"); so does TranslateUnit.
func TestTranslateUnitLimitOverflow(t *testing.T) {
	for _, c := range []struct {
		rule string
		ok   bool
	}{
		{"-A INPUT -m limit --limit 1/day -j ACCEPT", false},
		{"-A INPUT -m limit --limit 1/day --limit-burst 4 -j ACCEPT", false},
		{"-A INPUT -m limit --limit 1/day --limit-burst 1 -j ACCEPT", true},
		{"-A INPUT -m limit --limit 1/day --limit-burst 2 -j ACCEPT", false},
		{"-A INPUT -m limit --limit 2/day --limit-burst 3 -j ACCEPT", true},
		{"-A INPUT -m limit --limit 1/min --limit-burst 10000 -j ACCEPT", true},
		{"-A INPUT -m limit --limit 1/hour --limit-burst 119 -j ACCEPT", true},
		{"-A INPUT -m limit --limit 1/hour --limit-burst 100 -j ACCEPT", true},
		{"-A INPUT -m limit --limit 1/hour --limit-burst 120 -j ACCEPT", false},
		{"-A INPUT -m limit --limit 3/hour -j ACCEPT", true},
		{"-A INPUT -m limit -j ACCEPT", true},
	} {
		args, _ := shlex.Split(c.rule)
		p := &iptparse.Parser{Registry: Registry{}, Family: iptparse.FamilyIPv4}
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs(args, "test"))
		if err != nil {
			t.Fatalf("%s: %v", c.rule, err)
		}
		_, err = New(Options{}).TranslateUnit(cmd)
		if c.ok != (err == nil) {
			t.Errorf("%s: error %v, want ok %v", c.rule, err, c.ok)
		}
	}
}
