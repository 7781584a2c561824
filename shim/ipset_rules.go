package shim

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
)

// -m set and -j SET rules use the sets as they are in the kernel: the
// translator is given their definitions (read from the sets' userdata),
// so that the lookup key and the set's type agree. A set that does not
// exist is iptables' error ("Set NAME doesn't exist.", exit 2), as is a
// set of the other family.

// ipsetNames lists the sets a rule uses.
func ipsetNames(r *iptparse.Rule) []string {
	var names []string
	exts := append([]*iptparse.Ext(nil), r.Matches...)
	if r.Target != nil && r.Target.Ext != nil {
		exts = append(exts, r.Target.Ext)
	}
	for _, x := range exts {
		if x.Name != "set" && x.Name != "SET" {
			continue
		}
		for _, o := range x.Options {
			switch o.Name {
			case "match-set", "add-set", "del-set", "map-set":
				if len(o.Args) > 0 {
					names = append(names, o.Args[0].Text)
				}
			}
		}
	}
	return names
}

// prepareIPSets gives the translator the definitions of the ipsets a
// rule uses (read from the kernel).
func (m *model) prepareIPSets(cmd *iptparse.Command) error {
	if cmd.Rule == nil {
		return nil
	}
	names := ipsetNames(cmd.Rule)
	if len(names) == 0 {
		return nil
	}
	if m.ipsets == nil {
		m.ipsets = map[string]*ipset{}
		for _, fam := range []family{famIPv4, famIPv6} {
			sets, err := readIPSets(fam)
			if err != nil {
				return m.errf(1, "reading sets: %v", err)
			}
			for _, s := range sets {
				m.ipsets[s.def.Name] = s
			}
		}
	}
	f := &iptparse.IPSetFile{}
	for _, n := range names {
		s := m.ipsets[n]
		if s == nil {
			return paramErr(m.fam, fmt.Sprintf("Set %s doesn't exist.\n", n))
		}
		if s.fam != m.fam {
			return paramErr(m.fam, fmt.Sprintf("The protocol family of set %s is %s, which is not applicable.\n", n, addrFamilyName(s.def.Family)))
		}
		f.Sets = append(f.Sets, s.def)
	}
	m.tr.AddIPSets(f)
	return nil
}
