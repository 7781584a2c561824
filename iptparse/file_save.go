package iptparse

// ParseSaveFile parses src as iptables-restore input whatever it looks
// like (iptables-restore reads nothing else).
func ParseSaveFile(name, src string, reg Registry, fam Family) *File {
	f := &File{Name: name, Family: fam, Format: FormatSave}
	sp := &saveParser{f: f, reg: reg}
	var a arena
	entries := scanSave(f, src)
	for i := range entries {
		f.Items = append(f.Items, itemOf(&entries[i], sp.parse, &a))
	}
	return f
}

// ParseSaveFileFunc is ParseSaveFile handing each item to each, in
// order, as it is parsed, instead of keeping them in the File: only the
// lines being parsed are held (the parse trees of a 100,000-rule restore
// were half of what the shim held at once).
func ParseSaveFileFunc(name, src string, reg Registry, fam Family, each func(Item)) *File {
	f := &File{Name: name, Family: fam, Format: FormatSave}
	parseScan(&saveScanner{f: f, rest: src}, false, func() parseFunc { return (&saveParser{f: f, reg: reg}).parse }, each)
	return f
}
