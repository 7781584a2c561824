package translate

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/shlex"

	"github.com/ipt2nft/ipt2nft/internal/testutil"
	"github.com/ipt2nft/ipt2nft/iptparse"
)

// Kernel tests of the header-field translations: the same packets go
// through an iptables rule (iptables-legacy, the kernel's own xt match)
// and through nft rules (ours, and upstream's text where it differs), in
// a throwaway network namespace. Packets are written with a raw socket
// to the loopback address and counted in the output hook.

type bench struct {
	t  *testing.T
	ns *testutil.Netns
	fd map[iptparse.Family]int
}

func newBench(t *testing.T) *bench {
	t.Helper()
	for _, tool := range []string{"iptables-legacy", "ip6tables-legacy"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipped: needs %s", tool)
		}
	}
	if sysSetns == 0 {
		t.Skipf("skipped: setns number unknown on %s", runtime.GOARCH)
	}
	b := &bench{t: t, ns: testutil.NewNetns(t), fd: map[iptparse.Family]int{}}
	b.run("ip", "link", "set", "lo", "up")
	return b
}

func (b *bench) run(args ...string) string {
	b.t.Helper()
	out, err := b.ns.Exec("", args...)
	if err != nil {
		b.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// send writes a packet with a raw socket of the namespace to the
// loopback address.
func (b *bench) send(fam iptparse.Family, pkt []byte) {
	b.t.Helper()
	if b.fd[fam] == 0 {
		b.fd[fam] = b.rawSocket(fam)
	}
	var to syscall.Sockaddr = &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if fam == v6 {
		to = &syscall.SockaddrInet6{Addr: [16]byte{15: 1}}
	}
	if err := syscall.Sendto(b.fd[fam], pkt, 0, to); err != nil {
		b.t.Fatalf("sendto: %v", err)
	}
}

// sysSetns is setns(2)'s number (package syscall does not define it).
var sysSetns = map[string]uintptr{"amd64": 308, "arm64": 268, "riscv64": 268, "386": 346, "arm": 375, "ppc64le": 350, "s390x": 339}[runtime.GOARCH]

// rawSocket opens a raw IP socket in the namespace: a socket belongs to
// the network namespace of the thread that creates it.
func (b *bench) rawSocket(fam iptparse.Family) int {
	b.t.Helper()
	domain := syscall.AF_INET
	if fam == v6 {
		domain = syscall.AF_INET6
	}
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result)
	go func() {
		// The thread is left in the namespace on purpose: it is not
		// unlocked, so it ends with this goroutine.
		runtime.LockOSThread()
		ns, err := os.Open("/run/netns/" + b.ns.Name)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer ns.Close()
		if _, _, e := syscall.Syscall(sysSetns, ns.Fd(), syscall.CLONE_NEWNET, 0); e != 0 {
			ch <- result{err: e}
			return
		}
		fd, err := syscall.Socket(domain, syscall.SOCK_RAW, syscall.IPPROTO_RAW)
		ch <- result{fd, err}
	}()
	r := <-ch
	if r.err != nil {
		b.t.Fatalf("raw socket in %s: %v", b.ns.Name, r.err)
	}
	b.t.Cleanup(func() { syscall.Close(r.fd) })
	return r.fd
}

// iptCount is the packet count of the first rule of an iptables chain.
func (b *bench) iptCount(fam iptparse.Family, table, chain string) uint64 {
	b.t.Helper()
	tool := "iptables-legacy"
	if fam == v6 {
		tool = "ip6tables-legacy"
	}
	lines := strings.Split(b.run(tool, "-t", table, "-L", chain, "-v", "-x", "-n"), "\n")
	if len(lines) < 3 {
		b.t.Fatalf("no rule in %s %s", table, chain)
	}
	n, err := strconv.ParseUint(strings.Fields(lines[2])[0], 10, 64)
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

var nftCounterRe = regexp.MustCompile(`counter packets (\d+) bytes \d+ comment "([^"]+)"`)

// nftCounts returns the packet counts of the rules of table t by their
// comment (summed over the rules that share one).
func (b *bench) nftCounts(fam iptparse.Family) map[string]uint64 {
	b.t.Helper()
	m := map[string]uint64{}
	for _, sm := range nftCounterRe.FindAllStringSubmatch(b.run("nft", "list", "table", nftFam(fam), "t"), -1) {
		n, _ := strconv.ParseUint(sm[1], 10, 64)
		m[sm[2]] += n
	}
	return m
}

func nftFam(fam iptparse.Family) string {
	if fam == v6 {
		return "ip6"
	}
	return "ip"
}

// loadNft loads table t with one output chain at the given priority whose
// rules are "RULE counter comment NAME".
func (b *bench) loadNft(fam iptparse.Family, hook string, prio int, rules map[string]string) {
	b.t.Helper()
	var sb strings.Builder
	fmt.Fprintf(&sb, "table %s t {\n chain c {\n  type filter hook %s priority %d;\n", nftFam(fam), hook, prio)
	for name, r := range rules {
		for _, line := range strings.Split(r, "\n") {
			fmt.Fprintf(&sb, "  %s counter comment %q\n", line, name)
		}
	}
	sb.WriteString(" }\n}\n")
	b.ns.Exec("", "nft", "delete", "table", nftFam(fam), "t") // may not exist yet
	if err := b.ns.NftLoad(sb.String()); err != nil {
		b.t.Fatalf("%v\n%s", err, sb.String())
	}
}

// ourRule is the normal-mode translation of an iptables rule without its
// counter: one line per nft rule.
func ourRule(t *testing.T, fam iptparse.Family, rule string) string {
	t.Helper()
	got, err := xlate(t, fam, false, "-A OUTPUT "+rule)
	if err != nil {
		t.Fatalf("%s: %v", rule, err)
	}
	lines := strings.Split(got, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(strings.TrimSuffix(l, "counter"), " ")
	}
	return strings.Join(lines, "\n")
}

type probe struct {
	name string
	pkt  []byte
	want bool // does the iptables rule match it
}

// compareMatch sends each packet through the iptables rule and through
// the nft rules; it checks that iptables agrees with want and that each
// nft rule in same agrees with iptables, and returns, for each rule in
// other, the packets on which it disagrees with iptables.
func compareMatch(t *testing.T, fam iptparse.Family, iptRule string, same, other map[string]string, probes []probe) map[string][]string {
	t.Helper()
	b := newBench(t)
	tool := "iptables-legacy"
	if fam == v6 {
		tool = "ip6tables-legacy"
	}
	args, err := shlex.Split(iptRule)
	if err != nil {
		t.Fatal(err)
	}
	b.run(append([]string{tool, "-A", "OUTPUT"}, args...)...)
	all := map[string]string{}
	for k, v := range same {
		all[k] = v
	}
	for k, v := range other {
		all[k] = v
	}
	b.loadNft(fam, "output", 0, all)
	diffs := map[string][]string{}
	for _, p := range probes {
		ipt0, nft0 := b.iptCount(fam, "filter", "OUTPUT"), b.nftCounts(fam)
		b.send(fam, p.pkt)
		ipt := b.iptCount(fam, "filter", "OUTPUT") > ipt0
		nft := b.nftCounts(fam)
		if ipt != p.want {
			t.Errorf("%s: iptables %q matched %v, expected %v", p.name, iptRule, ipt, p.want)
		}
		for name, r := range all {
			got := nft[name] > nft0[name]
			if got == ipt {
				continue
			}
			if _, ok := same[name]; ok {
				t.Errorf("%s: nft %q matched %v, iptables %q %v", p.name, r, got, iptRule, ipt)
			}
			diffs[name] = append(diffs[name], p.name)
		}
	}
	return diffs
}

// Packet builders.

func ip4(proto, tos byte, payload []byte) []byte {
	h := []byte{0x45, tos, 0, 0, 0, 0, 0, 0, 64, proto, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	return append(h, payload...)
}

func ip6(next, tc byte, payload []byte) []byte {
	h := make([]byte, 40)
	binary.BigEndian.PutUint32(h, 6<<28|uint32(tc)<<20)
	binary.BigEndian.PutUint16(h[4:], uint16(len(payload)))
	h[6], h[7] = next, 64
	h[23], h[39] = 1, 1 // ::1
	return append(h, payload...)
}

func tcpSeg(flags byte, opts []byte) []byte {
	for len(opts)%4 != 0 {
		opts = append(opts, 0)
	}
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h, 1234)
	binary.BigEndian.PutUint16(h[2:], 80)
	h[12] = byte(5+len(opts)/4) << 4
	h[13] = flags
	binary.BigEndian.PutUint16(h[14:], 512)
	return append(h, opts...)
}

func mssOpt(v uint16) []byte { return []byte{2, 4, byte(v >> 8), byte(v)} }

// optsHdr is a hop-by-hop or destination options header of (raw+1)*8
// bytes, padded with Pad1 options.
func optsHdr(next, raw byte) []byte {
	h := make([]byte, (int(raw)+1)*8)
	h[0], h[1] = next, raw
	return h
}

func ahHdr(next, raw byte, reserved uint16, spi uint32) []byte {
	h := make([]byte, (int(raw)+2)*4)
	h[0], h[1] = next, raw
	binary.BigEndian.PutUint16(h[2:], reserved)
	binary.BigEndian.PutUint32(h[4:], spi)
	return h
}

func fragHdr(next, reserved byte, offRes uint16, id uint32) []byte {
	h := make([]byte, 8)
	h[0], h[1] = next, reserved
	binary.BigEndian.PutUint16(h[2:], offRes)
	binary.BigEndian.PutUint32(h[4:], id)
	return h
}

func rtHdr(next, raw, typ, segsLeft byte) []byte {
	h := make([]byte, (int(raw)+1)*8)
	h[0], h[1], h[2], h[3] = next, raw, typ, segsLeft
	return h
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func sctpPkt(chunks ...[]byte) []byte {
	h := make([]byte, 12)
	binary.BigEndian.PutUint16(h, 5000)
	binary.BigEndian.PutUint16(h[2:], 5001)
	return cat(append([][]byte{h}, chunks...)...)
}

// sctpChunk is a chunk with 4 bytes of value.
func sctpChunk(typ, flags byte) []byte { return []byte{typ, flags, 0, 8, 0, 0, 0, 0} }

func TestKernelTCPMSS(t *testing.T) {
	t.Parallel()
	syn := func(opts []byte) []byte { return ip4(6, 0, tcpSeg(0x02, opts)) }
	probes := []probe{
		{"SYN without MSS", syn(nil), true},
		{"SYN MSS 1460", syn(mssOpt(1460)), false},
		{"SYN MSS 100", syn(mssOpt(100)), true},
		{"SYN NOP,NOP,MSS 100", syn(append([]byte{1, 1}, mssOpt(100)...)), true},
		{"UDP", ip4(17, 0, make([]byte, 8)), false},
	}
	rule := "-p tcp -m tcpmss ! --mss 536:65535"
	diffs := compareMatch(t, v4, rule, map[string]string{"ours": ourRule(t, v4, rule)},
		map[string]string{"upstream": "tcp option maxseg size != 536-65535"}, probes)
	if fmt.Sprint(diffs["upstream"]) != "[SYN without MSS]" {
		t.Errorf("upstream's translation differs on %v", diffs["upstream"])
	}
	// The positive form.
	rule = ourRule(t, v4, "-p tcp -m tcpmss --mss 536:65535")
	for i := range probes {
		probes[i].want = !probes[i].want && probes[i].name != "UDP"
	}
	compareMatch(t, v4, "-p tcp -m tcpmss --mss 536:65535", map[string]string{"ours": rule}, nil, probes)
}

func TestKernelECN(t *testing.T) {
	t.Parallel()
	probes := []probe{
		{"ACK", ip4(6, 0, tcpSeg(0x10, nil)), true},
		{"ECE,ACK", ip4(6, 0, tcpSeg(0x50, nil)), false},
		{"ECE", ip4(6, 0, tcpSeg(0x40, nil)), false},
		{"CWR,ACK", ip4(6, 0, tcpSeg(0x90, nil)), true},
	}
	diffs := compareMatch(t, v4, "-p tcp -m ecn ! --ecn-tcp-ece",
		map[string]string{"ours": ourRule(t, v4, "-p tcp -m ecn ! --ecn-tcp-ece")},
		map[string]string{"upstream": "tcp flags != ecn"}, probes)
	if fmt.Sprint(diffs["upstream"]) != "[ECE,ACK]" {
		t.Errorf("upstream's translation differs on %v", diffs["upstream"])
	}
	compareMatch(t, v4, "-p tcp -m ecn --ecn-tcp-cwr --ecn-ip-ect 3",
		map[string]string{"ours": ourRule(t, v4, "-p tcp -m ecn --ecn-tcp-cwr --ecn-ip-ect 3")}, nil,
		[]probe{
			{"CWR CE", ip4(6, 3, tcpSeg(0x80, nil)), true},
			{"CWR ECT0", ip4(6, 2, tcpSeg(0x80, nil)), false},
			{"ACK CE", ip4(6, 3, tcpSeg(0x10, nil)), false},
		})
}

func TestKernelAH6(t *testing.T) {
	t.Parallel()
	const none = 59
	probes := []probe{
		{"AH len 120 res 0", ip6(51, 0, ahHdr(none, 28, 0, 500)), true},
		{"AH len 488 res 0", ip6(51, 0, ahHdr(none, 120, 0, 500)), false},
		{"AH len 120 res 1", ip6(51, 0, ahHdr(none, 28, 1, 500)), false},
		{"HBH, AH len 120", ip6(0, 0, cat(optsHdr(51, 0), ahHdr(none, 28, 0, 500))), true},
		{"no AH", ip6(none, 0, nil), false},
	}
	rule := "-m ah --ahspi 500 --ahlen 120 --ahres"
	diffs := compareMatch(t, v6, rule, map[string]string{"ours": ourRule(t, v6, rule)},
		map[string]string{"upstream": "ah spi 500 ah hdrlength 120 ah reserved 1"}, probes)
	if fmt.Sprint(diffs["upstream"]) != "[AH len 120 res 0 HBH, AH len 120]" {
		t.Errorf("upstream's translation differs on %v", diffs["upstream"])
	}
	for i := range probes {
		probes[i].want = probes[i].name == "AH len 488 res 0"
	}
	rule = "-m ah ! --ahlen 120"
	diffs = compareMatch(t, v6, rule, map[string]string{"ours": ourRule(t, v6, rule)},
		map[string]string{"upstream": "ah hdrlength != 120"}, probes)
	if len(diffs["upstream"]) == 0 {
		t.Errorf("upstream's translation agrees")
	}
}

func TestKernelFrag(t *testing.T) {
	t.Parallel()
	const none = 59
	probes := []probe{
		{"reserved 0", ip6(44, 0, fragHdr(none, 0, 1, 100)), true},
		{"reserved 1", ip6(44, 0, fragHdr(none, 1, 1, 100)), false},
		{"reserved2 1", ip6(44, 0, fragHdr(none, 0, 1|2, 100)), false},
		{"last fragment", ip6(44, 0, fragHdr(none, 0, 0, 100)), false},
		{"other id", ip6(44, 0, fragHdr(none, 0, 1, 101)), false},
	}
	rule := "-m frag --fragid 100 --fragres --fragmore"
	diffs := compareMatch(t, v6, rule, map[string]string{"ours": ourRule(t, v6, rule)},
		map[string]string{"upstream": "frag id 100 frag reserved 1 frag more-fragments 1"}, probes)
	if fmt.Sprint(diffs["upstream"]) != "[reserved 0 reserved 1]" {
		t.Errorf("upstream's translation differs on %v", diffs["upstream"])
	}
	rule = "-m frag --fragfirst --fraglen 3"
	compareMatch(t, v6, rule, map[string]string{"ours": ourRule(t, v6, rule)}, nil, []probe{
		{"offset 0", ip6(44, 0, fragHdr(none, 0, 1, 1)), true},
		{"offset 8", ip6(44, 0, fragHdr(none, 0, 8, 1)), false},
		{"no fragment header", ip6(none, 0, nil), false},
	})
}

func TestKernelHbhRtLength(t *testing.T) {
	t.Parallel()
	const none = 59
	probes := []probe{
		{"HBH 16 bytes", ip6(0, 0, optsHdr(none, 1)), true},
		{"HBH 8 bytes", ip6(0, 0, optsHdr(none, 0)), false},
		{"HBH 184 bytes", ip6(0, 0, optsHdr(none, 22)), false},
	}
	rule := "-m hbh --hbh-len 16"
	compareMatch(t, v6, rule, map[string]string{"ours": ourRule(t, v6, rule)},
		map[string]string{"upstream-style": "hbh hdrlength 16"}, probes)
	for i := range probes {
		probes[i].want = false
	}
	rule = "-m hbh --hbh-len 22"
	diffs := compareMatch(t, v6, rule, map[string]string{"ours": ourRule(t, v6, rule)},
		map[string]string{"upstream": "hbh hdrlength 22"}, probes)
	if fmt.Sprint(diffs["upstream"]) != "[HBH 184 bytes]" {
		t.Errorf("upstream's translation differs on %v", diffs["upstream"])
	}
	rule = "-m dst ! --dst-len 22"
	compareMatch(t, v6, rule, map[string]string{"ours": ourRule(t, v6, rule)}, nil, []probe{
		{"DST 16 bytes", ip6(60, 0, optsHdr(none, 1)), true},
		{"no DST", ip6(none, 0, nil), false},
	})
	rtProbes := []probe{
		{"RT 24 bytes", ip6(43, 0, rtHdr(none, 2, 0, 26)), false},
		{"RT 24 bytes segs 1", ip6(43, 0, rtHdr(none, 2, 0, 1)), false},
		{"RT 184 bytes segs 1", ip6(43, 0, rtHdr(none, 22, 0, 1)), false},
	}
	rule = "-m rt --rt-type 0 --rt-len 22 ! --rt-segsleft 26"
	diffs = compareMatch(t, v6, rule, map[string]string{"ours": ourRule(t, v6, rule)},
		map[string]string{"upstream": "rt type 0 rt seg-left != 26 rt hdrlength 22"}, rtProbes)
	if fmt.Sprint(diffs["upstream"]) != "[RT 184 bytes segs 1]" {
		t.Errorf("upstream's translation differs on %v", diffs["upstream"])
	}
	rtProbes[0].want, rtProbes[1].want = false, true
	rule = "-m rt --rt-type 0 --rt-len 24 ! --rt-segsleft 26"
	compareMatch(t, v6, rule, map[string]string{"ours": ourRule(t, v6, rule)}, nil, rtProbes)
}

func TestKernelRT0(t *testing.T) {
	t.Parallel()
	const none = 59
	rt0 := func(res uint32, addrs ...byte) []byte {
		h := rtHdr(none, byte(2*len(addrs)), 0, 1)
		binary.BigEndian.PutUint32(h[4:], res)
		for i, a := range addrs {
			h[8+16*i+15] = a
		}
		return ip6(43, 0, h)
	}
	rule := "-m rt --rt-type 0 --rt-0-res --rt-0-addrs ::1,::2"
	compareMatch(t, v6, rule, map[string]string{"ours": ourRule(t, v6, rule)}, nil, []probe{
		{"::1,::2", rt0(0, 1, 2), true},
		{"::1,::2 reserved", rt0(1<<24, 1, 2), false},
		{"::1,::2,::3", rt0(0, 1, 2, 3), false},
		{"::1", rt0(0, 1), false},
		{"::2,::1", rt0(0, 2, 1), false},
	})
}

func TestKernelSCTPChunks(t *testing.T) {
	t.Parallel()
	data := func(flags byte) []byte { return sctpChunk(0, flags) }
	probes := []probe{
		{"INIT,SACK,ABORT:T,DATA:UE", ip4(132, 0, sctpPkt(sctpChunk(1, 0), sctpChunk(3, 0), sctpChunk(6, 1), data(5))), true},
		{"INIT,SACK,ABORT:T,DATA:B,DATA:UE", ip4(132, 0, sctpPkt(sctpChunk(1, 0), sctpChunk(3, 0), sctpChunk(6, 1), data(2), data(5))), true},
		{"INIT,SACK,ABORT:T,DATA:B", ip4(132, 0, sctpPkt(sctpChunk(1, 0), sctpChunk(3, 0), sctpChunk(6, 1), data(2))), false},
	}
	diffs := compareMatch(t, v4, "-p sctp --chunk-types all INIT,DATA:iUbE,SACK,ABORT:T", nil,
		map[string]string{"upstream": "sctp chunk data flags & 0xf == 0x5 sctp chunk init exists sctp chunk sack exists sctp chunk abort flags & 0x1 == 0x1"}, probes)
	if fmt.Sprint(diffs["upstream"]) != "[INIT,SACK,ABORT:T,DATA:B,DATA:UE]" {
		t.Errorf("upstream's translation differs on %v", diffs["upstream"])
	}
	only := "sctp chunk data missing sctp chunk init missing sctp chunk init-ack missing sctp chunk sack missing sctp chunk heartbeat missing sctp chunk heartbeat-ack missing sctp chunk abort missing sctp chunk shutdown missing sctp chunk shutdown-ack missing sctp chunk error missing sctp chunk cookie-echo missing sctp chunk cookie-ack missing sctp chunk ecne missing sctp chunk cwr missing sctp chunk shutdown-complete exists sctp chunk asconf missing sctp chunk asconf-ack missing sctp chunk forward-tsn missing"
	diffs = compareMatch(t, v4, "-p sctp --chunk-types only SHUTDOWN_COMPLETE", nil,
		map[string]string{"upstream (without the chunk types nft 1.0.6 lacks)": only}, []probe{
			{"SHUTDOWN_COMPLETE", ip4(132, 0, sctpPkt(sctpChunk(14, 0))), true},
			{"SHUTDOWN_COMPLETE,AUTH", ip4(132, 0, sctpPkt(sctpChunk(14, 0), sctpChunk(15, 0))), false},
		})
	if len(diffs) != 1 {
		t.Errorf("upstream's translation agrees")
	}
	udp := ip4(17, 0, make([]byte, 8))
	for _, c := range []struct {
		rule string
		want [5]bool // INIT,DATA; DATA,DATA,INIT; DATA; SACK; UDP
	}{
		{"-p sctp --chunk-types all INIT,DATA", [5]bool{true, true, false, false, false}},
		{"-p sctp ! --chunk-types all INIT,DATA", [5]bool{false, false, true, true, false}},
		{"-p sctp --chunk-types any INIT,DATA", [5]bool{true, true, true, false, false}},
		{"-p sctp ! --chunk-types any INIT,DATA", [5]bool{false, false, false, true, false}},
		{"-p sctp ! --chunk-types any INIT", [5]bool{false, false, true, true, false}},
	} {
		compareMatch(t, v4, c.rule, map[string]string{"ours": ourRule(t, v4, c.rule)}, nil, []probe{
			{"INIT,DATA", ip4(132, 0, sctpPkt(sctpChunk(1, 0), data(3))), c.want[0]},
			{"DATA,DATA,INIT", ip4(132, 0, sctpPkt(data(0), data(3), sctpChunk(1, 0))), c.want[1]},
			{"DATA", ip4(132, 0, sctpPkt(data(3))), c.want[2]},
			{"SACK", ip4(132, 0, sctpPkt(sctpChunk(3, 0))), c.want[3]},
			{"UDP", udp, c.want[4]},
		})
	}
}

func TestKernelIPv6Header(t *testing.T) {
	t.Parallel()
	const tcp, none = 6, 59
	seg := tcpSeg(0x10, nil)
	pkts := map[string][]byte{
		"TCP":             ip6(tcp, 0, seg),
		"HBH,TCP":         ip6(0, 0, cat(optsHdr(tcp, 0), seg)),
		"HBH,FRAG,TCP":    ip6(0, 0, cat(optsHdr(44, 0), fragHdr(tcp, 0, 1, 1), seg)),
		"FRAG,TCP":        ip6(44, 0, cat(fragHdr(tcp, 0, 1, 1), seg)),
		"FRAG,NONE":       ip6(44, 0, fragHdr(none, 0, 1, 1)),
		"AH,TCP":          ip6(51, 0, cat(ahHdr(tcp, 1, 0, 1), seg)),
		"FRAG,AH,TCP":     ip6(44, 0, cat(fragHdr(51, 0, 1, 1), ahHdr(tcp, 1, 0, 1), seg)),
		"DST,NONE":        ip6(60, 0, optsHdr(none, 0)),
		"NONE":            ip6(none, 0, nil),
		"ESP":             ip6(50, 0, make([]byte, 16)),
		"RT,FRAG,AH,NONE": ip6(43, 0, cat(rtHdr(44, 0, 0, 0), fragHdr(51, 0, 1, 1), ahHdr(none, 1, 0, 1))),
	}
	for _, rule := range []string{
		"-m ipv6header --header frag,hop --soft",
		"-m ipv6header --header frag,prot",
		"-m ipv6header --header frag,none",
		"-m ipv6header ! --header frag,auth --soft",
		"-m ipv6header ! --header none,auth --soft",
		"-m ipv6header --header auth,frag --soft",
		"-m ipv6header --header none",
		"-m ipv6header --header dst,none",
		"-m ipv6header ! --header frag,prot",
		"-m ipv6header ! --header hop,frag,none",
		"-m ipv6header ! --header esp",
	} {
		t.Run(rule, func(t *testing.T) {
			t.Parallel()
			b := newBench(t)
			args, _ := shlex.Split(rule)
			b.run(append([]string{"ip6tables-legacy", "-A", "OUTPUT"}, args...)...)
			b.loadNft(v6, "output", 0, map[string]string{"ours": ourRule(t, v6, rule)})
			for name, p := range pkts {
				ipt0, nft0 := b.iptCount(v6, "filter", "OUTPUT"), b.nftCounts(v6)["ours"]
				b.send(v6, p)
				ipt, nft := b.iptCount(v6, "filter", "OUTPUT") > ipt0, b.nftCounts(v6)["ours"] > nft0
				if ipt != nft {
					t.Errorf("%s: ip6tables %v, nft %v", name, ipt, nft)
				}
			}
		})
	}
}

// compareRewrite checks the value of a header byte after an iptables
// target and after nft statements, for packets with each initial value.
// field is the raw nft expression of the byte ("@nh,8,8").
func compareRewrite(t *testing.T, fam iptparse.Family, iptTarget string, nftStmts map[string]string, field string, mk func(v byte) []byte, initial []byte, want func(v byte) byte) map[string][]byte {
	t.Helper()
	b := newBench(t)
	tool := "iptables-legacy"
	if fam == v6 {
		tool = "ip6tables-legacy"
	}
	args, _ := shlex.Split(iptTarget)
	b.run(append([]string{tool, "-t", "mangle", "-A", "OUTPUT"}, args...)...)
	// final reports the byte's value after the output hook: the
	// observer counts packets by the value in the postrouting hook.
	rules := map[string]string{}
	for x := 0; x < 256; x++ {
		rules[fmt.Sprint(x)] = fmt.Sprintf("%s %d", field, x)
	}
	b.loadNft(fam, "postrouting", 0, rules)
	final := func(v byte) byte {
		before := b.nftCounts(fam)
		b.send(fam, mk(v))
		for name, n := range b.nftCounts(fam) {
			if n > before[name] {
				x, _ := strconv.Atoi(name)
				return byte(x)
			}
		}
		t.Fatalf("packet not seen")
		return 0
	}
	for _, v := range initial {
		if got := final(v); got != want(v) {
			t.Errorf("iptables %s: %#02x becomes %#02x, expected %#02x", iptTarget, v, got, want(v))
		}
	}
	b.run(tool, "-t", "mangle", "-F")
	wrong := map[string][]byte{}
	for name, stmts := range nftStmts {
		for _, v := range initial {
			b.ns.Exec("", "nft", "delete", "table", nftFam(fam), "m")
			if err := b.ns.NftLoad(fmt.Sprintf("table %s m {\n chain c {\n  type filter hook output priority -150;\n  %s\n }\n}\n", nftFam(fam), stmts)); err != nil {
				t.Fatal(err)
			}
			if got := final(v); got != want(v) {
				wrong[name] = append(wrong[name], v)
			}
		}
	}
	return wrong
}

func TestKernelTOSTarget(t *testing.T) {
	t.Parallel()
	initial := []byte{0x00, 0x03, 0xa5, 0xfc, 0xff}
	for _, c := range []struct {
		fam      iptparse.Family
		opt      string
		v, m     byte
		upstream string // "" if upstream agrees with us
	}{
		{v4, "--set-tos 0x1f", 0x1f, 0xff, "ip dscp set 0x07"},
		{v6, "--set-tos 0xff", 0xff, 0xff, "ip6 dscp set 0x3f"},
		{v4, "--set-tos Minimize-Delay", 0x10, 0x3f, "ip dscp set 0x04"},
		{v4, "--set-tos 0xa0/0xfc", 0xa0, 0xfc, ""},
		{v4, "--and-tos 0xfc", 0, 0x03, ""},
	} {
		stmts := map[string]string{}
		got, err := xlate(t, c.fam, false, "-t mangle -A OUTPUT -j TOS "+c.opt)
		if err == nil {
			stmts["ours"] = strings.TrimPrefix(got, "counter ")
		}
		if c.upstream != "" {
			stmts["upstream"] = c.upstream
		}
		mk := func(v byte) []byte { return ip4(17, v, make([]byte, 8)) }
		field := "@nh,8,8"
		if c.fam == v6 {
			mk = func(v byte) []byte { return ip6(17, v, make([]byte, 8)) }
			field = "@nh,4,8"
		}
		v, m := c.v, c.m
		wrong := compareRewrite(t, c.fam, "-j TOS "+c.opt, stmts, field, mk, initial, func(x byte) byte { return x&^m ^ v })
		if w := wrong["ours"]; len(w) > 0 {
			t.Errorf("%s: ours (%s) wrong for %x", c.opt, stmts["ours"], w)
		}
		if c.upstream != "" && len(wrong["upstream"]) == 0 {
			t.Errorf("%s: upstream's %q agrees with the kernel", c.opt, c.upstream)
		}
	}
}

func TestKernelHLTarget(t *testing.T) {
	t.Parallel()
	initial := []byte{0, 1, 2, 3, 5, 64, 254, 255}
	for _, c := range []struct {
		opt  string
		want func(x byte) byte
	}{
		{"--hl-dec 3", func(x byte) byte {
			if x < 3 {
				return 0
			}
			return x - 3
		}},
		{"--hl-inc 250", func(x byte) byte {
			if int(x)+250 > 255 {
				return 255
			}
			return x + 250
		}},
	} {
		got, err := xlate(t, v6, false, "-t mangle -A OUTPUT -j HL "+c.opt)
		if err != nil {
			t.Fatal(err)
		}
		mk := func(v byte) []byte {
			p := ip6(59, 0, nil)
			p[7] = v
			return p
		}
		wrong := compareRewrite(t, v6, "-j HL "+c.opt, map[string]string{"ours": strings.TrimPrefix(got, "counter ")}, "ip6 hoplimit", mk, initial, c.want)
		if len(wrong["ours"]) > 0 {
			t.Errorf("%s: wrong for %v", c.opt, wrong["ours"])
		}
	}
}

// srhHdr is a segment routing header (routing type 4) with n segments.
func srhHdr(next, segsLeft, lastEntry byte, tag uint16, n int) []byte {
	h := rtHdr(next, byte(2*n), 4, segsLeft)
	h[4] = lastEntry
	binary.BigEndian.PutUint16(h[6:], tag)
	return append(h, make([]byte, 16*n-8)...)
}

// TestKernelMatches compares more of the translations with the kernel's
// own matches.
func TestKernelMatches(t *testing.T) {
	t.Parallel()
	const none = 59
	udp := make([]byte, 8)
	dccp := func(typ byte) []byte {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h, 1000)
		binary.BigEndian.PutUint16(h[2:], 2000)
		h[4] = 4 // data offset: 16 bytes
		h[8] = typ<<1 | 1
		return h
	}
	mh := func(typ byte) []byte { return []byte{none, 0, typ, 0, 0, 0, 0, 0} }
	tos6 := func(tc byte) []byte { return ip6(17, tc, udp) }
	// The tag 7 as the kernel compares it (in host byte order).
	tag7 := binary.BigEndian.Uint16(binary.NativeEndian.AppendUint16(nil, 7))
	for _, c := range []struct {
		fam    iptparse.Family
		rule   string
		probes []probe
	}{
		{v4, "-p ah -m ah ! --ahspi 10:20", []probe{
			{"spi 5", ip4(51, 0, ahHdr(6, 1, 0, 5)), true},
			{"spi 15", ip4(51, 0, ahHdr(6, 1, 0, 15)), false},
			{"udp", ip4(17, 0, udp), false},
		}},
		{v4, "-p esp -m esp --espspi 7", []probe{
			{"spi 7", ip4(50, 0, []byte{0, 0, 0, 7, 0, 0, 0, 1}), true},
			{"spi 8", ip4(50, 0, []byte{0, 0, 0, 8, 0, 0, 0, 1}), false},
		}},
		{v6, "-p esp -m esp", []probe{
			{"esp", ip6(50, 0, make([]byte, 8)), true},
			{"udp", ip6(17, 0, udp), false},
		}},
		{v6, "-m ah ! --ahlen 0", []probe{
			{"ah", ip6(51, 0, ahHdr(none, 1, 0, 1)), true},
			{"hbh,ah", ip6(0, 0, cat(optsHdr(51, 0), ahHdr(none, 1, 0, 1))), true},
			{"udp", ip6(17, 0, udp), false},
		}},
		{v4, "-p ipcomp -m ipcomp --ipcompspi 60000:70000", []probe{
			{"cpi 65000", ip4(108, 0, []byte{6, 0, 0xfd, 0xe8}), true},
			{"cpi 100", ip4(108, 0, []byte{6, 0, 0, 100}), false},
		}},
		{v6, "-p mh --mh-type bu:be", []probe{
			{"bu", ip6(135, 0, mh(5)), true},
			{"hoti", ip6(135, 0, mh(1)), false},
		}},
		{v4, "-p dccp -m dccp ! --dccp-types REQUEST,INVALID --dport 2000", []probe{
			{"request", ip4(33, 0, dccp(0)), false},
			{"data", ip4(33, 0, dccp(2)), true},
			{"type 12", ip4(33, 0, dccp(12)), false},
		}},
		{v6, "-m hl --hl-lt 65", []probe{{"hl 64", ip6(none, 0, nil), true}}},
		{v4, "-m ttl ! --ttl-eq 64", []probe{{"ttl 64", ip4(17, 0, udp), false}}},
		{v6, "-m dscp --dscp-class af41", []probe{
			{"af41 ce", tos6(0x22<<2 | 3), true},
			{"af42", tos6(0x24 << 2), false},
		}},
		{v6, "-m tos --tos 0x10/0x3f", []probe{
			{"0x10", tos6(0x10), true},
			{"0xd0", tos6(0xd0), true},
			{"0x11", tos6(0x11), false},
			{"0x20", tos6(0x20), false},
		}},
		{v4, "-m tos ! --tos Minimize-Delay", []probe{
			{"0x10", ip4(17, 0x10, udp), false},
			{"0xd0", ip4(17, 0xd0, udp), false},
			{"0x12", ip4(17, 0x12, udp), true},
		}},
		{v6, "-m tos --tos 0x02/0x03", []probe{
			{"ect0", tos6(0xa2), true},
			{"ce", tos6(0xa3), false},
		}},
		{v6, "-m srh ! --srh-segs-left-lt 1 --srh-tag 7", []probe{
			{"segs 1 last 2", ip6(43, 0, srhHdr(none, 1, 2, tag7, 3)), true},
			{"segs 3 last 2", ip6(43, 0, srhHdr(none, 3, 2, tag7, 3)), false},
			{"segs 0 last 2", ip6(43, 0, srhHdr(none, 0, 2, tag7, 3)), false},
			{"tag 8", ip6(43, 0, srhHdr(none, 1, 2, tag7+1, 3)), false},
			{"type 0", ip6(43, 0, rtHdr(none, 2, 0, 1)), false},
		}},
		{v6, "-m srh --srh-segs-left-gt 2 --srh-last-entry-lt 9", []probe{
			{"segs 3 last 3", ip6(43, 0, srhHdr(none, 3, 3, 0, 4)), true},
			{"segs 4 last 3", ip6(43, 0, srhHdr(none, 4, 3, 0, 4)), false},
			{"segs 4 last 9", ip6(43, 0, srhHdr(none, 4, 9, 0, 4)), false},
		}},
		{v6, "-m rt --rt-type 0 --rt-segsleft 0", []probe{
			{"rt0 segs 0", ip6(43, 0, rtHdr(none, 2, 0, 0)), true},
			{"rt0 segs 1", ip6(43, 0, rtHdr(none, 2, 0, 1)), false},
			{"rt2 segs 0", ip6(43, 0, rtHdr(none, 2, 2, 0)), false},
		}},
	} {
		compareMatch(t, c.fam, c.rule, map[string]string{"ours": ourRule(t, c.fam, c.rule)}, nil, c.probes)
	}
}

// TestKernelSetTargets compares the constant rewrites with the kernel's
// targets.
func TestKernelSetTargets(t *testing.T) {
	t.Parallel()
	initial := []byte{0x00, 0x03, 0xa5, 0xff}
	for _, c := range []struct {
		fam   iptparse.Family
		tg    string
		field string
		want  func(x byte) byte
	}{
		{v4, "DSCP --set-dscp-class EF", "@nh,8,8", func(x byte) byte { return 0x2e<<2 | x&3 }},
		{v6, "DSCP --set-dscp 1", "@nh,4,8", func(x byte) byte { return 1<<2 | x&3 }},
		{v4, "ECN --ecn-ip-ect 1", "@nh,8,8", func(x byte) byte { return x&^3 | 1 }},
		{v4, "TTL --ttl-set 7", "ip ttl", func(byte) byte { return 7 }},
		{v6, "HL --hl-set 7", "ip6 hoplimit", func(byte) byte { return 7 }},
	} {
		got, err := xlate(t, c.fam, false, "-t mangle -A OUTPUT -j "+c.tg)
		if err != nil {
			t.Fatal(err)
		}
		mk := func(v byte) []byte { return ip4(17, v, make([]byte, 8)) }
		if c.fam == v6 {
			mk = func(v byte) []byte { return ip6(17, v, make([]byte, 8)) }
		}
		wrong := compareRewrite(t, c.fam, "-j "+c.tg, map[string]string{"ours": strings.TrimPrefix(got, "counter ")}, c.field, mk, initial, c.want)
		if len(wrong["ours"]) > 0 {
			t.Errorf("%s: wrong for %x", c.tg, wrong["ours"])
		}
	}
}
