package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Matches nftables has no equivalent for: every option parses and is
// checked like iptables does, then the rule is reported.
func TestXlateUntranslatableMatches(t *testing.T) {
	v6 := iptparse.FamilyIPv6
	runCasesE(t, []caseE{
		// -m string, real uses in 34-game-anti-ddos-u32-string.sh.
		{cmd: `-I INPUT -p udp -m udp -m string ! --hex-string "|ffffffff|getchallenge| 20|" --algo kmp -j DROP`, err: "no string search", untranslated: true},
		{cmd: `-A INPUT -m string --algo bm --string "x" --icase -j DROP`, err: "no string search", untranslated: true},
		{cmd: `-I INPUT -p udp --dport 16000:29000 -m string --to 75 --algo bm --string 'HTTP/1.1 200 OK' -j DROP`, err: "no string search", untranslated: true},
		// Real data (24-p2p-block-string-time-mac-2003.rules) without --algo.
		{cmd: `-A FORWARD -p tcp -m string --string X-Kazaa-User -j DROP`, err: `"--algo" must be specified`},
		{cmd: `-A INPUT -m string --algo bm`, err: "You must specify `--string' or `--hex-string'"},
		{cmd: `-A INPUT -m string --algo bm --string a --hex-string "|61|"`, err: "cannot be used together"},
		{cmd: `-A INPUT -m string --algo bm --from 70000 --string a`, err: "out of range"},
		{cmd: `-A INPUT -m string --algo bm --hex-string "|6|"`, err: "Invalid hex block"},
		{cmd: `-A INPUT -m string --algo bm --hex-string "|6g|"`, err: "Invalid hex char 'g'"},
		{cmd: `-A INPUT -m string --algo bm --hex-string "|61\\|"`, err: "Cannot include literals in hex data"},
		{cmd: `-A INPUT -m string --algo bm --hex-string "ab\\"`, err: "Bad literal placement at end of string"},
		{cmd: `-A INPUT -m string --algo bm --hex-string ""`, err: "at least one char"},
		{cmd: `-A INPUT -m string --algo bm --string 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789`, err: "STRING too long"},

		// -m bpf.
		{cmd: `-A INPUT -m bpf --bytecode "4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0" -j ACCEPT`, err: "BPF program", untranslated: true},
		{cmd: `-A INPUT -m bpf --object-pinned /sys/fs/bpf/prog -j ACCEPT`, err: "pinned BPF program", untranslated: true},
		{cmd: `-A INPUT -m bpf`, err: "one of --bytecode or --pinned is required"},
		{cmd: `-A INPUT -m bpf --bytecode "1,6 0 0 0" --object-pinned /x`, err: "one of --bytecode or --pinned is required"},
		{cmd: `-A INPUT -m bpf --bytecode "x,6 0 0 0"`, err: "error parsing program length"},
		{cmd: `-A INPUT -m bpf --bytecode "0,"`, err: "illegal zero length program"},
		{cmd: `-A INPUT -m bpf --bytecode "65,6 0 0 0"`, err: "exceeds maximum"},
		{cmd: `-A INPUT -m bpf --bytecode "1,6 0 0 0,6 0 0 0"`, err: "real program length exceeds"},
		{cmd: `-A INPUT -m bpf --bytecode "2,6 0 0 0"`, err: "less than the encoded length"},
		{cmd: `-A INPUT -m bpf --bytecode "1,6 0 x 0"`, err: "error at instr 0"},

		// -m ipvs.
		{cmd: `-A INPUT -m ipvs --ipvs --vaddr 10.0.0.1/32 --vport 80 --vdir ORIGINAL --vmethod MASQ -j ACCEPT`, err: "IPVS", untranslated: true},
		{fam: v6, cmd: `-A INPUT -m ipvs ! --ipvs -j ACCEPT`, err: "IPVS", untranslated: true},
		{cmd: `-A INPUT -m ipvs`, err: "At least one option is required"},
		{cmd: `-A INPUT -m ipvs --vdir SIDEWAYS`, err: "--vdir"},
		{cmd: `-A INPUT -m ipvs --vmethod NAT`, err: "--vmethod"},
		{cmd: `-A INPUT -m ipvs ! --ipvs --vport 80`, err: "! --ipvs cannot be together with other options"},
		{cmd: `-A INPUT -m ipvs ! --vdir REPLY`, err: "cannot be inverted"},

		// -m physdev, real use in 22-openlab-multiwan-physdev.rules.
		{cmd: `-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT`, err: "bridge ports", untranslated: true},
		{cmd: `-A FORWARD -m physdev --physdev-in eth0 ! --physdev-out eth1+ -j DROP`, err: "bridge ports", untranslated: true},
		{cmd: `-A FORWARD -m physdev`, err: "no physdev option specified"},
		{cmd: `-A FORWARD -m physdev --physdev-in abcdefghijklmnop`, err: "must be shorter than IFNAMSIZ"},
	})
}

func TestXlateOSF(t *testing.T) {
	runCasesE(t, []caseE{
		{cmd: "-A INPUT -p tcp -m osf --genre Linux -j ACCEPT",
			exact:  `add rule ip filter INPUT ip protocol tcp osf name "Linux" counter accept`,
			native: `ip protocol tcp osf name "Linux" counter accept`},
		{cmd: "-t mangle -A PREROUTING -p tcp -m osf --genre Windows --ttl 1",
			exact:  `add rule ip mangle PREROUTING ip protocol tcp osf ttl loose name "Windows" counter`,
			native: `ip protocol tcp osf ttl loose name "Windows" counter`},
		{cmd: "-A FORWARD -p tcp -m tcp --syn -m osf --genre FreeBSD --ttl 2",
			exact:  `add rule ip filter FORWARD tcp flags syn / fin,syn,rst,ack osf ttl skip name "FreeBSD" counter`,
			native: `tcp flags syn / fin,syn,rst,ack osf ttl skip name "FreeBSD" counter`},
		{cmd: "-A INPUT -p tcp -m osf --genre Linux --ttl 0",
			exact:  `add rule ip filter INPUT ip protocol tcp osf name "Linux" counter`,
			native: `ip protocol tcp osf name "Linux" counter`},
		{cmd: "-A INPUT -p tcp -m osf ! --genre Linux -j DROP", err: "ignores \"!\"", untranslated: true},
		{cmd: "-A INPUT -p tcp -m osf --genre Linux --log 1", err: "--log", untranslated: true},
		{cmd: "-A INPUT -m osf --genre Linux", err: "only valid for protocol tcp"},
		{cmd: "-A INPUT -p tcp -m osf --ttl 1", err: `"--genre" must be specified`},
		{cmd: "-A INPUT -p tcp -m osf --genre Linux --ttl 3", err: "out of range"},
		{fam: iptparse.FamilyIPv6, cmd: "-A INPUT -p tcp -m osf --genre Linux", err: "osf"},
	})
	loadNativeE(t, iptparse.FamilyIPv4, nil,
		"-A INPUT -p tcp -m osf --genre Linux -j ACCEPT",
		"-t mangle -A PREROUTING -p tcp -m osf --genre Windows --ttl 1",
		"-A FORWARD -p tcp -m tcp --syn -m osf --genre FreeBSD --ttl 2")
}
