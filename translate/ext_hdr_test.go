package translate

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Tests of the header-field extensions: ah, esp, ipcomp, frag, hbh, dst,
// rt, mh, srh, eui64, ipv6header, hl, ttl, dccp, sctp, ecn, dscp, tos,
// tcpmss and the targets TTL, HL, DSCP, TOS, ECN.

const v4, v6 = iptparse.FamilyIPv4, iptparse.FamilyIPv6

type hdrCase struct {
	fam    iptparse.Family
	cmd    string
	exact  string // rule text after "add rule FAMILY TABLE CHAIN "
	normal string // "=" means the same as exact, "" an error (the kernel refuses it)
}

var hdrCases = []hdrCase{
	// ah (IPv4)
	{v4, "-A INPUT -p 51 -m ah --ahspi 500 -j DROP", "ah spi 500 counter drop", "="},
	{v4, "-A INPUT -p ah -m ah --ahspi 500:600", "ah spi 500-600 counter", "="},
	{v4, "-A INPUT -p ah -m ah ! --ahspi 0:4294967295", "ah spi != 0-4294967295 counter", "="},
	{v4, "-A INPUT -p ah -m ah", "meta l4proto ah counter", "="},
	// ah (IPv6): lengths in bytes, reserved must be zero
	{v6, "-A INPUT -m ah --ahspi 500 --ahlen 120 --ahres", "ah spi 500 ah hdrlength 28 ah reserved 0 counter", "="},
	{v6, "-A INPUT -m ah ! --ahlen 8", "ah hdrlength != 0 counter", "="},
	{v6, "-A INPUT -m ah ! --ahlen 0", "exthdr ah exists counter", "meta l4proto ah counter"},
	{v6, "-A INPUT -m ah --ahlen 0 --ahspi 7", "ah spi 7 counter", "="},
	{v6, "-A INPUT -m ah ! --ahlen 10", "exthdr ah exists counter", "meta l4proto ah counter"},
	{v6, "-A INPUT -m ah --ahlen 10", "ah hdrlength != 0-255 counter", "="},
	{v6, "-A INPUT -m ah --ahlen 1032", "ah hdrlength != 0-255 counter", "="},
	{v6, "-A INPUT -m ah --ahlen 1028", "ah hdrlength 255 counter", "="},
	// esp
	{v4, "-A INPUT -p esp -m esp --espspi 7", "esp spi 7 counter", "="},
	{v4, "-A INPUT -p esp -m esp ! --espspi 7:8", "esp spi != 7-8 counter", "="},
	{v6, "-A INPUT -p esp -m esp", "exthdr esp exists counter", "meta l4proto esp counter"},
	// ipcomp: 16-bit CPI, default range 0:0, --compres ignored
	{v4, "-A INPUT -p ipcomp -m ipcomp --ipcompspi 0x12", "comp cpi 18 counter", "="},
	{v4, "-A INPUT -p ipcomp -m ipcomp --compres", "comp cpi 0 counter", "="},
	{v4, "-A INPUT -p ipcomp -m ipcomp --ipcompspi 60000:70000", "comp cpi 60000-70000 counter", "comp cpi 60000-65535 counter"},
	{v4, "-A INPUT -p ipcomp -m ipcomp --ipcompspi 70000:80000", "comp cpi 70000-80000 counter", "comp cpi != 0-65535 counter"},
	{v4, "-A INPUT -p ipcomp -m ipcomp ! --ipcompspi 0:70000", "comp cpi != 0-70000 counter", "comp cpi != 0-65535 counter"},
	{v4, "-A INPUT -p ipcomp -m ipcomp --ipcompspi 0:70000", "comp cpi 0-70000 counter", "meta l4proto comp counter"},
	// frag
	{v6, "-A INPUT -m frag --fragid 100 --fragres --fragmore", "frag id 100 frag reserved 0 frag reserved2 0 frag more-fragments 1 counter", "="},
	{v6, "-A INPUT -m frag --fragfirst", "frag frag-off 0 counter", "="},
	{v6, "-A INPUT -m frag --fraglen 5", "exthdr frag exists counter", "="},
	{v6, "-A INPUT -m frag ! --fragid 1 --fraglast", "frag id != 1 frag more-fragments 0 counter", "="},
	// hbh, dst: lengths in bytes
	{v6, "-A INPUT -m hbh --hbh-len 22", "hbh hdrlength != 0-255 counter", "="},
	{v6, "-A INPUT -m hbh ! --hbh-len 22", "exthdr hbh exists counter", "="},
	{v6, "-A INPUT -m hbh --hbh-len 16", "hbh hdrlength 1 counter", "="},
	{v6, "-A INPUT -m hbh ! --hbh-len 2048", "hbh hdrlength != 255 counter", "="},
	{v6, "-A INPUT -m hbh", "exthdr hbh exists counter", "="},
	{v6, "-A INPUT -m dst ! --dst-len 8", "dst hdrlength != 0 counter", "="},
	{v6, "-A INPUT -m dst", "exthdr dst exists counter", "="},
	// rt
	{v6, "-A INPUT -m rt --rt-type 0 -j DROP", "rt type 0 counter drop", "="},
	{v6, "-A INPUT -m rt --rt-type 0 --rt-segsleft 0 -j DROP", "rt type 0 rt seg-left 0 counter drop", "="},
	{v6, "-A INPUT -m rt --rt-type 0 --rt-len 22 ! --rt-segsleft 26", "rt type 0 rt seg-left != 26 rt hdrlength != 0-255 counter", "="},
	{v6, "-A INPUT -m rt ! --rt-len 40", "rt hdrlength != 4 counter", "="},
	{v6, "-A INPUT -m rt ! --rt-segsleft 0:4294967295", "rt seg-left != 0-4294967295 counter", "rt seg-left != 0-255 counter"},
	{v6, "-A INPUT -m rt --rt-segsleft 13:4294967295", "rt seg-left 13-4294967295 counter", "rt seg-left 13-255 counter"},
	{v6, "-A INPUT -m rt --rt-segsleft 300:400", "rt seg-left 300-400 counter", "rt seg-left != 0-255 counter"},
	{v6, "-A INPUT -m rt --rt-segsleft 0:4294967295", "exthdr rt exists counter", "="},
	{v6, "-A INPUT -m rt --rt-type 300", "rt type 300 counter", "rt type != 0-255 counter"},
	{v6, "-A INPUT -m rt ! --rt-type 300", "rt type != 300 counter", "exthdr rt exists counter"},
	{v6, "-A INPUT -m rt --rt-type 0 --rt-0-res --rt-0-addrs ::1,2001:db8::2",
		"rt type 0 srh last-entry 0 srh flags 0 srh tag 0 rt hdrlength 4-5 rt0 addr[1] ::1 rt0 addr[2] 2001:db8::2 counter", "="},
	// mh
	{v6, "-A INPUT -p mh --mh-type 1 -j ACCEPT", "mh type 1 counter accept", "="},
	{v6, "-A INPUT -p mh --mh-type bu:be", "mh type 5-7 counter", "="},
	{v6, "-A INPUT -p mh ! --mh-type b", "mh type != 0 counter", "="},
	{v6, "-A INPUT -p mh --mh-type ba", "mh type 6 counter", "="},
	{v6, "-A INPUT -p mh --mh-type home-test", "mh type 3 counter", "="},
	{v6, "-A INPUT -p mh --mh-type 4:", "mh type 4-255 counter", "="},
	{v6, "-A INPUT -p mh --mh-type 0:255", "exthdr mh exists counter", "="},
	{v6, "-A INPUT -p mh -m mh", "exthdr mh exists counter", "="},
	// hl, ttl
	{v6, "-A INPUT -m hl --hl-eq 255 -j ACCEPT", "ip6 hoplimit 255 counter accept", "="},
	{v6, "-A INPUT -m hl --hl 1", "ip6 hoplimit 1 counter", "="},
	{v6, "-A INPUT -m hl --hl-lt 3", "ip6 hoplimit lt 3 counter", "ip6 hoplimit < 3 counter"},
	{v4, "-A INPUT -m ttl --ttl-gt 5", "ip ttl gt 5 counter", "ip ttl > 5 counter"},
	{v4, "-A INPUT -m ttl ! --ttl-eq 5", "ip ttl != 5 counter", "="},
	{v4, "-A INPUT -m ttl --ttl-lt 0", "ip ttl lt 0 counter", "ip ttl < 0 counter"},
	// dccp
	{v4, "-A INPUT -p dccp -m dccp --sport 1:2 ! --dport 3", "dccp sport 1-2 dccp dport != 3 counter", "="},
	{v4, "-A INPUT -p dccp --source-port 0:65535", "dccp sport 0-65535 counter", "="},
	{v4, "-A INPUT -p dccp -m dccp ! --dccp-types sync,INVALID", "dccp type != { sync, 10-15 } counter", "="},
	{v4, "-A INPUT -p dccp -m dccp", "meta l4proto dccp counter", "="},
	// sctp
	{v4, "-A INPUT -p sctp --dport 80 --sport 50:55 -j ACCEPT", "sctp sport 50-55 sctp dport 80 counter accept", "="},
	{v4, "-A INPUT -p sctp -m sctp --chunk-types all DATA,INIT", "sctp chunk data exists sctp chunk init exists counter", "="},
	{v4, "-A INPUT -p sctp -m sctp --chunk-types any INIT", "sctp chunk init exists counter", "="},
	{v4, "-A INPUT -p sctp -m sctp ! --chunk-types any INIT", "meta l4proto sctp sctp chunk init missing counter", "="},
	{v4, "-A INPUT -p sctp -m sctp ! --chunk-types all INIT", "meta l4proto sctp sctp chunk init missing counter", "="},
	{v4, "-A INPUT -p sctp -m sctp --chunk-types all ASCONF,SHUTDOWN_COMPLETE", "sctp chunk shutdown-complete exists sctp chunk asconf exists counter", "="},
	{v4, "-A INPUT -p sctp -m sctp --chunk-types only ALL", "meta l4proto sctp counter", "="},
	{v4, "-A INPUT -p sctp --chunk-types any DATA,INIT -j DROP",
		"sctp chunk data exists counter drop\nsctp chunk data missing sctp chunk init exists counter drop", "="},
	{v4, "-A INPUT -p sctp ! --chunk-types any DATA,INIT", "meta l4proto sctp sctp chunk data missing sctp chunk init missing counter", "="},
	{v4, "-A INPUT -p sctp --sport 1 ! --chunk-types all DATA,INIT",
		"sctp sport 1 sctp chunk data missing counter\nsctp sport 1 sctp chunk data exists sctp chunk init missing counter", "="},
	{v4, "-A INPUT -p sctp -m sctp --chunk-types only NONE", "sctp sport != 0-65535 counter", "="},
	{v4, "-A INPUT -p sctp -m sctp", "meta l4proto sctp counter", "="},
	// ecn
	{v4, "-A INPUT -m ecn --ecn-ip-ect 0", "ip ecn not-ect counter", "="},
	{v4, "-A INPUT -m ecn ! --ecn-ip-ect 3", "ip ecn != ce counter", "="},
	{v6, "-A INPUT -m ecn --ecn-ip-ect 1", "ip6 ecn ect1 counter", "="},
	{v4, "-A INPUT -p tcp -m ecn ! --ecn-tcp-ece --ecn-tcp-cwr ! --ecn-ip-ect 2", "ip protocol tcp tcp flags & ecn == 0 tcp flags cwr ip ecn != ect0 counter", "="},
	// dscp
	{v4, "-A INPUT -m dscp --dscp 0x32", "ip dscp 0x32 counter", "="},
	{v6, "-A INPUT -m dscp ! --dscp-class af41", "ip6 dscp != 0x22 counter", "="},
	{v4, "-A INPUT -m dscp --dscp-class EFx", "ip dscp 0x2e counter", "="},
	// tos
	{v4, "-A INPUT -m tos --tos Minimize-Delay", "@nh,8,8 & 0x3f == 0x10 counter", "="},
	{v6, "-A INPUT -m tos ! --tos 0x10/0x3f", "@nh,0,16 & 0x03f0 != 0x0100 counter", "="},
	{v4, "-A INPUT -m tos --tos 0x20/0xfc", "ip dscp 0x08 counter", "="},
	{v6, "-A INPUT -m tos --tos 0x02/0x03", "ip6 ecn ect0 counter", "="},
	{v4, "-A INPUT -m tos --tos 0x11/0x10", "ip ttl != 0-255 counter", "="},
	{v4, "-A INPUT -m tos ! --tos 0x11/0x10", "counter", "="},
	// tcpmss
	{v4, "-A INPUT -p tcp -m tcpmss --mss 42:1024", "ip protocol tcp tcp option maxseg size 42-1024 counter", "="},
	{v4, "-A INPUT -p tcp -m tcpmss ! --mss 536:65535 -j DROP",
		"ip protocol tcp tcp option maxseg missing counter drop\nip protocol tcp tcp option maxseg size != 536-65535 counter drop", "="},
	{v4, "-A INPUT -p tcp --syn -m tcpmss ! --mss 5",
		"tcp flags syn / fin,syn,rst,ack tcp option maxseg missing counter\ntcp flags syn / fin,syn,rst,ack tcp option maxseg size != 5 counter", "="},
	{v4, "-A INPUT -m tcpmss ! --mss 5", "meta l4proto tcp tcp option maxseg missing counter\ntcp option maxseg size != 5 counter", ""},
	// ipv6header
	{v6, "-A INPUT -m ipv6header --header frag,hop --soft", "exthdr hbh exists exthdr frag exists counter", "="},
	{v6, "-A INPUT -m ipv6header ! --header frag,auth --soft", "exthdr frag missing meta l4proto != ah counter", "="},
	{v6, "-A INPUT -m ipv6header --header frag,prot",
		"exthdr hbh missing exthdr dst missing exthdr rt missing exthdr frag exists meta l4proto != { ah, esp, ipv6-nonxt } counter", "="},
	{v6, "-A INPUT -m ipv6header --header ipv6-route,none",
		"exthdr hbh missing exthdr dst missing exthdr rt exists exthdr frag missing meta l4proto ipv6-nonxt counter", "="},
	{v6, "-A INPUT -m ipv6header ! --header esp,prot,auth --soft", "meta l4proto ipv6-nonxt counter", "="},
	{v6, "-A INPUT -m ipv6header ! --header none,auth --soft", "meta l4proto != { ah, ipv6-nonxt } counter", "="},
	{v6, "-A INPUT -m ipv6header --header esp,prot --soft -m ipv6header ! --header auth --soft",
		"meta l4proto != 0-255 meta l4proto != ah counter", "="},
	{v6, "-A INPUT -m ipv6header --header frag",
		"exthdr hbh missing exthdr dst missing exthdr rt missing exthdr frag exists meta l4proto != 0-255 counter", "="},
	{v6, "-A INPUT -m ipv6header ! --header frag", "counter", "="},
	{v6, "-A INPUT -m ipv6header ! --header hop,dst,route,frag,esp",
		"exthdr hbh missing counter\nexthdr hbh exists exthdr dst missing counter\n" +
			"exthdr hbh exists exthdr dst exists exthdr rt missing counter\n" +
			"exthdr hbh exists exthdr dst exists exthdr rt exists exthdr frag missing counter\n" +
			"exthdr hbh exists exthdr dst exists exthdr rt exists exthdr frag exists meta l4proto ah counter\n" +
			"exthdr hbh exists exthdr dst exists exthdr rt exists exthdr frag exists meta l4proto != { ah, esp } counter", "="},
	{v6, "-A INPUT -m ipv6header --header 60,auth --soft", "exthdr dst exists meta l4proto ah counter", "="},
	// srh
	{v6, "-A INPUT -m srh --srh-segs-left-eq 1 --srh-last-entry-gt 3 --srh-tag 7",
		"rt type 4 rt seg-left 1 srh last-entry > 3 srh tag " + srhTag7 + " counter", "="},
	{v6, "-A INPUT -m srh ! --srh-next-hdr 6 ! --srh-hdr-len-lt 4 --srh-segs-left-lt 2",
		"rt type 4 rt nexthdr != 6 rt hdrlength >= 4 rt seg-left < 2 rt seg-left . srh last-entry { 0 . 0-255, 1 . 1-255 } counter", "="},
	{v6, "-A INPUT -m srh --srh-segs-left-gt 3 --srh-segs-left-lt 5",
		"rt type 4 rt seg-left > 5 rt seg-left < 5 counter", "="},
	// TTL, HL
	{v4, "-t mangle -A OUTPUT -j TTL --ttl-set 64", "counter ip ttl set 64", "="},
	{v6, "-t mangle -A OUTPUT -j HL --hl-set 1", "counter ip6 hoplimit set 1", "="},
	{v6, "-t mangle -A OUTPUT -j HL --hl-inc 250", "counter ip6 hoplimit set ip6 hoplimit map { 0 : 250, 1 : 251, 2 : 252, 3 : 253, 4 : 254, 5-255 : 255 }", "="},
	{v6, "-t mangle -A OUTPUT -j HL --hl-dec 254", "counter ip6 hoplimit set ip6 hoplimit map { 0-254 : 0, 255 : 1 }", "="},
	// DSCP
	{v4, "-t mangle -A OUTPUT -j DSCP --set-dscp 1", "counter ip dscp set 0x01", "="},
	{v6, "-t mangle -A OUTPUT -j DSCP --set-dscp-class cs1", "counter ip6 dscp set 0x08", "="},
	// TOS
	{v6, "-t mangle -A INPUT -j TOS --set-tos 0x1f", "counter ip6 dscp set 0x07 ip6 ecn set ce", "="},
	{v4, "-t mangle -A INPUT -j TOS --set-tos 0xa0/0xfc", "counter ip dscp set ip dscp and 0x00 xor 0x28", "counter ip dscp set 0x28"},
	{v4, "-t mangle -A INPUT -j TOS --set-tos 0x01/0x03", "counter ip ecn set ect1", "="},
	{v4, "-t mangle -A INPUT -j TOS --and-tos 0xfc", "counter ip ecn set not-ect", "="},
	{v4, "-t mangle -A INPUT -j TOS --and-tos 0x03", "counter ip dscp set ip dscp and 0x00", "counter ip dscp set 0x00"},
	{v4, "-t mangle -A INPUT -j TOS --xor-tos 0", "counter ip dscp set ip dscp and 0x3f", "counter"},
	// ECN
	{v4, "-t mangle -A OUTPUT -j ECN --ecn-ip-ect 2", "counter ip ecn set ect0", "="},
}

// srhTag7 is "--srh-tag 7" as the kernel compares it: in host byte order.
var srhTag7 = fmt.Sprint(binary.BigEndian.Uint16(binary.NativeEndian.AppendUint16(nil, 7)))

func TestXlateHeaderExtensions(t *testing.T) {
	for _, c := range hdrCases {
		fam, table, chain := "ip", "filter", ""
		if c.fam == v6 {
			fam = "ip6"
		}
		words := strings.Fields(c.cmd)
		for i, w := range words {
			switch w {
			case "-t":
				table = words[i+1]
			case "-A":
				chain = words[i+1]
			}
		}
		var lines []string
		for _, l := range strings.Split(c.exact, "\n") {
			lines = append(lines, "add rule "+fam+" "+table+" "+chain+" "+l)
		}
		want := strings.Join(lines, "\n")
		got, err := xlate(t, c.fam, true, c.cmd)
		if err != nil || got != want {
			t.Errorf("exact %s:\n got %q, %v\nwant %q", c.cmd, got, err, want)
		}
		wantN := c.normal
		if wantN == "=" {
			wantN = c.exact
		}
		if wantN == "" {
			continue // rejected in normal mode: see TestXlateHeaderErrors
		}
		got, err = xlate(t, c.fam, false, c.cmd)
		if err != nil || got != wantN {
			t.Errorf("normal %s:\n got %q, %v\nwant %q", c.cmd, got, err, wantN)
		}
	}
}

// TestXlateHeaderErrors: input iptables rejects (both modes), input the
// kernel rejects (normal mode; iptables-translate does not check it),
// and what nftables cannot express.
func TestXlateHeaderErrors(t *testing.T) {
	bad := []struct {
		fam iptparse.Family
		cmd string
		msg string
	}{
		{v4, "-A INPUT -p ah -m ah --ahspi 5:4", "ahspi"},
		{v6, "-A INPUT -m ah --ahlen", "requires an argument"},
		{v6, "-A INPUT -m frag --fragmore --fraglast", "cannot be used together"},
		{v6, "-A INPUT -m hbh --hbh-opts 0:2", "PAD0 has not got length"},
		{v6, "-A INPUT -m dst --dst-opts x", "dst: no valid digits in opt `x'"},
		{v6, "-A INPUT -m dst --dst-opts 1:2z", "dst: error parsing length `2z'"},
		{v6, "-A INPUT -m dst --dst-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", "too many addresses specified"},
		{v6, "-A INPUT -m dst --dst-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16:1", "too many ports specified"},
		{v6, "-A INPUT -m rt --rt-0-res --rt-type 0", "`--rt-type 0' required before `--rt-0-res'"},
		{v6, "-A INPUT -m rt ! --rt-type 0 --rt-0-addrs ::1", "`--rt-type 0' required before `--rt-0-addrs'"},
		{v6, "-A INPUT -m rt --rt-type 0 --rt-0-addrs 10.0.0.1", "bad address: 10.0.0.1"},
		{v6, "-A INPUT -m rt --rt-type 0 --rt-0-not-strict --rt-0-addrs ::1", "required before `--rt-0-not-strict'"},
		{v6, "-A INPUT -p mh --mh-type foo", "Invalid MH type `foo'"},
		{v6, "-A INPUT -p mh --mh-type 5:3", "Invalid MH type range (min > max)"},
		{v6, "-A INPUT -m hl", "You must specify one of"},
		{v6, "-A INPUT -m hl ! --hl-lt 3", "cannot be inverted"},
		{v4, "-A INPUT -m ttl --ttl-eq 3 --ttl-gt 4", "cannot be used together"},
		{v4, "-A INPUT -m ttl --ttl-eq 256", "out of range"},
		{v6, "-A INPUT -m ttl --ttl-eq 3", "ttl"},
		{v4, "-A INPUT -m hl --hl-eq 3", "hl"},
		{v4, "-A INPUT -p dccp -m dccp --dccp-types FOO", "Unknown DCCP type `FOO'"},
		{v4, "-A INPUT -p dccp -m dccp --dport 5:4", "negative"},
		{v4, "-A INPUT -p dccp -m dccp --dccp-option 0", "out of range"},
		{v4, "-A INPUT -p sctp -m sctp --chunk-types all", "requires 2 arguments"},
		{v4, "-A INPUT -p sctp -m sctp --chunk-types all --dport", "--chunk-types requires two args"},
		{v4, "-A INPUT -p sctp -m sctp --chunk-types some DATA", "Match type has to be one of"},
		{v4, "-A INPUT -p sctp -m sctp --chunk-types all FOO", "Unknown sctp chunk `FOO'"},
		{v4, "-A INPUT -p sctp -m sctp --chunk-types all INIT:T", "Invalid flags for chunk type 1"},
		{v4, "-A INPUT -p sctp -m sctp --chunk-types all DATA:x", "Invalid flags for chunk type 0"},
		{v4, "-A INPUT -m ecn", "ECN match: some option required"},
		{v4, "-A INPUT -m ecn --ecn-ip-ect 4", "out of range"},
		{v4, "-A INPUT -m dscp --dscp 64", "out of range"},
		{v4, "-A INPUT -m dscp --dscp 1 --dscp-class EF", "cannot be used together"},
		{v4, "-A INPUT -m dscp --dscp-class XY", "Invalid DSCP value `XY'"},
		{v4, "-A INPUT -m dscp", "DSCP match: Parameter --dscp is required"},
		{v4, "-A INPUT -m tos", "must be specified"},
		{v4, "-A INPUT -m tos --tos Fast", "Symbolic name \"Fast\" is unknown"},
		{v4, "-A INPUT -p tcp -m tcpmss", "must be specified"},
		{v6, "-A INPUT -m ipv6header --header tcp", "unknown header `6' specified"},
		{v6, "-A INPUT -m ipv6header --header all", "unknown header `all' specified"},
		{v6, "-A INPUT -m ipv6header --soft", "must be specified"},
		{v4, "-t mangle -A OUTPUT -j TTL", "TTL: You must specify an action"},
		{v4, "-t mangle -A OUTPUT -j TTL --ttl-dec 0", "out of range"},
		{v4, "-t mangle -A OUTPUT -j TTL --ttl-set 1 --ttl-inc 2", "cannot be used together"},
		{v6, "-t mangle -A OUTPUT -j HL", "HL: You must specify an action"},
		{v4, "-t mangle -A OUTPUT -j DSCP", "DSCP target: Parameter --set-dscp is required"},
		{v4, "-t mangle -A OUTPUT -j DSCP --set-dscp 64", "out of range"},
		{v4, "-t mangle -A OUTPUT -j TOS", "TOS: An action is required"},
		{v4, "-t mangle -A OUTPUT -j TOS --and-tos 1 --or-tos 2", "cannot be used together"},
		{v4, "-t mangle -A OUTPUT -j ECN", "ECN target: An operation is required"},
		{v4, "-t mangle -A OUTPUT -p tcp -j ECN --ecn-tcp-remove --ecn-tcp-cwr 1", "cannot be used together"},
		{v6, "-t mangle -A OUTPUT -j ECN --ecn-ip-ect 1", "ecn-ip-ect"},
	}
	for _, c := range bad {
		for _, exact := range []bool{true, false} {
			got, err := xlate(t, c.fam, exact, c.cmd)
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%s (exact %v): want error containing %q, got %q, %v", c.cmd, exact, c.msg, got, err)
			}
		}
	}
	// The kernel refuses these when the rule is loaded; iptables-translate
	// translates them, and so does exact mode.
	kernel := []struct {
		fam iptparse.Family
		cmd string
		msg string
	}{
		{v4, "-A INPUT -m ah --ahspi 5", "only valid for protocol 51"},
		{v4, "-A INPUT ! -p ah -m ah --ahspi 5", "only valid for protocol 51"},
		{v6, "-A INPUT -m esp --espspi 5", "only valid for protocol 50"},
		{v4, "-A INPUT -m ipcomp --ipcompspi 5", "only valid for protocol 108"},
		{v6, "-A INPUT -m mh --mh-type 1", "only valid for protocol 135"},
		{v4, "-A INPUT -m dccp --dport 1", "only valid for protocol 33"},
		{v4, "-A INPUT -p tcp -m sctp --dport 1", "only valid for protocol 132"},
		{v4, "-A INPUT -m ecn --ecn-tcp-ece", "only valid for protocol 6"},
		{v4, "-A INPUT -m tcpmss --mss 5", "only valid for protocol 6"},
		{v4, "-A OUTPUT -j TTL --ttl-set 5", "only valid in mangle table, not filter"},
		{v6, "-t raw -A OUTPUT -j HL --hl-set 5", "only valid in mangle table, not raw"},
		{v4, "-A OUTPUT -j DSCP --set-dscp 5", "only valid in mangle table"},
		{v4, "-A OUTPUT -j TOS --set-tos 5", "only valid in mangle table"},
		{v4, "-A OUTPUT -j ECN --ecn-ip-ect 1", "only valid in mangle table"},
	}
	for _, c := range kernel {
		if got, err := xlate(t, c.fam, false, c.cmd); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("normal %s: want error containing %q, got %q, %v", c.cmd, c.msg, got, err)
		}
		if got, err := xlate(t, c.fam, true, c.cmd); err != nil {
			t.Errorf("exact %s: want a translation, got %q, %v", c.cmd, got, err)
		}
	}
	untranslatable := []struct {
		fam iptparse.Family
		cmd string
		msg string
	}{
		{v6, "-A INPUT -m hbh --hbh-opts 1", "--hbh-opts"},
		{v6, "-A INPUT -m dst --dst-len 8 --dst-opts 1:2,5", "--dst-opts"},
		{v6, "-A INPUT -m rt --rt-type 0 --rt-0-addrs ::1 --rt-0-not-strict", "--rt-0-not-strict"},
		{v4, "-A INPUT -p dccp -m dccp --dccp-option 4", "DCCP options"},
		{v4, "-A INPUT -p sctp --chunk-types all INIT,DATA:iUbE,SACK,ABORT:T", "first chunk"},
		{v4, "-A INPUT -p sctp --chunk-types any DATA:B", "first chunk"},
		{v4, "-A INPUT -p sctp --chunk-types all ALL", "named chunk types"},
		{v4, "-A INPUT -p sctp --chunk-types only SHUTDOWN_COMPLETE", "no chunk of any other type"},
		{v6, "-A INPUT -m ipv6header ! --header frag,prot,auth", "AH"},
		{v6, "-A INPUT -m ipv6header --header esp --soft", "AH"},
		{v6, "-A INPUT -m ipv6header --header auth,prot", "AH"},
		{v6, "-A INPUT -m eui64", "EUI-64"},
		{v6, "-A INPUT -m srh --srh-lsid ::1", "--srh-lsid"},
		{v4, "-t mangle -A OUTPUT -j TTL --ttl-inc 1", "--ttl-inc"},
		{v6, "-t mangle -A OUTPUT -j TOS --set-tos Minimize-Delay", "DSCP bits"},
		{v6, "-t mangle -A OUTPUT -j TOS --or-tos 0x12", "DSCP bits"},
		{v4, "-t mangle -A OUTPUT -j TOS --or-tos 0x01", "ECN bits"},
		{v4, "-t mangle -A OUTPUT -j TOS --or-tos 0x10", "DSCP bits"},
		{v4, "-t mangle -A OUTPUT -p tcp -j ECN --ecn-tcp-remove", "TCP flags"},
		{v4, "-A INPUT -p sctp --chunk-types all I_DATA", "I_DATA"},
	}
	for _, c := range untranslatable {
		got, err := xlate(t, c.fam, false, c.cmd)
		if err == nil || !strings.Contains(err.Error(), "untranslated") || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: want untranslated containing %q, got %q, %v", c.cmd, c.msg, got, err)
		}
	}
}

// TestHeaderExtensionsLoad loads every normal-mode translation above into
// nft 1.0.6 in a throwaway namespace.
func TestHeaderExtensionsLoad(t *testing.T) {
	ns := testutil.NewNetns(t)
	var v4cmds, v6cmds []string
	for _, c := range hdrCases {
		if c.fam == v6 {
			v6cmds = append(v6cmds, c.cmd)
		} else {
			v4cmds = append(v4cmds, c.cmd)
		}
	}
	for _, set := range []struct {
		fam  iptparse.Family
		cmds []string
	}{{v4, v4cmds}, {v6, v6cmds}} {
		rs := nativeRuleset(t, set.fam, set.cmds...)
		if err := ns.NftCheck(rs); err != nil {
			t.Errorf("%v ruleset does not load: %v\n%s", set.fam, err, rs)
		}
	}
}
