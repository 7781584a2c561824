package emit

import (
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
)

// Netlink backend: the data types, header fields and keys nft 1.0.6
// knows, with the byte order, length and symbols it uses for each. Every
// table here was checked against "nft --debug=netlink" of the same text
// (TestNetlinkMatchesText re-checks it for every rule of the corpora).
//
// The maps are built on first use (lazy.Of): most processes print
// text and compile nothing to netlink, and building them all took a
// tenth of a millisecond of every start.

// dtKind says how values of a type are encoded.
type dtKind uint8

const (
	dkInt     dtKind = iota // integer (big endian unless host)
	dkBitmask               // integer whose symbols are flags (ct state, tcp flags)
	dkString                // ifname, ct helper: NUL padded
	dkIPv4
	dkIPv6
	dkEther
	dkVerdict
	dkConcat
)

// dtype is an nft data type.
type dtype struct {
	name  string
	magic uint32 // nft's type id, for set key/data types
	size  uint32 // bytes in a register and in set keys
	host  bool   // host byte order (meta mark, ct state...)
	kind  dtKind
	syms  []dsym    // a slice, not a map: laid out by the compiler, not built at start
	sub   []*loaded // parts of a concatenation
}

// dsym is a symbolic value of a data type ("echo-request" 8).
type dsym struct {
	name string
	v    uint64
}

// sym finds a symbolic value of t.
func (t *dtype) sym(name string) (uint64, bool) {
	for _, s := range t.syms {
		if s.name == name {
			return s.v, true
		}
	}
	return 0, false
}

var (
	dtInteger  = &dtype{name: "integer", magic: 4, size: 4}
	dtIPv4     = &dtype{name: "ipv4_addr", magic: 7, size: 4, kind: dkIPv4}
	dtIPv6     = &dtype{name: "ipv6_addr", magic: 8, size: 16, kind: dkIPv6}
	dtEther    = &dtype{name: "ether_addr", magic: 9, size: 6, kind: dkEther}
	dtEthType  = &dtype{name: "ether_type", magic: 10, size: 2, syms: []dsym{{"ip", 0x0800}, {"arp", 0x0806}, {"ip6", 0x86dd}, {"vlan", 0x8100}, {"8021q", 0x8100}, {"8021ad", 0x88a8}}}
	dtNFProto  = &dtype{name: "nf_proto", magic: 2, size: 1, syms: []dsym{{"ipv4", 2}, {"ipv6", 10}}}
	dtInetProt = &dtype{name: "inet_proto", magic: 12, size: 1}
	dtService  = &dtype{name: "inet_service", magic: 13, size: 2}
	dtICMPType = &dtype{name: "icmp_type", magic: 14, size: 1, syms: []dsym{
		{"echo-reply", 0}, {"destination-unreachable", 3}, {"source-quench", 4}, {"redirect", 5},
		{"echo-request", 8}, {"router-advertisement", 9}, {"router-solicitation", 10},
		{"time-exceeded", 11}, {"parameter-problem", 12}, {"timestamp-request", 13},
		{"timestamp-reply", 14}, {"info-request", 15}, {"info-reply", 16},
		{"address-mask-request", 17}, {"address-mask-reply", 18}}}
	dtTCPFlag = &dtype{name: "tcp_flag", magic: 15, size: 1, kind: dkBitmask, syms: []dsym{
		{"fin", 1}, {"syn", 2}, {"rst", 4}, {"psh", 8}, {"ack", 16}, {"urg", 32}, {"ecn", 64}, {"cwr", 128}}}
	dtMark    = &dtype{name: "mark", magic: 19, size: 4, host: true}
	dtIfIndex = &dtype{name: "iface_index", magic: 20, size: 4, host: true}
	dtIfType  = &dtype{name: "iface_type", magic: 21, size: 2, host: true, syms: []dsym{
		{"ether", 1}, {"ppp", 512}, {"ipip", 768}, {"ipip6", 769}, {"loopback", 772}, {"sit", 776}, {"ipgre", 778}}}
	dtRealm   = &dtype{name: "realm", magic: 22, size: 4, host: true}
	dtClassID = &dtype{name: "classid", magic: 23, size: 4, host: true}
	dtUID     = &dtype{name: "uid", magic: 24, size: 4, host: true}
	dtGID     = &dtype{name: "gid", magic: 25, size: 4, host: true}
	dtCtState = &dtype{name: "ct_state", magic: 26, size: 4, host: true, kind: dkBitmask, syms: []dsym{
		{"invalid", 1}, {"established", 2}, {"related", 4}, {"new", 8}, {"untracked", 64}}}
	dtCtDir    = &dtype{name: "ct_dir", magic: 27, size: 1, syms: []dsym{{"original", 0}, {"reply", 1}}}
	dtCtStatus = &dtype{name: "ct_status", magic: 28, size: 4, host: true, kind: dkBitmask, syms: []dsym{
		{"expected", 1}, {"seen-reply", 2}, {"assured", 4}, {"confirmed", 8}, {"snat", 16}, {"dnat", 32}, {"dying", 512}}}
	dtICMP6Type = &dtype{name: "icmpv6_type", magic: 29, size: 1, syms: []dsym{
		{"destination-unreachable", 1}, {"packet-too-big", 2}, {"time-exceeded", 3}, {"parameter-problem", 4},
		{"echo-request", 128}, {"echo-reply", 129}, {"mld-listener-query", 130}, {"mld-listener-report", 131},
		{"mld-listener-done", 132}, {"mld-listener-reduction", 132}, {"nd-router-solicit", 133},
		{"nd-router-advert", 134}, {"nd-neighbor-solicit", 135}, {"nd-neighbor-advert", 136},
		{"nd-redirect", 137}, {"router-renumbering", 138}, {"ind-neighbor-solicit", 141},
		{"ind-neighbor-advert", 142}, {"mld2-listener-report", 143}}}
	dtDCCPType = &dtype{name: "dccp_pkttype", magic: 16, size: 1, syms: []dsym{
		{"request", 0}, {"response", 1}, {"data", 2}, {"ack", 3}, {"dataack", 4}, {"closereq", 5},
		{"close", 6}, {"reset", 7}, {"sync", 8}, {"syncack", 9}}}
	dtPktType  = &dtype{name: "pkt_type", magic: 31, size: 1, syms: []dsym{{"host", 0}, {"unicast", 0}, {"broadcast", 1}, {"multicast", 2}, {"other", 3}}}
	dtICMPCode = &dtype{name: "icmp_code", magic: 32, size: 1, syms: []dsym{
		{"net-unreachable", 0}, {"host-unreachable", 1}, {"prot-unreachable", 2}, {"port-unreachable", 3},
		{"frag-needed", 4}, {"net-prohibited", 9}, {"host-prohibited", 10}, {"admin-prohibited", 13}}}
	dtICMP6Code = &dtype{name: "icmpv6_code", magic: 33, size: 1, syms: []dsym{
		{"no-route", 0}, {"admin-prohibited", 1}, {"addr-unreachable", 3}, {"port-unreachable", 4},
		{"policy-fail", 5}, {"reject-route", 6}}}
	dtICMPXCode = &dtype{name: "icmpx_code", magic: 34, size: 1, syms: []dsym{
		{"no-route", 0}, {"port-unreachable", 1}, {"host-unreachable", 2}, {"admin-prohibited", 3}}}
	dtDevGroup = &dtype{name: "devgroup", magic: 35, size: 4, host: true, syms: []dsym{{"default", 0}}}
	dtDSCP     = &dtype{name: "dscp", magic: 36, size: 1, syms: []dsym{
		{"cs0", 0}, {"cs1", 8}, {"cs2", 16}, {"cs3", 24}, {"cs4", 32}, {"cs5", 40}, {"cs6", 48}, {"cs7", 56}, {"df", 0}, {"be", 0},
		{"lephb", 1}, {"af11", 10}, {"af12", 12}, {"af13", 14}, {"af21", 18}, {"af22", 20}, {"af23", 22},
		{"af31", 26}, {"af32", 28}, {"af33", 30}, {"af41", 34}, {"af42", 36}, {"af43", 38}, {"va", 44}, {"ef", 46}}}
	dtECN     = &dtype{name: "ecn", magic: 37, size: 1, syms: []dsym{{"not-ect", 0}, {"ect1", 1}, {"ect0", 2}, {"ce", 3}}}
	dtFibAddr = &dtype{name: "fib_addrtype", magic: 38, size: 4, host: true, syms: []dsym{
		{"unspec", 0}, {"unicast", 1}, {"local", 2}, {"broadcast", 3}, {"anycast", 4}, {"multicast", 5},
		{"blackhole", 6}, {"unreachable", 7}, {"prohibit", 8}}}
	dtBoolean = &dtype{name: "boolean", magic: 39, size: 1, syms: []dsym{{"exists", 1}, {"missing", 0}}}
	dtIfName  = &dtype{name: "ifname", magic: 41, size: 16, kind: dkString}
	dtVerdict = &dtype{name: "verdict", magic: 1, kind: dkVerdict}
	dtHelper  = &dtype{name: "string", magic: 5, size: 16, kind: dkString}
)

// dtypesByName are the types a set declaration may name.
var dtypesByName = lazy.Of[map[string]*dtype]{New: func() map[string]*dtype {
	m := map[string]*dtype{"integer": dtInteger}
	for _, t := range []*dtype{dtIPv4, dtIPv6, dtEther, dtEthType, dtNFProto, dtInetProt, dtService,
		dtICMPType, dtTCPFlag, dtMark, dtIfIndex, dtIfType, dtRealm, dtClassID, dtUID, dtGID,
		dtCtState, dtCtDir, dtCtStatus, dtICMP6Type, dtPktType, dtICMPCode, dtICMP6Code, dtICMPXCode,
		dtDevGroup, dtDSCP, dtECN, dtFibAddr, dtBoolean, dtIfName, dtVerdict, dtDCCPType} {
		m[t.name] = t
	}
	return m
}}

// hostOrder is t in host byte order: nft's meta keys are host order even
// where the same type in a header is not (it matters for one-byte keys
// only in interval concatenations, which nft converts).
func hostOrder(t *dtype) *dtype {
	c := *t
	c.host = true
	return &c
}

// intType makes an integer type of n bytes.
func intType(n uint32, host bool) *dtype {
	return &dtype{name: "integer", magic: 4, size: n, host: host}
}

// field is a header field: where it is and what it holds.
type field struct {
	base   expr.PayloadBase
	offset uint32 // bits from the start of the header
	bits   uint32
	t      *dtype
}

// layer of a protocol header, for dependencies.
const (
	layerLL = iota
	layerNet
	layerTrans
)

// proto describes a header: its layer, its number in the layer below
// (IP protocol, or ether type for network headers) and its fields.
type proto struct {
	name   string
	layer  int
	num    uint64 // l4proto number, or nfproto for network headers
	fields map[string]field
}

func f(base expr.PayloadBase, off, bits uint32, t *dtype) field {
	return field{base: base, offset: off, bits: bits, t: t}
}

const (
	nh = expr.PayloadBaseNetworkHeader
	th = expr.PayloadBaseTransportHeader
	ll = expr.PayloadBaseLLHeader
)

func ports(extra map[string]field) map[string]field {
	m := map[string]field{"sport": f(th, 0, 16, dtService), "dport": f(th, 16, 16, dtService)}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

var protos = lazy.Of[map[string]*proto]{New: func() map[string]*proto {
	return map[string]*proto{
		"ether": {name: "ether", layer: layerLL, fields: map[string]field{
			"daddr": f(ll, 0, 48, dtEther), "saddr": f(ll, 48, 48, dtEther), "type": f(ll, 96, 16, dtEthType)}},
		"ip": {name: "ip", layer: layerNet, num: unix.NFPROTO_IPV4, fields: map[string]field{
			"version": f(nh, 0, 4, intType(1, false)), "hdrlength": f(nh, 4, 4, intType(1, false)),
			"dscp": f(nh, 8, 6, dtDSCP), "ecn": f(nh, 14, 2, dtECN), "length": f(nh, 16, 16, intType(2, false)),
			"id": f(nh, 32, 16, intType(2, false)), "frag-off": f(nh, 48, 16, intType(2, false)),
			"ttl": f(nh, 64, 8, intType(1, false)), "protocol": f(nh, 72, 8, dtInetProt),
			"checksum": f(nh, 80, 16, intType(2, false)), "saddr": f(nh, 96, 32, dtIPv4), "daddr": f(nh, 128, 32, dtIPv4)}},
		"ip6": {name: "ip6", layer: layerNet, num: unix.NFPROTO_IPV6, fields: map[string]field{
			"version": f(nh, 0, 4, intType(1, false)), "dscp": f(nh, 4, 6, dtDSCP), "ecn": f(nh, 10, 2, dtECN),
			"flowlabel": f(nh, 12, 20, intType(4, false)), "length": f(nh, 32, 16, intType(2, false)),
			"nexthdr": f(nh, 48, 8, dtInetProt), "hoplimit": f(nh, 56, 8, intType(1, false)),
			"saddr": f(nh, 64, 128, dtIPv6), "daddr": f(nh, 192, 128, dtIPv6)}},
		"tcp": {name: "tcp", layer: layerTrans, num: unix.IPPROTO_TCP, fields: ports(map[string]field{
			"sequence": f(th, 32, 32, intType(4, false)), "ackseq": f(th, 64, 32, intType(4, false)),
			"doff": f(th, 96, 4, intType(1, false)), "reserved": f(th, 100, 4, intType(1, false)),
			"flags": f(th, 104, 8, dtTCPFlag), "window": f(th, 112, 16, intType(2, false)),
			"checksum": f(th, 128, 16, intType(2, false)), "urgptr": f(th, 144, 16, intType(2, false))})},
		"udp": {name: "udp", layer: layerTrans, num: unix.IPPROTO_UDP, fields: ports(map[string]field{
			"length": f(th, 32, 16, intType(2, false)), "checksum": f(th, 48, 16, intType(2, false))})},
		"udplite": {name: "udplite", layer: layerTrans, num: unix.IPPROTO_UDPLITE, fields: ports(map[string]field{
			"csumcov": f(th, 32, 16, intType(2, false)), "checksum": f(th, 48, 16, intType(2, false))})},
		"sctp": {name: "sctp", layer: layerTrans, num: unix.IPPROTO_SCTP, fields: ports(map[string]field{
			"vtag": f(th, 32, 32, intType(4, false)), "checksum": f(th, 64, 32, intType(4, false))})},
		"dccp": {name: "dccp", layer: layerTrans, num: unix.IPPROTO_DCCP, fields: ports(map[string]field{
			"type": f(th, 67, 4, dtDCCPType)})},
		"icmp": {name: "icmp", layer: layerTrans, num: unix.IPPROTO_ICMP, fields: map[string]field{
			"type": f(th, 0, 8, dtICMPType), "code": f(th, 8, 8, dtICMPCode), "checksum": f(th, 16, 16, intType(2, false)),
			"id": f(th, 32, 16, intType(2, false)), "sequence": f(th, 48, 16, intType(2, false)),
			"gateway": f(th, 32, 32, intType(4, false)), "mtu": f(th, 48, 16, intType(2, false))}},
		"icmpv6": {name: "icmpv6", layer: layerTrans, num: unix.IPPROTO_ICMPV6, fields: map[string]field{
			"type": f(th, 0, 8, dtICMP6Type), "code": f(th, 8, 8, dtICMP6Code), "checksum": f(th, 16, 16, intType(2, false)),
			"parameter-problem": f(th, 32, 32, intType(4, false)), "mtu": f(th, 32, 32, intType(4, false)),
			"id": f(th, 32, 16, intType(2, false)), "sequence": f(th, 48, 16, intType(2, false)),
			"max-delay": f(th, 32, 16, intType(2, false))}},
		"esp": {name: "esp", layer: layerTrans, num: unix.IPPROTO_ESP, fields: map[string]field{
			"spi": f(th, 0, 32, intType(4, false)), "sequence": f(th, 32, 32, intType(4, false))}},
		"ah": {name: "ah", layer: layerTrans, num: unix.IPPROTO_AH, fields: map[string]field{
			"nexthdr": f(th, 0, 8, dtInetProt), "hdrlength": f(th, 8, 8, intType(1, false)),
			"reserved": f(th, 16, 16, intType(2, false)), "spi": f(th, 32, 32, intType(4, false)),
			"sequence": f(th, 64, 32, intType(4, false))}},
		"comp": {name: "comp", layer: layerTrans, num: unix.IPPROTO_COMP, fields: map[string]field{
			"nexthdr": f(th, 0, 8, dtInetProt), "flags": f(th, 8, 8, intType(1, false)), "cpi": f(th, 16, 16, intType(2, false))}},
		"igmp": {name: "igmp", layer: layerTrans, num: unix.IPPROTO_IGMP, fields: map[string]field{
			"type": f(th, 0, 8, intType(1, false)), "mrt": f(th, 8, 8, intType(1, false)),
			"checksum": f(th, 16, 16, intType(2, false)), "group": f(th, 32, 32, intType(4, false))}},
		// th: raw transport ports, no protocol dependency (what nft does).
		"th": {name: "th", layer: -1, fields: ports(nil)},
	}
}}

// metaKey is a meta key: its netlink key and type.
type metaKey struct {
	key expr.MetaKey
	t   *dtype
}

var metaKeys = lazy.Of[map[string]metaKey]{New: func() map[string]metaKey {
	return map[string]metaKey{
		"length":    {expr.MetaKeyLEN, intType(4, true)},
		"protocol":  {expr.MetaKeyPROTOCOL, dtEthType},
		"priority":  {expr.MetaKeyPRIORITY, dtClassID},
		"mark":      {expr.MetaKeyMARK, dtMark},
		"iif":       {expr.MetaKeyIIF, dtIfIndex},
		"oif":       {expr.MetaKeyOIF, dtIfIndex},
		"iifname":   {expr.MetaKeyIIFNAME, dtIfName},
		"oifname":   {expr.MetaKeyOIFNAME, dtIfName},
		"iiftype":   {expr.MetaKeyIIFTYPE, dtIfType},
		"oiftype":   {expr.MetaKeyOIFTYPE, dtIfType},
		"skuid":     {expr.MetaKeySKUID, dtUID},
		"skgid":     {expr.MetaKeySKGID, dtGID},
		"nftrace":   {expr.MetaKeyNFTRACE, intType(1, true)},
		"rtclassid": {expr.MetaKeyRTCLASSID, dtRealm},
		"secmark":   {expr.MetaKeySECMARK, intType(4, true)},
		"nfproto":   {expr.MetaKeyNFPROTO, hostOrder(dtNFProto)},
		"l4proto":   {expr.MetaKey(unix.NFT_META_L4PROTO), hostOrder(dtInetProt)},
		"ibrname":   {expr.MetaKeyBRIIIFNAME, dtIfName},
		"obrname":   {expr.MetaKeyBRIOIFNAME, dtIfName},
		"pkttype":   {expr.MetaKeyPKTTYPE, hostOrder(dtPktType)},
		"cpu":       {expr.MetaKeyCPU, intType(4, true)},
		"iifgroup":  {expr.MetaKeyIIFGROUP, dtDevGroup},
		"oifgroup":  {expr.MetaKeyOIFGROUP, dtDevGroup},
		"cgroup":    {expr.MetaKeyCGROUP, intType(4, true)},
		"random":    {expr.MetaKeyPRANDOM, intType(4, false)},
		"time":      {nftMetaTimeNS, &dtype{name: "time", magic: 43, size: 8, host: true}},
		"day":       {nftMetaTimeDay, &dtype{name: "day", magic: 45, size: 1, host: true, syms: []dsym{{"Sunday", 0}, {"Monday", 1}, {"Tuesday", 2}, {"Wednesday", 3}, {"Thursday", 4}, {"Friday", 5}, {"Saturday", 6}}}},
		"hour":      {nftMetaTimeHour, &dtype{name: "hour", magic: 44, size: 4, host: true}},
		"secpath":   {nftMetaSecpath, dtBoolean},
		"ipsec":     {nftMetaSecpath, dtBoolean},
	}
}}

// ctKey is a conntrack key.
type ctKey struct {
	key expr.CtKey
	t   *dtype
}

var ctKeys = lazy.Of[map[string]ctKey]{New: func() map[string]ctKey {
	return map[string]ctKey{
		"state":      {expr.CtKeySTATE, dtCtState},
		"direction":  {expr.CtKeyDIRECTION, dtCtDir},
		"status":     {expr.CtKeySTATUS, dtCtStatus},
		"mark":       {expr.CtKeyMARK, dtMark},
		"expiration": {expr.CtKeyEXPIRATION, &dtype{name: "time", magic: 18, size: 4, host: true}},
		"helper":     {expr.CtKeyHELPER, dtHelper},
		"l3proto":    {expr.CtKeyL3PROTOCOL, dtNFProto},
		"protocol":   {expr.CtKeyPROTOCOL, dtInetProt},
		"proto-src":  {expr.CtKeyPROTOSRC, dtService},
		"proto-dst":  {expr.CtKeyPROTODST, dtService},
		"bytes":      {expr.CtKeyBYTES, intType(8, true)},
		"packets":    {expr.CtKeyPKTS, intType(8, true)},
		"avgpkt":     {expr.CtKeyAVGPKT, intType(8, true)},
		"zone":       {expr.CtKeyZONE, intType(2, true)},
		"secmark":    {expr.CtKeySECMARK, intType(4, true)},
		"label":      {expr.CtKeyLABELS, &dtype{name: "ct_label", magic: 30, size: 16, host: true, kind: dkBitmask}},
		"ip saddr":   {expr.CtKey(unix.NFT_CT_SRC_IP), dtIPv4},
		"ip daddr":   {expr.CtKey(unix.NFT_CT_DST_IP), dtIPv4},
		"ip6 saddr":  {expr.CtKey(unix.NFT_CT_SRC_IP6), dtIPv6},
		"ip6 daddr":  {expr.CtKey(unix.NFT_CT_DST_IP6), dtIPv6},
	}
}}

// IPv6 extension headers (exthdr expressions): header type and fields.
type exthdrDesc struct {
	typ    uint8
	fields map[string]field
}

func xf(off, bits uint32, t *dtype) field { return field{offset: off, bits: bits, t: t} }

var exthdrs = lazy.Of[map[string]exthdrDesc]{New: func() map[string]exthdrDesc {
	return map[string]exthdrDesc{
		"hbh": {0, map[string]field{"nexthdr": xf(0, 8, dtInetProt), "hdrlength": xf(8, 8, intType(1, false))}},
		"rt": {43, map[string]field{"nexthdr": xf(0, 8, dtInetProt), "hdrlength": xf(8, 8, intType(1, false)),
			"type": xf(16, 8, intType(1, false)), "seg-left": xf(24, 8, intType(1, false))}},
		"frag": {44, map[string]field{"nexthdr": xf(0, 8, dtInetProt), "reserved": xf(8, 8, intType(1, false)),
			"frag-off": xf(16, 13, intType(2, false)), "reserved2": xf(29, 2, intType(1, false)),
			"more-fragments": xf(31, 1, intType(1, false)), "id": xf(32, 32, intType(4, false))}},
		"dst": {60, map[string]field{"nexthdr": xf(0, 8, dtInetProt), "hdrlength": xf(8, 8, intType(1, false))}},
		"mh": {135, map[string]field{"nexthdr": xf(0, 8, dtInetProt), "hdrlength": xf(8, 8, intType(1, false)),
			"type": xf(16, 8, &dtype{name: "mh_type", magic: 17, size: 1}), "reserved": xf(24, 8, intType(1, false)),
			"checksum": xf(32, 16, intType(2, false))}},
	}
}}

// TCP options: kind and fields (offsets in bits from the option start).
type tcpOptDesc struct {
	kind   uint8
	fields map[string]field
}

var tcpOpts = lazy.Of[map[string]tcpOptDesc]{New: func() map[string]tcpOptDesc {
	return map[string]tcpOptDesc{
		"eol":       {0, nil},
		"nop":       {1, nil},
		"maxseg":    {2, map[string]field{"size": xf(16, 16, intType(2, false)), "length": xf(8, 8, intType(1, false))}},
		"window":    {3, map[string]field{"count": xf(16, 8, intType(1, false)), "length": xf(8, 8, intType(1, false))}},
		"sack-perm": {4, map[string]field{"length": xf(8, 8, intType(1, false))}},
		"sack":      {5, map[string]field{"length": xf(8, 8, intType(1, false)), "left": xf(16, 32, intType(4, false)), "right": xf(48, 32, intType(4, false))}},
		"timestamp": {8, map[string]field{"length": xf(8, 8, intType(1, false)), "tsval": xf(16, 32, intType(4, false)), "tsecr": xf(48, 32, intType(4, false))}},
	}
}}

const (
	nftMetaTimeNS   = 30
	nftMetaTimeDay  = 31
	nftMetaTimeHour = 32
	nftMetaSecpath  = 25
	nftRtXfrm       = 4
	nftNatNetmap    = 0x40 // NF_NAT_RANGE_NETMAP
)

// rtKey is a routing key: nft's "rt mtu" is the TCP MSS derived from
// the route MTU.
type rtKey struct {
	key expr.RtKey
	t   *dtype
}

var rtKeys = lazy.Of[map[string]rtKey]{New: func() map[string]rtKey {
	return map[string]rtKey{
		"classid": {expr.RtClassid, dtRealm},
		"mtu":     {expr.RtTCPMSS, intType(2, true)},
		"ipsec":   {nftRtXfrm, dtBoolean},
	}
}}

const nftExthdrOpSctp = 3 // NFT_EXTHDR_OP_SCTP

var sctpChunks = lazy.Of[map[string]uint8]{New: func() map[string]uint8 {
	return map[string]uint8{
		"data": 0, "init": 1, "init-ack": 2, "sack": 3, "heartbeat": 4, "heartbeat-ack": 5,
		"abort": 6, "shutdown": 7, "shutdown-ack": 8, "error": 9, "cookie-echo": 10,
		"cookie-ack": 11, "ecne": 12, "cwr": 13, "shutdown-complete": 14, "i-data": 64,
		"asconf-ack": 128, "forward-tsn": 192, "asconf": 193, "i-forward-tsn": 194,
	}
}}

var sctpChunkFields = lazy.Of[map[string]field]{New: func() map[string]field {
	return map[string]field{
		"type": xf(0, 8, intType(1, false)), "flags": xf(8, 8, intType(1, false)), "length": xf(16, 16, intType(2, false)),
	}
}}
