package translate

import (
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestXlateNfacct(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		{"-A INPUT -p tcp --dport 80 -m nfacct --nfacct-name http -j ACCEPT", "!no translation for nfacct", `tcp dport 80 counter name "http" counter accept`},
		{"-A INPUT -m nfacct --nfacct-name 'odd name'", "", `counter name "nfacct_odd_name" counter`},
		{"-A INPUT -m nfacct", "!\"--nfacct-name\" must be specified", "!must be specified"},
		{"-A INPUT -m nfacct --nfacct-name abcdefghijklmnopqrstuvwxyz0123456789", "!maximum length of 31", "!maximum length"},
	})
	cmds := []string{
		"-A INPUT -p tcp --dport 80 -m nfacct --nfacct-name http -j ACCEPT",
		"-A OUTPUT -p tcp --sport 80 -m nfacct --nfacct-name http",
	}
	tr, rs := translateAll(t, iptparse.FamilyIPv4, cmds...)
	if strings.Count(rs, "counter http {") != 1 {
		t.Errorf("counter not declared once:\n%s", rs)
	}
	if !diagsContain(tr, DiagWarning, "nft list counter") {
		t.Errorf("no warning: %v", tr.Diags())
	}
	nftLoads(t, iptparse.FamilyIPv4, cmds...)
}

func TestXlateRateest(t *testing.T) {
	runXCases(t, iptparse.FamilyIPv4, []xcase{
		{"-A FORWARD -j RATEEST --rateest-name eth0 --rateest-interval 250ms --rateest-ewmalog 0.5s", "!no rate estimator", "!no rate estimator"},
		{"-A FORWARD -m rateest --rateest eth0 --rateest-bps 1mbit --rateest-gt -j DROP", "!no rate estimators", "!no rate estimators"},
		{"-A FORWARD -m rateest --rateest1 a --rateest2 b --rateest-bps1 --rateest-bps2 --rateest-delta ! --rateest-lt -j DROP", "!no rate estimators", "!no rate estimators"},
		{"-A FORWARD -m rateest --rateest eth0 --rateest-bps 1mbit", "!--rateest-lt", "!--rateest-lt"},
		{"-A FORWARD -m rateest --rateest eth0 ! --rateest-bps 1mbit --rateest-gt", "!cannot be inverted", "!cannot be inverted"},
		{"-A FORWARD -j RATEEST --rateest-name eth0 --rateest-interval 250ms", "!\"--rateest-ewmalog\" must be specified", "!must be specified"},
	})
}
