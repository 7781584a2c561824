package iptparse

// ProtocolDBName is the protocols database's name for a protocol number
// ("" if it has none): what getprotobynumber gives, which iptables 1.8.9
// prints in -S and iptables-save before its built-in names.
func ProtocolDBName(num uint8) string {
	protocolsOnce.Do(loadProtocols)
	return protoByNum[num]
}
