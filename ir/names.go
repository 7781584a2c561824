package ir

import "sort"

// IsBareIdent reports whether name can be written unquoted as a table,
// chain or set name in nft syntax: it matches ^[a-zA-Z_.][a-zA-Z0-9/\-_.]*$
// and is no keyword.
func IsBareIdent(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '.'
		if !letter && (i == 0 || !('0' <= c && c <= '9' || c == '/' || c == '-')) {
			return false
		}
	}
	return !nftKeywords[name]
}

// IsKeyword reports whether name is an nft keyword.
func IsKeyword(name string) bool { return nftKeywords[name] }

// Keywords lists the nft keywords (for tests and documentation).
func Keywords() []string {
	var l []string
	for k := range nftKeywords {
		l = append(l, k)
	}
	sort.Strings(l)
	return l
}
