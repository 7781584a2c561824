package translate

import (
	"fmt"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m sctp (libxt_sctp.c): ports and chunk types. The kernel's xt_sctp
// needs "-p sctp".
//
// --chunk-types MODE LIST looks at every chunk of the packet: "all" needs
// each listed type to appear (with the given flags, in some chunk of that
// type), "any" needs one of them, "only" needs every chunk of the packet
// to be of a listed type (with the given flags). nft's "sctp chunk TYPE"
// expressions test whether a type is present and read the first chunk of
// a type only, and know only the named chunk types: "all" and "any"
// without flags translate ("any" with several types, and a negated "all",
// as one nft rule per type), "only" and chunk flags do not.

var extSctp = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "sctp", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "sport", Aliases: []string{"source-port"}, Type: iptparse.TypePortRC, Flags: inv},
				{Name: "dport", Aliases: []string{"destination-port"}, Type: iptparse.TypePortRC, Flags: inv},
				{Name: "chunk-types", Type: iptparse.TypeRaw, NArgs: 2, Flags: inv},
			},
			Check: checkSCTP,
		},
		Translate: translateSCTP,
	},
}

func init() { registerAll(extSctp) }

// sctpChunkNames is libxt_sctp's sctp_chunk_names, in its order.
var sctpChunkNames = []struct {
	name  string
	typ   int
	flags string // valid flag letters, bit 7 first
	nft   string
}{
	{"DATA", 0, "----IUBE", "data"},
	{"INIT", 1, "--------", "init"},
	{"INIT_ACK", 2, "--------", "init-ack"},
	{"SACK", 3, "--------", "sack"},
	{"HEARTBEAT", 4, "--------", "heartbeat"},
	{"HEARTBEAT_ACK", 5, "--------", "heartbeat-ack"},
	{"ABORT", 6, "-------T", "abort"},
	{"SHUTDOWN", 7, "--------", "shutdown"},
	{"SHUTDOWN_ACK", 8, "--------", "shutdown-ack"},
	{"ERROR", 9, "--------", "error"},
	{"COOKIE_ECHO", 10, "--------", "cookie-echo"},
	{"COOKIE_ACK", 11, "--------", "cookie-ack"},
	{"ECN_ECNE", 12, "--------", "ecne"},
	{"ECN_CWR", 13, "--------", "cwr"},
	{"SHUTDOWN_COMPLETE", 14, "-------T", "shutdown-complete"},
	{"I_DATA", 64, "----IUBE", "i-data"},
	{"RE_CONFIG", 130, "--------", "re-config"},
	{"PAD", 132, "--------", "pad"},
	{"ASCONF", 193, "--------", "asconf"},
	{"ASCONF_ACK", 128, "--------", "asconf-ack"},
	{"FORWARD_TSN", 192, "--------", "forward-tsn"},
	{"I_FORWARD_TSN", 194, "--------", "i-forward-tsn"},
}

// nft106Chunk are the chunk types "sctp chunk" knows in nft 1.0.6.
var nft106Chunk = lazy.Of[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"data": true, "init": true, "init-ack": true, "sack": true, "heartbeat": true,
		"heartbeat-ack": true, "abort": true, "shutdown": true, "shutdown-ack": true,
		"error": true, "cookie-echo": true, "cookie-ack": true, "ecne": true, "cwr": true,
		"shutdown-complete": true, "asconf": true, "asconf-ack": true, "forward-tsn": true,
	}
}}

// sctpChunks is a parsed --chunk-types.
type sctpChunks struct {
	mode string // any, all, only
	all  bool   // the list was ALL: every chunk type 0-255
	set  map[int]bool
	// flags by chunk type, as the kernel applies them: iptables stores
	// the index in sctpChunkNames as the chunk type, which is the type
	// itself only for types 0-14.
	flags map[int]bool
}

// sctpFlagSlots is XT_NUM_SCTP_FLAGS.
const sctpFlagSlots = 4

func parseSCTPChunks(mode, list string) (*sctpChunks, error) {
	ch := &sctpChunks{mode: strings.ToLower(mode), set: map[int]bool{}, flags: map[int]bool{}}
	switch ch.mode {
	case "any", "all", "only":
	default:
		return nil, fmt.Errorf("Match type has to be one of \"ALL\", \"ANY\" or \"ONLY\"")
	}
	switch {
	case strings.EqualFold(list, "ALL"):
		ch.all = true
		return ch, nil
	case strings.EqualFold(list, "NONE"):
		return ch, nil
	}
	slots := map[int]bool{}
	for _, item := range strings.Split(list, ",") {
		if item == "" {
			continue // strtok skips empty fields
		}
		name, flags, _ := strings.Cut(item, ":")
		idx := -1
		for i, n := range sctpChunkNames {
			if strings.EqualFold(n.name, name) {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("Unknown sctp chunk `%s'", name)
		}
		ch.set[sctpChunkNames[idx].typ] = true
		for _, f := range flags {
			up := strings.ToUpper(string(f))
			if up == "-" || !strings.Contains(sctpChunkNames[idx].flags, up) {
				return nil, fmt.Errorf("Invalid flags for chunk type %d", idx)
			}
			if !slots[idx] && len(slots) == sctpFlagSlots {
				return nil, fmt.Errorf("Number of chunk types with flags exceeds currently allowed limit. Increasing this limit involves changing IPT_NUM_SCTP_FLAGS and recompiling both the kernel space and user space modules")
			}
			slots[idx] = true
			ch.flags[idx] = true
		}
	}
	return ch, nil
}

func checkSCTP(x *iptparse.Ext) error {
	if o := x.Opt("chunk-types"); o != nil {
		if s := o.Args[1].Text; strings.HasPrefix(s, "-") || strings.HasPrefix(s, "!") {
			return optErr(x, o, "--chunk-types requires two args")
		}
		if _, err := parseSCTPChunks(o.Args[0].Text, o.Args[1].Text); err != nil {
			return optErr(x, o, "%s", err)
		}
	}
	return checkPortRanges(x)
}

func translateSCTP(c *Ctx, x *iptparse.Ext) error {
	if err := c.requireProto(x, 132, "sctp"); err != nil {
		return err
	}
	n := len(c.stmts)
	for _, name := range []string{"sport", "dport"} {
		if o := x.Opt(name); o != nil {
			r := o.Value.(*iptparse.PortRange)
			c.Add(ir.EqOrNe(&ir.Payload{Proto: "sctp", Field: name}, o.Neg, intOrRange(uint64(r.Lo), uint64(r.Hi))))
		}
	}
	if o := x.Opt("chunk-types"); o != nil {
		ch, _ := parseSCTPChunks(o.Args[0].Text, o.Args[1].Text)
		if !c.addedSince(n) && o.Neg && ch.mode != "only" {
			// "sctp chunk TYPE missing" is also true for packets of
			// other protocols: nft adds no dependency for it.
			c.Add(l4protoIs("sctp"))
		}
		if err := c.sctpChunks(x, o, ch); err != nil {
			return err
		}
	}
	if !c.addedSince(n) {
		c.Add(l4protoIs("sctp"))
	}
	return nil
}

func (c *Ctx) sctpChunks(x *iptparse.Ext, o *iptparse.Option, ch *sctpChunks) error {
	// Flags the kernel really applies: on types 0-14 (see sctpChunks).
	for idx := range ch.flags {
		if t := sctpChunkNames[idx].typ; t != idx || !ch.set[t] {
			c.note("--chunk-types: the flags of %s are not tested by the kernel (iptables stores them for chunk type %d)", sctpChunkNames[idx].name, idx)
			delete(ch.flags, idx)
		}
	}
	var listed []int // indexes into sctpChunkNames, in that order
	for i, n := range sctpChunkNames {
		if ch.set[n.typ] {
			listed = append(listed, i)
		}
	}
	empty := !ch.all && len(listed) == 0
	neverRule := func(why string) {
		c.neverMatches(o, why)
		c.Add(never(&ir.Payload{Proto: "sctp", Field: "sport"}, 0xffff))
	}
	chunk := func(i int, state string) {
		c.Add(ir.Eq(&ir.Payload{Proto: "sctp chunk " + sctpChunkNames[i].nft}, ir.Sym(state)))
	}
	if !c.Exact {
		for _, i := range listed {
			if n := sctpChunkNames[i]; !nft106Chunk.Get()[n.nft] {
				return c.Untranslatable(x, "--chunk-types %s: nft 1.0.6 does not know the %s chunk type (\"sctp chunk %s\" needs a later nft)", ch.mode, n.name, n.nft)
			}
		}
	}
	flagsErr := func() error {
		return c.Untranslatable(x, "--chunk-types with flags: xt_sctp looks for any chunk of the type with those flags, nft's \"sctp chunk TYPE flags\" reads only the first chunk of the type")
	}
	switch ch.mode {
	case "any":
		switch {
		case empty && !o.Neg:
			neverRule("no chunk type is listed")
		case empty, ch.all && !o.Neg:
			// Always true (every packet has a chunk).
		case ch.all:
			neverRule("every chunk type is listed")
		case len(ch.flags) > 0:
			return flagsErr()
		case o.Neg:
			for _, i := range listed {
				chunk(i, "missing")
			}
		default:
			return c.someChunk(x, listed, "exists")
		}
	case "all":
		switch {
		case empty && o.Neg:
			neverRule("no chunk type is listed, so all of them are present")
		case empty:
		case ch.all:
			return c.Untranslatable(x, "--chunk-types all ALL: nftables can only test the named chunk types")
		case len(ch.flags) > 0:
			return flagsErr()
		case !o.Neg:
			for _, i := range listed {
				chunk(i, "exists")
			}
		default:
			return c.someChunk(x, listed, "missing")
		}
	case "only":
		switch {
		case ch.all && !o.Neg, empty && o.Neg:
		case ch.all:
			neverRule("every chunk type is listed")
		case empty:
			neverRule("no chunk type is listed, and a packet has at least one chunk")
		default:
			return c.Untranslatable(x, "--chunk-types only: nftables cannot test that a packet has no chunk of any other type (nft names only some chunk types)")
		}
	}
	return nil
}

// someChunk adds "one of these chunk types is STATE" (exists or
// missing): one test for one type, else one nft rule per type, the k-th
// also requiring the types before it to be in the other state, so that
// no packet matches two (Ctx.Either).
func (c *Ctx) someChunk(x *iptparse.Ext, listed []int, state string) error {
	other := map[string]string{"exists": "missing", "missing": "exists"}[state]
	test := func(i int, st string) ir.Stmt {
		return ir.Eq(&ir.Payload{Proto: "sctp chunk " + sctpChunkNames[i].nft}, ir.Sym(st))
	}
	if len(listed) == 1 {
		c.Add(test(listed[0], state))
		return nil
	}
	var alts [][]ir.Stmt
	for k, i := range listed {
		var alt []ir.Stmt
		for _, j := range listed[:k] {
			alt = append(alt, test(j, other))
		}
		alts = append(alts, append(alt, test(i, state)))
	}
	if !c.Either(alts...) {
		return c.Untranslatable(x, "--chunk-types: \"one of these chunk types is %s\" takes one nft rule per type, and an earlier match of this rule has state that each would update", state)
	}
	c.note("--chunk-types: one of the chunk types is %s; written as %d rules", state, len(alts))
	return nil
}
