package emit

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/ir"
)

// JSON output: libnftables JSON as "nft -j -f" of nftables 1.0.6 reads it
// (schema version 1, see libnftables-json(5)).
//
// The document is a list of commands that mean the same as the text
// printer's normal-mode output with RulesetOptions.Replace:
//
//	metainfo (json_schema_version 1, plus what JSON cannot carry, below)
//	add table, delete table, add table   (per table: idempotent, atomic)
//	add chain ...                        (all chains first, so that jumps
//	add ct helper ...                     and verdict map elements can
//	add set|map ...                       name chains defined later)
//	add rule ...
//
// nft loads a JSON file in one transaction, like a text file.
//
// What nft 1.0.6's JSON input cannot express, and what WriteJSON does:
//
//   - Untranslated rules (ir.Rule.Untranslated) have no nftables form at
//     all. They are left out of the commands and listed, with their
//     position, source, reason and effect, in the metainfo object under
//     "ipt2nft" → "untranslated" (libnftables ignores unknown metainfo
//     keys). The text output keeps them as "# untranslated" comments.
//   - Notes (ir.Comment statements), which the text output writes as
//     "# ..." lines above a rule, go to "ipt2nft" → "notes".
//   - Table, chain and set comments: nft 1.0.6 ignores "comment" on
//     tables, chains and sets in JSON input (rule and set element comments
//     work), so they go to "ipt2nft" → "comments" instead.
//   - The set flag "dynamic" is rejected by nft 1.0.6's JSON parser. It is
//     left out: nft sets it itself on every set that a rule adds to or
//     updates (the only use of the flag), both from text and from JSON.
//   - "typeof" set keys cannot be given; the key's data type is given
//     instead (typeofTypes). The kernel set is the same; nft lists it with
//     "type" instead of "typeof".
//   - Times (set and element timeouts) are whole seconds in JSON; a
//     timeout with a millisecond part is rounded up to the next second
//     and the change is listed under "ipt2nft" → "notes".
//
// Anything else that cannot be written, including an IR node type that
// jsonnodes.go does not know, is an error naming it: nothing is skipped
// silently.

// WriteJSON writes rs as libnftables JSON (the format "nft -j -f" reads).
//
// The commands are encoded one at a time into a reused buffer and
// written as they come, never held as one tree and one document (which
// took 3.9 GB for a million rules). Two things need the whole ruleset
// first: the metainfo object, which comes first, holds what the walk over
// all tables collects, and a ruleset that cannot be written must leave
// nothing written. So the walk runs twice: the first encodes each command
// and throws it away, the second writes. (Holding the encoded commands
// instead of encoding them again took some 70% more memory for 100,000
// rules and saved under 10% of the time.)
func WriteJSON(w io.Writer, rs *ir.Ruleset) error {
	check := &jsonWriter{}
	var buf []byte
	var encErr error // the first command that does not encode
	err := check.commands(rs, func(c jobj) error {
		var err error
		if buf, err = appendJSONValue(buf[:0], c); err != nil && encErr == nil {
			encErr = err
		}
		return nil
	})
	if err == nil {
		// A command that cannot be built comes first, as it did when
		// the whole tree was built before any of it was encoded.
		err = encErr
	}
	if err != nil {
		return err
	}
	buf, err = appendJSONValue(append(buf[:0], "{\"nftables\": [\n  "...), check.metainfo())
	if err != nil {
		return err
	}
	// The same walk over the same ruleset: it cannot fail now.
	err = (&jsonWriter{}).commands(rs, func(c jobj) error {
		var err error
		if buf, err = appendJSONValue(append(buf, ",\n  "...), c); err != nil {
			return err
		}
		if len(buf) >= 64<<10 {
			_, err = w.Write(buf)
			buf = buf[:0]
		}
		return err
	})
	if err != nil {
		return err
	}
	_, err = w.Write(append(buf, "\n]}\n"...))
	return err
}

// commands passes each command after the metainfo to emit, in order.
func (j *jsonWriter) commands(rs *ir.Ruleset, emit func(jobj) error) error {
	for _, t := range rs.Tables {
		if err := j.table(t, emit); err != nil {
			return err
		}
	}
	return nil
}

// metainfo is the first command; it holds what commands collected.
func (j *jsonWriter) metainfo() jobj {
	meta := obj("json_schema_version", 1)
	if extra := j.extra(); len(extra) > 0 {
		meta.set("ipt2nft", extra)
	}
	return one("metainfo", meta)
}

// jsonWriter collects what has no place in the commands.
type jsonWriter struct {
	untranslated []any
	notes        []any
	comments     []any
	p            Printer // normal mode, for the few values read back as text
	payloads     map[[2]string]any
}

func (j *jsonWriter) extra() jobj {
	var o jobj
	if len(j.untranslated) > 0 {
		o.set("untranslated", j.untranslated)
	}
	if len(j.notes) > 0 {
		o.set("notes", j.notes)
	}
	if len(j.comments) > 0 {
		o.set("comments", j.comments)
	}
	return o
}

func add(kind string, v jobj) jobj { return one("add", one(kind, v)) }

// table passes the commands of t to emit. Errors of emit are returned as
// they are; the table's own are wrapped to name where they are.
func (j *jsonWriter) table(t *ir.Table, emit func(jobj) error) error {
	fam := t.Family.String()
	fail := func(err error) error { return fmt.Errorf("json: table %s %s: %w", fam, t.Name, err) }
	id := func() jobj { return obj("family", fam, "name", t.Name) }
	for _, c := range []jobj{
		add("table", id()),
		one("delete", one("table", id())),
		add("table", id()),
	} {
		if err := emit(c); err != nil {
			return err
		}
	}
	if t.Comment != "" {
		j.comments = append(j.comments, obj("family", fam, "table", t.Name, "comment", t.Comment))
	}
	for _, c := range t.Chains {
		cc, err := j.chain(t, c)
		if err != nil {
			return fail(fmt.Errorf("chain %s: %w", c.Name, err))
		}
		if err := emit(cc); err != nil {
			return err
		}
	}
	for _, h := range t.CtHelpers {
		o := obj("family", fam, "table", t.Name, "name", h.Name, "type", h.Helper, "protocol", h.Protocol)
		if h.L3Proto != "" {
			o.set("l3proto", h.L3Proto)
		}
		if err := emit(add("ct helper", o)); err != nil {
			return err
		}
	}
	for _, s := range t.Sets {
		sc, err := j.set(t, s)
		if err != nil {
			return fail(fmt.Errorf("set %s: %w", s.Name, err))
		}
		if err := emit(sc); err != nil {
			return err
		}
	}
	for _, c := range t.Chains {
		pos := 0
		famV, tableV, chainV := any(fam), any(t.Name), any(c.Name)
		for _, r := range c.Rules {
			// where a note or untranslated rule is, with room for its text
			where := func() jobj {
				return append(make(jobj, 0, 8), jkv{"family", fam}, jkv{"table", t.Name}, jkv{"chain", c.Name}, jkv{"position", pos})
			}
			if u := r.Untranslated(); u != nil {
				e := append(where(), jkv{"source", r.Source()}, jkv{"reason", u.Reason})
				if u.Effect != "" {
					e.set("effect", u.Effect)
				}
				if u.Pos.IsValid() {
					e.set("origin", u.Pos.String())
				}
				j.untranslated = append(j.untranslated, e)
				continue
			}
			if r.Dead() != "" {
				j.notes = append(j.notes, append(where(), jkv{"note", "never matches, left out (" + r.Dead() + "): " + r.Source()}))
				continue
			}
			for _, n := range Notes(r) {
				j.notes = append(j.notes, append(where(), jkv{"note", n}))
			}
			rc, err := j.rule(famV, tableV, chainV, r)
			if err != nil {
				return fail(fmt.Errorf("chain %s: rule %d (%s): %w", c.Name, pos, briefRule(j.p.Rule(r), r.Origin), err))
			}
			if err := emit(rc); err != nil {
				return err
			}
			pos++
		}
	}
	return nil
}

func (j *jsonWriter) chain(t *ir.Table, c *ir.Chain) (jobj, error) {
	o := obj("family", t.Family.String(), "table", t.Name, "name", c.Name)
	if c.Comment != "" {
		j.comments = append(j.comments, obj("family", t.Family.String(), "table", t.Name, "chain", c.Name, "comment", c.Comment))
	}
	if h := c.Hook; h != nil {
		prio, err := PriorityValue(t.Family, h.Priority)
		if err != nil {
			return nil, err
		}
		o.set("type", h.Type)
		o.set("hook", h.Hook)
		o.set("prio", int64(prio))
		if h.Device != "" {
			o.set("dev", h.Device)
		}
		if h.Policy != "" {
			o.set("policy", h.Policy)
		}
	}
	return add("chain", o), nil
}

// typeofTypes gives the data type of the "typeof" keys translations use,
// since nft 1.0.6 JSON cannot declare a set by typeof.
var typeofTypes = lazy.Of[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"ip saddr": "ipv4_addr", "ip daddr": "ipv4_addr",
		"ip6 saddr": "ipv6_addr", "ip6 daddr": "ipv6_addr",
		"ether saddr": "ether_addr", "ether daddr": "ether_addr",
		"tcp sport": "inet_service", "tcp dport": "inet_service",
		"udp sport": "inet_service", "udp dport": "inet_service",
		"sctp sport": "inet_service", "sctp dport": "inet_service",
		"dccp sport": "inet_service", "dccp dport": "inet_service",
		"th sport": "inet_service", "th dport": "inet_service",
		"ip protocol": "inet_proto", "ip6 nexthdr": "inet_proto",
		"meta l4proto": "inet_proto", "meta nfproto": "nf_proto",
		"meta mark": "mark", "ct mark": "mark",
		"iifname": "ifname", "oifname": "ifname",
		"meta iifname": "ifname", "meta oifname": "ifname",
		"iif": "iface_index", "oif": "iface_index",
		"meta skuid": "uid", "meta skgid": "gid",
		"ct state": "ct_state", "ct status": "ct_status",
	}
}}

func (j *jsonWriter) setType(s *ir.Set) (any, error) {
	t := s.Type
	if t == "" {
		if s.Typeof == nil {
			return nil, fmt.Errorf("no type")
		}
		var parts []string
		keys := []ir.Expr{s.Typeof}
		if c, ok := s.Typeof.(*ir.Concat); ok {
			keys = c.Elems
		}
		for _, k := range keys {
			text := j.p.Expr(k)
			dt, ok := typeofTypes.Get()[text]
			if !ok {
				return nil, fmt.Errorf("typeof %s: nft 1.0.6 JSON has no typeof, and the data type of %q is not known", j.p.Expr(s.Typeof), text)
			}
			parts = append(parts, dt)
		}
		t = strings.Join(parts, " . ")
	}
	return typeList(t), nil
}

// typeList is "a" or ["a", "b"] for "a . b".
func typeList(t string) any {
	parts := strings.Split(t, ".")
	if len(parts) == 1 {
		return strings.TrimSpace(t)
	}
	l := make([]any, len(parts))
	for i, p := range parts {
		l[i] = strings.TrimSpace(p)
	}
	return l
}

func (j *jsonWriter) set(t *ir.Table, s *ir.Set) (jobj, error) {
	kind := "set"
	if s.Map != "" {
		kind = "map"
	}
	o := obj("family", t.Family.String(), "table", t.Name, "name", s.Name)
	typ, err := j.setType(s)
	if err != nil {
		return nil, err
	}
	o.set("type", typ)
	if s.Map != "" {
		o.set("map", typeList(s.Map))
	}
	var flags []any
	for _, f := range s.Flags {
		if f == "dynamic" { // see the package comment
			continue
		}
		flags = append(flags, f)
	}
	if len(flags) > 0 {
		o.set("flags", flags)
	}
	if s.Timeout != "" {
		sec, err := j.jsonSeconds(s.Timeout)
		if err != nil {
			return nil, fmt.Errorf("timeout: %w", err)
		}
		o.set("timeout", sec)
	}
	if s.GCInt != "" {
		sec, err := j.jsonSeconds(s.GCInt)
		if err != nil {
			return nil, fmt.Errorf("gc-interval: %w", err)
		}
		o.set("gc-interval", sec)
	}
	if s.Size != 0 {
		o.set("size", uint64(s.Size))
	}
	if s.Policy != "" {
		o.set("policy", s.Policy)
	}
	if s.Counter {
		return nil, fmt.Errorf("set counter: nft 1.0.6 JSON cannot declare a set with element counters")
	}
	if s.Comment != "" {
		j.comments = append(j.comments, obj("family", t.Family.String(), "table", t.Name, kind, s.Name, "comment", s.Comment))
	}
	if len(s.Elements) > 0 {
		elems := make([]any, len(s.Elements))
		for i, e := range s.Elements {
			v, err := j.expr(e, ctxTop)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			elems[i] = v
		}
		o.set("elem", elems)
	}
	return add(kind, o), nil
}

// rule builds the command adding r; fam, table and chain are strings,
// boxed once per chain rather than once per rule.
func (j *jsonWriter) rule(fam, table, chain any, r *ir.Rule) (jobj, error) {
	exprs := make([]any, 0, len(r.Stmts))
	for _, s := range r.Stmts {
		if _, ok := s.(*ir.Comment); ok {
			continue
		}
		v, err := j.stmt(s)
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, v)
	}
	o := append(make(jobj, 0, 5), jkv{"family", fam}, jkv{"table", table}, jkv{"chain", chain}, jkv{"expr", exprs})
	if r.Comment != "" {
		o = append(o, jkv{"comment", r.Comment})
	}
	return add("rule", o), nil
}

// Standard chain priority names (nft 1.0.6, rule.c std_prios).
var (
	stdPrios = lazy.Of[map[string]int]{New: func() map[string]int {
		return map[string]int{
			"raw": -300, "mangle": -150, "dstnat": -100,
			"filter": 0, "security": 50, "srcnat": 100,
		}
	}}
	bridgePrios = lazy.Of[map[string]int]{New: func() map[string]int {
		return map[string]int{
			"dstnat": -300, "filter": -200, "out": 100, "srcnat": 300,
		}
	}}
)

// PriorityValue is the number a chain priority stands for in a family.
func PriorityValue(fam ir.Family, pr ir.Priority) (int, error) {
	if pr.Name == "" {
		return pr.Offset, nil
	}
	table := stdPrios.Get()
	if fam == ir.FamilyBridge {
		table = bridgePrios.Get()
	}
	v, ok := table[pr.Name]
	if !ok {
		return 0, fmt.Errorf("unknown priority name %q in family %s", pr.Name, fam)
	}
	return v + pr.Offset, nil
}

// jsonSeconds converts an nft time ("60s", "1h30m", "2d", "90") to whole
// seconds, as JSON timeouts are, rounding up (an entry is kept a little
// longer rather than dropped early) and noting it.
func (j *jsonWriter) jsonSeconds(s string) (uint64, error) {
	ms, err := parseNftTime(s)
	if err != nil {
		return 0, err
	}
	if ms%1000 != 0 {
		sec := ms/1000 + 1
		j.notes = append(j.notes, obj("note", fmt.Sprintf("time %s rounded up to %ds: libnftables JSON takes whole seconds", s, sec)))
		return sec, nil
	}
	return ms / 1000, nil
}

// parseNftTime reads nft's time syntax into milliseconds.
func parseNftTime(s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty time")
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return n * 1000, nil
	}
	units := []struct {
		name string
		ms   uint64
	}{{"ms", 1}, {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}}
	var total uint64
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("bad time %q", s)
		}
		n, err := strconv.ParseUint(rest[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bad time %q", s)
		}
		rest = rest[i:]
		found := false
		for _, u := range units {
			if strings.HasPrefix(rest, u.name) {
				total += n * u.ms
				rest = rest[len(u.name):]
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("bad time %q", s)
		}
	}
	return total, nil
}

// briefRule names a rule in an error: its first words and where it came
// from (a merged rule can hold thousands of elements).
func briefRule(text string, origin []ir.Pos) string {
	if len(text) > 100 {
		cut := strings.LastIndexByte(text[:100], ' ')
		if cut < 50 {
			cut = 100
		}
		text = text[:cut] + " …"
	}
	switch len(origin) {
	case 0:
		return text
	case 1:
		return fmt.Sprintf("%s, from %s", text, origin[0])
	}
	return fmt.Sprintf("%s, from %s and %d more", text, origin[0], len(origin)-1)
}
