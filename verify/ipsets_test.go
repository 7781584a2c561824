package verify

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

func TestUsedIPSets(t *testing.T) {
	src := `*filter
:INPUT ACCEPT [0:0]
:trap - [0:0]
[3:120] -A INPUT -m set --match-set blocked src -j DROP
-A INPUT -m recent --set --name seen
-A INPUT -p tcp -m set ! --match-set svc dst,dst -j trap
-A trap -m set --match-set scanners src ! --update-counters --packets-gt 3 -j DROP
-A trap -j SET --add-set scanners src --timeout 60
-A trap -m set --match-set loop dst,dst,src -j ACCEPT
-A trap -m set --set old src -j ACCEPT
-A trap -j SET --del-set svc dst,dst
COMMIT
`
	var got []string
	for _, s := range UsedIPSets(src) {
		got = append(got, strings.Join([]string{s.Name, strings.Join(s.Dirs, ","),
			map[bool]string{true: "dynamic"}[s.Dynamic], map[bool]string{true: "timeout"}[s.Timeout], map[bool]string{true: "counters"}[s.Counters]}, " "))
	}
	want := []string{"blocked src   ", "svc dst,dst dynamic  ", "scanners src dynamic timeout counters", "loop dst,dst,src   ", "old src   "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got  %q\nwant %q", got, want)
	}

	a := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	pkt := func(src, dst string, proto uint8, sp, dp uint16) Probe {
		return Probe{Steps: []Step{{Packet: Packet{Src: a(src), Dst: a(dst), Proto: proto, SrcPort: sp, DstPort: dp}}}}
	}
	ps := &ProbeSet{Probes: []Probe{
		pkt("192.0.2.1", "198.51.100.1", ProtoTCP, 1000, 22),
		pkt("192.0.2.2", "198.51.100.2", ProtoICMP, 0, 0),
		pkt("192.0.2.3", "198.51.100.3", ProtoUDP, 1001, 53),
		pkt("192.0.2.4", "198.51.100.4", ProtoTCP, 1002, 80),
		pkt("192.0.2.5", "198.51.100.5", ProtoUDP, 1003, 123),
		pkt("192.0.2.6", "198.51.100.6", ProtoTCP, 1004, 443),
	}}
	text, err := IPSetSave(UsedIPSets(src), iptparse.FamilyIPv4, ps, map[string]bool{"old": true})
	if err != nil {
		t.Fatal(err)
	}
	wantText := `create blocked hash:net family inet
add blocked 192.0.2.1
add blocked 192.0.2.3
add blocked 192.0.2.0/28
create svc hash:ip,port family inet
add svc 198.51.100.1,tcp:22
add svc 198.51.100.3,udp:53
add svc 198.51.100.5,udp:123
create scanners hash:ip family inet timeout 0 counters
add scanners 192.0.2.1
add scanners 192.0.2.3
add scanners 192.0.2.5
create loop hash:ip,port,ip family inet
add loop 198.51.100.1,tcp:22,192.0.2.1
add loop 198.51.100.3,udp:53,192.0.2.3
add loop 198.51.100.5,udp:123,192.0.2.5
`
	if text != wantText {
		t.Errorf("got\n%s\nwant\n%s", text, wantText)
	}
	if f := iptparse.ParseIPSetSave("sets", text); len(f.Errors) > 0 || len(f.Sets) != 4 {
		t.Errorf("the text does not parse as an ipset save: %v, %d sets", f.Errors, len(f.Sets))
	}

	// IPv6 sets; a set used with two dimension counts has no type.
	v6 := "-A INPUT -m set --match-set nets6 dst -j DROP\n"
	if text, err := IPSetSave(UsedIPSets(v6), iptparse.FamilyIPv6, nil, nil); err != nil || text != "create nets6 hash:net family inet6\n" {
		t.Errorf("v6: %q, %v", text, err)
	}
	bad := "-A INPUT -m set --match-set s dst -j DROP\n-A INPUT -m set --match-set s dst,dst -j DROP\n"
	if _, err := IPSetSave(UsedIPSets(bad), iptparse.FamilyIPv4, nil, nil); err == nil || !strings.Contains(err.Error(), "set s is used with [1 2] directions") {
		t.Errorf("two dimension counts: %v", err)
	}
}
