package translate

import "github.com/ipt2nft/ipt2nft/iptparse"

// -m hl (libip6t_hl.c, IPv6): compare the hop limit with a value, like
// -m ttl (see registerTTLMatch). --hl is an old spelling of --hl-eq that
// cannot be negated.

func init() {
	registerTTLMatch("hl", iptparse.FamilyIPv6, "ip6", "hoplimit",
		"HL match: You must specify one of `--hl-eq', `--hl-lt', `--hl-gt'")
}
