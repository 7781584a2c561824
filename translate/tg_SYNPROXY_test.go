package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateSYNPROXY(t *testing.T) {
	runCasesE(t, []caseE{
		// The upstream case, without -m state (another extension).
		{cmd: "-t mangle -A INPUT -i iifname -p tcp -m tcp --dport 80 -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460",
			exact:  `add rule ip mangle INPUT iifname "iifname" tcp dport 80 counter synproxy sack-perm timestamp wscale 7 mss 1460`,
			native: `iifname "iifname" tcp dport 80 counter synproxy sack-perm timestamp wscale 7 mss 1460`},
		// Upstream's fixed order, whatever the order of the options.
		{cmd: "-A INPUT -p tcp -j SYNPROXY --mss 1460 --wscale 7 --timestamp",
			exact:  "add rule ip filter INPUT ip protocol tcp counter synproxy timestamp wscale 7 mss 1460",
			native: "ip protocol tcp counter synproxy timestamp wscale 7 mss 1460"},
		{cmd: "-A INPUT -p tcp -j SYNPROXY",
			exact:  "add rule ip filter INPUT ip protocol tcp counter synproxy",
			native: "ip protocol tcp counter synproxy"},
		{cmd: "-A INPUT -p udp -j SYNPROXY --mss 1460", err: "-p tcp"},
		{cmd: "-A INPUT -p tcp -j SYNPROXY --mss x", err: "bad value"},
	})
	// Upstream writes "ecn", which nft 1.0.6 does not know.
	got, err := xlate(t, iptparse.FamilyIPv4, true, "-A INPUT -p tcp -j SYNPROXY --timestamp --ecn")
	if want := "add rule ip filter INPUT ip protocol tcp counter synproxy timestamp ecn"; err != nil || got != want {
		t.Errorf("exact --ecn: got %q, %v, want %q", got, err, want)
	}
	if got, err := xlate(t, iptparse.FamilyIPv4, false, "-A INPUT -p tcp -j SYNPROXY --timestamp --ecn"); err == nil {
		t.Errorf("native --ecn: want untranslatable, got %q", got)
	}
	loadNativeE(t, iptparse.FamilyIPv4, nil,
		"-A INPUT -p tcp -m tcp --dport 80 -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460",
		"-A FORWARD -p tcp -j SYNPROXY --mss 1400")
}
