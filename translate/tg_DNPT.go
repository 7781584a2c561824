package translate

// -j DNPT (libip6t_DNPT.c): stateless, checksum-neutral IPv6 network prefix
// translation (RFC 6296). nft can only rewrite prefixes with stateful NAT
// ("snat/dnat ip6 prefix to"), which tracks connections and does not
// adjust the interface identifier to keep checksums neutral, so the rule
// is reported as untranslatable. It is registered in tg_NPT.go.
