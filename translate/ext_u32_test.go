package translate

import (
	"testing"

	"github.com/google/shlex"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateU32(t *testing.T) {
	v6 := iptparse.FamilyIPv6
	same := func(cmd, rule string) caseE {
		// u32 has no upstream translation: both modes print the same.
		return caseE{cmd: cmd, exact: "add rule ip filter INPUT " + rule, native: rule}
	}
	runCasesE(t, []caseE{
		// Real uses, 34-game-anti-ddos-u32-string.sh. The mask keeps the
		// last two bytes of the word: reading only them needs the same
		// packet length.
		same(`-A INPUT -p udp -m u32 --u32 "22&0xFFFF=0x0008" -j DROP`, "ip protocol udp @nh,192,16 0x8 counter drop"),
		// Inside the fixed IPv4 header any field may be read alone.
		same(`-A INPUT -m u32 --u32 "12&0xFFFF=0xFFFF" -j DROP`, "@nh,112,16 0xffff counter drop"),
		same(`-A INPUT -m u32 --u32 "12&0xFFFF=0" -j DROP`, "@nh,112,16 0x0 counter drop"),
		// A value with bits outside the mask never matches.
		same(`-A INPUT -m u32 --u32 "28&0x00000FF0=0xFEDFFFFF" -j DROP`, "@nh,224,32 & 0xff0 == 0xfedfffff counter drop"),
		same(`-A INPUT -p udp -m u32 --u32 "28 & 0x00FF00FF = 0x00200020 && 32 & 0x00FF00FF = 0x00200020 && 36 & 0x00FF00FF = 0x00200020 && 40 & 0x00FF00FF = 0x00200020" -j DROP`,
			"ip protocol udp @nh,224,32 & 0xff00ff == 0x200020 @nh,256,32 & 0xff00ff == 0x200020 @nh,288,32 & 0xff00ff == 0x200020 @nh,320,32 & 0xff00ff == 0x200020 counter drop"),
		same(`-A INPUT -p udp -m u32 --u32 "26&0xFFFFFFFF=0xfeff" -j DROP`, "ip protocol udp @nh,208,32 0xfeff counter drop"),
		same(`-A INPUT -p udp -m u32 --u32 "6&0xFF=0,2:5,7:16,18:255" -j DROP`, "ip protocol udp @nh,72,8 { 0x0, 0x2-0x5, 0x7-0x10, 0x12-0xff } counter drop"),
		// 35-wireguard-postup-game-gateway-u32.sh.
		{cmd: `-t raw -A ctest2 -m u32 --u32 "28=0x5C717565" -j ACCEPT`,
			exact:  "add rule ip raw ctest2 @nh,224,32 0x5c717565 counter accept",
			native: "@nh,224,32 0x5c717565 counter accept"},
		{cmd: `-t raw -A ctest2 -m u32 --u32 "34&0xFFFFFF=0xFFFFFF" -j ACCEPT`,
			exact:  "add rule ip raw ctest2 @nh,280,24 0xffffff counter accept",
			native: "@nh,280,24 0xffffff counter accept"},
		{cmd: `-t mangle -A PREROUTING -i eth0 -m u32 --u32 "27&0x00FFFFFF=0x00fefe68" -j ACCEPT`,
			exact:  `add rule ip mangle PREROUTING iifname "eth0" @nh,224,24 0xfefe68 counter accept`,
			native: `iifname "eth0" @nh,224,24 0xfefe68 counter accept`},
		// Beyond the fixed header, a mask that drops the last byte keeps
		// the whole word (u32 needs all 4 bytes).
		same(`-A INPUT -m u32 --u32 "40&0xFF000000=0x45000000"`, "@nh,320,32 & 0xff000000 == 0x45000000 counter"),
		// Shifts: the version (4 bits) and the protocol.
		same(`-A INPUT -m u32 --u32 "0>>28=4 && 8&0xFF0000>>16=6,17"`, "@nh,0,4 0x4 @nh,72,8 { 0x6, 0x11 } counter"),
		same(`-A INPUT -m u32 --u32 "0>>28<<4=0x40:0x4f"`, "@nh,0,4 0x4 counter"),
		// Only multiples of 16 come out of "<<4": none in 0x41-0x4f.
		same(`-A INPUT -m u32 --u32 "0>>28<<4=0x41:0x4f"`, "@nh,0,32 & 0xf0000000 == 0xfffffff counter"),
		same(`-A INPUT -m u32 --u32 "0x0=0x0&&0x0=0x1"`, "@nh,0,32 0x0 @nh,0,32 0x1 counter"),
		same(`-A INPUT -m u32 --u32 "2&0xFFFF=0x100:0xFFFF"`, "@nh,32,16 0x100-0xffff counter"),
		// Values past what the mask can give are dropped.
		same(`-A INPUT -m u32 --u32 "0>>24=0x45,0x100:0x200"`, "@nh,0,8 0x45 counter"),
		// Negation of one test in the fixed header.
		same(`-A INPUT -m u32 ! --u32 "0>>28=6"`, "@nh,0,4 != 0x6 counter"),
		same(`-A INPUT -m u32 ! --u32 "8&0xFF0000>>16=6,17"`, "@nh,72,8 != { 0x6, 0x11 } counter"),
		// "@" after the IPv4 header length is the transport header, when
		// later fragments are excluded.
		same(`-A INPUT -p tcp -m tcp --dport 80 -m u32 --u32 "0>>22&0x3C@0>>16=80"`, "tcp dport 80 @th,0,32 & 0xffff0000 == 0x500000 counter"),
		{cmd: `-A INPUT ! -f -p tcp -m u32 --u32 "0>>24&0xF<<2@0&0xffff=80:90"`,
			exact:  "add rule ip filter INPUT ip frag-off & 0x1fff 0 ip protocol tcp @th,16,16 0x50-0x5a counter",
			native: "ip frag-off & 0x1fff == 0 ip protocol tcp @th,16,16 0x50-0x5a counter"},
		same(`-A INPUT -p udp -m udp -m u32 --u32 "0>>22&0x3C@8=0x12345678"`, "meta l4proto udp @th,64,32 0x12345678 counter"),
		{fam: v6, cmd: `-A INPUT -m u32 --u32 "0>>28=6 && 4>>8&0xFF=58"`,
			exact:  "add rule ip6 filter INPUT @nh,0,4 0x6 @nh,48,8 0x3a counter",
			native: "@nh,0,4 0x6 @nh,48,8 0x3a counter"},
		{fam: v6, cmd: `-A INPUT -m u32 ! --u32 "36=0"`,
			exact:  "add rule ip6 filter INPUT @nh,288,32 != 0x0 counter",
			native: "@nh,288,32 != 0x0 counter"},

		// Untranslatable.
		{cmd: `-t raw -A PREROUTING -i eth0 -m u32 ! --u32 "28=0x5C717565" -j DROP`, err: "too short", untranslated: true},
		{cmd: `-A INPUT -m u32 ! --u32 "0>>28=4&&9&0xFF=6"`, err: "several tests", untranslated: true},
		{cmd: `-A INPUT -p tcp -m u32 --u32 "0>>22&0x3C@0>>16=80"`, err: "non-first fragments", untranslated: true},
		{cmd: `-A INPUT -f -p tcp -m u32 --u32 "0>>22&0x3C@0>>16=80"`, err: "non-first fragments", untranslated: true},
		{cmd: `-A INPUT -p tcp -m tcp -m u32 --u32 "0>>22&0x3C@12>>26&0x3C@0=0x47455420"`, err: "several \"@\"", untranslated: true},
		{cmd: `-A INPUT -p tcp -m tcp -m u32 --u32 "0>>22&0x3F@0=1"`, err: "computed from the packet", untranslated: true},
		{fam: v6, cmd: `-A INPUT -p tcp -m tcp -m u32 --u32 "0>>22&0x3C@0=1"`, err: "computed from the packet", untranslated: true},
		{cmd: `-A INPUT -p tcp -m tcp -m u32 ! --u32 "0>>22&0x3C@0>>16=80"`, err: "too short", untranslated: true},
		{cmd: `-A INPUT -m u32 --u32 "0<<32=0"`, err: "32 bits or more", untranslated: true},
		{cmd: `-A INPUT -m u32 --u32 "0&0=0"`, err: "masks out every bit", untranslated: true},

		// What iptables rejects.
		{cmd: `-A INPUT -m u32`, err: `"--u32" must be specified`},
		{cmd: `-A INPUT -m u32 --u32 "0"`, err: "abrupt end of input after location specifier"},
		{cmd: `-A INPUT -m u32 --u32 "0="`, err: "test ended with no value specified"},
		{cmd: `-A INPUT -m u32 --u32 "=1"`, err: "at char 0: location spec missing"},
		{cmd: `-A INPUT -m u32 --u32 "0<2=1"`, err: "at char 2: a second '<' was expected"},
		{cmd: `-A INPUT -m u32 --u32 "0>2=1"`, err: "at char 2: a second '>' was expected"},
		{cmd: `-A INPUT -m u32 --u32 "0 1=1"`, err: "at char 2: operator expected"},
		{cmd: `-A INPUT -m u32 --u32 "0&x=1"`, err: "at char 2: not a number or out of range"},
		{cmd: `-A INPUT -m u32 --u32 "0=0x100000000"`, err: "at char 2: not a number or out of range"},
		{cmd: `-A INPUT -m u32 --u32 "0=-1"`, err: "not a number or out of range"},
		{cmd: `-A INPUT -m u32 --u32 "0=1&2=3"`, err: "a second '&' was expected"},
		{cmd: `-A INPUT -m u32 --u32 "0=1;2"`, err: "expected \",\" or \"&&\""},
		{cmd: `-A INPUT -m u32 --u32 "0=&&1=1"`, err: "value spec missing"},
		{cmd: `-A INPUT -m u32 --u32 "0&1&2&3&4&5&6&7&8&9&10=1"`, err: "too many operators"},
		{cmd: `-A INPUT -m u32 --u32 "0=1,2,3,4,5,6,7,8,9,10,11"`, err: "too many \",\"s"},
		{cmd: `-A INPUT -m u32 --u32 "0=0&&0=0&&0=0&&0=0&&0=0&&0=0&&0=0&&0=0&&0=0&&0=0&&0=0"`, err: "too many \"&&\"s"},
	})
	// The limits: 10 numbers, 10 values, 10 tests are fine.
	for _, ok := range []string{
		`-A INPUT -m u32 --u32 "0&1&2&3&4&5&6&7&8&9=0"`,
		`-A INPUT -m u32 --u32 "0=1,2,3,4,5,6,7,8,9,10"`,
		`-A INPUT -m u32 --u32 "0=0&&0=0&&0=0&&0=0&&0=0&&0=0&&0=0&&0=0&&0=0&&0=0"`,
		`-A INPUT -m u32 --u32 " 0x10 & 0xff = 010 : 0x20 "`,
	} {
		p := &iptparse.Parser{Registry: Registry{}, Family: iptparse.FamilyIPv4}
		if _, err := p.ParseCommand(iptparse.WordsFromArgs(splitArgsE(t, ok), "test")); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	loadNativeE(t, iptparse.FamilyIPv4, nil,
		`-A INPUT -p udp -m u32 --u32 "22&0xFFFF=0x0008" -j DROP`,
		`-A INPUT -m u32 --u32 "28&0x00000FF0=0xFEDFFFFF" -j DROP`,
		`-A INPUT -p udp -m u32 --u32 "6&0xFF=0,2:5,7:16,18:255" -j DROP`,
		`-A INPUT -m u32 --u32 "0>>28=4 && 8&0xFF0000>>16=6,17"`,
		`-A INPUT -m u32 ! --u32 "8&0xFF0000>>16=6,17"`,
		`-A INPUT -m u32 --u32 "40&0xFF000000=0x45000000"`,
		`-A INPUT -m u32 --u32 "0>>28<<4=0x41:0x4f"`,
		`-A INPUT ! -f -p tcp -m u32 --u32 "0>>24&0xF<<2@0&0xffff=80:90"`,
		`-t raw -A PREROUTING -m u32 --u32 "28=0x5C717565" -j ACCEPT`)
}

func splitArgsE(t *testing.T, s string) []string {
	t.Helper()
	args, err := shlex.Split(s)
	if err != nil {
		t.Fatal(err)
	}
	return args
}
