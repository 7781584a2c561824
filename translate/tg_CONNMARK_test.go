package translate

import (
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/google/shlex"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

var connmarkCases = []tgCase{
	// upstream's cases
	{0, "-t mangle -A PREROUTING -j CONNMARK --set-mark 0", "add rule ip mangle PREROUTING counter ct mark set 0x0", "counter ct mark set 0x0"},
	{0, "-t mangle -A PREROUTING -j CONNMARK --set-mark 0x16", "add rule ip mangle PREROUTING counter ct mark set 0x16", "counter ct mark set 0x16"},
	{0, "-t mangle -A PREROUTING -j CONNMARK --and-mark 0x16", "add rule ip mangle PREROUTING counter ct mark set ct mark and 0x16", "counter ct mark set ct mark & 0x16"},
	{0, "-t mangle -A PREROUTING -j CONNMARK --or-mark 0x16", "add rule ip mangle PREROUTING counter ct mark set ct mark or 0x16", "counter ct mark set ct mark | 0x16"},
	{0, "-t mangle -A PREROUTING -j CONNMARK --save-mark", "add rule ip mangle PREROUTING counter ct mark set mark", "counter ct mark set meta mark"},
	{0, "-t mangle -A PREROUTING -j CONNMARK --restore-mark", "add rule ip mangle PREROUTING counter meta mark set ct mark", "counter meta mark set ct mark"},
	// upstream's two wrong ones: the mask is applied before the xor
	{0, "-t mangle -A PREROUTING -j CONNMARK --set-xmark 0x16/0x12",
		"add rule ip mangle PREROUTING counter ct mark set ct mark and 0xffffffed xor 0x16",
		"counter ct mark set ct mark & 0xffffffed ^ 0x16"},
	{0, "-t mangle -A PREROUTING  -j CONNMARK --set-mark 0x23/0x42 --right-shift-mark 5",
		"add rule ip mangle PREROUTING counter ct mark set ( ct mark and 0xffffff9c xor 0x23 ) >> 5",
		"counter ct mark set (ct mark & 0xffffff9c ^ 0x23) >> 5"},
	{0, "-t mangle -A PREROUTING -j CONNMARK --set-mark 0x1/0xff",
		"add rule ip mangle PREROUTING counter ct mark set ct mark and 0xffffff00 xor 0x1",
		"counter ct mark set ct mark & 0xffffff00 ^ 0x1"},
	{0, "-t mangle -A PREROUTING -j CONNMARK --xor-mark 3 --left-shift-mark 1",
		"add rule ip mangle PREROUTING counter ct mark set ( ct mark xor 0x3 ) << 1",
		"counter ct mark set (ct mark ^ 0x3) << 1"},
	// a constant is shifted right away
	{0, "-t mangle -A PREROUTING -j CONNMARK --set-mark 0x16 --left-shift-mark 4",
		"add rule ip mangle PREROUTING counter ct mark set 0x160",
		"counter ct mark set 0x160"},
	// the masks as iptables-save writes them
	{0, "-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff",
		"add rule ip mangle PREROUTING counter meta mark set ct mark", "counter meta mark set ct mark"},
	{0, "-t mangle -A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff",
		"add rule ip mangle PREROUTING counter ct mark set mark", "counter ct mark set meta mark"},
	// shifts, as upstream writes them
	{0, "-t mangle -A PREROUTING -j CONNMARK --save-mark --left-shift-mark 3",
		"add rule ip mangle PREROUTING counter ct mark set ( mark ) << 3", "counter ct mark set meta mark << 3"},
	{0, "-t mangle -A PREROUTING -j CONNMARK --restore-mark --right-shift-mark 3",
		"add rule ip mangle PREROUTING counter meta mark set ( ct mark ) >> 3", "counter meta mark set ct mark >> 3"},
	// the destination is replaced: one statement
	{0, "-t mangle -A PREROUTING -j CONNMARK --restore-mark --ctmask 0xff",
		"add rule ip mangle PREROUTING counter meta mark set ct mark and 0xff", "counter meta mark set ct mark & 0xff"},
	{0, "-t mangle -A PREROUTING -j CONNMARK --save-mark --nfmask 0xf0 --right-shift-mark 4",
		"add rule ip mangle PREROUTING counter ct mark set ( mark and 0xf0 ) >> 4", "counter ct mark set (meta mark & 0xf0) >> 4"},
	// nothing copied: only the clearing (restore: only with a conntrack entry)
	{0, "-t mangle -A PREROUTING -j CONNMARK --restore-mark --ctmask 0 --nfmask 0xff",
		"add rule ip mangle PREROUTING counter ct state != { invalid, untracked } meta mark set mark and 0xffffff00",
		"counter ct state != { invalid, untracked } meta mark set meta mark & 0xffffff00"},
	{0, "-t mangle -A PREROUTING -j CONNMARK --save-mark --nfmask 0xf0 --ctmask 0xf0 --left-shift-mark 28",
		"add rule ip mangle PREROUTING counter ct mark set ct mark and 0xffffff0f", "counter ct mark set ct mark & 0xffffff0f"},
	{v6, "-t mangle -A PREROUTING -j CONNMARK --restore-mark --mask 0",
		"add rule ip6 mangle PREROUTING counter ct state != { invalid, untracked } meta mark set mark and 0xffffffff",
		"counter ct state != { invalid, untracked } meta mark set meta mark & 0xffffffff"},
	{v6, "-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0",
		"add rule ip6 mangle PREROUTING counter ct state != { invalid, untracked } meta mark set 0x0",
		"counter ct state != { invalid, untracked } meta mark set 0x0"},
	// a later option overwrites the mask of an earlier one
	{0, "-t mangle -A PREROUTING -j CONNMARK --set-xmark 0x1/0x1 --ctmask 0xff",
		"add rule ip mangle PREROUTING counter ct mark set ct mark and 0xffffff00 xor 0x1", "counter ct mark set ct mark & 0xffffff00 ^ 0x1"},
}

func TestTargetCONNMARK(t *testing.T) {
	checkCases(t, connmarkCases)
	checkBad(t, []tgBad{
		{0, "-t mangle -A PREROUTING -j CONNMARK", false, "CONNMARK target: No operation specified"},
		{0, "-t mangle -A PREROUTING -j CONNMARK --mask 1", false, "No operation specified"},
		{0, "-t mangle -A PREROUTING -j CONNMARK --save-mark --restore-mark", false, "cannot be used together"},
		{0, "-t mangle -A PREROUTING -j CONNMARK --save-mark --mask 1 --ctmask 1", false, "cannot be used together"},
		{0, "-t mangle -A PREROUTING -j CONNMARK --save-mark --left-shift-mark 33", false, "out of range"},
		{0, "-t mangle -A PREROUTING -j CONNMARK --save-mark --left-shift-mark 32", true, "undefined"},
	})
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(connmarkCases, iptparse.FamilyIPv4)...)
	loadNative(t, v6, nativeCmds(connmarkCases, v6)...)
}

// Masked --save-mark/--restore-mark combine both marks: a helper chain.
func TestTargetCONNMARKHelperChain(t *testing.T) {
	restore := "-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xff0000 --ctmask 0xff0000"
	save := "-t mangle -A OUTPUT -m comment --comment x -j CONNMARK --save-mark --nfmask 0x3 --ctmask 0xff00 --left-shift-mark 8"
	got, err := xlate(t, iptparse.FamilyIPv4, true, restore)
	if err != nil {
		t.Fatal(err)
	}
	want := `add chain ip mangle connmark_restore_mask_0xff0000
flush chain ip mangle connmark_restore_mask_0xff0000
add rule ip mangle connmark_restore_mask_0xff0000 ct state { invalid, untracked } return
add rule ip mangle connmark_restore_mask_0xff0000 meta mark set mark and 0xff00ffff
add rule ip mangle connmark_restore_mask_0xff0000 ct mark and 0x10000 != 0x0 meta mark set mark or 0x10000
add rule ip mangle connmark_restore_mask_0xff0000 ct mark and 0x20000 != 0x0 meta mark set mark or 0x20000
add rule ip mangle connmark_restore_mask_0xff0000 ct mark and 0x40000 != 0x0 meta mark set mark or 0x40000
add rule ip mangle connmark_restore_mask_0xff0000 ct mark and 0x80000 != 0x0 meta mark set mark or 0x80000
add rule ip mangle connmark_restore_mask_0xff0000 ct mark and 0x100000 != 0x0 meta mark set mark or 0x100000
add rule ip mangle connmark_restore_mask_0xff0000 ct mark and 0x200000 != 0x0 meta mark set mark or 0x200000
add rule ip mangle connmark_restore_mask_0xff0000 ct mark and 0x400000 != 0x0 meta mark set mark or 0x400000
add rule ip mangle connmark_restore_mask_0xff0000 ct mark and 0x800000 != 0x0 meta mark set mark or 0x800000
add rule ip mangle PREROUTING counter jump connmark_restore_mask_0xff0000`
	if got != want {
		t.Errorf("exact:\n got %s\nwant %s", got, want)
	}
	got, err = xlate(t, iptparse.FamilyIPv4, true, save)
	if err != nil {
		t.Fatal(err)
	}
	want = `add chain ip mangle connmark_save_nfmask_0x3_ctmask_0xff00_shl8
flush chain ip mangle connmark_save_nfmask_0x3_ctmask_0xff00_shl8
add rule ip mangle connmark_save_nfmask_0x3_ctmask_0xff00_shl8 ct mark set ct mark and 0xffff00ff
add rule ip mangle connmark_save_nfmask_0x3_ctmask_0xff00_shl8 mark and 0x1 != 0x0 ct mark set ct mark or 0x100
add rule ip mangle connmark_save_nfmask_0x3_ctmask_0xff00_shl8 mark and 0x2 != 0x0 ct mark set ct mark or 0x200
add rule ip mangle OUTPUT counter jump connmark_save_nfmask_0x3_ctmask_0xff00_shl8 comment "x"`
	if got != want {
		t.Errorf("exact:\n got %s\nwant %s", got, want)
	}

	// Normal mode: one chain per table for the same masks, named like a
	// mangle user chain.
	rs := nativeRuleset(t, iptparse.FamilyIPv4, restore, restore, save,
		"-t mangle -A POSTROUTING -j CONNMARK --restore-mark --nfmask 0xff0000 --ctmask 0xff0000",
		"-A INPUT -j CONNMARK --restore-mark --nfmask 0xff0000 --ctmask 0xff0000",
		"-N connmark_save_mask_0x1",
		"-A INPUT -j CONNMARK --save-mark --mask 1",
		"-A connmark_save_mask_0x1 -j CONNMARK --save-mark --mask 1")
	for _, want := range []string{
		"\tchain mangle_connmark_restore_mask_0xff0000 {\n\t\tct state { invalid, untracked } return\n\t\tmeta mark set meta mark & 0xff00ffff\n\t\tct mark & 0x10000 != 0x0 meta mark set meta mark | 0x10000\n",
		"\tchain mangle_connmark_save_nfmask_0x3_ctmask_0xff00_shl8 {\n",
		"\tchain connmark_restore_mask_0xff0000 {\n",
		"\tchain connmark_save_mask_0x1 {\n\t\tcounter jump connmark_save_mask_0x1_2\n\t}\n",
		"\tchain connmark_save_mask_0x1_2 {\n\t\tct mark set ct mark & 0xfffffffe\n\t\tmeta mark & 0x1 != 0x0 ct mark set ct mark | 0x1\n\t}\n",
	} {
		if !strings.Contains(rs, want) {
			t.Errorf("normal mode ruleset lacks %q:\n%s", want, rs)
		}
	}
	if n := strings.Count(rs, "counter jump mangle_connmark_restore_mask_0xff0000\n"); n != 3 {
		t.Errorf("%d jumps to the helper chain, want 3:\n%s", n, rs)
	}
	if n := strings.Count(rs, "chain mangle_connmark_restore_mask_0xff0000 {"); n != 1 {
		t.Errorf("helper chain declared %d times:\n%s", n, rs)
	}
	ns := testutil.NewNetns(t)
	if err := ns.NftLoad(rs); err != nil {
		t.Errorf("does not load: %v\n%s", err, rs)
	}
}

// The kernel is the reference: each MARK/CONNMARK rule runs once in
// iptables-legacy (xt_MARK, xt_connmark) and once as ipt2nft's nft
// translation, on the same marks, and the resulting meta mark and ct
// mark must be the same.
var markDiffTargets = []string{
	"MARK --set-xmark 0x16/0x12",
	"MARK --set-mark 0x1/0xff",
	"MARK --and-mark 0xff00ff00",
	"MARK --or-mark 0x0f",
	"MARK --xor-mark 0xffff",
	"CONNMARK --set-xmark 0x16/0x12",
	"CONNMARK --set-mark 0x23/0x42 --right-shift-mark 5",
	"CONNMARK --set-mark 0x1/0xff",
	"CONNMARK --xor-mark 3 --left-shift-mark 1",
	"CONNMARK --and-mark 0xffff0000",
	"CONNMARK --save-mark",
	"CONNMARK --restore-mark",
	"CONNMARK --save-mark --mask 0xff0000",
	"CONNMARK --restore-mark --mask 0xff0000",
	"CONNMARK --save-mark --nfmask 0xff0000 --ctmask 0xff0000",
	"CONNMARK --restore-mark --nfmask 0xf0f0 --ctmask 0xff --left-shift-mark 4",
	"CONNMARK --save-mark --nfmask 0xff00 --ctmask 0xf0 --right-shift-mark 8",
	"CONNMARK --save-mark --nfmask 0xff --right-shift-mark 2",
	"CONNMARK --restore-mark --ctmask 0xffff0000 --right-shift-mark 16",
	"CONNMARK --restore-mark --mask 0x3 --left-shift-mark 31",
	"CONNMARK --restore-mark --ctmask 0 --nfmask 0xff",
	"CONNMARK --save-mark --mask 0",
	"CONNMARK --save-mark --ctmask 0",
	"CONNMARK --restore-mark --nfmask 0 --ctmask 0xf0f0",
	"CONNMARK --restore-mark --nfmask 0xffff --right-shift-mark 4",
	"CONNMARK --set-xmark 0x5/0 --left-shift-mark 2",
}

// markCheckTable records the marks of the test packet after the rules
// under test ran ("ct mark" is not there for untracked packets: the
// second set has the meta mark alone).
const markCheckTable = `table ip ipt2nft_check {
	set seen {
		type mark . mark
		flags dynamic
	}
	set seenmark {
		type mark
		flags dynamic
	}
	chain out {
		type filter hook output priority 10; policy accept;
		udp dport 9 add @seenmark { meta mark }
		udp dport 9 add @seen { meta mark . ct mark }
	}
}
`

func TestTargetMarksInKernel(t *testing.T) {
	if _, err := exec.LookPath("iptables-legacy"); err != nil {
		t.Skip("skipped: needs iptables-legacy as the reference")
	}
	setup := []string{
		"-t mangle -A OUTPUT -p udp --dport 9 -j MARK --set-mark 0x12345678",
		"-t mangle -A OUTPUT -p udp --dport 9 -j CONNMARK --set-mark 0x9abcdef0",
	}
	for _, untracked := range []bool{false, true} {
		for _, tg := range markDiffTargets {
			cmds := append(append([]string(nil), setup...), "-t mangle -A OUTPUT -p udp --dport 9 -j "+tg)
			// the kernel's own targets
			ref := testutil.NewNetns(t)
			prepareMarkNetns(t, ref)
			ipt := cmds
			if untracked {
				ipt = append([]string{"-t raw -A OUTPUT -p udp --dport 9 -j CT --notrack"}, cmds...)
			}
			for _, c := range ipt {
				args, _ := shlex.Split(c)
				if out, err := ref.Exec("", append([]string{"iptables-legacy"}, args...)...); err != nil {
					t.Fatalf("iptables-legacy %s: %v\n%s", c, err, out)
				}
			}
			want := sendAndReadMarks(t, ref)
			// ipt2nft's translation
			ns := testutil.NewNetns(t)
			prepareMarkNetns(t, ns)
			rs := nativeRuleset(t, iptparse.FamilyIPv4, cmds...)
			if untracked {
				rs += "table ip ipt2nft_raw {\n\tchain out {\n\t\ttype filter hook output priority raw;\n\t\tudp dport 9 notrack\n\t}\n}\n"
			}
			if err := ns.NftLoad(rs); err != nil {
				t.Fatalf("%s: %v\n%s", tg, err, rs)
			}
			got := sendAndReadMarks(t, ns)
			if want == "" || got != want {
				t.Errorf("-j %s (untracked %v): kernel gives marks %q, the nft translation %q\n%s", tg, untracked, want, got, rs)
			}
		}
	}
}

func prepareMarkNetns(t *testing.T, ns *testutil.Netns) {
	t.Helper()
	if out, err := ns.Exec("", "ip", "link", "set", "lo", "up"); err != nil {
		t.Fatalf("lo up: %v %s", err, out)
	}
	if err := ns.NftLoad(markCheckTable); err != nil {
		t.Fatal(err)
	}
}

var seenRe = regexp.MustCompile(`elements = \{ ([^}]*) \}`)

// sendAndReadMarks sends one UDP packet to 127.0.0.1:9 from inside the
// namespace (this test binary, run as TestHelperSendUDP) and returns the
// "meta mark / meta mark . ct mark" the check table saw.
func sendAndReadMarks(t *testing.T, ns *testutil.Netns) string {
	t.Helper()
	if out, err := ns.Exec("", "env", "IPT2NFT_HELPER_SEND_UDP=127.0.0.1:9", os.Args[0], "-test.run=^TestHelperSendUDP$"); err != nil {
		t.Fatalf("sending: %v\n%s", err, out)
	}
	var marks []string
	for _, set := range []string{"seenmark", "seen"} {
		out, err := ns.Exec("", "nft", "list", "set", "ip", "ipt2nft_check", set)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		m := seenRe.FindStringSubmatch(out)
		if m == nil {
			m = []string{"", "none"}
		}
		marks = append(marks, m[1])
	}
	if marks[0] == "none" {
		return "" // the packet was not seen
	}
	return strings.Join(marks, " / ")
}

// TestHelperSendUDP is not a test: sendAndReadMarks runs it inside a
// network namespace to send one packet.
func TestHelperSendUDP(t *testing.T) {
	addr := os.Getenv("IPT2NFT_HELPER_SEND_UDP")
	if addr == "" {
		t.Skip("helper process only")
	}
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
}

// Flushing and deleting the chains of the table (the usual start of a
// script) keeps the helper chains working.
func TestTargetCONNMARKHelperChainFlush(t *testing.T) {
	rule := "-t mangle -A PREROUTING -j CONNMARK --save-mark --mask 0x3"
	rs := nativeRuleset(t, iptparse.FamilyIPv4, rule, "-t mangle -F", "-t mangle -X", rule, "-t mangle -X")
	if n := strings.Count(rs, "chain mangle_connmark_save_mask_0x3"); n != 1 {
		t.Errorf("%d helper chains, want 1:\n%s", n, rs)
	}
	if !strings.Contains(rs, "\tchain mangle_connmark_save_mask_0x3 {\n\t\tct mark set ct mark & 0xfffffffc\n") {
		t.Errorf("helper chain not filled again:\n%s", rs)
	}
	if err := testutil.NewNetns(t).NftLoad(rs); err != nil {
		t.Errorf("%v\n%s", err, rs)
	}
}
