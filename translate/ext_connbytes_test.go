package translate

import (
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateConnbytes(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		// upstream's libxt_connbytes.txlate
		{"-A OUTPUT -m connbytes --connbytes 200 --connbytes-dir original --connbytes-mode packets", "add rule ip filter OUTPUT ct original packets ge 200 counter", "ct original packets >= 200 counter"},
		{"-A OUTPUT -m connbytes ! --connbytes 200 --connbytes-dir reply --connbytes-mode packets", "add rule ip filter OUTPUT ct reply packets lt 200 counter", "ct reply packets < 200 counter"},
		{"-A OUTPUT -m connbytes --connbytes 200:600 --connbytes-dir both --connbytes-mode bytes", "add rule ip filter OUTPUT ct bytes 200-600 counter", "ct bytes 200-600 counter"},
		{"-A OUTPUT -m connbytes ! --connbytes 200:600 --connbytes-dir both --connbytes-mode bytes", "add rule ip filter OUTPUT ct bytes != 200-600 counter", "ct bytes != 200-600 counter"},
		{"-A OUTPUT -m connbytes --connbytes 200:200 --connbytes-dir both --connbytes-mode avgpkt", "add rule ip filter OUTPUT ct avgpkt 200 counter", "ct avgpkt 200 counter"},
		// zapret (file 36): --opt=value spelling.
		{"-A POSTROUTING -p tcp -m connbytes --connbytes-dir=original --connbytes-mode=packets --connbytes 1:6 -j ACCEPT", "add rule ip filter POSTROUTING ip protocol tcp ct original packets 1-6 counter accept", "ip protocol tcp ct original packets 1-6 counter accept"},
		// The kernel cannot invert a one-value range: it matches the value.
		{"-A OUTPUT -m connbytes ! --connbytes 5:5 --connbytes-dir both --connbytes-mode packets", "add rule ip filter OUTPUT ct packets 5 counter", "ct packets 5 counter"},
		{"-A OUTPUT -m connbytes --connbytes 10: --connbytes-dir reply --connbytes-mode bytes", "add rule ip filter OUTPUT ct reply bytes ge 10 counter", "ct reply bytes >= 10 counter"},
		{"-A OUTPUT -m connbytes --connbytes 600:200 --connbytes-dir both --connbytes-mode bytes", "!out of range", "!out of range"},
		{"-A OUTPUT -m connbytes --connbytes 1 --connbytes-dir sideways --connbytes-mode bytes", "!Unknown --connbytes-dir", "!Unknown --connbytes-dir"},
		{"-A OUTPUT -m connbytes --connbytes 1 --connbytes-dir both --connbytes-mode kilos", "!Unknown --connbytes-mode", "!Unknown --connbytes-mode"},
		{"-A OUTPUT -m connbytes --connbytes 1 --connbytes-dir both", "!\"--connbytes-mode\" must be specified", "!must be specified"},
	})
	tr, _ := translateAll(t, iptparse.FamilyIPv4, "-A OUTPUT -m connbytes --connbytes 1 --connbytes-dir both --connbytes-mode bytes")
	if !diagsContain(tr, DiagWarning, "nf_conntrack_acct") {
		t.Errorf("no warning about conntrack accounting: %v", tr.Diags())
	}
	nftLoads(t, iptparse.FamilyIPv4,
		"-A OUTPUT -m connbytes ! --connbytes 200:600 --connbytes-dir both --connbytes-mode bytes",
		"-A OUTPUT -m connbytes ! --connbytes 200 --connbytes-dir reply --connbytes-mode packets",
		"-A OUTPUT -m connbytes --connbytes 200:200 --connbytes-dir original --connbytes-mode avgpkt")
}
