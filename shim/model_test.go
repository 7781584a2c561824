package shim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/kernel"
	"github.com/ipt2nft/ipt2nft/translate"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// TestInsertRemoveGroup: the rule list of a chain changes in place. An
// append to a list with room allocates nothing (the list was copied at
// every insert, which made restoring 100,000 rules into one chain
// quadratic), and inserts and removals anywhere keep the other rules in
// order.
func TestInsertRemoveGroup(t *testing.T) {
	m := &model{}
	c := &chain{groups: make([]*group, 0, 1000)}
	var want []string
	names := func() []string {
		var out []string
		for _, g := range c.groups {
			out = append(out, g.spec)
		}
		return out
	}
	for i := range 50 {
		s := strconv.Itoa(i)
		m.insertGroup(c, len(c.groups), &group{spec: s})
		want = append(want, s)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		m.insertGroup(c, len(c.groups), &group{spec: "x"})
		m.removeGroup(c, len(c.groups)-1)
	}); allocs > 1 { // the group itself
		t.Errorf("appending and removing the last rule: %v allocations, want at most the group's", allocs)
	}
	for _, op := range []struct {
		insert bool
		at     int
	}{{true, 0}, {true, 25}, {false, 3}, {true, 51}, {false, 0}, {false, 50}, {true, 10}} {
		if op.insert {
			s := "new" + strconv.Itoa(op.at)
			m.insertGroup(c, op.at, &group{spec: s})
			want = slices.Insert(want, op.at, s)
		} else {
			m.removeGroup(c, op.at)
			want = slices.Delete(want, op.at, op.at+1)
		}
		if got := names(); !slices.Equal(got, want) {
			t.Fatalf("after %+v: %v, want %v", op, got, want)
		}
	}
	if !m.dirty {
		t.Error("the model is not marked dirty")
	}
}

// TestInsertAtHeadReadsNoRules: "-I CHAIN 1" (fail2ban's ban) and -A
// need not read the chain's rules, which took a tenth of a second per
// call on a chain of 20,000. The new rules go to the head of the chain
// (no position, no append flag: last sent is first) and to its end. A
// later command that reads the chain finds them around the kernel's
// rules: restore --noflush lost a rule appended before a rule inserted
// by number.
func TestInsertAtHeadReadsNoRules(t *testing.T) {
	m := newModel(famIPv4)
	m.eachRule = func(byte, string, string, bool, func(*kRule) error) error {
		t.Fatal("the chain's rules were read")
		return nil
	}
	kc := &kChain{Name: nftChainName("filter", "X"), Handle: 1}
	m.chains[kc.Name] = &chain{table: "filter", name: "X", k: kc}
	p := &iptparse.Parser{Registry: translate.Registry{}, Family: famIPv4.ipt}
	do := func(line string) {
		t.Helper()
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs(strings.Fields(line), "<test>"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.command(cmd); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	do("-I X -s 10.0.0.1 -j DROP")
	do("-A X -s 10.0.0.9 -j DROP")
	do("-I X 1 -s 10.0.0.2,10.0.0.3 -j DROP")
	msgs, err := m.commit()
	if err != nil {
		t.Fatal(err)
	}
	// What each rule message says: its address, and where it goes.
	var got []string
	for _, msg := range msgs {
		if msg.Type != unix.NFT_MSG_NEWRULE {
			continue
		}
		attrs, err := netlink.UnmarshalAttributes(msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		place := "head"
		if msg.Flags&unix.NLM_F_APPEND != 0 {
			place = "end"
		}
		for _, a := range attrs {
			if a.Type == unix.NFTA_RULE_POSITION {
				place = "position"
			}
		}
		addr := regexp.MustCompile(`10\.0\.0\.\d`).Find(msg.Data)
		got = append(got, string(addr)+" "+place)
	}
	// Final order 10.0.0.3, .2, .1, the kernel's rules, .9 (iptables
	// inserts a rule's addresses one by one at the position).
	want := []string{"10.0.0.1 head", "10.0.0.2 head", "10.0.0.3 head", "10.0.0.9 end"}
	if !slices.Equal(got, want) {
		t.Errorf("rule messages %q, want %q", got, want)
	}

	// A command that needs the rules reads them and keeps the new
	// ones in their places.
	m.eachRule = eachOf([]*kRule{{Chain: kc.Name, Handle: 7}, {Chain: kc.Name, Handle: 8}})
	do("-I X 5 -s 10.0.0.5 -j DROP")
	var order []string
	for _, g := range m.chain("filter", "X").groups {
		if len(g.handles) > 0 {
			order = append(order, strconv.FormatUint(g.handles[0], 10))
		} else {
			order = append(order, regexp.MustCompile(`10\.0\.0\.\d`).FindString(g.spec))
		}
	}
	if want := []string{"10.0.0.3", "10.0.0.2", "10.0.0.1", "7", "10.0.0.5", "8", "10.0.0.9"}; !slices.Equal(order, want) {
		t.Errorf("after reading the chain: %q, want %q", order, want)
	}
}

// TestListBuiltinReadsOneChain: "iptables -n -L INPUT", which fail2ban
// runs before every ban, reads INPUT's rules only (it read every chain
// of the table: 96 ms with 20,000 bans in another chain, against 2 ms
// for iptables-nft). A user chain's header counts the jumps to it, so
// listing one reads them all.
func TestListBuiltinReadsOneChain(t *testing.T) {
	list := func(name string) (reads []string, out string) {
		t.Helper()
		m := newModel(famIPv4)
		m.eachRule = func(_ byte, _, chain string, _ bool, _ func(*kRule) error) error {
			reads = append(reads, chain)
			return nil
		}
		for i, name := range []string{"INPUT", "f2b"} {
			kc := &kChain{Name: nftChainName("filter", name), Handle: uint64(i + 1), Hook: name == "INPUT"}
			m.chains[kc.Name] = &chain{table: "filter", name: name, builtin: name == "INPUT", policy: "ACCEPT", k: kc}
		}
		p := &iptparse.Parser{Registry: translate.Registry{}, Family: famIPv4.ipt}
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs([]string{"-n", "-L", name}, "<test>"))
		if err != nil {
			t.Fatal(err)
		}
		out, err = m.command(cmd)
		if err != nil {
			t.Fatal(err)
		}
		return reads, out
	}
	if reads, out := list("INPUT"); !slices.Equal(reads, []string{"filter/INPUT"}) || !strings.HasPrefix(out, "Chain INPUT (policy ACCEPT)") {
		t.Errorf("-L INPUT read %q, want INPUT's rules only; printed %q", reads, out)
	}
	if reads, out := list("f2b"); !slices.Equal(reads, []string{""}) || !strings.HasPrefix(out, "Chain f2b (0 references)") {
		t.Errorf("-L f2b read %q, want every chain's rules; printed %q", reads, out)
	}
}

// TestRulesWithSetsFirst: a commit sends the rules of the chains that
// bind anonymous sets before the others (the kernel walks the whole
// transaction for each set bound), keeping each chain's order.
func TestRulesWithSetsFirst(t *testing.T) {
	m := newModel(famIPv4)
	m.eachRule = func(byte, string, string, bool, func(*kRule) error) error {
		t.Fatal("rules were read")
		return nil
	}
	p := &iptparse.Parser{Registry: translate.Registry{}, Family: famIPv4.ipt}
	for _, line := range []string{
		"-N A", "-A A -s 10.0.0.1 -j DROP", "-A A -s 10.0.0.2 -j DROP",
		"-N B", "-A B -s 10.0.0.3 -j DROP", "-A B -s 10.0.0.4 -p tcp -m multiport --dports 1,3 -j DROP", "-A B -s 10.0.0.5 -j DROP",
		"-N C", "-A C -s 10.0.0.6 -j DROP",
	} {
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs(strings.Fields(line), "<test>"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.command(cmd); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	msgs, err := m.commit()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, msg := range msgs {
		if msg.Type == unix.NFT_MSG_NEWRULE {
			got = append(got, regexp.MustCompile(`10\.0\.0\.\d`).FindString(string(msg.Data)))
		}
	}
	if want := []string{"10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.1", "10.0.0.2", "10.0.0.6"}; !slices.Equal(got, want) {
		t.Errorf("rules sent in the order %q, want %q", got, want)
	}
}

// TestParseRule reads a rule message built with netlink.AttributeEncoder
// (the library parseRule replaced): chain, handle, userdata and the
// first counter's values, for the table and chain asked for only; a cut
// message is an error, not a panic.
func TestParseRule(t *testing.T) {
	enc := netlink.NewAttributeEncoder()
	enc.ByteOrder = binary.BigEndian
	enc.String(unix.NFTA_RULE_TABLE, "ipt2nft_shim")
	enc.String(unix.NFTA_RULE_CHAIN, "filter/INPUT")
	enc.Uint64(unix.NFTA_RULE_HANDLE, 42)
	enc.Bytes(unix.NFTA_RULE_USERDATA, []byte("spec"))
	enc.Nested(unix.NFTA_RULE_EXPRESSIONS, func(ne *netlink.AttributeEncoder) error {
		for i, name := range []string{"payload", "counter", "counter"} {
			ne.Nested(unix.NFTA_LIST_ELEM, func(ee *netlink.AttributeEncoder) error {
				ee.String(unix.NFTA_EXPR_NAME, name)
				ee.Nested(unix.NFTA_EXPR_DATA, func(de *netlink.AttributeEncoder) error {
					de.ByteOrder = binary.BigEndian
					de.Uint64(unix.NFTA_COUNTER_BYTES, uint64(300+i))
					de.Uint64(unix.NFTA_COUNTER_PACKETS, uint64(5+i))
					return nil
				})
				return nil
			})
		}
		return nil
	})
	b, err := enc.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, chain := range []string{"filter/INPUT", ""} {
		r, err := parseRule(b, "ipt2nft_shim", chain)
		if err != nil {
			t.Fatal(err)
		}
		if r == nil || r.Chain != "filter/INPUT" || r.Handle != 42 || string(r.UserData) != "spec" || !r.Counter || r.Packets != 6 || r.Bytes != 301 {
			t.Errorf("chain %q: parsed %+v", chain, r)
		}
	}
	for _, other := range [][2]string{{"ipt2nft", ""}, {"ipt2nft_shim", "filter/OUTPUT"}} {
		if r, err := parseRule(b, other[0], other[1]); r != nil || err != nil {
			t.Errorf("a rule of table %q chain %q: %+v, %v", other[0], other[1], r, err)
		}
	}
	if _, err := parseRule(b[:len(b)-3], "ipt2nft_shim", ""); err == nil {
		t.Error("a message cut in its last attribute: no error")
	}
}

// TestFindsRulesStoredByOlderPrinter: a rule stored by an older ipt2nft
// holds the canonical text its printer wrote (options as given, as for
// every extension without a saver then). -D and -C print the command
// with today's printer; when no stored text is the same, the stored ones
// are printed again, so the rule is still found, and only an equal rule.
func TestFindsRulesStoredByOlderPrinter(t *testing.T) {
	m := newModel(famIPv4)
	kc := &kChain{Name: nftChainName("filter", "X"), Handle: 1}
	c := &chain{table: "filter", name: "X", k: kc, loaded: true}
	m.chains[kc.Name] = c
	for i, spec := range []string{"-m dscp --dscp 12 -j DROP", "-m dscp --dscp 10 -j DROP", "-m tos --tos 16 -j ACCEPT"} {
		c.groups = append(c.groups, &group{spec: spec, handles: []uint64{uint64(10 + i)}})
	}
	p := &iptparse.Parser{Registry: translate.Registry{}, Family: famIPv4.ipt}
	do := func(line string) error {
		t.Helper()
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs(strings.Fields(line), "<test>"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.command(cmd)
		return err
	}
	if spec := "-m dscp --dscp 10 -j DROP"; translate.CanonicalRule(mustParse(t, p, "-A X "+spec)) == spec {
		t.Fatalf("today's printer writes %q as stored: the test tests nothing", spec)
	}
	if err := do("-C X -m dscp --dscp 0x0a -j DROP"); err != nil {
		t.Errorf("-C of a stored rule: %v", err)
	}
	if err := do("-D X -m dscp --dscp 10 -j DROP"); err != nil {
		t.Fatalf("-D of a stored rule: %v", err)
	}
	var left []string
	for _, g := range c.groups {
		left = append(left, g.spec)
	}
	if want := []string{"-m dscp --dscp 12 -j DROP", "-m tos --tos 16 -j ACCEPT"}; !slices.Equal(left, want) {
		t.Errorf("left %q, want %q", left, want)
	}
	if err := do("-D X -m dscp --dscp 11 -j DROP"); err == nil {
		t.Error("-D of a rule not stored succeeded")
	}
}

func mustParse(t *testing.T, p *iptparse.Parser, line string) *iptparse.Command {
	t.Helper()
	cmd, err := p.ParseCommand(iptparse.WordsFromArgs(strings.Fields(line), "<test>"))
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// eachOf is an eachRule that lists rules, stopping where fn says so.
func eachOf(rules []*kRule) func(byte, string, string, bool, func(*kRule) error) error {
	return func(_ byte, _, _ string, _ bool, fn func(*kRule) error) error {
		for _, r := range rules {
			if err := fn(r); errors.Is(err, kernel.ErrStop) {
				return nil
			} else if err != nil {
				return err
			}
		}
		return nil
	}
}

// TestDeleteReadsUntilFound: a call's -D, -C and rule-number commands
// read the chain only up to the rule they need and the one after it
// (the kernel walks the chain from its start for every part of a dump:
// a -D of the first of 20,000 rules took 120 ms), and change the same
// rules as with the whole chain read. A text split over two nft rules
// is whole before it is compared; a missing text reads every rule.
func TestDeleteReadsUntilFound(t *testing.T) {
	// Groups of chain X, in order: texts, and nft rules per group.
	texts := []string{"-s 10.0.0.1/32 -j DROP", "-s 10.0.0.2/32 -j DROP", "-s 10.0.0.3/32 -j DROP", "-s 10.0.0.2/32 -j DROP", "-s 10.0.0.5/32 -j DROP", "-s 10.0.0.6/32 -j DROP"}
	name := nftChainName("filter", "X")
	var rules []*kRule
	var h uint64
	for i, text := range texts {
		// The third group's text is split over two rules.
		pieces := []string{text}
		if i == 2 {
			pieces = []string{text[:5], text[5:]}
		}
		for _, p := range pieces {
			h++
			ud := append(groupTLV(uint64(100+i)), udSpec, byte(len(p)))
			rules = append(rules, &kRule{Chain: name, Handle: h, UserData: append(ud, p...)})
		}
	}
	run := func(line string, single bool) (read int, deleted []uint64, err error) {
		t.Helper()
		m := newModel(famIPv4)
		m.single = single
		m.eachRule = func(f byte, tb, ch string, reset bool, fn func(*kRule) error) error {
			return eachOf(rules)(f, tb, ch, reset, func(r *kRule) error {
				read++
				return fn(r)
			})
		}
		kc := &kChain{Name: name, Handle: 1}
		m.chains[kc.Name] = &chain{table: "filter", name: "X", k: kc}
		p := &iptparse.Parser{Registry: translate.Registry{}, Family: famIPv4.ipt}
		cmd, err := p.ParseCommand(iptparse.WordsFromArgs(strings.Fields(line), "<test>"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.command(cmd); err != nil {
			return read, nil, err
		}
		msgs, err := m.commit()
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range msgs {
			if msg.Type != unix.NFT_MSG_DELRULE {
				continue
			}
			attrs, err := netlink.UnmarshalAttributes(msg.Data)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range attrs {
				if a.Type == unix.NFTA_RULE_HANDLE {
					deleted = append(deleted, binary.BigEndian.Uint64(a.Data))
				}
			}
		}
		return read, deleted, nil
	}
	for _, c := range []struct {
		line    string
		read    int // rules read by a single command
		deleted []uint64
	}{
		{"-D X -s 10.0.0.1 -j DROP", 3, []uint64{1}},
		{"-D X -s 10.0.0.2 -j DROP", 5, []uint64{2}},
		{"-D X -s 10.0.0.3 -j DROP", 6, []uint64{3, 4}},
		{"-D X -s 10.0.0.2,10.0.0.2 -j DROP", 7, []uint64{2, 5}},
		{"-D X -s 10.0.0.6 -j DROP", 7, []uint64{7}},
		{"-D X -s 10.0.0.9 -j DROP", 7, nil},
		{"-C X -s 10.0.0.3 -j DROP", 6, nil},
		{"-D X 2", 5, []uint64{2}},
		{"-D X 9", 7, nil},
	} {
		whole, wantDel, wantErr := run(c.line, false)
		if whole != len(rules) {
			t.Errorf("%s in a model of several commands: read %d rules, want all %d", c.line, whole, len(rules))
		}
		read, del, err := run(c.line, true)
		if read != c.read || !slices.Equal(del, wantDel) || !slices.Equal(del, c.deleted) || fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: read %d rules, deleted %v (%v); want %d, %v (%v), as with the whole chain %v (%v)", c.line, read, del, err, c.read, c.deleted, wantErr, wantDel, wantErr)
		}
	}
}
