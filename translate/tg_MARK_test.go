package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

var markCases = []tgCase{
	{0, "-t mangle -A OUTPUT -j MARK --set-mark 0", "add rule ip mangle OUTPUT counter meta mark set 0x0", "counter meta mark set 0x0"},
	{0, "-t mangle -A OUTPUT -j MARK --set-mark 64", "add rule ip mangle OUTPUT counter meta mark set 0x40", "counter meta mark set 0x40"},
	{0, "-t mangle -A OUTPUT -j MARK --set-xmark 0x40/0x32",
		"add rule ip mangle OUTPUT counter meta mark set mark and 0xffffffcd xor 0x40",
		"counter meta mark set meta mark & 0xffffffcd ^ 0x40"},
	{0, "-t mangle -A OUTPUT -j MARK --or-mark 64", "add rule ip mangle OUTPUT counter meta mark set mark or 0x40", "counter meta mark set meta mark | 0x40"},
	{0, "-t mangle -A OUTPUT -j MARK --and-mark 64", "add rule ip mangle OUTPUT counter meta mark set mark and 0x40", "counter meta mark set meta mark & 0x40"},
	{0, "-t mangle -A OUTPUT -j MARK --xor-mark 64", "add rule ip mangle OUTPUT counter meta mark set mark xor 0x40", "counter meta mark set meta mark ^ 0x40"},
	// --set-mark V/M is --set-xmark V/(V|M): clear M, set V
	{0, "-t mangle -A PREROUTING -j MARK --set-mark 0x1/0xff",
		"add rule ip mangle PREROUTING counter meta mark set mark and 0xffffff00 xor 0x1",
		"counter meta mark set meta mark & 0xffffff00 ^ 0x1"},
	{0, "-t mangle -A PREROUTING -j MARK --set-xmark 0x2/0xffffffff", "add rule ip mangle PREROUTING counter meta mark set 0x2", "counter meta mark set 0x2"},
	{0, "-t mangle -A PREROUTING -j MARK --set-xmark 0xc00/0xf00", "add rule ip mangle PREROUTING counter meta mark set mark and 0xfffff0ff xor 0xc00", "counter meta mark set meta mark & 0xfffff0ff ^ 0xc00"},
	{0, "-t mangle -A PREROUTING -j MARK --set-xmark 0x4000/0x4000", "add rule ip mangle PREROUTING counter meta mark set mark or 0x4000", "counter meta mark set meta mark | 0x4000"},
	{0, "-t mangle -A PREROUTING -j MARK --set-xmark 0x4000/0x0", "add rule ip mangle PREROUTING counter meta mark set mark xor 0x4000", "counter meta mark set meta mark ^ 0x4000"},
	{0, "-t mangle -A PREROUTING -j MARK --set-xmark 0/0", "add rule ip mangle PREROUTING counter meta mark set mark and 0xffffffff", "counter meta mark set meta mark & 0xffffffff"},
	{0, "-A FORWARD -j MARK --set-mark 0xffffffff", "add rule ip filter FORWARD counter meta mark set 0xffffffff", "counter meta mark set 0xffffffff"},
	{v6, "-t mangle -A PREROUTING -j MARK --set-xmark 0x10000/0x10000", "add rule ip6 mangle PREROUTING counter meta mark set mark or 0x10000", "counter meta mark set meta mark | 0x10000"},
}

func TestTargetMARK(t *testing.T) {
	checkCases(t, markCases)
	checkBad(t, []tgBad{
		{0, "-t mangle -A OUTPUT -j MARK", false, "MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required"},
		{0, "-t mangle -A OUTPUT -j MARK --set-mark 1 --or-mark 2", false, "cannot be used together"},
		{0, "-t mangle -A OUTPUT -j MARK --set-mark 0x100000000", false, "Bad mark value"},
		{0, "-t mangle -A OUTPUT -j MARK --set-mark 1/x", false, "Bad mask"},
		{0, "-t mangle -A OUTPUT -j MARK --and-mark 1/2", false, "out of range"},
	})
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(markCases, iptparse.FamilyIPv4)...)
	loadNative(t, v6, nativeCmds(markCases, v6)...)
}
