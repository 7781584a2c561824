package iptparse

// ParseSaveFile parses src as iptables-restore input whatever it looks
// like (iptables-restore reads nothing else).
func ParseSaveFile(name, src string, reg Registry, fam Family) *File {
	f := &File{Name: name, Family: fam, Format: FormatSave}
	sp := &saveParser{f: f, reg: reg}
	entries := scanSave(f, src)
	for i := range entries {
		f.Items = append(f.Items, itemOf(&entries[i], sp.parse))
	}
	return f
}
