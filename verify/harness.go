package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"golang.org/x/sys/unix"
)

// ErrQueue is returned when a ruleset sends packets to a userspace queue:
// this kernel has no nft_queue, and without a listener a queued packet is
// dropped anyway, so such rulesets cannot be compared.
var ErrQueue error = &unavailableError{"the ruleset queues packets to userspace (NFQUEUE / queue), which this kernel cannot load or the harness cannot observe"}

// unavailableError is an ErrUnavailable with its reason. A package-level
// one is laid out by the compiler; made with fmt.Errorf, ErrQueue cost
// every run of the program 15 µs at start.
type unavailableError struct{ why string }

func (e *unavailableError) Error() string { return ErrUnavailable.Error() + ": " + e.why }
func (e *unavailableError) Unwrap() error { return ErrUnavailable }

// Ruleset is what one side of a comparison loads into its firewall
// namespace. Any combination of the fields may be given.
type Ruleset struct {
	// IptablesSave is an iptables-save dump, loaded with
	// iptables-legacy-restore, or with ip6tables-legacy-restore when
	// Family is iptparse.FamilyIPv6.
	IptablesSave string
	Family       iptparse.Family
	// Ip6tablesSave is an ip6tables-save dump for a dual-stack original
	// (loaded with ip6tables-legacy-restore).
	Ip6tablesSave string
	// Nft is an nftables ruleset, loaded with "nft -f".
	Nft string
	// IPSetSave is an "ipset save" dump, loaded with "ipset restore"
	// before the iptables rulesets (which may use its sets).
	IPSetSave string
}

func (r Ruleset) empty() bool { return r.IptablesSave == "" && r.Ip6tablesSave == "" && r.Nft == "" }

// Options tune the harness. The zero value is fine.
type Options struct {
	// Quiet ends a step once nothing more came out for this long
	// (default 3ms; packets cross the veths within the sending system
	// call, so this is ample).
	Quiet time.Duration
	// MaxWait bounds one step (default 200ms).
	MaxWait time.Duration
	// NoRetry turns off the second run of differing probes. By default a
	// probe whose fates differ is run again after a pause, with a quiet
	// time ten times longer, and only a difference that persists counts:
	// a packet that came out late (after the quiet time) would otherwise
	// be taken for part of the next probe's fate.
	NoRetry bool
	// MaxDiffs stops a comparison after that many differing probes
	// (0: run every probe). Mutation tests need only one.
	MaxDiffs int
	// StrictPorts counts fates as different when they differ only in
	// ports that NAT chose at random. By default two fates that are the
	// same once each side's chosen ports are mapped one to one onto the
	// other's are the same (ProbeResult.PortsRemapped tells): source NAT
	// with a port range (or --random) picks ports at random.
	StrictPorts bool
	// Logf, if set, receives progress and setup details.
	Logf func(format string, args ...any)
	// List makes Compare list each side's nft ruleset after the last
	// probe (Result.Listings): its counters show which rules the probes
	// reached.
	List bool
}

// Harness runs differential comparisons in throwaway network namespaces.
type Harness struct {
	opts Options
	mu   sync.Mutex
	live map[string]*netns
}

// New checks that the harness can run here. Each Compare builds its own
// namespaces and deletes them before it returns; Close deletes whatever a
// failed comparison may have left.
func New(opts Options) (*Harness, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	reapStale()
	if opts.Quiet <= 0 {
		opts.Quiet = 3 * time.Millisecond
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 200 * time.Millisecond
	}
	return &Harness{opts: opts, live: map[string]*netns{}}, nil
}

// Close deletes every namespace the harness still has.
func (h *Harness) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for name, n := range h.live {
		if err := n.delete(); err != nil {
			errs = append(errs, err)
		}
		delete(h.live, name)
	}
	return errors.Join(errs...)
}

func (h *Harness) logf(format string, args ...any) {
	if h.opts.Logf != nil {
		h.opts.Logf(format, args...)
	}
}

func (h *Harness) addNetns(name string) (*netns, error) {
	n, err := addNetns(name)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.live[name] = n
	h.mu.Unlock()
	return n, nil
}

func (h *Harness) delNetns(n *netns) error {
	h.mu.Lock()
	delete(h.live, n.name)
	h.mu.Unlock()
	return n.delete()
}

// StepFate is what became of one step's packet on one side.
type StepFate struct {
	// Skipped says why a reply step was not sent (nothing to answer).
	Skipped string `json:",omitempty"`
	// SendErr is the error of a local send (EPERM: OUTPUT dropped it).
	SendErr string `json:",omitempty"`
	// Local lists packets that reached the firewall's own stack, past
	// every INPUT chain: "eth0: tcp 198.19.0.5:40000 > 198.18.0.1:22 [S] ttl 64".
	Local []string `json:",omitempty"`
	// Out lists packets that left the firewall (forwarded, NATed,
	// answered or rejected), "IFACE: summary"; "lo" for packets the
	// firewall sent itself.
	Out []string `json:",omitempty"`
}

func (f StepFate) String() string {
	if f.Skipped != "" {
		return "skipped (" + f.Skipped + ")"
	}
	var parts []string
	if f.SendErr != "" {
		parts = append(parts, "send: "+f.SendErr)
	}
	for _, l := range f.Local {
		parts = append(parts, "local "+l)
	}
	for _, o := range f.Out {
		parts = append(parts, "out "+o)
	}
	if len(parts) == 0 {
		return "dropped"
	}
	return strings.Join(parts, "; ")
}

// Fate is what became of a probe on one side, step by step.
type Fate []StepFate

func (f Fate) String() string {
	var parts []string
	for i, s := range f {
		parts = append(parts, fmt.Sprintf("%d: %s", i+1, s))
	}
	return strings.Join(parts, " | ")
}

// ProbeResult is one probe's fate on both sides.
type ProbeResult struct {
	Probe *Probe
	A, B  Fate
	Same  bool
	// PortsRemapped: the fates are the same only up to ports NAT chose.
	PortsRemapped bool
}

// Result is the outcome of a comparison.
type Result struct {
	Probes       []ProbeResult
	Same, Differ int
	// Retried counts the probes that differed at first and were run again.
	Retried int
	// PortsRemapped counts the same fates that differ in NAT-chosen ports.
	PortsRemapped int
	Elapsed       time.Duration
	// Listings are "nft list ruleset" of side A and side B after the
	// last probe, with Options.List.
	Listings [2]string
}

// Differences returns the probes whose fates differ.
func (r *Result) Differences() []ProbeResult {
	var d []ProbeResult
	for _, p := range r.Probes {
		if !p.Same {
			d = append(d, p)
		}
	}
	return d
}

// Report writes a summary and up to max differing probes (all if max<=0).
func (r *Result) Report(w io.Writer, max int) {
	fmt.Fprintf(w, "%d probes: %d same, %d differ (%d run twice, %d same up to NAT-chosen ports; %v)\n", len(r.Probes), r.Same, r.Differ, r.Retried, r.PortsRemapped, r.Elapsed.Round(time.Millisecond))
	n := 0
	for _, p := range r.Probes {
		if p.Same {
			continue
		}
		if max > 0 && n == max {
			fmt.Fprintf(w, "... %d more\n", r.Differ-n)
			break
		}
		n++
		fmt.Fprintf(w, "DIFF %s\n  probe: %s\n  A: %s\n  B: %s\n", p.Probe.Name, p.Probe.Describe(), p.A, p.B)
	}
}

// Compare loads a into one firewall namespace and b into another, sends
// every probe of ps into both, and compares what becomes of each packet.
func (h *Harness) Compare(ctx context.Context, a, b Ruleset, ps *ProbeSet) (res *Result, err error) {
	start := time.Now()
	if a.empty() || b.empty() {
		return nil, errors.New("verify: both rulesets must be given")
	}
	if err := ps.Topology.Validate(); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	for _, r := range []Ruleset{a, b} {
		if err := r.check(); err != nil {
			return nil, err
		}
	}
	e := &env{h: h, ps: ps, id: newName(fmt.Sprintf("%s%d-", nsPrefix, os.Getpid()))}
	defer func() {
		if cerr := e.teardown(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := e.setup(a, b); err != nil {
		return nil, err
	}
	h.logf("verify: set up %s in %v", e.id, time.Since(start).Round(time.Millisecond))
	res = &Result{}
	for i := range ps.Probes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := &ps.Probes[i]
		fa, fb, err := e.run(p, h.opts.Quiet)
		if err != nil {
			return nil, fmt.Errorf("probe %d (%s): %w", i, p.Name, err)
		}
		if !h.same(fa, fb) && !h.opts.NoRetry {
			res.Retried++
			e.settle(20 * h.opts.Quiet)
			if fa, fb, err = e.run(p, 10*h.opts.Quiet); err != nil {
				return nil, fmt.Errorf("probe %d (%s): %w", i, p.Name, err)
			}
			e.settle(20 * h.opts.Quiet)
		}
		pr := ProbeResult{Probe: p, A: fa, B: fb, Same: h.same(fa, fb)}
		pr.PortsRemapped = pr.Same && fa.String() != fb.String()
		if pr.PortsRemapped {
			res.PortsRemapped++
		}
		if pr.Same {
			res.Same++
		} else {
			res.Differ++
		}
		res.Probes = append(res.Probes, pr)
		if h.opts.MaxDiffs > 0 && res.Differ >= h.opts.MaxDiffs {
			break
		}
	}
	if h.opts.List {
		for i, s := range e.sides {
			out, err := s.fw.exec("", "nft", "list", "ruleset")
			if err != nil {
				return nil, fmt.Errorf("side %s: nft list ruleset: %v: %s", s.label, err, out)
			}
			res.Listings[i] = out
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func (h *Harness) same(a, b Fate) bool {
	sa, sb := a.String(), b.String()
	if sa == sb {
		return true
	}
	return !h.opts.StrictPorts && samePortsRemapped(sa, sb)
}

// samePortsRemapped reports whether two fate descriptions are the same
// once the ports of one side are mapped one to one onto the other's:
// every word that differs must be ADDR:PORT with the same address, and
// each (address, port) must map to one port consistently, ports that
// appear unchanged mapping to themselves.
func samePortsRemapped(a, b string) bool {
	ta, tb := strings.Fields(a), strings.Fields(b)
	if len(ta) != len(tb) {
		return false
	}
	fwd := map[string]string{}
	back := map[string]string{}
	bind := func(m map[string]string, k, v string) bool {
		if old, ok := m[k]; ok {
			return old == v
		}
		m[k] = v
		return true
	}
	for i := range ta {
		ha, pa, oka := splitHostPort(ta[i])
		hb, pb, okb := splitHostPort(tb[i])
		if ta[i] == tb[i] {
			if oka && (!bind(fwd, ha+" "+pa, pa) || !bind(back, hb+" "+pb, pb)) {
				return false
			}
			continue
		}
		if !oka || !okb || ha != hb {
			return false
		}
		if !bind(fwd, ha+" "+pa, pb) || !bind(back, hb+" "+pb, pa) {
			return false
		}
	}
	return true
}

// splitHostPort splits "1.2.3.4:80", "[2001:db8::1]:80" (with trailing
// punctuation kept in the host part) into host and port.
func splitHostPort(w string) (string, string, bool) {
	tail := strings.TrimRight(w, ";,}|")
	suffix := w[len(tail):]
	i := strings.LastIndexByte(tail, ':')
	if i <= 0 || i == len(tail)-1 {
		return "", "", false
	}
	host, port := tail[:i], tail[i+1:]
	if strings.Contains(host, ":") && !strings.HasSuffix(host, "]") {
		return "", "", false // a bare IPv6 address, no port
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return "", "", false
		}
	}
	return host + suffix, port, true
}

// check tells whether the ruleset can be loaded here.
func (r Ruleset) check() error {
	if r.IptablesSave != "" || r.Ip6tablesSave != "" {
		tool := "iptables-legacy-restore"
		if r.Family == iptparse.FamilyIPv6 || r.Ip6tablesSave != "" {
			tool = "ip6tables-legacy-restore"
		}
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s not installed (Debian package iptables)", ErrUnavailable, tool)
		}
	}
	if queueRule(r.IptablesSave) || queueRule(r.Ip6tablesSave) || nftQueueRule(r.Nft) {
		return ErrQueue
	}
	return nil
}

func queueRule(save string) bool {
	for _, line := range strings.Split(save, "\n") {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			if (f[i] == "-j" || f[i] == "--jump" || f[i] == "-g" || f[i] == "--goto") && (f[i+1] == "NFQUEUE" || f[i+1] == "QUEUE") {
				return true
			}
		}
	}
	return false
}

func nftQueueRule(nft string) bool {
	for _, line := range strings.Split(nft, "\n") {
		f := strings.Fields(strings.SplitN(line, "#", 2)[0])
		if slices.Contains(f, "queue") {
			return true
		}
	}
	return false
}

// observerRules is loaded into both firewall namespaces after the ruleset:
// a chain that runs after every other input chain and logs, to an NFLOG
// group the harness listens to, each packet that got that far (accepted
// for local delivery).
const observerRules = `table inet ipt2nft_verify_observer {
	chain input {
		type filter hook input priority 2147483000; policy accept;
		log prefix "in" group 65532
	}
}
`

// Addresses of the harness's veths. They are the same on both sides.
func fwMAC(i int) [6]byte   { return [6]byte{0x02, 0, 0, 0, 0xf0, byte(i)} }
func peerMAC(i int) [6]byte { return [6]byte{0x02, 0, 0, 0, 0xe0, byte(i)} }

func macString(m [6]byte) string { return net.HardwareAddr(m[:]).String() }

// env is one comparison's namespaces and sockets.
type env struct {
	h     *Harness
	ps    *ProbeSet
	id    string
	world *netns
	sides [2]*side
	buf   []byte
	tmp   string // private files (xtables lock)
}

// side is one firewall namespace with its sockets.
type side struct {
	label   string
	fw      *netns
	peers   map[string]int // interface name → packet socket on its world peer
	peerIdx map[string]int // interface name → index in the topology
	lo      int            // packet socket on the firewall's lo (outgoing only)
	raw4    int
	raw6    int
	nflog   *nlSocket
	ct      *nlSocket
	udp     []int
	fds     []int
	ifnames map[uint32]string
}

var fwSysctls = [][2]string{
	{"net.ipv4.ip_forward", "1"},
	{"net.ipv6.conf.all.forwarding", "1"},
	{"net.ipv6.conf.default.forwarding", "1"},
	{"net.ipv4.conf.all.rp_filter", "0"},
	{"net.ipv4.conf.default.rp_filter", "0"},
	{"net.ipv4.conf.all.send_redirects", "0"},
	{"net.ipv4.conf.default.send_redirects", "0"},
	{"net.ipv4.conf.all.accept_redirects", "0"},
	{"net.ipv4.conf.default.accept_redirects", "0"},
	{"net.ipv6.conf.all.accept_redirects", "0"},
	{"net.ipv6.conf.default.accept_redirects", "0"},
	{"net.ipv6.conf.all.accept_ra", "0"},
	{"net.ipv6.conf.default.accept_ra", "0"},
	{"net.ipv6.conf.default.addr_gen_mode", "1"},
	{"net.ipv6.conf.default.accept_dad", "0"},
	{"net.ipv6.conf.default.dad_transmits", "0"},
	{"net.ipv6.conf.default.router_solicitations", "0"},
	{"net.ipv4.icmp_ratelimit", "0"},
	{"net.ipv6.icmp.ratelimit", "0"},
	{"net.ipv4.icmp_msgs_per_sec", "1000000"},
	{"net.ipv4.icmp_msgs_burst", "1000000"},
	{"net.ipv4.tcp_synack_retries", "0"},
	{"net.ipv6.auto_flowlabels", "0"},
}

var worldSysctls = [][2]string{
	{"net.ipv6.conf.all.disable_ipv6", "1"},
	{"net.ipv6.conf.default.disable_ipv6", "1"},
	{"net.ipv4.ip_forward", "0"},
}

// worldRules make the world namespace's own stack deaf and mute: the
// harness reads and writes frames below netfilter, with packet sockets.
const worldRules = `table inet ipt2nft_verify_world {
	chain pre { type filter hook prerouting priority -500; policy drop; }
	chain out { type filter hook output priority -500; policy drop; }
}
`

func (e *env) setup(a, b Ruleset) error {
	var err error
	if e.tmp, err = os.MkdirTemp("", e.id+"-"); err != nil {
		return err
	}
	if e.world, err = e.h.addNetns(e.id + "-w"); err != nil {
		return err
	}
	if err := e.world.sysctl(worldSysctls); err != nil {
		return err
	}
	if out, err := e.world.exec(worldRules, "nft", "-f", "-"); err != nil {
		return fmt.Errorf("world namespace rules: %v: %s", err, out)
	}
	for i, r := range []Ruleset{a, b} {
		s := &side{label: string(rune('A' + i)), peers: map[string]int{}, peerIdx: map[string]int{}, ifnames: map[uint32]string{}}
		e.sides[i] = s
		if s.fw, err = e.h.addNetns(fmt.Sprintf("%s-%c", e.id, 'a'+i)); err != nil {
			return err
		}
		// iptables-legacy-restore takes /run/xtables.lock and fails at
		// once if another process holds it; the namespace's tables are its
		// own, so a lock of its own is right.
		s.fw.env = []string{"XTABLES_LOCKFILE=" + filepath.Join(e.tmp, s.fw.name+".lock")}
		if err := s.fw.sysctl(fwSysctls); err != nil {
			return err
		}
		if err := e.links(s, i); err != nil {
			return err
		}
		if err := s.load(r); err != nil {
			return err
		}
		if out, err := s.fw.exec(observerRules, "nft", "-f", "-"); err != nil {
			return fmt.Errorf("side %s: loading the observer chain: %v: %s", s.label, err, out)
		}
		if err := e.sockets(s); err != nil {
			return err
		}
	}
	return nil
}

func peerName(side, i int) string { return fmt.Sprintf("p%c%d", 'a'+side, i) }

// links creates the veth pairs of one side and configures the firewall
// end: names, addresses, routes, no ARP/ND (neighbours need no answers).
func (e *env) links(s *side, si int) error {
	var w, f []string
	f = append(f, "link set lo up")
	for i, ifc := range e.ps.Topology.Interfaces {
		p := peerName(si, i)
		s.peerIdx[ifc.Name] = i
		w = append(w,
			fmt.Sprintf("link add %s address %s type veth peer name %s address %s netns %s", p, macString(peerMAC(i)), ifc.Name, macString(fwMAC(i)), s.fw.name),
			fmt.Sprintf("link set %s up", p))
		f = append(f, fmt.Sprintf("link set %s arp off", ifc.Name), fmt.Sprintf("link set %s up", ifc.Name))
		for _, a := range ifc.Addrs {
			if a.Addr().Is6() {
				f = append(f, fmt.Sprintf("addr add %s dev %s nodad", a, ifc.Name))
			} else {
				f = append(f, fmt.Sprintf("addr add %s dev %s", a, ifc.Name))
			}
		}
	}
	for _, ifc := range e.ps.Topology.Interfaces {
		for _, r := range ifc.Routes {
			f = append(f, fmt.Sprintf("route replace %s dev %s", r.Masked(), ifc.Name))
		}
	}
	if err := e.world.batch(w); err != nil {
		return err
	}
	return s.fw.batch(f)
}

func (s *side) load(r Ruleset) error {
	load := func(what, text string, args ...string) error {
		if text == "" {
			return nil
		}
		out, err := s.fw.exec(text, args...)
		if err != nil {
			if strings.Contains(out, "No such file or directory") && (nftQueueRule(text) || queueRule(text)) {
				return ErrQueue
			}
			return &LoadError{Side: s.label, What: what, Err: err, Output: strings.TrimSpace(out)}
		}
		return nil
	}
	if err := load("ipset", r.IPSetSave, "ipset", "restore"); err != nil {
		return err
	}
	tool := "iptables-legacy-restore"
	if r.Family == iptparse.FamilyIPv6 {
		tool = "ip6tables-legacy-restore"
	}
	if err := load("iptables", r.IptablesSave, tool); err != nil {
		return err
	}
	if err := load("ip6tables", r.Ip6tablesSave, "ip6tables-legacy-restore"); err != nil {
		return err
	}
	return load("nft", r.Nft, "nft", "-f", "-")
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func packetSocket(ifindex int) (int, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return -1, fmt.Errorf("packet socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("packet socket bind: %w", err)
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	return fd, nil
}

func (e *env) sockets(s *side) error {
	si := 0
	if s.label == "B" {
		si = 1
	}
	err := e.world.do(func() error {
		for name, i := range s.peerIdx {
			ifc, err := net.InterfaceByName(peerName(si, i))
			if err != nil {
				return err
			}
			fd, err := packetSocket(ifc.Index)
			if err != nil {
				return err
			}
			s.fds = append(s.fds, fd)
			s.peers[name] = fd
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("side %s: world sockets: %w", s.label, err)
	}
	err = s.fw.do(func() error {
		ifs, err := net.Interfaces()
		if err != nil {
			return err
		}
		for _, ifc := range ifs {
			s.ifnames[uint32(ifc.Index)] = ifc.Name
			if ifc.Name == "lo" {
				if s.lo, err = packetSocket(ifc.Index); err != nil {
					return err
				}
				s.fds = append(s.fds, s.lo)
			}
		}
		if s.raw4, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW); err != nil {
			return fmt.Errorf("raw socket: %w", err)
		}
		s.fds = append(s.fds, s.raw4)
		if s.raw6, err = unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW); err != nil {
			return fmt.Errorf("raw socket: %w", err)
		}
		s.fds = append(s.fds, s.raw6)
		if s.nflog, err = openNetfilterNetlink(); err != nil {
			return err
		}
		if err := s.nflog.bindNFLOG(observerGroup); err != nil {
			return err
		}
		if s.ct, err = openNetfilterNetlink(); err != nil {
			return err
		}
		return s.services(e.ps)
	})
	if err != nil {
		return fmt.Errorf("side %s: firewall sockets: %w", s.label, err)
	}
	return nil
}

// services opens the listening sockets of the probe set in the firewall
// namespace (called on a thread inside it).
func (s *side) services(ps *ProbeSet) error {
	for _, port := range uniqPorts(ps.TCPPorts) {
		fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		s.fds = append(s.fds, fd)
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		if err := unix.Bind(fd, &unix.SockaddrInet6{Port: int(port)}); err != nil {
			return fmt.Errorf("tcp listener on port %d: %w", port, err)
		}
		if err := unix.Listen(fd, 4096); err != nil {
			return err
		}
	}
	for _, port := range uniqPorts(ps.UDPPorts) {
		fd4, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		s.fds = append(s.fds, fd4)
		unix.SetsockoptInt(fd4, unix.IPPROTO_IP, unix.IP_PKTINFO, 1)
		if err := unix.Bind(fd4, &unix.SockaddrInet4{Port: int(port)}); err != nil {
			return fmt.Errorf("udp socket on port %d: %w", port, err)
		}
		fd6, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		s.fds = append(s.fds, fd6)
		unix.SetsockoptInt(fd6, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
		unix.SetsockoptInt(fd6, unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1)
		if err := unix.Bind(fd6, &unix.SockaddrInet6{Port: int(port)}); err != nil {
			return fmt.Errorf("udp socket on port %d: %w", port, err)
		}
		s.udp = append(s.udp, fd4, fd6)
	}
	return nil
}

func uniqPorts(ps []uint16) []uint16 {
	r := slices.Clone(ps)
	slices.Sort(r)
	r = slices.Compact(r)
	if len(r) > 0 && r[0] == 0 {
		r = r[1:]
	}
	return r
}

func (e *env) teardown() error {
	for _, s := range e.sides {
		if s == nil {
			continue
		}
		for _, fd := range s.fds {
			unix.Close(fd)
		}
		if s.nflog != nil {
			s.nflog.close()
		}
		if s.ct != nil {
			s.ct.close()
		}
	}
	var errs []error
	for _, s := range e.sides {
		if s != nil && s.fw != nil {
			errs = append(errs, e.h.delNetns(s.fw))
		}
	}
	if e.world != nil {
		errs = append(errs, e.h.delNetns(e.world))
	}
	if e.tmp != "" {
		errs = append(errs, os.RemoveAll(e.tmp))
	}
	return errors.Join(errs...)
}

// observed is a packet seen leaving a firewall namespace.
type observed struct {
	iface string
	raw   []byte
	pkt   *Packet
}

// stepRun collects one step's events on one side.
type stepRun struct {
	fate    StepFate
	outputs []observed
}

// settle waits until nothing has come out for the given time, and
// discards what did.
func (e *env) settle(quiet time.Duration) {
	e.collect([2]*stepRun{{}, {}}, quiet, 50*quiet)
}

// run sends a probe through both sides.
func (e *env) run(p *Probe, quiet time.Duration) (Fate, Fate, error) {
	for _, s := range e.sides {
		if err := s.ct.flushConntrack(); err != nil {
			return nil, nil, fmt.Errorf("side %s: flushing conntrack: %w", s.label, err)
		}
	}
	var fates [2]Fate
	var prev [2][]observed
	for si := range p.Steps {
		st := &p.Steps[si]
		var runs [2]*stepRun
		for i, s := range e.sides {
			runs[i] = &stepRun{}
			if err := e.send(s, st, prev[i], runs[i]); err != nil {
				return nil, nil, err
			}
		}
		if err := e.collect(runs, quiet, max(e.h.opts.MaxWait, 2*quiet)); err != nil {
			return nil, nil, err
		}
		for i := range e.sides {
			slices.Sort(runs[i].fate.Local)
			slices.Sort(runs[i].fate.Out)
			fates[i] = append(fates[i], runs[i].fate)
			prev[i] = runs[i].outputs
		}
	}
	return fates[0], fates[1], nil
}

// send builds the step's packet for one side and sends it.
func (e *env) send(s *side, st *Step, prev []observed, run *stepRun) error {
	pkt := st.Packet
	in, local := st.In, st.Local
	if st.Reply != Literal {
		var q *observed
		for i := range prev {
			if prev[i].iface != "lo" && prev[i].pkt != nil {
				q = &prev[i]
				break
			}
		}
		if q == nil {
			run.fate.Skipped = "nothing to answer"
			return nil
		}
		r, why := answer(st, q)
		if r == nil {
			run.fate.Skipped = why
			return nil
		}
		pkt, in, local = *r, q.iface, false
	}
	if pkt.TTL == 0 {
		pkt.TTL = 64
	}
	l3, err := pkt.Marshal()
	if err != nil {
		return err
	}
	if local {
		var sa unix.Sockaddr
		fd := s.raw4
		if pkt.Dst.Is4() {
			sa = &unix.SockaddrInet4{Addr: pkt.Dst.As4()}
		} else {
			fd = s.raw6
			sa = &unix.SockaddrInet6{Addr: pkt.Dst.As16()}
		}
		if err := unix.Sendto(fd, l3, 0, sa); err != nil {
			run.fate.SendErr = errnoName(err)
		}
		return nil
	}
	fd, ok := s.peers[in]
	if !ok {
		return fmt.Errorf("step enters by %q, which the topology lacks", in)
	}
	src := peerMAC(s.peerIdx[in])
	if st.SrcMAC != ([6]byte{}) && st.Reply == Literal {
		src = st.SrcMAC
	}
	if _, err := unix.Write(fd, frame(fwMAC(s.peerIdx[in]), src, l3)); err != nil {
		if errors.Is(err, unix.EMSGSIZE) {
			run.fate.SendErr = errnoName(err) // larger than the veth's MTU
			return nil
		}
		return fmt.Errorf("side %s: injecting on %s: %w", s.label, in, err)
	}
	return nil
}

func errnoName(err error) string {
	var en unix.Errno
	if errors.As(err, &en) {
		if n := unix.ErrnoName(en); n != "" {
			return n
		}
	}
	return err.Error()
}

// answer makes the packet of a reply step from the output it answers.
func answer(st *Step, q *observed) (*Packet, string) {
	o := q.pkt
	t := st.Packet
	switch st.Reply {
	case ICMPError:
		r := &Packet{Src: o.Dst, Dst: o.Src, Type: t.Type, Code: t.Code, TTL: t.TTL, ID: t.ID}
		quote := q.raw
		if o.Dst.Is4() {
			r.Proto = ProtoICMP
			quote = quote[:min(len(quote), 64)]
		} else {
			r.Proto = ProtoICMPv6
			quote = quote[:min(len(quote), 128)]
		}
		r.Payload = append([]byte(nil), quote...)
		return r, ""
	case Reverse:
		if o.IsICMPError() {
			return nil, "previous output is an ICMP error"
		}
		if t.Proto != 0 && t.Proto != o.Proto {
			return nil, "previous output is " + ProtoName(o.Proto)
		}
		r := &Packet{Src: o.Dst, Dst: o.Src, Proto: o.Proto, SrcPort: o.DstPort, DstPort: o.SrcPort,
			TTL: t.TTL, TOS: t.TOS, ID: t.ID, FlowLabel: t.FlowLabel, Payload: t.Payload}
		switch o.Proto {
		case ProtoTCP:
			if o.Flags&RST != 0 {
				return nil, "previous output is a reset"
			}
			r.Flags, r.MSS, r.Window = t.Flags, t.MSS, t.Window
			r.Seq = t.Seq
			if o.Flags&ACK != 0 {
				r.Seq = o.Ack
			}
			if r.Flags&ACK != 0 {
				n := uint32(len(o.Payload))
				if o.Flags&(SYN|FIN) != 0 {
					n++
				}
				r.Ack = o.Seq + n
			}
		case ProtoICMP, ProtoICMPv6:
			r.Type, r.Code, r.Rest = t.Type, t.Code, o.Rest
			if t.Payload == nil {
				r.Payload = o.Payload
			}
		}
		return r, ""
	}
	return nil, "unknown reply kind"
}

// noise reports packets the firewall's stack sends by itself (MLD and
// IGMP reports for the groups it joins, router solicitations), which no
// probe causes. They go to link-local multicast groups, which are never
// forwarded, so a probe's own packets cannot be mistaken for them.
func noise(p *Packet) bool {
	if p.Dst.Is4() {
		return p.Proto == 2 && netip.MustParsePrefix("224.0.0.0/24").Contains(p.Dst)
	}
	if p.Proto == ProtoICMPv6 && netip.MustParsePrefix("ff02::/16").Contains(p.Dst) {
		switch p.Type {
		case 131, 132, 133, 143:
			return true
		}
	}
	return false
}

// collect waits until both sides have been quiet for the quiet time and
// records what each produced.
func (e *env) collect(runs [2]*stepRun, quiet, maxWait time.Duration) error {
	if e.buf == nil {
		e.buf = make([]byte, 1<<16)
	}
	type src struct {
		side  int
		kind  int // 0 peer, 1 lo, 2 nflog, 3 udp service
		iface string
	}
	var pfds []unix.PollFd
	var srcs []src
	for i, s := range e.sides {
		for name, fd := range s.peers {
			pfds = append(pfds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
			srcs = append(srcs, src{i, 0, name})
		}
		pfds = append(pfds, unix.PollFd{Fd: int32(s.lo), Events: unix.POLLIN})
		srcs = append(srcs, src{i, 1, "lo"})
		pfds = append(pfds, unix.PollFd{Fd: int32(s.nflog.fd), Events: unix.POLLIN})
		srcs = append(srcs, src{i, 2, ""})
		for _, fd := range s.udp {
			pfds = append(pfds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
			srcs = append(srcs, src{i, 3, ""})
		}
	}
	start := time.Now()
	last := start
	for {
		now := time.Now()
		end := last.Add(quiet)
		if hard := start.Add(maxWait); hard.Before(end) {
			end = hard
		}
		if !now.Before(end) {
			return nil
		}
		for i := range pfds {
			pfds[i].Revents = 0
		}
		n, err := unix.Poll(pfds, int((end.Sub(now)+time.Millisecond-1)/time.Millisecond))
		if err != nil && !errors.Is(err, unix.EINTR) {
			return err
		}
		if n <= 0 {
			continue
		}
		for i, pf := range pfds {
			if pf.Revents == 0 {
				continue
			}
			sr := srcs[i]
			s, run := e.sides[sr.side], runs[sr.side]
			got, err := e.drain(s, sr.kind, sr.iface, int(pf.Fd), run)
			if err != nil {
				return err
			}
			if got {
				last = time.Now()
			}
		}
	}
}

// drain reads what a socket has and records it.
func (e *env) drain(s *side, kind int, iface string, fd int, run *stepRun) (bool, error) {
	got := false
	switch kind {
	case 0, 1:
		for {
			n, from, err := unix.Recvfrom(fd, e.buf, unix.MSG_DONTWAIT)
			if errors.Is(err, unix.EAGAIN) {
				return got, nil
			}
			if err != nil {
				return got, err
			}
			ll, ok := from.(*unix.SockaddrLinklayer)
			if !ok {
				continue
			}
			// On a world peer, what the firewall sends arrives as
			// host/otherhost/multicast; our own injections show as
			// outgoing. On lo, a packet is seen going out and coming in:
			// keep the outgoing copy.
			if (kind == 0) == (ll.Pkttype == unix.PACKET_OUTGOING) {
				continue
			}
			l3 := unframe(e.buf[:n])
			if l3 == nil {
				continue
			}
			raw := append([]byte(nil), l3...)
			p, err := Parse(raw)
			if err != nil || noise(p) {
				continue
			}
			got = true
			run.outputs = append(run.outputs, observed{iface: iface, raw: raw, pkt: p})
			run.fate.Out = append(run.fate.Out, iface+": "+p.Summary())
		}
	case 2:
		pkts, err := s.nflog.readNFLOG(e.buf)
		for _, lp := range pkts {
			p, perr := Parse(lp.payload)
			if perr != nil {
				continue
			}
			got = true
			name := s.ifnames[lp.indev]
			if name == "" {
				name = fmt.Sprintf("if%d", lp.indev)
			}
			run.fate.Local = append(run.fate.Local, name+": "+p.Summary())
		}
		return got, err
	case 3:
		for {
			oob := make([]byte, 256)
			n, oobn, _, from, err := unix.Recvmsg(fd, e.buf, oob, unix.MSG_DONTWAIT)
			if errors.Is(err, unix.EAGAIN) {
				return got, nil
			}
			if err != nil {
				return got, err
			}
			got = true
			if e.fromService(from) {
				continue
			}
			echoUDP(fd, e.buf[:n], oob[:oobn], from)
		}
	}
	return got, nil
}

// fromService reports whether a datagram came from one of the harness's
// own UDP service sockets: from a service port of one of the firewall's
// addresses (a local probe from one service port to another, or an echo
// of it). It is not echoed: the two sockets would echo it back and forth
// for ever.
func (e *env) fromService(from unix.Sockaddr) bool {
	var addr netip.Addr
	port := -1
	switch a := from.(type) {
	case *unix.SockaddrInet4:
		addr, port = netip.AddrFrom4(a.Addr), a.Port
	case *unix.SockaddrInet6:
		addr, port = netip.AddrFrom16(a.Addr).Unmap(), a.Port
	}
	return port >= 0 && slices.Contains(e.ps.UDPPorts, uint16(port)) && e.ps.Topology.IsLocal(addr)
}

// echoUDP sends a datagram back from the address it was sent to.
func echoUDP(fd int, data, oob []byte, to unix.Sockaddr) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	var ctl []byte
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_PKTINFO:
			if len(m.Data) >= 12 {
				ctl = unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: [4]byte(m.Data[8:12])})
			}
		case m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_PKTINFO:
			if len(m.Data) >= 16 {
				ctl = unix.PktInfo6(&unix.Inet6Pktinfo{Addr: [16]byte(m.Data[:16])})
			}
		}
	}
	unix.SendmsgN(fd, data, ctl, to, unix.MSG_DONTWAIT)
}

// Verify compares an iptables-save dump of one family with an nft ruleset
// meant to replace it, with n probes derived from the dump.
func (h *Harness) Verify(ctx context.Context, original string, fam iptparse.Family, translation string, n int, seed int64) (*Result, error) {
	if fam == iptparse.FamilyAny {
		fam = iptparse.DetectFamily(original)
	}
	ps, err := Probes(original, fam, n, seed)
	if err != nil {
		return nil, err
	}
	return h.Compare(ctx, Ruleset{IptablesSave: original, Family: fam}, Ruleset{Nft: translation}, ps)
}
