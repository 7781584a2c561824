package iptparse

// ParseSaveFile parses src as iptables-restore input whatever it looks
// like (iptables-restore reads nothing else).
func ParseSaveFile(name, src string, reg Registry, fam Family) *File {
	f := &File{Name: name, Family: fam, Format: FormatSave}
	sp := &saveParser{f: f, reg: reg}
	for _, e := range scanSave(f, src) {
		f.Items = append(f.Items, itemOf(&e, sp.parse))
	}
	return f
}
