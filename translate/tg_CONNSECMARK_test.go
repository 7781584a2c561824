package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateCONNSECMARK(t *testing.T) {
	runCasesE(t, []caseE{
		{cmd: "-t mangle -A INPUT -j CONNSECMARK --save",
			exact:  "add rule ip mangle INPUT counter meta secmark & 0xffffffff != 0 ct secmark & 0xffffffff == 0 ct secmark set meta secmark",
			native: "counter meta secmark & 0xffffffff != 0 ct secmark & 0xffffffff == 0 ct secmark set meta secmark"},
		{cmd: "-t security -A OUTPUT -j CONNSECMARK --restore",
			exact:  "add rule ip security OUTPUT counter ct secmark & 0xffffffff != 0 meta secmark & 0xffffffff == 0 meta secmark set ct secmark",
			native: "counter ct secmark & 0xffffffff != 0 meta secmark & 0xffffffff == 0 meta secmark set ct secmark"},
		{cmd: "-t mangle -A INPUT -j CONNSECMARK", err: "parameter required"},
		{cmd: "-t mangle -A INPUT -j CONNSECMARK --save --restore", err: "cannot be used together"},
		{cmd: "-A INPUT -j CONNSECMARK --save", err: "only valid in 'mangle' or 'security' table"},
	})
	loadNativeE(t, iptparse.FamilyIPv4, nil,
		"-t mangle -A INPUT -j CONNSECMARK --save",
		"-t security -A OUTPUT -j CONNSECMARK --restore")
}
