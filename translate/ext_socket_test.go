package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateSocket(t *testing.T) {
	runCasesE(t, []caseE{
		{cmd: "-A INPUT -m socket",
			exact:  "add rule ip filter INPUT socket wildcard 0 counter",
			native: "socket wildcard 0 counter"},
		{cmd: "-A INPUT -m socket --transparent",
			exact:  "add rule ip filter INPUT socket wildcard 0 socket transparent 1 counter",
			native: "socket wildcard 0 socket transparent 1 counter"},
		// Any socket: "socket transparent" also reads time-wait sockets.
		{cmd: "-A INPUT -m socket --nowildcard",
			exact:  "add rule ip filter INPUT socket wildcard le 1 counter",
			native: "socket transparent 0-1 counter"},
		{cmd: "-A INPUT -m socket --restore-skmark",
			exact:  "add rule ip filter INPUT socket wildcard 0 meta mark set socket mark counter",
			native: "socket wildcard 0 meta mark set socket mark counter"},
		{cmd: "-A INPUT -m socket --transparent --nowildcard --restore-skmark",
			exact:  "add rule ip filter INPUT socket transparent 1 meta mark set socket mark counter",
			native: "socket transparent 1 meta mark set socket mark counter"},
		{cmd: "-t mangle -A PREROUTING -p tcp -m socket --transparent -j ACCEPT", fam: iptparse.FamilyIPv6,
			exact:  "add rule ip6 mangle PREROUTING meta l4proto tcp socket wildcard 0 socket transparent 1 counter accept",
			native: "meta l4proto tcp socket wildcard 0 socket transparent 1 counter accept"},
		{cmd: "-A INPUT -m socket --bogus", err: "unknown option"},
		{cmd: "-A OUTPUT -m socket", err: "only valid in the PREROUTING and INPUT chains"},
		{cmd: "-A INPUT -m socket ! --transparent", err: "cannot be inverted"},
	})
	loadNativeE(t, iptparse.FamilyIPv4, nil,
		"-t mangle -A PREROUTING -m socket",
		"-t mangle -A PREROUTING -m socket --nowildcard",
		"-t mangle -A PREROUTING -m socket --transparent --restore-skmark -j ACCEPT",
		"-A INPUT -m socket --transparent --nowildcard")
}
