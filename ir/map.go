package ir

// MapLookup is "KEY map MAP": the value that KEY maps to, as used by NAT
// maps ("dnat to tcp dport map { 80 : 10.0.0.1 }").
type MapLookup struct {
	Key Expr
	Map Expr // a SetLit of MapElem, or a SetRef
}

func (*MapLookup) expr() {}
