package iptparse

// OptType says how an extension option's argument is parsed. The types
// mirror libxtables' XTTYPE_* so that option tables can be transcribed from
// the iptables sources one to one.
type OptType uint8

const (
	TypeNone         OptType = iota // no argument
	TypeUint8                       // integer 0..255 (or Min..Max)
	TypeUint16                      // integer 0..65535
	TypeUint32                      // integer 0..2^32-1
	TypeUint64                      // integer 0..2^64-1
	TypeUint8RC                     // "a[:b]" range of uint8
	TypeUint16RC                    // "a[:b]" range of uint16
	TypeUint32RC                    // "a[:b]" range of uint32
	TypeUint64RC                    // "a[:b]" range of uint64
	TypeDouble                      // floating point number
	TypeString                      // string, length Min..Max
	TypeTOSMask                     // "value[/mask]" or a TOS symbol name
	TypeMarkMask32                  // "value[/mask]"
	TypeSyslogLevel                 // syslog level name or 0..7
	TypeHost                        // single address, no mask
	TypeHostMask                    // "address[/mask]"
	TypeProtocol                    // protocol name or number
	TypePort                        // port number or service name
	TypePortRC                      // "port[:port]"
	TypePlen                        // prefix length or dotted mask
	TypePlenMask                    // prefix length or dotted mask, as a mask
	TypeEtherMAC                    // "xx:xx:xx:xx:xx:xx"
	TypeEtherMACMask                // "xx:xx:xx:xx:xx:xx[/mask]"
	TypeRaw                         // words passed as they are; the extension parses them
)

// OptFlag mirrors libxtables' XTOPT_* flags.
type OptFlag uint8

const (
	Invert    OptFlag = 1 << iota // option may be negated with '!'
	Mandatory                     // option must be given
	Multi                         // option may be given more than once
)

// ArgMode says whether an option takes its argument(s) always, never, or
// only when the next word does not look like an option (getopt's
// optional_argument as iptables uses it).
type ArgMode uint8

const (
	ArgDefault  ArgMode = iota // derived from Type: none for TypeNone, else required
	ArgRequired                // always takes NArgs words
	ArgOptional                // takes the next word if it does not start with '-' or '!'
)

// OptionSpec describes one long option of an extension, like libxtables'
// struct xt_option_entry.
type OptionSpec struct {
	Name    string   // long name without the leading "--"
	Aliases []string // other names of the same option ("source-port" for "sport")
	Type    OptType  // how the argument is parsed
	Flags   OptFlag
	// Min and Max bound integers (0 means the type's own bound) and string
	// lengths. For TypeDouble both 0 means "any".
	Min, Max uint64
	// Base of integer arguments: 0 accepts 0x.. hex and 0.. octal like strtoul.
	Base int
	// NArgs is the number of words the option consumes (default 1 when the
	// option has an argument). "--tcp-flags MASK COMP" takes 2.
	NArgs int
	Arg   ArgMode
	// Excl lists options that cannot be combined with this one; Also lists
	// options this one requires. Both by long name.
	Excl, Also []string
}

// TakesArg reports whether the option consumes argument words at all.
func (o *OptionSpec) TakesArg() bool {
	switch o.Arg {
	case ArgRequired, ArgOptional:
		return true
	}
	return o.Type != TypeNone
}

// Words returns how many argument words the option consumes.
func (o *OptionSpec) Words() int {
	if !o.TakesArg() {
		return 0
	}
	if o.NArgs > 0 {
		return o.NArgs
	}
	return 1
}

// ExtKind tells matches from targets.
type ExtKind uint8

const (
	KindMatch ExtKind = iota
	KindTarget
)

func (k ExtKind) String() string {
	if k == KindTarget {
		return "target"
	}
	return "match"
}

// Family is the address family of an iptables command.
type Family uint8

const (
	FamilyAny  Family = 0
	FamilyIPv4 Family = 4
	FamilyIPv6 Family = 6
)

func (f Family) String() string {
	switch f {
	case FamilyIPv4:
		return "ipv4"
	case FamilyIPv6:
		return "ipv6"
	}
	return "any"
}

// ExtensionSpec describes an iptables match or target extension: its name,
// the family it exists for, and its options. The parser uses it to know
// which words belong to which option; the translation lives elsewhere.
type ExtensionSpec struct {
	Name    string
	Kind    ExtKind
	Family  Family // FamilyAny: available to iptables and ip6tables
	Options []OptionSpec
	// Check, if set, runs after all options were parsed, like an
	// extension's x6_fcheck: it reports combinations iptables rejects.
	Check func(x *Ext) error
	// Owner is what the registry that gave the spec keeps for the
	// extension (package translate: its *Ext), for finding it again
	// from a parsed Ext without looking its name up.
	Owner any
}

// Option looks an option up by its exact long name.
func (s *ExtensionSpec) Option(name string) *OptionSpec {
	for i := range s.Options {
		if s.Options[i].Name == name {
			return &s.Options[i]
		}
	}
	return nil
}

// Registry is where the parser finds extensions by name.
type Registry interface {
	Match(name string, fam Family) *ExtensionSpec
	Target(name string, fam Family) *ExtensionSpec
}
