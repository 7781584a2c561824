package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

var ulogCases = []tgCase{
	{0, "-A INPUT -j ULOG",
		"add rule ip filter INPUT counter log queue-threshold 1 group 1",
		"counter log queue-threshold 1 group 1"},
	{0, `-A FORWARD -p tcp -j ULOG --ulog-nlgroup 32 --ulog-prefix "fw: " --ulog-cprange 100 --ulog-qthreshold 50`,
		`add rule ip filter FORWARD ip protocol tcp counter log prefix "fw: " snaplen 100 queue-threshold 50 group 32`,
		`ip protocol tcp counter log prefix "fw: " snaplen 100 queue-threshold 50 group 32`},
	{0, "-A INPUT -j ULOG --ulog-cprange 0",
		"add rule ip filter INPUT counter log queue-threshold 1 group 1",
		"counter log queue-threshold 1 group 1"},
}

func TestTargetULOG(t *testing.T) {
	checkCases(t, ulogCases)
	checkBad(t, []tgBad{
		{0, "-A INPUT -j ULOG --ulog-nlgroup 0", false, "out of range"},
		{0, "-A INPUT -j ULOG --ulog-nlgroup 33", false, "out of range"},
		{0, "-A INPUT -j ULOG --ulog-qthreshold 51", false, "out of range"},
		{0, "-A INPUT -j ULOG --ulog-qthreshold 0", false, "out of range"},
	})
	// The translation says what changed.
	tr := New(Options{})
	p := &iptparse.Parser{Registry: Registry{}, Family: iptparse.FamilyIPv4}
	cmd, err := p.ParseCommand(iptparse.WordsFromArgs([]string{"-A", "INPUT", "-j", "ULOG", "--ulog-nlgroup", "3"}, "test"))
	if err != nil {
		t.Fatal(err)
	}
	tr.AddCommand(cmd)
	found := false
	for _, d := range tr.Diags() {
		if d.Kind == DiagWarning && strings.Contains(d.Msg, "NFLOG group 3") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning about the NFLOG group: %v", tr.Diags())
	}
	loadNative(t, iptparse.FamilyIPv4, nativeCmds(ulogCases, iptparse.FamilyIPv4)...)
}
