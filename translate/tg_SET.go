package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -j SET (libxt_SET.c, revision 3): add and delete ipset elements from the
// packet path. The set is the same nft set as for -m set (see
// ext_set.go), declared dynamic (and with timeouts when --timeout is
// used).
//
//	--add-set NAME DIRS              add @NAME { KEY }
//	--add-set NAME DIRS --exist      update @NAME { KEY } (refreshes the timeout)
//	--timeout N                      ... { KEY timeout Ns }
//	--del-set NAME DIRS              delete @NAME { KEY }
//
// --map-set is untranslatable: it copies the element's skbinfo (mark with
// mask, priority, queue) to the packet, and nft maps have one plain value
// per element.

var tgSET = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "SET", Kind: iptparse.KindTarget,
			Options: []iptparse.OptionSpec{
				{Name: "add-set", Type: iptparse.TypeRaw, NArgs: 2},
				{Name: "del-set", Type: iptparse.TypeRaw, NArgs: 2},
				{Name: "exist", Flags: multi},
				{Name: "timeout", Type: iptparse.TypeUint32, Max: 1<<32 - 2},
				{Name: "map-set", Type: iptparse.TypeRaw, NArgs: 2},
				{Name: "map-mark", Flags: multi},
				{Name: "map-prio", Flags: multi},
				{Name: "map-queue", Flags: multi},
			},
			Check: checkSETTarget,
		},
		Translate: translateSETTarget,
	},
}

func init() { registerAll(tgSET) }

func checkSETTarget(x *iptparse.Ext) error {
	for _, name := range []string{"add-set", "del-set", "map-set"} {
		if o := x.Opt(name); o != nil {
			if err := checkSetArgs(x, o); err != nil {
				return err
			}
		}
	}
	errf := func(msg string) error { return setErr(x, x.Pos, "%s", msg) }
	add, del, mp := x.Has("add-set"), x.Has("del-set"), x.Has("map-set")
	if !add && !del && !mp {
		return errf("You must specify either `--add-set' or `--del-set' or `--map-set'")
	}
	if !add {
		if x.Has("exist") {
			return errf("Flag `--exist' can be used with `--add-set' only")
		}
		if x.Has("timeout") {
			return errf("Option `--timeout' can be used with `--add-set' only")
		}
	}
	if !mp {
		for _, f := range []string{"map-mark", "map-prio", "map-queue"} {
			if x.Has(f) {
				return errf(fmt.Sprintf("Flag `--%s' can be used with `--map-set' only", f))
			}
		}
	} else if !x.Has("map-mark") && !x.Has("map-prio") && !x.Has("map-queue") {
		return errf("You must specify flags `--map-mark' or '--map-prio` or `--map-queue'")
	}
	return nil
}

func translateSETTarget(c *Ctx, x *iptparse.Ext) error {
	if x.Has("map-set") {
		return c.Untranslatable(x, "--map-set sets the packet's mark (with a mask), priority or queue from the ipset element's skbinfo; nft maps hold one plain value per element and the ipset definition is not known")
	}
	if o := x.Opt("add-set"); o != nil {
		timeout := ""
		if t, ok := optUint(x, "timeout"); ok && t > 0 {
			timeout = fmt.Sprintf("%ds", t)
		}
		if def := c.IPSet(o.Args[0].Text); def != nil {
			if _, ok := def.Options["timeout"]; !ok {
				// ipset ignores --timeout for a set without timeouts
				timeout = ""
			}
		}
		name, key, err := useIPSet(c, x, o.Args[0].Text, setDirs(o), true, timeout != "")
		if err != nil {
			return err
		}
		op := "add"
		if x.Has("exist") {
			op = "update"
		}
		c.Add(&ir.SetUpdate{Op: op, Set: name, Key: key, Timeout: timeout})
	}
	if o := x.Opt("del-set"); o != nil {
		name, key, err := useIPSet(c, x, o.Args[0].Text, setDirs(o), true, false)
		if err != nil {
			return err
		}
		c.Add(&ir.SetUpdate{Op: "delete", Set: name, Key: key})
	}
	return nil
}
