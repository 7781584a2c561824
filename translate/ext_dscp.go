package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m dscp (libxt_dscp.c): the DSCP field, by number or DiffServ class.

var extDscp = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "dscp", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "dscp", Type: iptparse.TypeUint8, Max: 63, Flags: inv, Excl: []string{"dscp-class"}},
				{Name: "dscp-class", Type: iptparse.TypeString, Flags: inv, Excl: []string{"dscp"}},
			},
			Check: func(x *iptparse.Ext) error {
				return checkDSCPClass(x, "dscp-class", "DSCP match: Parameter --dscp is required")
			},
		},
		Translate: func(c *Ctx, x *iptparse.Ext) error {
			v, neg := dscpValue(x, "dscp", "dscp-class")
			c.Add(ir.EqOrNe(&ir.Payload{Proto: c.L3(), Field: "dscp"}, neg, hex2(v)))
			return nil
		},
	},
}

func init() { registerAll(extDscp) }

// dsClasses is dscp_helper.c's class table, in its order.
var dsClasses = []struct {
	name string
	dscp uint64
}{
	{"CS0", 0x00}, {"CS1", 0x08}, {"CS2", 0x10}, {"CS3", 0x18},
	{"CS4", 0x20}, {"CS5", 0x28}, {"CS6", 0x30}, {"CS7", 0x38},
	{"BE", 0x00},
	{"AF11", 0x0a}, {"AF12", 0x0c}, {"AF13", 0x0e},
	{"AF21", 0x12}, {"AF22", 0x14}, {"AF23", 0x16},
	{"AF31", 0x1a}, {"AF32", 0x1c}, {"AF33", 0x1e},
	{"AF41", 0x22}, {"AF42", 0x24}, {"AF43", 0x26},
	{"EF", 0x2e},
}

// classToDSCP is class_to_dscp: the first class name the word starts
// with (case-insensitive), so "af11x" is AF11.
func classToDSCP(s string) (uint64, error) {
	for _, c := range dsClasses {
		if len(s) >= len(c.name) && strings.EqualFold(s[:len(c.name)], c.name) {
			return c.dscp, nil
		}
	}
	return 0, fmt.Errorf("Invalid DSCP value `%s'", s)
}

// checkDSCPClass checks the class name option and that a value is given.
// It is called from a function literal, not a closure built at start, so
// that the option tables are laid out by the compiler.
func checkDSCPClass(x *iptparse.Ext, classOpt, missing string) error {
	if len(x.Options) == 0 {
		return optErr(x, nil, "%s", missing)
	}
	if o := x.Opt(classOpt); o != nil {
		if _, err := classToDSCP(o.Arg()); err != nil {
			return optErr(x, o, "%s", err)
		}
	}
	return nil
}

// dscpValue is the DSCP given by number or class, and its negation.
func dscpValue(x *iptparse.Ext, numOpt, classOpt string) (uint64, bool) {
	if o := x.Opt(classOpt); o != nil {
		v, _ := classToDSCP(o.Arg())
		return v, o.Neg
	}
	o := x.Opt(numOpt)
	return o.Value.(uint64), o.Neg
}
