package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m set (libxt_set.c, revision 4): ipset lookups.
//
// An ipset becomes a named nft set of the same name, "@NAME". iptables
// asks the kernel for the set when it parses the rule, so upstream fails
// unless the set exists on the translating host; ipt2nft does not look at
// the host. Without the ipset definition the element type is not known:
// ipsetShapeFor guesses it from the number of src/dst directions
// (one: an address set with intervals, like hash:ip or hash:net; two:
// hash:ip,port; three: hash:ip,port,ip), the set is declared with that
// type so the ruleset loads, and a warning says so. ipsetShapeFor is the
// one place to change when set definitions become known.
//
// --return-nomatch is translated for a one-dimension hash:net set given
// with --ipset (ipset_nomatch.go); untranslatable in other set types that
// have nomatch elements, and without the set's definition.
// Untranslatable: ! --update-counters and ! --update-subcounters (a lookup in an nft set
// with counters always updates them) and --packets-*/--bytes-* (nft
// cannot compare an element's counters).

var extSet = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "set", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "match-set", Aliases: []string{"set"}, Type: iptparse.TypeRaw, NArgs: 2, Flags: inv},
				{Name: "return-nomatch", Flags: inv | multi},
				{Name: "update-counters", Flags: inv | multi},
				{Name: "update-subcounters", Flags: inv | multi},
				{Name: "packets-eq", Type: iptparse.TypeUint64, Flags: inv, Excl: []string{"packets-lt", "packets-gt"}},
				{Name: "packets-lt", Type: iptparse.TypeUint64, Flags: inv, Excl: []string{"packets-eq", "packets-gt"}},
				{Name: "packets-gt", Type: iptparse.TypeUint64, Flags: inv, Excl: []string{"packets-eq", "packets-lt"}},
				{Name: "bytes-eq", Type: iptparse.TypeUint64, Flags: inv, Excl: []string{"bytes-lt", "bytes-gt"}},
				{Name: "bytes-lt", Type: iptparse.TypeUint64, Flags: inv, Excl: []string{"bytes-eq", "bytes-gt"}},
				{Name: "bytes-gt", Type: iptparse.TypeUint64, Flags: inv, Excl: []string{"bytes-eq", "bytes-lt"}},
			},
			Check: checkSetMatch,
		},
		Translate: translateSetMatch,
	},
}

func init() { registerAll(extSet) }

const (
	ipsetMaxNameLen = 31 // IPSET_MAXNAMELEN - 1
	ipsetDimMax     = 6  // IPSET_DIM_MAX
)

func setErr(x *iptparse.Ext, pos iptparse.Pos, format string, args ...any) error {
	return &iptparse.Error{Pos: pos, Ext: x.Label(), Msg: fmt.Sprintf(format, args...)}
}

// checkSetArgs checks "NAME DIRS" of --match-set, --add-set, --del-set
// and --map-set like libxt_set.h's parse_dirs and the callers.
func checkSetArgs(x *iptparse.Ext, o *iptparse.Option) error {
	name, dirs := o.Args[0], o.Args[1]
	if strings.HasPrefix(dirs.Text, "-") || strings.HasPrefix(dirs.Text, "!") {
		return setErr(x, o.Pos, "--%s requires two args.", o.Name)
	}
	if len(name.Text) > ipsetMaxNameLen {
		return setErr(x, name.Pos, "setname `%s' too long, max %d characters.", name.Text, ipsetMaxNameLen)
	}
	parts := strings.Split(dirs.Text, ",")
	if len(parts) > ipsetDimMax {
		return setErr(x, dirs.Pos, "Can't be more src/dst options than %d.", ipsetDimMax)
	}
	for _, p := range parts {
		if !strings.HasPrefix(p, "src") && !strings.HasPrefix(p, "dst") {
			return setErr(x, dirs.Pos, "You must specify (the comma separated list of) 'src' or 'dst'.")
		}
	}
	return nil
}

// setDirs returns the directions of "NAME DIRS": true for src.
func setDirs(o *iptparse.Option) []bool {
	var src []bool
	for _, p := range strings.Split(o.Args[1].Text, ",") {
		src = append(src, strings.HasPrefix(p, "src"))
	}
	return src
}

// dirNames spells directions as IPSetKey takes them ("src", "dst").
func dirNames(src []bool) []string {
	dirs := make([]string, len(src))
	for i, s := range src {
		dirs[i] = map[bool]string{true: "src", false: "dst"}[s]
	}
	return dirs
}

func checkSetMatch(x *iptparse.Ext) error {
	o := x.Opt("match-set")
	if o == nil {
		return setErr(x, x.Pos, "You must specify `--match-set' with proper arguments")
	}
	if err := checkSetArgs(x, o); err != nil {
		return err
	}
	for _, opt := range x.Options {
		if !opt.Neg {
			continue
		}
		switch opt.Name {
		case "return-nomatch":
			return setErr(x, opt.Pos, "--return-nomatch flag cannot be inverted")
		case "packets-lt", "packets-gt", "bytes-lt", "bytes-gt":
			return setErr(x, opt.Pos, "--%s option cannot be inverted", opt.Name)
		}
	}
	return nil
}

func translateSetMatch(c *Ctx, x *iptparse.Ext) error {
	o := x.Opt("match-set")
	if o.Written == "--set" {
		c.Warn(o.Pos, "--set option deprecated, please use --match-set")
	}
	if x.Has("return-nomatch") {
		if done, err := matchReturnNomatch(c, x, o); done {
			return err
		}
	}
	for _, name := range []string{"update-counters", "update-subcounters"} {
		if opt := x.Opt(name); opt != nil && opt.Neg {
			return c.Untranslatable(x, "! --%s: a lookup in an nft set whose elements have counters always updates them", name)
		}
	}
	for _, name := range []string{"packets-eq", "packets-lt", "packets-gt", "bytes-eq", "bytes-lt", "bytes-gt"} {
		if x.Has(name) {
			return c.Untranslatable(x, "--%s compares the matching element's counters; nft cannot read an element's counters in a rule", name)
		}
	}
	ref, key, err := useIPSet(c, x, o.Args[0].Text, setDirs(o), false, false)
	if err != nil {
		return err
	}
	c.Add(ir.EqOrNe(key, o.Neg, &ir.SetRef{Name: ref}))
	return nil
}

// ipsetDim is what one dimension of an ipset holds.
type ipsetDim uint8

const (
	dimAddr ipsetDim = iota // an address (hash:ip, hash:net)
	dimPort                 // protocol and port (hash:ip,port)
)

// ipsetShape is an ipset as nft sees it.
type ipsetShape struct {
	Kind    string // ipset type, for messages
	Dims    []ipsetDim
	Assumed bool // guessed from the rule, not read from a definition
}

// ipsetShapeFor returns the shape of the ipset NAME used with n
// directions. Today it guesses from n alone; it is the place to look the
// set up once ipset definitions are read.
var ipsetShapeFor = func(c *Ctx, name string, n int) (*ipsetShape, error) {
	switch n {
	case 1:
		return &ipsetShape{Kind: "hash:ip or hash:net", Dims: []ipsetDim{dimAddr}, Assumed: true}, nil
	case 2:
		return &ipsetShape{Kind: "hash:ip,port", Dims: []ipsetDim{dimAddr, dimPort}, Assumed: true}, nil
	case 3:
		return &ipsetShape{Kind: "hash:ip,port,ip", Dims: []ipsetDim{dimAddr, dimPort, dimAddr}, Assumed: true}, nil
	}
	return nil, fmt.Errorf("no ipset type has %d dimensions that ipt2nft can guess; the set's definition is needed", n)
}

// nftType is the set's element type and key for the given directions.
func (s *ipsetShape) typeAndKey(c *Ctx, src []bool) (string, ir.Expr) {
	addrType := "ipv4_addr"
	if c.IsIPv6() {
		addrType = "ipv6_addr"
	}
	var types []string
	var keys []ir.Expr
	for i, d := range s.Dims {
		dir := "d"
		if i < len(src) && src[i] {
			dir = "s"
		}
		switch d {
		case dimAddr:
			types = append(types, addrType)
			keys = append(keys, &ir.Payload{Proto: c.L3(), Field: dir + "addr"})
		case dimPort:
			types = append(types, "inet_proto", "inet_service")
			keys = append(keys, &ir.Meta{Key: "l4proto"}, &ir.Payload{Proto: "th", Field: dir + "port"})
		}
	}
	if len(keys) == 1 {
		return types[0], keys[0]
	}
	return strings.Join(types, " . "), &ir.Concat{Elems: keys}
}

// ipsetState is one ipset in one family, shared by the rules using it.
type ipsetState struct {
	shape *ipsetShape
	n     int
	pos   iptparse.Pos
	set   *ir.Set
}

// useIPSet declares the nft set for ipset NAME (once per family) and
// returns its name and the key for the directions. dynamic says the
// rule adds or deletes elements; timeout that it adds them with one.
func useIPSet(c *Ctx, x *iptparse.Ext, name string, src []bool, dynamic, timeout bool) (string, ir.Expr, error) {
	name = c.tr.keep(name) // the run's state and the ruleset keep it
	st := c.State(fmt.Sprintf("ipset/%s/%s", c.Family, name), func() any { return &ipsetState{} }).(*ipsetState)
	if def := c.IPSet(name); def != nil {
		return useKnownIPSet(c, x, st, def, src, dynamic, timeout)
	}
	if st.set == nil {
		shape, err := ipsetShapeFor(c, name, len(src))
		if err != nil {
			return "", nil, c.Untranslatable(x, "set %s: %v", name, err)
		}
		nftName := ipsetNftName(name, c.tr.opt.QuoteNames)
		if nftName != name {
			c.Warn(x.Pos, "set %s is named %s in nft: nft 1.0.6 cannot read its name", name, nftName)
		}
		typ, _ := shape.typeAndKey(c, src)
		st.shape, st.n, st.pos = shape, len(src), x.Pos
		st.set = &ir.Set{Name: nftName, Type: typ, Flags: []string{"interval"}, Origin: []iptparse.Pos{x.Pos}}
		if shape.Assumed {
			c.Warn(x.Pos, "set %s: element type assumed to be %s (ipset %s) from %d direction(s); the ipset definition is not known", name, typ, shape.Kind, len(src))
		}
	} else if st.n != len(src) {
		return "", nil, c.Untranslatable(x, "set %s is used with %d direction(s) here and %d at %s; its type cannot be guessed for both without the ipset definition", name, len(src), st.n, st.pos)
	}
	if dynamic {
		// Sets updated from the packet path cannot hold intervals.
		flags := []string{"dynamic"}
		if timeout || hasFlag(st.set.Flags, "timeout") {
			flags = append(flags, "timeout")
		}
		st.set.Flags = flags
	}
	_, key := st.shape.typeAndKey(c, src)
	return c.DeclareSet(st.set), key, nil
}

// useKnownIPSet declares an ipset given with --ipset, with its real type
// and elements, and returns the lookup key for the directions.
func useKnownIPSet(c *Ctx, x *iptparse.Ext, st *ipsetState, def *iptparse.IPSet, src []bool, dynamic, timeout bool) (string, ir.Expr, error) {
	if def.Family != c.Family {
		return "", nil, c.Untranslatable(x, "set %s holds %s addresses but the rule is %s", def.Name, def.Family, c.Family)
	}
	key, err := IPSetKey(def, dirNames(src), c.L3())
	if err != nil {
		return "", nil, c.Untranslatable(x, "%v", err)
	}
	if st.set == nil {
		set, notes, err := ipsetToNft(def)
		if err != nil {
			return "", nil, c.Untranslatable(x, "set %s: %v", def.Name, err)
		}
		c.tr.noteIPSet(def, notes)
		set.Name = ipsetNftName(def.Name, c.tr.opt.QuoteNames)
		st.set, st.pos, st.n = set, x.Pos, len(src)
	}
	if dynamic {
		if el := firstNomatch(def); el != nil {
			return "", nil, c.Untranslatable(x, "set %s has nomatch elements (%q at %s), folded into intervals; nft cannot add to or delete from such a set from a rule", def.Name, el.Value, el.Pos)
		}
		if hasFlag(st.set.Flags, "interval") {
			return "", nil, c.Untranslatable(x, "set %s holds ranges or networks, and nft cannot add to such a set from a rule", def.Name)
		}
		if !hasFlag(st.set.Flags, "dynamic") {
			st.set.Flags = append(st.set.Flags, "dynamic")
		}
		if timeout && !hasFlag(st.set.Flags, "timeout") {
			st.set.Flags = append(st.set.Flags, "timeout")
		}
	}
	return c.DeclareSet(st.set), key, nil
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}
