package translate

// -m dst (libip6t_dst.c): the IPv6 destination options header, with the
// same options and translation as -m hbh (see ext_hbh.go): --dst-len is
// the header's total length in bytes, --dst-opts is untranslatable.

func init() { registerOptsHdr("dst") }
