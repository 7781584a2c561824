package translate

import (
	"fmt"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m policy (libxt_policy.c): IPsec policy of the packet.
//
// Without policy elements, "--dir in" asks whether the packet was
// decapsulated by IPsec (it has a security path: "meta secpath") and
// "--dir out" whether it will be encapsulated (its route has an xfrm
// bundle: "rt ipsec"). xt_policy's match_policy_out returns "none" exactly
// when dst->xfrm is NULL and, for an empty element, "ipsec" as soon as it
// is not; nft's rt ipsec key is !!dst->xfrm, so both translate exactly.
//
// Policy elements (--reqid, --spi, --proto, --mode, --tunnel-src,
// --tunnel-dst, --strict, --next) do not: xt_policy matches an element
// against every transform of the packet (any one may match) or, with
// --strict, the whole list and its length; nft's "ipsec in|out [spnum N]"
// reads one transform at a fixed position and cannot test that there is
// no further one.

var extPolicy = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "policy", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "dir", Type: iptparse.TypeString},
				{Name: "pol", Type: iptparse.TypeString},
				{Name: "strict"},
				{Name: "reqid", Type: iptparse.TypeUint32, Flags: multi | inv},
				{Name: "spi", Type: iptparse.TypeUint32, Flags: multi | inv},
				{Name: "tunnel-src", Type: iptparse.TypeHostMask, Flags: multi | inv},
				{Name: "tunnel-dst", Type: iptparse.TypeHostMask, Flags: multi | inv},
				{Name: "proto", Type: iptparse.TypeProtocol, Flags: multi | inv},
				{Name: "mode", Type: iptparse.TypeString, Flags: multi | inv},
				{Name: "next", Flags: multi, Also: []string{"strict"}},
			},
			Check: checkPolicy,
		},
		Translate: translatePolicy,
	},
}

func init() { registerAll(extPolicy) }

// policyElem is one policy element: the options given between --next.
type policyElem struct {
	opts map[string]*iptparse.Option
}

// policyElems splits the element options at --next, reporting what
// policy_parse rejects.
func policyElems(x *iptparse.Ext) ([]policyElem, error) {
	elems := []policyElem{{opts: map[string]*iptparse.Option{}}}
	for _, o := range x.Options {
		switch o.Name {
		case "dir", "pol", "strict":
			continue
		case "next":
			if len(elems) == 4 { // XT_POLICY_MAX_ELEM
				return nil, policyErr(x, o.Pos, "policy match: maximum policy depth reached")
			}
			elems = append(elems, policyElem{opts: map[string]*iptparse.Option{}})
			continue
		}
		e := elems[len(elems)-1]
		if e.opts[o.Name] != nil {
			return nil, policyErr(x, o.Pos, "policy match: double --%s option", o.Name)
		}
		switch o.Name {
		case "proto":
			if p := o.Value.(uint8); p != 50 && p != 51 && p != 108 {
				return nil, policyErr(x, o.Pos, "policy match: protocol must be ah/esp/ipcomp")
			}
		case "mode":
			if m := o.Arg(); m != "transport" && m != "tunnel" {
				return nil, policyErr(x, o.Pos, "policy match: invalid mode \"%s\"", m)
			}
		}
		e.opts[o.Name] = o
	}
	return elems, nil
}

func policyErr(x *iptparse.Ext, pos iptparse.Pos, format string, args ...any) error {
	return &iptparse.Error{Pos: pos, Ext: x.Label(), Msg: fmt.Sprintf(format, args...)}
}

func checkPolicy(x *iptparse.Ext) error {
	if o := x.Opt("dir"); o != nil && o.Arg() != "in" && o.Arg() != "out" {
		return policyErr(x, o.Pos, "policy_match: invalid dir \"%s\"", o.Arg())
	}
	if o := x.Opt("pol"); o != nil && o.Arg() != "none" && o.Arg() != "ipsec" {
		return policyErr(x, o.Pos, "policy match: invalid policy \"%s\"", o.Arg())
	}
	elems, err := policyElems(x)
	if err != nil {
		return err
	}
	if !x.Has("dir") {
		return policyErr(x, x.Pos, "policy match: neither --dir in nor --dir out specified")
	}
	none := x.Has("pol") && x.Opt("pol").Arg() == "none"
	if none {
		if x.Has("strict") {
			return policyErr(x, x.Opt("strict").Pos, "policy match: policy none but --strict given")
		}
		if len(elems) > 1 || len(elems[0].opts) > 0 {
			return policyErr(x, x.Pos, "policy match: policy none but policy given")
		}
	}
	for i, e := range elems {
		if x.Has("strict") && len(e.opts) == 0 {
			return policyErr(x, x.Pos, "policy match: empty policy element %d. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required.", i)
		}
		if e.opts["tunnel-src"] != nil || e.opts["tunnel-dst"] != nil {
			// Without --mode the element's mode is 0, transport.
			m := e.opts["mode"]
			if m == nil || (m.Arg() == "tunnel") == m.Neg {
				return policyErr(x, x.Pos, "policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode")
			}
		}
	}
	return nil
}

func translatePolicy(c *Ctx, x *iptparse.Ext) error {
	dir := x.Opt("dir").Arg()
	none := x.Has("pol") && x.Opt("pol").Arg() == "none"
	// xt_policy's checkentry refuses these hooks.
	switch {
	case dir == "in" && (c.Chain == "OUTPUT" || c.Chain == "POSTROUTING"):
		return c.Errorf(x, "input policy not valid in POSTROUTING and OUTPUT")
	case dir == "out" && (c.Chain == "PREROUTING" || c.Chain == "INPUT"):
		return c.Errorf(x, "output policy not valid in PREROUTING and INPUT")
	}
	elems, err := policyElems(x)
	if err != nil {
		return err
	}
	if x.Has("strict") || len(elems) > 1 || len(elems[0].opts) > 0 {
		return c.Untranslatable(x, "policy elements (--reqid, --spi, --proto, --mode, --tunnel-src/--tunnel-dst, --strict, --next) have no exact nft equivalent: xt_policy compares an element with every transform of the packet (or, with --strict, the whole list and its length), while nft's \"ipsec %s [spnum N] ...\" reads one transform at a fixed position and cannot tell that there are no others", dir)
	}
	state := "exists"
	if none {
		state = "missing"
	}
	if dir == "in" {
		c.Add(ir.Eq(&ir.Meta{Key: "secpath"}, ir.Sym(state)))
	} else {
		c.Add(ir.Eq(&ir.Rt{Key: "ipsec"}, ir.Sym(state)))
	}
	return nil
}
