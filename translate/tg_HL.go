package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// -j HL (libip6t_HL.c, IPv6): set, decrement or increment the hop limit;
// the kernel (xt_HL.c) stops at 0 and 255 and allows the target only in
// the mangle table. nft has no arithmetic, but the IPv6 hop limit has no
// checksum and nft 1.0.6 loads a lookup on it, so decrement and increment
// become "ip6 hoplimit set ip6 hoplimit map { ... }" with the saturation
// written out.

func init() {
	registerTTLTarget("HL", "hl", iptparse.FamilyIPv6, "ip6", "hoplimit")
}
