package ir

import "slices"

// IsBareIdent reports whether name can be written unquoted as a table,
// chain or set name in nft syntax: it matches ^[a-zA-Z_.][a-zA-Z0-9/\-_.]*$
// and is no keyword.
func IsBareIdent(name string) bool {
	if name == "" || identClass[name[0]]&identFirst == 0 {
		return false
	}
	// The classes of all the bytes, and'ed and or'ed four at a time
	// without a branch a byte: a jump's chain name is looked at for
	// every rule that jumps (the dispatch 20,000-rule dump's KUBE-SEP-...
	// names, byte by byte: 160 instructions a name; so, 140).
	all, any := uint8(identNext), uint8(0)
	i := 0
	for ; i+4 <= len(name); i += 4 {
		w := name[i : i+4]
		k0, k1, k2, k3 := identClass[w[0]], identClass[w[1]], identClass[w[2]], identClass[w[3]]
		all &= k0 & k1 & k2 & k3
		any |= k0 | k1 | k2 | k3
	}
	for ; i < len(name); i++ {
		k := identClass[name[i]]
		all &= k
		any |= k
	}
	if all == 0 {
		return false
	}
	// The keywords are lower case (TestKeywordsLowerCase): a name with
	// a capital letter, as most chain names have, is none of them.
	return any&identUpper != 0 || !IsKeyword(name)
}

// The classes of bytes in identifiers, for IsBareIdent.
const (
	identFirst = 1 << iota // may start a name: [a-zA-Z_.]
	identNext              // may follow: those and [0-9/\-]
	identUpper             // a capital letter
)

var identClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = identFirst | identNext
		t[c-'a'+'A'] = identFirst | identNext | identUpper
	}
	t['_'], t['.'] = identFirst|identNext, identFirst|identNext
	for _, c := range "0123456789/-" {
		t[c] = identNext
	}
	return t
}()

// IsKeyword reports whether name is an nft keyword.
func IsKeyword(name string) bool {
	_, found := slices.BinarySearch(nftKeywords[:], name)
	return found
}

// Keywords lists the nft keywords, sorted (for tests and documentation).
func Keywords() []string { return slices.Clone(nftKeywords[:]) }
