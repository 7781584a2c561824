package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateTEE(t *testing.T) {
	v6 := iptparse.FamilyIPv6
	runCasesE(t, []caseE{
		{fam: v6, cmd: "-t mangle -A PREROUTING -j TEE --gateway ab12:00a1:1112:acba::",
			exact:  "add rule ip6 mangle PREROUTING counter dup to ab12:a1:1112:acba::",
			native: "counter dup to ab12:a1:1112:acba::"},
		{fam: v6, cmd: "-t mangle -A PREROUTING -j TEE --gateway ab12:00a1:1112:acba:: --oif eth0",
			exact:  "add rule ip6 mangle PREROUTING counter dup to ab12:a1:1112:acba:: device eth0",
			native: `counter dup to ab12:a1:1112:acba:: device "eth0"`},
		{cmd: "-t mangle -A PREROUTING -j TEE --gateway 192.168.0.2 --oif eth0",
			exact:  "add rule ip mangle PREROUTING counter dup to 192.168.0.2 device eth0",
			native: `counter dup to 192.168.0.2 device "eth0"`},
		{cmd: "-t mangle -A PREROUTING -j TEE --oif eth0", err: `"--gateway" must be specified`},
		{cmd: "-t mangle -A PREROUTING -j TEE --gateway ab12::1", err: "not found"},
		{cmd: "-A INPUT -j TEE --gateway 192.168.0.2", err: "only valid in mangle table"},
	})
	// nft needs the device when the ruleset is loaded.
	loadNativeE(t, iptparse.FamilyIPv4, nil,
		"-t mangle -A PREROUTING -j TEE --gateway 192.168.0.2 --oif lo",
		"-t mangle -A POSTROUTING -j TEE --gateway 192.168.0.2")
}
