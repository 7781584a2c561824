package iptparse

// ParseSaveFile parses src as iptables-restore input whatever it looks
// like (iptables-restore reads nothing else).
func ParseSaveFile(name, src string, reg Registry, fam Family) *File {
	f := &File{Name: name, Family: fam, Format: FormatSave}
	parseSave(f, src, reg)
	return f
}
