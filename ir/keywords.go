package ir

// nftKeywords are the words nft 1.0.6 reads as keywords everywhere, so they
// cannot be used as bare chain, set or table names. The list was taken
// by loading "chain WORD {}" for every token name in libnftables and
// keeping those that fail; TestKeywordsMatchInstalledNft re-checks it.
//
// They are sorted, for IsKeyword's binary search: an array of constant
// strings is laid out by the compiler, where a map of 141 words was
// built by every run at start (27,000 instructions, 6.6 KB of heap).
var nftKeywords = [...]string{
	"accept", "add", "ah", "all", "arp", "auto-merge", "bridge", "cgroup",
	"chain", "comment", "comp", "constant", "continue", "counter", "cpu",
	"create", "ct", "day", "dccp", "define", "delete", "describe", "device",
	"devices", "dnat", "drop", "dst", "dup", "dynamic", "ecn", "element",
	"elements", "esp", "ether", "exists", "expires", "export", "exthdr",
	"fib", "flags", "flow", "flowtable", "flush", "frag", "fwd",
	"gc-interval", "get", "goto", "handle", "hbh", "hook", "hour", "ibriport",
	"ibrname", "icmp", "icmpv6", "igmp", "iif", "iifgroup", "iifname",
	"iiftype", "import", "include", "index", "inet", "insert", "interval",
	"ip", "ip6", "ipsec", "jhash", "jump", "limit", "list", "log", "map",
	"mark", "masquerade", "meta", "meter", "mh", "missing", "monitor",
	"netdev", "nftrace", "notrack", "numgen", "obriport", "obrname",
	"offload", "oif", "oifgroup", "oifname", "oiftype", "osf", "pkttype",
	"policy", "position", "priority", "queue", "quota", "random", "redefine",
	"redirect", "reject", "rename", "replace", "reset", "return", "rt", "rt0",
	"rt2", "rtclassid", "rule", "ruleset", "sctp", "secmark", "set", "size",
	"skgid", "skuid", "snat", "socket", "srh", "symhash", "synproxy", "table",
	"tcp", "th", "time", "timeout", "tproxy", "type", "typeof", "udp",
	"udplite", "undefine", "update", "vlan", "vmap", "xt",
}
