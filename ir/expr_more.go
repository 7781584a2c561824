package ir

// Paren is "( X )" as upstream iptables-translate writes it around a
// shifted operand even where nft needs no parentheses
// ("ct mark set ( mark ) << 3"). Normal output writes X, with the
// parentheses its precedence needs.
type Paren struct {
	X Expr
}

func (*Paren) expr() {}
