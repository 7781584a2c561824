package ir

import (
	"regexp"
	"sort"
)

var bareIdent = regexp.MustCompile(`^[a-zA-Z_.][a-zA-Z0-9/\-_.]*$`)

// IsBareIdent reports whether name can be written unquoted as a table,
// chain or set name in nft syntax.
func IsBareIdent(name string) bool {
	return bareIdent.MatchString(name) && !nftKeywords[name]
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
