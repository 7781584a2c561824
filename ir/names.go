package ir

import "regexp"

var bareIdent = regexp.MustCompile(`^[a-zA-Z_.][a-zA-Z0-9/\-_.]*$`)

// IsBareIdent reports whether name can be written unquoted as a table,
// chain or set name in nft syntax.
func IsBareIdent(name string) bool {
	return bareIdent.MatchString(name) && !nftKeywords[name]
}

// IsKeyword reports whether name is an nft keyword.
func IsKeyword(name string) bool { return nftKeywords[name] }
