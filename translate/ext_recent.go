package translate

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
)

// -m recent (libxt_recent.c, revision 1). Upstream has no translation.
// See docs/recent.md for the full reasoning; in short:
//
// The kernel keeps, per list name, one entry per (masked) address with the
// times it was recorded (by --set, and by --update when it matches).
// --rcheck/--update --seconds S match when the address was recorded within
// the last S seconds, which only depends on the last time it was recorded;
// without --seconds they match when the address is on the list at all.
//
// nft expresses "recorded within the last S seconds" as membership in a
// dynamic set with timeout S whose elements are refreshed ("update") each
// time the address is recorded. A list is therefore translated into one
// set per distinct --seconds value used with it (a "view"), plus one set
// without timeout when a rule asks whether the address is on the list at
// all (--rcheck/--update without --seconds, or --remove when its result
// matters):
//
//	--set                  update @VIEW { KEY } for every view
//	--rcheck --seconds S   KEY @VIEW_S             (! --rcheck: KEY != @VIEW_S)
//	--update --seconds S   KEY @VIEW_S update @VIEW { KEY } for every view
//	--remove               [KEY @VIEW_ALL] delete @VIEW { KEY } for every view
//
// KEY is "ip saddr" (--rsource) or "ip daddr" (--rdest), "& MASK" with
// --mask. As in the kernel, the mask of the first rule using the list
// applies to all of them.
//
// Views are only known once every rule has been read, so the rules are
// written with placeholders that finishRecent fills in when the ruleset
// is finished. Exact mode translates one command at a time and cannot know
// the views: there -m recent is untranslatable, like upstream.
//
// Untranslatable:
//   - --hitcount N (N > 1): "recorded N times within S seconds" is a sliding
//     window over the stored timestamps; a set element has one expiry time
//     and counters that never age.
//   - --rttl: the packet's TTL must equal the TTL stored with the address
//     by the last --set/--update; a set element cannot store a value that
//     a later rule compares with the packet.
//   - ! --set (records the address and never matches), ! --update and
//     ! --remove (their side effect depends on the entry existing while the
//     rule matches when it does not).
//   - --reap when the list has a view longer than its --seconds (reaping
//     deletes stale entries from the whole list at unpredictable times);
//     when no view is longer, reaping changes nothing and is left out.
//
// Not reproduced: the kernel keeps at most ip_list_tot (default 100)
// addresses per list and forgets the least recently seen one; nft sets
// keep every address until it times out, up to 65535 per set (then adding
// fails and the rule does not match).

var extRecent = []Ext{
	{
		ExtensionSpec: iptparse.ExtensionSpec{
			Name: "recent", Kind: iptparse.KindMatch,
			Options: []iptparse.OptionSpec{
				{Name: "set", Flags: inv, Excl: []string{"rcheck", "update", "remove"}},
				{Name: "rcheck", Flags: inv, Excl: []string{"set", "update", "remove"}},
				{Name: "update", Flags: inv, Excl: []string{"set", "rcheck", "remove"}},
				{Name: "remove", Flags: inv, Excl: []string{"set", "rcheck", "update"}},
				{Name: "seconds", Type: iptparse.TypeUint32, Min: 1},
				{Name: "reap", Also: []string{"seconds"}},
				{Name: "hitcount", Type: iptparse.TypeUint32},
				{Name: "rttl", Excl: []string{"set", "remove"}},
				{Name: "name", Type: iptparse.TypeString},
				{Name: "rsource", Flags: multi},
				{Name: "rdest", Flags: multi},
				{Name: "mask", Type: iptparse.TypeHost},
			},
			Check: checkRecent,
		},
		Translate: translateRecent,
	},
}

func init() {
	registerAll(extRecent)
	registerFinisher(finishRecent)
}

const (
	recentNameMax = 199   // XT_RECENT_NAME_LEN - 1
	recentSetSize = 65535 // nft's default for dynamic sets
)

func recentOp(x *iptparse.Ext) *iptparse.Option {
	for _, name := range []string{"set", "rcheck", "update", "remove"} {
		if o := x.Opt(name); o != nil {
			return o
		}
	}
	return nil
}

func checkRecent(x *iptparse.Ext) error {
	op := recentOp(x)
	if op == nil {
		return &iptparse.Error{Pos: x.Pos, Ext: x.Label(), Msg: "recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'"}
	}
	if op.Name == "set" || op.Name == "remove" {
		for _, o := range []string{"seconds", "hitcount", "reap"} {
			if x.Has(o) {
				return &iptparse.Error{Pos: x.Opt(o).Pos, Ext: x.Label(), Msg: fmt.Sprintf("--%s cannot be used with --%s (the kernel rejects the rule)", o, op.Name)}
			}
		}
	}
	if o := x.Opt("name"); o != nil && o.Arg() == "" {
		return &iptparse.Error{Pos: o.Pos, Ext: x.Label(), Msg: "--name must not be empty (the kernel rejects the rule)"}
	}
	return nil
}

// recentList is one list (name) in one family.
type recentList struct {
	name   string
	fam    iptparse.Family
	mask   netip.Addr // the list's mask (invalid: none)
	maskAt iptparse.Pos
	uses   []*recentUse
	sets   map[uint32]string // view (seconds, 0: no timeout) -> set name
}

// recentUse is one translated -m recent match.
type recentUse struct {
	list    *recentList
	op      string // set, rcheck, update, remove
	seconds uint32
	reap    bool
	pos     iptparse.Pos
	// check needs view "seconds" (remove: 0); neg inverts it.
	check *ir.SetRef
	// record is replaced by an update (or delete) of every view.
	record *ir.SetUpdate
	key    func() ir.Expr
	note   *ir.Comment
	// What finishRecent needs of the command, kept apart from it: the
	// parsed command's memory is reused for later rules once translated
	// (normal mode's AddText). effect is what leaving the rule out does;
	// cmd numbers the rule-adding commands (0: the command adds none).
	effect   string
	cmd      int
	rule     *ir.Rule // set by finishRecent when the rule is in the ruleset
	dropped  bool     // made untranslatable by finishRecent
	ruleText string
}

// recentState is the run's lists, in order of first use.
type recentState struct {
	lists   map[string]*recentList
	order   []*recentList
	byStmt  map[ir.Stmt]*recentUse
	dropped map[int]bool // the commands of rules made untranslatable, by recentUse.cmd
}

const recentPlaceholder = "\x00recent"

func translateRecent(c *Ctx, x *iptparse.Ext) error {
	op := recentOp(x)
	if c.Exact {
		return c.Untranslatable(x, "a list becomes one nft set per --seconds value used with it, which needs every rule of the input; iptables-translate has no translation either (the normal mode translates it)")
	}
	if h, _ := optUint(x, "hitcount"); h > 1 {
		return c.Untranslatable(x, "--hitcount %d counts how often the address was recorded within the last --seconds (a sliding window over stored timestamps); an nft set element has one expiry time and counters that never age, so this cannot be expressed exactly", h)
	}
	if x.Has("rttl") {
		return c.Untranslatable(x, "--rttl also needs the packet's TTL to equal the TTL stored with the address by the last --set/--update; an nft set element cannot store a value that a later rule compares with the packet")
	}
	if op.Neg && op.Name != "rcheck" {
		switch op.Name {
		case "set":
			return c.Untranslatable(x, "! --set records the address and never matches; nft has no statement that fails after the set update")
		default:
			return c.Untranslatable(x, "! --%s changes the list only when the address is on it, but matches when it is not; one nft rule cannot do both", op.Name)
		}
	}
	name := "DEFAULT"
	if n, ok := optString(x, "name"); ok {
		name = n
	}
	if len(name) > recentNameMax {
		name = name[:recentNameMax]
	}
	name = c.tr.keep(name) // the run's state keeps it
	st := c.State("recent", func() any {
		return &recentState{lists: map[string]*recentList{}, byStmt: map[ir.Stmt]*recentUse{}, dropped: map[int]bool{}}
	}).(*recentState)
	lk := fmt.Sprintf("%s/%s", c.Family, name)
	list := st.lists[lk]
	var mask netip.Addr
	if o := x.Opt("mask"); o != nil {
		mask = o.Value.(netip.Addr)
		if mask.Is4() == c.IsIPv6() {
			return c.Errorf(x, "--mask %s is not an address of this family", o.Arg())
		}
		if mask == prefixMaskAddr(mask.BitLen(), mask.Is6()) {
			mask = netip.Addr{} // all ones: no mask
		}
	}
	if list == nil {
		list = &recentList{name: name, fam: c.Family, mask: mask, maskAt: x.Pos}
		st.lists[lk] = list
		st.order = append(st.order, list)
	} else if list.mask != mask {
		c.Warn(x.Pos, "recent list %s got its mask from the rule at %s; the kernel ignores the --mask of later rules, and so does this translation", name, list.maskAt)
	}
	// The last of --rsource and --rdest wins.
	field := "saddr"
	for _, o := range x.Options {
		switch o.Name {
		case "rsource":
			field = "saddr"
		case "rdest":
			field = "daddr"
		}
	}
	l3 := c.L3()
	key := func() ir.Expr {
		var k ir.Expr = &ir.Payload{Proto: l3, Field: field}
		if list.mask.IsValid() {
			k = &ir.Binary{Op: ir.OpAnd, Left: k, Right: ir.IP(list.mask)}
		}
		return k
	}
	secs, _ := optUint(x, "seconds")
	u := &recentUse{list: list, op: op.Name, seconds: uint32(secs), reap: x.Has("reap"), pos: x.Pos, key: key, effect: Effect(c.Cmd), ruleText: c.tr.keepText(c.Cmd.RuleText())}
	if c.Cmd.Op.AddsRule() {
		u.cmd = c.tr.stats.Rules // counted before the rule is translated: one number per command
	}
	switch op.Name {
	case "set":
		u.record = &ir.SetUpdate{Op: "update", Set: recentPlaceholder}
	case "rcheck":
		u.check = &ir.SetRef{Name: recentPlaceholder}
		c.Add(ir.EqOrNe(key(), op.Neg, u.check))
	case "update":
		u.check = &ir.SetRef{Name: recentPlaceholder}
		c.Add(ir.Eq(key(), u.check))
		u.record = &ir.SetUpdate{Op: "update", Set: recentPlaceholder}
	case "remove":
		// The result only matters when the rule has a target or more
		// matches follow; otherwise do not keep a list without timeout
		// just for it.
		last := c.Rule.Matches[len(c.Rule.Matches)-1] == x
		if c.Rule.Target != nil || !last {
			u.check = &ir.SetRef{Name: recentPlaceholder}
			u.seconds = 0
			c.Add(ir.Eq(key(), u.check))
		} else {
			u.note = &ir.Comment{Text: fmt.Sprintf("-m recent --remove --name %s: the rule counts every packet, not only those whose address was on the list", name)}
			c.Add(u.note)
		}
		u.record = &ir.SetUpdate{Op: "delete", Set: recentPlaceholder}
	}
	if u.record != nil {
		c.Add(u.record)
		st.byStmt[u.record] = u
	}
	if u.check != nil {
		// Found through the match statement that holds the reference.
		for _, s := range c.stmts {
			if m, ok := s.(*ir.Match); ok && m.Right == u.check {
				st.byStmt[m] = u
			}
		}
	}
	list.uses = append(list.uses, u)
	return nil
}

// finishRecent fills in the views once all rules are known.
func finishRecent(t *Translator) {
	st, _ := t.ext["recent"].(*recentState)
	if st == nil {
		return
	}
	l := t.native
	// Find the rules that made it into the ruleset.
	for _, e := range l.all {
		if e.chain == nil {
			continue
		}
		for _, r := range e.chain.Rules {
			if r.Placeholder() {
				continue
			}
			for _, s := range r.Stmts {
				if u := st.byStmt[s]; u != nil {
					u.rule = r
				}
			}
		}
	}
	for _, list := range st.order {
		views := recentViews(list)
		// A --reap rule is only exact when no view outlives its seconds.
		for changed := true; changed; {
			changed = false
			for _, u := range list.uses {
				if u.rule == nil || u.dropped || !u.reap {
					continue
				}
				if longest, forever := viewSpan(views); forever || longest > u.seconds {
					u.dropped = true
					changed = true
					var longer []uint32
					for _, v := range views {
						if v == 0 || v > u.seconds {
							longer = append(longer, v)
						}
					}
					t.dropRecentRule(st, u, fmt.Sprintf("-m recent: --reap deletes entries not seen for %d seconds from the whole list %s at unpredictable times, and other rules look further back (%s)", u.seconds, list.name, describeViews(longer)))
					views = recentViews(list)
				}
			}
		}
		if len(views) == 0 {
			for _, u := range list.uses {
				if u.rule != nil && u.record != nil && !u.dropped {
					u.note = &ir.Comment{Text: fmt.Sprintf("-m recent: no translated rule checks list %s, so the address is not recorded", list.name)}
				}
			}
		}
		list.sets = map[uint32]string{}
		tbl := l.table(list.fam)
		base := "recent_" + nftSafeName(list.name)
		for _, v := range views {
			name := base
			if len(views) > 1 && v != 0 {
				name = fmt.Sprintf("%s_%ds", base, v)
			}
			for i := 2; tbl.Set(name) != nil; i++ {
				name = fmt.Sprintf("%s_%d", base, i)
				if len(views) > 1 && v != 0 {
					name = fmt.Sprintf("%s_%ds_%d", base, v, i)
				}
			}
			typ := "ipv4_addr"
			if list.fam == iptparse.FamilyIPv6 {
				typ = "ipv6_addr"
			}
			set := &ir.Set{Name: name, Type: typ, Flags: []string{"dynamic"}, Size: recentSetSize, Comment: "-m recent --name " + truncateUTF8(list.name, 100)}
			if v != 0 {
				set.Flags = append(set.Flags, "timeout")
				set.Timeout = fmt.Sprintf("%ds", v)
			}
			tbl.Sets = append(tbl.Sets, set)
			list.sets[v] = name
		}
		for _, u := range list.uses {
			if u.rule == nil || u.dropped {
				continue
			}
			if u.check != nil {
				u.check.Name = list.sets[u.seconds]
			}
			var stmts []ir.Stmt
			for _, s := range u.rule.Stmts {
				if s != u.record || u.record == nil {
					stmts = append(stmts, s)
					continue
				}
				if u.note != nil && u.op != "remove" {
					stmts = append(stmts, u.note)
				}
				for _, v := range views {
					stmts = append(stmts, &ir.SetUpdate{Op: u.record.Op, Set: list.sets[v], Key: u.key()})
				}
			}
			u.rule.Stmts = stmts
		}
	}
}

// recentViews lists the views a list needs: the --seconds of every
// translated check, 0 for checks of the whole list. Sorted, 0 first.
func recentViews(list *recentList) []uint32 {
	seen := map[uint32]bool{}
	for _, u := range list.uses {
		if u.rule != nil && !u.dropped && u.check != nil {
			seen[u.seconds] = true
		}
	}
	var views []uint32
	for v := range seen {
		views = append(views, v)
	}
	sort.Slice(views, func(i, j int) bool { return views[i] < views[j] })
	return views
}

func viewSpan(views []uint32) (longest uint32, forever bool) {
	for _, v := range views {
		if v == 0 {
			forever = true
		} else if v > longest {
			longest = v
		}
	}
	return longest, forever
}

func describeViews(views []uint32) string {
	var s []string
	for _, v := range views {
		if v == 0 {
			s = append(s, "without --seconds")
		} else {
			s = append(s, fmt.Sprintf("--seconds %d", v))
		}
	}
	return strings.Join(s, ", ")
}

// dropRecentRule turns an already translated rule into an untranslated
// one.
func (t *Translator) dropRecentRule(st *recentState, u *recentUse, reason string) {
	effect := u.effect
	u.rule.SetUntranslated(&ir.Untranslated{Pos: u.pos, Reason: reason, Effect: effect})
	if u.cmd != 0 && !st.dropped[u.cmd] {
		st.dropped[u.cmd] = true
		t.stats.Translated--
		t.stats.Untranslated++
	}
	t.diag(Diag{Pos: u.pos, Kind: DiagUntranslated, Ext: "-m recent", Msg: strings.TrimPrefix(reason, "-m recent: "), Effect: effect, Rule: u.ruleText})
}
