package shim

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/iptparse"
	"github.com/ipt2nft/ipt2nft/ir"
	"github.com/ipt2nft/ipt2nft/kernel"
	"github.com/ipt2nft/ipt2nft/translate"
)

// ipset through the shim: each set is a named nft set in the shim's
// table of its family (ip ipt2nft_shim for inet, ip6 ipt2nft_shim for
// inet6), so that -m set and -j SET rules stored by the shim use it.
// The set's ipset type and header live in the set's userdata
// (ipset_kernel.go). A call reads the sets (and the elements of the sets
// it needs), applies its commands to an in-memory model
// (iptparse.IPSetFile.Command, which refuses what ipset refuses) and
// sends what changed as one transaction: elements are added and deleted
// one by one, a set is never rewritten.

// IPSetVersion is the ipset version the shim behaves like.
const IPSetVersion = "7.17"

// ipset is one set of the model.
type ipset struct {
	def    *iptparse.IPSet
	fam    family
	seq    uint64
	k      *kSet // in the kernel before this call (nil: created by it)
	loaded bool  // def.Elements holds the kernel's elements
	looked bool  // def.Elements holds some of them, looked up (lookUp)
}

// ipsetModel is every ipset of both tables.
type ipsetModel struct {
	file   *iptparse.IPSetFile
	meta   map[*iptparse.IPSet]*ipset
	msgs   []emit.NLMsg
	errs   map[int]map[syscall.Errno]string // kernel errors of a message, worded like ipset
	refs   map[string]int                   // rules using each set (nil: not read yet)
	quiet  bool
	exist  bool
	output string // plain or save
	names  bool   // -n
	terse  bool   // -t
	out    strings.Builder
	warn   string // printed on stderr when the call succeeds
	after  error  // the call's failure, once what it changed is sent (a range's first failing element)
	now    uint64
	single bool // one command, not a restore: elements may be looked up
	// line is the restore line being applied; lines, the line each
	// message came from, for the kernel's refusals
	line  int
	lines map[int]int
	// failedLine is the restore line whose message the kernel refused
	failedLine int
	// fresh holds, for each interval set, the elements this transaction
	// added, each alone in a message (its index in msgs): deleting one
	// again cancels its add, as the kernel refuses a second delete of
	// an interval element in one transaction
	fresh map[*ipset]map[string]int
	// readElems reads all elements of a set; tests replace it.
	readElems func(fam family, set string) ([]*kElem, error)
}

func loadIPSets() (*ipsetModel, error) {
	m := &ipsetModel{file: &iptparse.IPSetFile{Name: "ipset"}, meta: map[*iptparse.IPSet]*ipset{}, errs: map[int]map[syscall.Errno]string{}, readElems: readElems}
	var all []*ipset
	for _, fam := range []family{famIPv4, famIPv6} {
		sets, err := readIPSets(fam)
		if err != nil {
			return nil, fmt.Errorf("reading sets: %w", err)
		}
		all = append(all, sets...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	for _, s := range all {
		if m.file.Set(s.def.Name) != nil {
			continue // the same name in both tables: not made by us
		}
		m.file.Sets = append(m.file.Sets, s.def)
		m.meta[s.def] = s
	}
	return m, nil
}

// set finds a set by name.
func (m *ipsetModel) set(name string) *ipset {
	if d := m.file.Set(name); d != nil {
		return m.meta[d]
	}
	return nil
}

// sorted lists the sets in ipset's order.
func (m *ipsetModel) sorted() []*ipset {
	var out []*ipset
	for _, d := range m.file.Sets {
		out = append(out, m.meta[d])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// load reads a set's elements.
func (m *ipsetModel) load(s *ipset) error {
	if s.looked {
		// The elements of a lookup may have been changed since.
		return fmt.Errorf("internal: set %s is read whole after a lookup of some elements", s.def.Name)
	}
	if s.loaded || s.k == nil {
		s.loaded = true
		return nil
	}
	es, err := m.readElems(s.fam, s.k.Name)
	if err != nil {
		return fmt.Errorf("reading set %s: %w", s.def.Name, err)
	}
	nset, _ := nftSetOf(s.def)
	if nset != nil && hasFlag(nset.Flags, "interval") && !strings.Contains(nset.Type, " . ") {
		es = pairIntervals(es)
	}
	s.def.Elements = nil
	for _, e := range es {
		if el, ok := s.kernelElem(e); ok {
			s.def.Elements = append(s.def.Elements, el)
		}
	}
	s.loaded = true
	return nil
}

// kernelElem is a kernel element as the set's model holds it.
func (s *ipset) kernelElem(e *kElem) (iptparse.IPSetElem, bool) {
	if e.End {
		return iptparse.IPSetElem{}, false
	}
	txt, ok := elemText(s.def, e.Key, e.KeyEnd)
	if !ok {
		return iptparse.IPSetElem{}, false
	}
	opts := map[string]string{}
	if _, ok := s.def.Options["timeout"]; ok {
		opts["timeout"] = strconv.FormatUint(e.Expires/1000, 10)
	}
	if _, ok := s.def.Options["counters"]; ok {
		opts["packets"] = strconv.FormatUint(e.Packets, 10)
		opts["bytes"] = strconv.FormatUint(e.Bytes, 10)
	}
	if e.Comment != "" {
		opts["comment"] = e.Comment
	}
	return iptparse.IPSetElem{Value: txt, Options: opts}, true
}

// maxLookups is how many elements one add, del or test looks up one by
// one rather than reading the whole set (a range can name thousands).
const maxLookups = 16

// lookUp reads the given elements of a set, those the kernel has,
// instead of all of them: "ipset add" of one address to a set of
// 50,000 read them all (0.1 s a call; ipset takes 1 ms). Only for a set
// without intervals, whose elements are found by their exact key, and
// for one command: the set's model then holds only these elements.
func (m *ipsetModel) lookUp(s *ipset, vals []string) (bool, error) {
	if s.loaded || s.k == nil || len(vals) > maxLookups {
		return false, nil
	}
	if ns, err := nftSetOf(s.def); err != nil || hasFlag(ns.Flags, "interval") {
		return false, nil
	}
	var found []iptparse.IPSetElem
	for _, v := range vals {
		ns, err := m.nftElems(s, []iptparse.IPSetElem{{Value: v}}, true)
		if err != nil {
			return false, nil // the add or del says what is wrong
		}
		msgs, err := emit.SetElemMessages(s.fam.nft, TableName, ns, emit.SetElemOptions{Delete: true})
		if err != nil || len(msgs) != 1 {
			return false, nil
		}
		e, err := lookUpElem(s.fam, msgs[0])
		if err != nil {
			return false, fmt.Errorf("reading set %s: %w", s.def.Name, err)
		}
		if e == nil {
			continue
		}
		if el, ok := s.kernelElem(e); ok {
			found = append(found, el)
		}
	}
	s.def.Elements = found
	s.looked = true
	return true, nil
}

// nftSetOf is the nft set of an ipset definition: its key type and
// flags (translate.IPSetToNft), and "dynamic" when it can be (a set
// without intervals), so that -j SET rules can add to it.
func nftSetOf(def *iptparse.IPSet) (*ir.Set, error) {
	d := *def
	d.Elements = nil
	s, err := translate.IPSetToNft(&d)
	if err != nil {
		return nil, err
	}
	if !hasFlag(s.Flags, "interval") {
		s.Flags = append(s.Flags, "dynamic")
	}
	if def.Type == "bitmap:port" {
		s.Size = 0
	}
	return s, nil
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

func runIPSet(args []string, s IO) int {
	m, err := loadIPSets()
	if err != nil {
		fmt.Fprintf(s.Stderr, "ipset v%s: %v\n", IPSetVersion, err)
		return 1
	}
	m.now = uint64(time.Now().UnixNano())
	words := iptparse.WordsFromArgs(args, "<args>")
	texts := make([]string, len(words))
	for i, w := range words {
		texts[i] = w.Text
	}
	cmd, rest, err := m.globals(texts, true)
	if err == nil {
		switch cmd {
		case "":
			err = &ipsetErr{2, "No command specified."}
		case "restore", "-R", "--restore":
			err = m.restore(rest, s.Stdin)
		case "version", "-v", "-V", "--version":
			fmt.Fprintf(&m.out, "ipset v%s (ipt2nft), protocol version: 7\n", IPSetVersion)
		case "help", "-h", "-H", "--help":
			fmt.Fprintf(&m.out, "ipset v%s (ipt2nft): ipset on nftables; sets are named sets in tables ip/ip6 %s.\nUsage: same as ipset.\n", IPSetVersion, TableName)
		default:
			m.single = true
			err = m.command(cmd, rest)
		}
	}
	if err == nil {
		err = m.send()
	}
	if err == nil && m.after != nil {
		err = m.after
	}
	io.WriteString(s.Stdout, m.out.String())
	if err != nil {
		return m.report(s, err)
	}
	if m.warn != "" && !m.quiet {
		fmt.Fprintln(s.Stderr, m.warn)
	}
	return 0
}

func (m *ipsetModel) report(s IO, err error) int {
	code := 1
	msg := err.Error()
	var ie *ipsetErr
	if errors.As(err, &ie) {
		code = ie.code
	}
	if code == 2 {
		msg += "\nTry `ipset help' for more information."
	}
	if !m.quiet {
		var be *bareErr
		if errors.As(err, &be) {
			fmt.Fprintln(s.Stderr, msg)
		} else {
			fmt.Fprintf(s.Stderr, "ipset v%s: %s\n", IPSetVersion, msg)
		}
	}
	return code
}

// globals takes the global options out of the words and returns the
// command and its arguments. first says the command line (not a
// restore line) is read: -f and -o apply there.
func (m *ipsetModel) globals(words []string, first bool) (string, []string, error) {
	cmd := ""
	var rest []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch w {
		case "-exist", "-!":
			m.exist = true
			continue
		case "-q", "-quiet":
			m.quiet = true
			continue
		case "-n", "-name":
			m.names = true
			continue
		case "-t", "-terse":
			m.terse = true
			continue
		case "-r", "-resolve", "-s", "-sorted":
			continue
		case "-o", "-output":
			if i+1 >= len(words) {
				return "", nil, &ipsetErr{2, "Missing mandatory argument of option `output'"}
			}
			i++
			switch words[i] {
			case "plain", "save":
				m.output = words[i]
			default:
				return "", nil, &ipsetErr{1, fmt.Sprintf("Syntax error: ipt2nft: output mode `%s' is not supported", words[i])}
			}
			continue
		case "-f", "-file":
			if i+1 >= len(words) {
				return "", nil, &ipsetErr{2, "Missing mandatory argument of option `file'"}
			}
			i++
			rest = append(rest, "\x00file", words[i])
			continue
		}
		if cmd == "" {
			if c, ok := ipsetCommandNames.Get()[w]; ok {
				cmd = c
				continue
			}
			return "", nil, &ipsetErr{2, fmt.Sprintf("No command specified: unknown argument %s", w)}
		}
		rest = append(rest, w)
	}
	return cmd, rest, nil
}

// ipsetCommandNames gives each spelling of an ipset command its name.
var ipsetCommandNames = lazy.Of[map[string]string]{New: func() map[string]string {
	m := map[string]string{}
	for _, c := range [][]string{
		{"create", "n", "-N", "--create"}, {"add", "a", "-A", "--add"}, {"del", "d", "-D", "--del"},
		{"test", "t", "-T", "--test"}, {"destroy", "x", "-X", "--destroy"}, {"list", "l", "-L", "--list"},
		{"save", "s", "-S", "--save"}, {"flush", "f", "-F", "--flush"}, {"rename", "e", "-E", "--rename"},
		{"swap", "w", "-W", "--swap"}, {"restore", "r", "-R", "--restore"}, {"help", "h", "-H", "--help", "-h"},
		{"version", "v", "-V", "-v", "--version"},
	} {
		for _, n := range c {
			m[n] = c[0]
		}
	}
	return m
}}

// file takes "-f FILE" out of a command's arguments.
func takeFile(args []string) (string, []string) {
	file := ""
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == "\x00file" && i+1 < len(args) {
			file = args[i+1]
			i++
			continue
		}
		out = append(out, args[i])
	}
	return file, out
}

// command runs one ipset command.
func (m *ipsetModel) command(cmd string, args []string) error {
	file, args := takeFile(args)
	need := map[string]int{"create": 2, "add": 2, "del": 2, "test": 2, "rename": 2, "swap": 2}[cmd]
	switch {
	case len(args) == 0 && need > 0:
		return &ipsetErr{2, fmt.Sprintf("Missing mandatory argument to command %s", cmd)}
	case len(args) < need:
		return &ipsetErr{2, fmt.Sprintf("Missing second mandatory argument to command %s", cmd)}
	}
	switch cmd {
	case "create":
		return m.create(args[0], args[1], args[2:])
	case "add", "del", "test":
		return m.elemCommand(cmd, args[0], args[1], args[2:])
	case "flush", "destroy":
		if len(args) > 1 {
			return &ipsetErr{2, fmt.Sprintf("Unknown argument %s", args[1])}
		}
		return m.flushDestroy(cmd, args)
	case "rename":
		return m.rename(args[0], args[1])
	case "swap":
		return m.swap(args[0], args[1])
	case "list", "save":
		if cmd == "save" && m.output == "" {
			m.output = "save"
		}
		return m.list(args, file)
	}
	return &ipsetErr{2, fmt.Sprintf("No command specified: unknown argument %s", cmd)}
}

// apply runs a normalised command on the model.
func (m *ipsetModel) apply(words ...string) error {
	ws := make([]iptparse.Word, len(words))
	for i, w := range words {
		ws[i] = iptparse.Word{Text: w}
	}
	if m.exist {
		ws = append(ws, iptparse.Word{Text: "-exist"})
	}
	if err := m.file.Command(ws); err != nil {
		return modelErr(err)
	}
	return nil
}

// modelErr words the model's refusals like ipset.
func modelErr(e *iptparse.Error) error {
	msg := e.Msg
	for _, r := range []struct{ has, say string }{
		{"is created twice", "Set cannot be created: set with the same name already exists"},
		{"it's already added", "Element cannot be added to the set: it's already added"},
		{"it's not added", "Element cannot be deleted from the set: it's not added"},
		{"already exists", "Set cannot be renamed: a set with the new name already exists"},
		{"does not exist", "The set with the given name does not exist"},
	} {
		if strings.Contains(msg, r.has) {
			return &ipsetErr{1, r.say}
		}
	}
	return &ipsetErr{1, msg}
}

func (m *ipsetModel) noSet() error { return &ipsetErr{1, "The set with the given name does not exist"} }

// emit queues messages; errs words the kernel's refusals of them.
func (m *ipsetModel) emit(msgs []emit.NLMsg, errs map[syscall.Errno]string) {
	for range msgs {
		if errs != nil {
			m.errs[len(m.msgs)] = errs
		}
		if m.line > 0 {
			if m.lines == nil {
				m.lines = map[int]int{}
			}
			m.lines[len(m.msgs)] = m.line
		}
		m.msgs = append(m.msgs, msgs[0])
		msgs = msgs[1:]
	}
}

// send commits the queued messages in one transaction.
func (m *ipsetModel) send() error {
	if len(m.msgs) == 0 {
		return nil
	}
	var pre []emit.NLMsg
	for _, fam := range []family{famIPv4, famIPv6} {
		for _, msg := range m.msgs {
			if msg.Family == emit.FamilyByte(fam.nft) {
				pre = append(pre, emit.NewTableMessage(fam.nft, TableName))
				break
			}
		}
	}
	err := kernel.SendBatch("", append(pre, m.msgs...), nil)
	if err == nil {
		return nil
	}
	var be *kernel.BatchError
	if errors.As(err, &be) && len(be.Errors) > 0 {
		e := be.Errors[0]
		if say, ok := m.errs[e.Index-len(pre)][e.Errno]; ok {
			if l := m.lines[e.Index-len(pre)]; l > 0 {
				// ipset names the restore line that failed
				say = fmt.Sprintf("Error in line %d: %s", l, say)
				m.failedLine = l
			}
			return &ipsetErr{1, say}
		}
		return &ipsetErr{1, fmt.Sprintf("Kernel error received: %v (ipt2nft: the kernel refused %s; nothing was changed)", e.Errno, e.Msg.What)}
	}
	return &ipsetErr{1, err.Error()}
}

// Set types the shim stores, with the revision ipset 7.17 lists.
var ipsetRevisions = lazy.Of[map[string]int]{New: func() map[string]int {
	return map[string]int{
		"hash:ip": 6, "hash:net": 7, "hash:ip,port": 7, "hash:net,port": 8, "hash:ip,port,ip": 6,
		"hash:ip,port,net": 8, "hash:net,iface": 8, "hash:mac": 0, "bitmap:port": 3,
	}
}}

// ipsetTypes are the set types of ipset 7.17.
var ipsetTypes = lazy.Of[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"hash:ip": true, "hash:mac": true, "hash:ip,mac": true, "hash:net": true, "hash:net,net": true,
		"hash:ip,port": true, "hash:net,port": true, "hash:ip,port,ip": true, "hash:ip,port,net": true,
		"hash:ip,mark": true, "hash:net,port,net": true, "hash:net,iface": true, "bitmap:ip": true,
		"bitmap:ip,mac": true, "bitmap:port": true, "list:set": true,
	}
}}

var createFlags = lazy.Of[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"counters": true, "comment": true, "forceadd": true, "skbinfo": true}
}}

// create normalises a create command (every header option, in ipset's
// order) and makes the set.
func (m *ipsetModel) create(name, typ string, args []string) error {
	if _, ok := ipsetRevisions.Get()[typ]; !ok {
		if ipsetTypes.Get()[typ] {
			return &ipsetErr{1, fmt.Sprintf("ipt2nft: set type %s is not supported by the shim", typ)}
		}
		return &ipsetErr{1, fmt.Sprintf("Syntax error: typename '%s' is unknown", typ)}
	}
	if len(name) > 31 {
		return &ipsetErr{1, fmt.Sprintf("Syntax error: setname '%s' is longer than 31 characters", name)}
	}
	opts := map[string]string{}
	bitmap := strings.HasPrefix(typ, "bitmap:")
	allowed := map[string]bool{"timeout": true, "counters": true, "comment": true, "skbinfo": true}
	if bitmap {
		allowed["range"] = true
	} else {
		for _, o := range []string{"family", "hashsize", "maxelem", "bucketsize", "initval", "forceadd", "netmask"} {
			allowed[o] = true
		}
	}
	for i := 0; i < len(args); i++ {
		k := args[i]
		if !allowed[k] {
			return &ipsetErr{2, fmt.Sprintf("Unknown argument: `%s'", k)}
		}
		if createFlags.Get()[k] {
			opts[k] = ""
			continue
		}
		if i+1 >= len(args) {
			return &ipsetErr{2, fmt.Sprintf("Missing mandatory argument of option `%s'", k)}
		}
		opts[k] = args[i+1]
		i++
	}
	num := func(k string, def uint64, max uint64) (uint64, error) {
		v, ok := opts[k]
		if !ok {
			return def, nil
		}
		n, err := strconv.ParseUint(v, 0, 64)
		if err != nil {
			return 0, &ipsetErr{1, fmt.Sprintf("Syntax error: '%s' is invalid as number", v)}
		}
		if n > max {
			return 0, &ipsetErr{1, fmt.Sprintf("Syntax error: '%s' is out of range 0-%d", v, max)}
		}
		return n, nil
	}
	for _, k := range []string{"skbinfo", "forceadd", "netmask"} {
		if _, ok := opts[k]; ok {
			return &ipsetErr{1, fmt.Sprintf("ipt2nft: the %s option has no nftables equivalent", k)}
		}
	}
	var h []string
	if bitmap {
		r, ok := opts["range"]
		lo, hi, dash := strings.Cut(r, "-")
		a, ok1 := iptparse.ParsePort(lo)
		b, ok2 := iptparse.ParsePort(hi)
		if !ok {
			return &ipsetErr{1, "Syntax error: Missing mandatory option: range"}
		}
		if !dash || !ok1 || !ok2 {
			return &ipsetErr{1, fmt.Sprintf("Syntax error: cannot parse '%s' as a port range", r)}
		}
		if b < a {
			a, b = b, a
		}
		h = append(h, "range", fmt.Sprintf("%d-%d", a, b))
	} else {
		fam := opts["family"]
		switch fam {
		case "", "inet", "ipv4":
			fam = "inet"
		case "inet6", "ipv6":
			fam = "inet6"
		default:
			return &ipsetErr{1, fmt.Sprintf("Syntax error: unknown inet family %s", fam)}
		}
		hs, err := num("hashsize", 1024, 1<<32-1)
		if err != nil {
			return err
		}
		size := uint64(64)
		for size < hs {
			size <<= 1
		}
		me, err := num("maxelem", 65536, 1<<32-1)
		if err != nil {
			return err
		}
		h = append(h, "family", fam, "hashsize", strconv.FormatUint(size, 10), "maxelem", strconv.FormatUint(me, 10))
	}
	if _, ok := opts["timeout"]; ok {
		t, err := num("timeout", 0, 2147483)
		if err != nil {
			return err
		}
		h = append(h, "timeout", strconv.FormatUint(t, 10))
	}
	for _, f := range []string{"counters", "comment"} {
		if _, ok := opts[f]; ok {
			h = append(h, f)
		}
	}
	if !bitmap {
		bs, err := num("bucketsize", 12, 1<<8-1)
		if err != nil {
			return err
		}
		bs = min(max(bs+bs%2, 2), 12)
		var rnd [4]byte
		rand.Read(rnd[:])
		iv, err := num("initval", uint64(binary.BigEndian.Uint32(rnd[:])), 1<<32-1)
		if err != nil {
			return err
		}
		h = append(h, "bucketsize", strconv.FormatUint(bs, 10), "initval", fmt.Sprintf("0x%08x", iv))
	}
	if old := m.set(name); old != nil && m.exist && old.def.Type == typ {
		// -exist: the same definition again is no error (ipset
		// compares what was given; initval is random unless given)
		same := true
		for i := 0; i+1 < len(h); i += 2 {
			if createFlags.Get()[h[i]] {
				i--
				continue
			}
			if h[i] == "initval" {
				if _, given := opts["initval"]; !given {
					continue
				}
			}
			if old.def.Options[h[i]] != h[i+1] {
				same = false
			}
		}
		for f := range createFlags.Get() {
			_, a := old.def.Options[f]
			_, b := opts[f]
			if a != b {
				same = false
			}
		}
		if same {
			return nil
		}
		return &ipsetErr{1, "Set cannot be created: set with the same name already exists"}
	}
	if err := m.apply(append([]string{"create", name, typ}, h...)...); err != nil {
		return err
	}
	def := m.file.Set(name)
	s := &ipset{def: def, fam: famIPv4, loaded: true, seq: m.nextSeq()}
	if def.Family == iptparse.FamilyIPv6 {
		s.fam = famIPv6
	}
	m.meta[def] = s
	return m.createMsg(s)
}

func (m *ipsetModel) nextSeq() uint64 {
	m.now++
	return m.now
}

// header is the set's "Header:" text (and the rest of its create line).
func header(def *iptparse.IPSet) string {
	var h []string
	for _, k := range []string{"range", "family", "hashsize", "maxelem", "timeout", "counters", "comment", "bucketsize", "initval"} {
		v, ok := def.Options[k]
		if !ok {
			continue
		}
		h = append(h, k)
		if !createFlags.Get()[k] {
			h = append(h, v)
		}
	}
	return strings.Join(h, " ")
}

// createMsg queues the creation of a set in the kernel.
func (m *ipsetModel) createMsg(s *ipset) error {
	ns, err := nftSetOf(s.def)
	if err != nil {
		return &ipsetErr{1, "ipt2nft: " + err.Error()}
	}
	msg, err := emit.NewSetMessage(s.fam.nft, TableName, ns, ipsetUdata(s.def.Type+" "+header(s.def), s.seq))
	if err != nil {
		return &ipsetErr{1, "ipt2nft: " + err.Error()}
	}
	m.emit([]emit.NLMsg{msg}, map[syscall.Errno]string{syscall.EEXIST: "Set cannot be created: set with the same name already exists"})
	delete(m.fresh, s)
	return nil
}

// elemOptions checks an element's options against the set.
func elemOptions(def *iptparse.IPSet, cmd string, args []string) ([]string, error) {
	var out []string
	for i := 0; i < len(args); i++ {
		k := args[i]
		need := map[string]string{"timeout": "timeout", "packets": "counters", "bytes": "counters", "comment": "comment"}[k]
		if need == "" || cmd != "add" {
			if k == "nomatch" && cmd == "add" && strings.Contains(def.Type, "net") {
				return nil, &ipsetErr{1, "ipt2nft: nomatch elements (exceptions inside a net) have no nftables equivalent"}
			}
			return nil, &ipsetErr{2, fmt.Sprintf("Unknown argument: `%s'", k)}
		}
		if _, ok := def.Options[need]; !ok {
			what := map[string]string{"timeout": "Timeout", "counters": "Packet/byte counters", "comment": "Comment"}[need]
			return nil, &ipsetErr{1, fmt.Sprintf("%s cannot be used: set was created without %s support", what, strings.TrimSuffix(need, "s"))}
		}
		if i+1 >= len(args) {
			return nil, &ipsetErr{2, fmt.Sprintf("Missing mandatory argument of option `%s'", k)}
		}
		v := args[i+1]
		i++
		if k == "comment" {
			if len(v) > 255 {
				return nil, &ipsetErr{1, "Syntax error: Comment is longer than the maximum allowed 255 characters"}
			}
			if v == "" {
				continue
			}
		} else {
			max := uint64(1<<64 - 1)
			if k == "timeout" {
				max = 2147483
			}
			n, err := strconv.ParseUint(v, 0, 64)
			if err != nil {
				return nil, &ipsetErr{1, fmt.Sprintf("Syntax error: '%s' is invalid as number", v)}
			}
			if n > max {
				return nil, &ipsetErr{1, fmt.Sprintf("Syntax error: '%s' is out of range 0-%d", v, max)}
			}
			v = strconv.FormatUint(n, 10)
		}
		out = append(out, k, v)
	}
	return out, nil
}

// elemCommand runs add, del and test.
func (m *ipsetModel) elemCommand(cmd, name, arg string, args []string) error {
	s := m.set(name)
	if s == nil {
		return m.noSet()
	}
	opts, err := elemOptions(s.def, cmd, args)
	if err != nil {
		return err
	}
	if cmd == "test" {
		// the element is parsed before its ranges are refused
		for i, k := range ipsetKinds(s.def.Type) {
			if d := strings.Split(arg, ","); i < len(d) {
				if err := plainAddr(s.def, i, k, d[i]); err != nil {
					return err
				}
			}
		}
		if err := testRange(s.def, arg); err != nil {
			return err
		}
	}
	shown, tested := arg, arg
	if cmd == "test" {
		shown, tested = testedElem(s.def, arg)
	}
	vals, err := expandElem(s.def, tested)
	if err != nil {
		if cmd == "test" && err.Error() == errOutOfRange {
			// a port outside a bitmap's range is not in it
			return &bareErr{fmt.Sprintf("%s is NOT in set %s.", shown, name)}
		}
		return err
	}
	if cmd == "test" && len(vals) > 1 {
		// hash:ip tests the first address of a range or network
		// (testRange refused ranges for the other types).
		vals = vals[:1]
	}
	looked := false
	if m.single {
		if looked, err = m.lookUp(s, vals); err != nil {
			return err
		}
	}
	if !looked {
		if err := m.load(s); err != nil {
			return err
		}
	}
	if cmd == "test" {
		for _, v := range vals {
			if !s.contains(v) {
				return &bareErr{fmt.Sprintf("%s is NOT in set %s.", shown, name)}
			}
		}
		m.warn = fmt.Sprintf("Warning: %s is in set %s.", shown, name)
		return nil
	}
	var add, del []iptparse.IPSetElem
	for _, v := range vals {
		if err := m.elemOne(s, cmd, v, opts, &add, &del); err != nil {
			if !m.single || len(add)+len(del) == 0 {
				return err
			}
			// ipset adds (deletes) a range's elements one by one and
			// stops at the first that fails, keeping those before:
			// they are sent, and the call fails afterwards.
			m.after = err
			break
		}
	}
	if err := m.elemMsgs(s, del, true, false); err != nil {
		return err
	}
	return m.elemMsgs(s, add, false, len(del) == 0)
}

// elemOne applies an add or del of one element to the model and notes
// the elements to delete from and add to the kernel.
func (m *ipsetModel) elemOne(s *ipset, cmd, v string, opts []string, add, del *[]iptparse.IPSetElem) error {
	name := s.def.Name
	var had *iptparse.IPSetElem
	if p := s.elem(v); p != nil {
		c := *p
		had = &c
	}
	o := opts
	if _, counted := s.def.Options["counters"]; counted && had != nil && cmd == "add" {
		// -exist add keeps the counters it is not given (the
		// kernel sets only those it is sent)
		o = slices.Clone(opts)
		given := map[string]bool{}
		for i := 0; i < len(opts); i += 2 {
			given[opts[i]] = true
		}
		for _, k := range []string{"packets", "bytes"} {
			if !given[k] && had.Options[k] != "" {
				o = append(o, k, had.Options[k])
			}
		}
	}
	if err := m.apply(append([]string{cmd, name, v}, o...)...); err != nil {
		return err
	}
	if _, timed := s.def.Options["timeout"]; had != nil && cmd == "add" && !timed && maps.Equal(had.Options, s.elem(v).Options) {
		// -exist add of an element as it is: nothing changes (and
		// deleting and adding one element of an interval set twice
		// in one transaction is refused by the kernel).
		return nil
	}
	if had != nil {
		*del = append(*del, *had)
	}
	if cmd == "add" {
		*add = append(*add, *s.elem(v))
	}
	return nil
}

// elem returns the element with that text.
func (s *ipset) elem(v string) *iptparse.IPSetElem { return s.def.Element(v) }

// elemMsgs queues adding or deleting elements of a set.
func (m *ipsetModel) elemMsgs(s *ipset, els []iptparse.IPSetElem, del, excl bool) error {
	if len(els) == 0 {
		return nil
	}
	if del && m.fresh[s] != nil {
		var keep []iptparse.IPSetElem
		for _, e := range els {
			if i, ok := m.fresh[s][e.Value]; ok {
				// the add becomes a no-op (the table exists)
				m.msgs[i] = emit.NewTableMessage(s.fam.nft, TableName)
				delete(m.errs, i)
				delete(m.fresh[s], e.Value)
				continue
			}
			keep = append(keep, e)
		}
		if els = keep; len(els) == 0 {
			return nil
		}
	}
	ns, err := m.nftElems(s, els, del)
	if err != nil {
		return err
	}
	opt := emit.SetElemOptions{Delete: del, Excl: excl, NoExpire: map[int]bool{}}
	if _, ok := s.def.Options["timeout"]; ok && !del {
		for i, e := range els {
			if e.Options["timeout"] == "0" {
				opt.NoExpire[i] = true
			}
		}
	}
	msgs, err := emit.SetElemMessages(s.fam.nft, TableName, ns, opt)
	if err != nil {
		return &ipsetErr{1, "ipt2nft: " + err.Error()}
	}
	errs := map[syscall.Errno]string{
		syscall.ENOENT: "Element cannot be deleted from the set: it's not added",
		syscall.ENFILE: "Hash is full, cannot add more elements",
	}
	if !del {
		errs[syscall.ENOENT] = "The set with the given name does not exist"
		errs[syscall.EEXIST] = "Element cannot be added to the set: it's already added"
		if hasFlag(ns.Flags, "interval") {
			msg := fmt.Sprintf("ipt2nft: the element overlaps an element of set %s, and nft interval sets cannot hold overlapping networks", s.def.Name)
			errs[syscall.EEXIST], errs[syscall.ENOTEMPTY] = msg, msg
		}
	}
	m.emit(msgs, errs)
	if !del && len(els) == 1 && len(msgs) == 1 && hasFlag(ns.Flags, "interval") {
		if m.fresh == nil {
			m.fresh = map[*ipset]map[string]int{}
		}
		if m.fresh[s] == nil {
			m.fresh[s] = map[string]int{}
		}
		m.fresh[s][els[0].Value] = len(m.msgs) - 1
	}
	return nil
}

// flushSet empties a set. A single command sends one flush message. In
// a transaction that may add elements afterwards (restore, swap) each
// element is deleted instead: the kernel refuses to add, in the same
// transaction, an element a flush removes ("already added"), and with
// -exist it drops the add, and an interval set (hash:net) loses the
// element. Deleting an element and adding it again works.
func (m *ipsetModel) flushSet(s *ipset) error {
	if m.single {
		m.emit([]emit.NLMsg{emit.FlushSetMessage(s.fam.nft, TableName, s.def.Name)}, nil)
		return nil
	}
	if err := m.load(s); err != nil {
		return err
	}
	return m.elemMsgs(s, s.def.Elements, true, false)
}

// testRange refuses a range where ipset's test takes none: an address
// range or network in an address dimension, a port range, in any set
// type but hash:ip (whose test looks at the range's first address).
func testRange(def *iptparse.IPSet, arg string) error {
	if def.Type == "hash:ip" {
		return nil
	}
	fam := "inet"
	switch {
	case def.Type == "bitmap:port":
		fam = "unspec"
	case def.Family == iptparse.FamilyIPv6:
		fam = "inet6"
	}
	refuse := func(what string) error {
		return &ipsetErr{1, fmt.Sprintf("%s is not allowed in command test with set type %s and family %s", what, def.Type, fam)}
	}
	dims := strings.Split(arg, ",")
	for i, kind := range ipsetKinds(def.Type) {
		if i >= len(dims) {
			break
		}
		d := dims[i]
		switch kind {
		case "ip", "net":
			if strings.Contains(d, "-") && i == 2 && def.Type == "hash:ip,port,net" {
				break // tests its first address (testedElem)
			}
			if strings.Contains(d, "-") {
				return refuse("FROM-TO IP range")
			}
			if kind == "ip" && strings.Contains(d, "/") {
				return refuse("IP/CIDR range")
			}
		case "port", "bport":
			if _, p, ok := strings.Cut(d, ":"); ok {
				d = p
			}
			if strings.Contains(d, "-") {
				return refuse("FROM-TO port range")
			}
		}
	}
	return nil
}

// testedElem is what a test of arg looks for, and how ipset names it:
// the kernel tests the first address of a range as written (not the
// lower one) in hash:ip, and of a range in the network dimension of
// hash:ip,port,net, which ipset names without the range's end.
func testedElem(def *iptparse.IPSet, arg string) (shown, tested string) {
	shown = elemDisplay(def, arg)
	i := -1
	switch def.Type {
	case "hash:ip":
		i = 0
	case "hash:ip,port,net":
		i = 2
	}
	dims := strings.Split(arg, ",")
	if i < 0 || len(dims) != len(ipsetKinds(def.Type)) {
		return shown, arg
	}
	first, _, isRange := strings.Cut(dims[i], "-")
	if !isRange {
		return shown, arg
	}
	dims[i] = first
	tested = strings.Join(dims, ",")
	if i == 2 {
		shown = elemDisplay(def, tested)
	}
	return shown, tested
}

// nftElems is the named nft set of s with the given elements; to delete
// (or look up) them, their keys alone.
func (m *ipsetModel) nftElems(s *ipset, els []iptparse.IPSetElem, keys bool) (*ir.Set, error) {
	d := *s.def
	d.Elements = els
	conv, err := translate.IPSetToNft(&d)
	if err != nil {
		return nil, &ipsetErr{1, "ipt2nft: " + err.Error()}
	}
	ns, err := nftSetOf(s.def)
	if err != nil {
		return nil, &ipsetErr{1, "ipt2nft: " + err.Error()}
	}
	ns.Name = s.def.Name
	ns.Elements = conv.Elements
	if keys {
		// a deleted element is found by its key alone
		for i, e := range ns.Elements {
			if el, ok := e.(*ir.Elem); ok {
				ns.Elements[i] = el.Key
			}
		}
	}
	return ns, nil
}

// contains reports whether an element (as text) is in the set; in a
// set of networks an address is in it when a network holds it, and a
// network only when it is there (the kernel's test looks at every
// network size only for an address).
func (s *ipset) contains(v string) bool {
	if s.elem(v) != nil {
		return true
	}
	kinds := ipsetKinds(s.def.Type)
	want := strings.Split(v, ",")
	for i, k := range kinds {
		if k == "net" && i < len(want) && strings.Contains(want[i], "/") {
			return false
		}
	}
	for _, e := range s.def.Elements {
		have := strings.Split(e.Value, ",")
		if len(have) != len(want) {
			continue
		}
		ok := true
		for i, k := range kinds {
			if have[i] == want[i] {
				continue
			}
			if k != "net" || !netContains(have[i], want[i]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func netContains(net, v string) bool {
	n, err := parsePrefix(net)
	if err != nil {
		return false
	}
	p, err := parsePrefix(v)
	if err != nil {
		return false
	}
	return p.Bits() >= n.Bits() && n.Contains(p.Addr())
}

func (m *ipsetModel) flushDestroy(cmd string, args []string) error {
	var sets []*ipset
	if len(args) == 0 {
		sets = m.sorted()
	} else if s := m.set(args[0]); s != nil {
		sets = []*ipset{s}
	} else if cmd == "destroy" && m.exist {
		return nil // the kernel's destroy takes -exist for a missing set
	} else {
		return m.noSet()
	}
	for _, s := range sets {
		if cmd == "flush" {
			if err := m.flushSet(s); err != nil {
				return err
			}
		} else {
			m.emit([]emit.NLMsg{emit.DelSetMessage(s.fam.nft, TableName, s.def.Name)}, map[syscall.Errno]string{syscall.EBUSY: "Set cannot be destroyed: it is in use by a kernel component"})
			delete(m.fresh, s)
		}
	}
	if err := m.apply(append([]string{cmd}, args...)...); err != nil {
		return err
	}
	return nil
}

// copyMsgs queues a set's creation under its current name with its
// elements (their remaining timeouts, counters and comments).
func (m *ipsetModel) copyMsgs(s *ipset) error {
	if err := m.createMsg(s); err != nil {
		return err
	}
	return m.elemMsgs(s, s.def.Elements, false, false)
}

// rename: nft has no set rename. The set is deleted and made again under
// the new name with its elements, in the same transaction; the kernel
// refuses to delete a set that rules use, which is ipset's refusal too
// ("it is in use by another system").
func (m *ipsetModel) rename(from, to string) error {
	s := m.set(from)
	if s == nil {
		return m.noSet()
	}
	refs, err := m.references()
	if err != nil {
		return err
	}
	if refs[from] > 0 {
		return &ipsetErr{1, "Set cannot be renamed: it is in use by another system"}
	}
	if err := m.load(s); err != nil {
		return err
	}
	if err := m.apply("rename", from, to); err != nil {
		return err
	}
	m.emit([]emit.NLMsg{emit.DelSetMessage(s.fam.nft, TableName, from)}, map[syscall.Errno]string{syscall.EBUSY: "Set cannot be renamed: it is in use by another system"})
	return m.copyMsgs(s)
}

// swap exchanges two sets. ipset swaps the sets behind the names (rules
// keep using the name). When neither set is used by a rule, both are
// made again under the other name; otherwise their elements are
// exchanged in place, which needs the same nft definition (type, flags,
// default timeout, counters, size); the ipset-only header values
// (hashsize, bucketsize, initval) then stay with the names.
func (m *ipsetModel) swap(a, b string) error {
	sa, sb := m.set(a), m.set(b)
	if sa == nil {
		return m.noSet()
	}
	if sb == nil {
		return &ipsetErr{1, "Sets cannot be swapped: the second set does not exist"}
	}
	if sa.def.Type != sb.def.Type || sa.def.Family != sb.def.Family {
		return &ipsetErr{1, "The sets cannot be swapped: their type does not match"}
	}
	if err := m.load(sa); err != nil {
		return err
	}
	if err := m.load(sb); err != nil {
		return err
	}
	refs, err := m.references()
	if err != nil {
		return err
	}
	ea, eb := sa.def.Elements, sb.def.Elements
	if refs[a] == 0 && refs[b] == 0 {
		if err := m.apply("swap", a, b); err != nil {
			return err
		}
		sa.seq, sb.seq = sb.seq, sa.seq
		for _, s := range []*ipset{sa, sb} {
			m.emit([]emit.NLMsg{emit.DelSetMessage(s.fam.nft, TableName, s.def.Name)}, nil)
		}
		for _, s := range []*ipset{sa, sb} {
			if err := m.copyMsgs(s); err != nil {
				return err
			}
		}
		return nil
	}
	na, _ := nftSetOf(sa.def)
	nb, _ := nftSetOf(sb.def)
	_, ca := sa.def.Options["comment"]
	_, cb := sb.def.Options["comment"]
	if na == nil || nb == nil || fmt.Sprint(na.Type, na.Flags, na.Timeout, na.Size, na.Counter, ca) != fmt.Sprint(nb.Type, nb.Flags, nb.Timeout, nb.Size, nb.Counter, cb) {
		return &ipsetErr{1, "The sets cannot be swapped: ipt2nft: rules use them and their options differ (an nft set in use cannot change its definition)"}
	}
	for _, s := range []*ipset{sa, sb} {
		if err := m.flushSet(s); err != nil {
			return err
		}
	}
	sa.def.Elements, sb.def.Elements = eb, ea
	if err := m.elemMsgs(sa, eb, false, false); err != nil {
		return err
	}
	if err := m.elemMsgs(sb, ea, false, false); err != nil {
		return err
	}
	return nil
}

// references counts the rules of the shim's tables that use each set.
func (m *ipsetModel) references() (map[string]int, error) {
	if m.refs != nil {
		return m.refs, nil
	}
	m.refs = map[string]int{}
	for _, fam := range []family{famIPv4, famIPv6} {
		mm := newModel(fam)
		if err := mm.load(); err != nil {
			return nil, err
		}
		if len(mm.chains) == 0 {
			continue
		}
		if err := mm.loadRules(); err != nil {
			return nil, err
		}
		for _, c := range mm.chains {
			for _, g := range c.groups {
				w := splitWords(g.spec)
				for i := 0; i+1 < len(w); i++ {
					switch w[i] {
					case "--match-set", "--add-set", "--del-set", "--map-set":
						m.refs[w[i+1]]++
					}
				}
			}
		}
	}
	return m.refs, nil
}

// list writes sets as ipset list (or save) does.
func (m *ipsetModel) list(args []string, file string) error {
	var sets []*ipset
	switch len(args) {
	case 0:
		sets = m.sorted()
	case 1:
		s := m.set(args[0])
		if s == nil {
			return m.noSet()
		}
		sets = []*ipset{s}
	default:
		return &ipsetErr{2, fmt.Sprintf("Unknown argument %s", args[1])}
	}
	var b strings.Builder
	save := m.output == "save"
	refs := map[string]int{}
	if !save && !m.names {
		var err error
		if refs, err = m.references(); err != nil {
			return err
		}
	}
	for i, s := range sets {
		if m.names {
			fmt.Fprintln(&b, s.def.Name)
			continue
		}
		if err := m.load(s); err != nil {
			return err
		}
		if save {
			fmt.Fprintf(&b, "create %s %s %s\n", s.def.Name, s.def.Type, header(s.def))
			for _, e := range s.def.Elements {
				fmt.Fprintf(&b, "add %s %s\n", s.def.Name, elemLine(s.def, e))
			}
			continue
		}
		if i > 0 {
			b.WriteString("\n")
		}
		n := len(s.def.Elements)
		fmt.Fprintf(&b, "Name: %s\nType: %s\nRevision: %d\nHeader: %s\nSize in memory: %d\nReferences: %d\nNumber of entries: %d\n",
			s.def.Name, s.def.Type, ipsetRevisions.Get()[s.def.Type], header(s.def), memSize(s), refs[s.def.Name], n)
		if m.terse {
			continue
		}
		b.WriteString("Members:\n")
		for _, e := range s.def.Elements {
			fmt.Fprintln(&b, elemLine(s.def, e))
		}
	}
	if file != "" {
		return os.WriteFile(file, []byte(b.String()), 0o600)
	}
	m.out.WriteString(b.String())
	return nil
}

// memSize is a made-up "Size in memory" (nft does not tell).
func memSize(s *ipset) int { return 200 + 40*len(s.def.Elements) }

// elemLine is an element with its extensions, as ipset lists it.
func elemLine(def *iptparse.IPSet, e iptparse.IPSetElem) string {
	out := e.Value
	if _, ok := def.Options["timeout"]; ok {
		t := e.Options["timeout"]
		if t == "" {
			t = def.Options["timeout"]
		}
		out += " timeout " + t
	}
	if _, ok := def.Options["counters"]; ok {
		p, b := e.Options["packets"], e.Options["bytes"]
		if p == "" {
			p = "0"
		}
		if b == "" {
			b = "0"
		}
		out += " packets " + p + " bytes " + b
	}
	if c := e.Options["comment"]; c != "" {
		out += " comment " + strconv.Quote(c)
	}
	return out
}

// restore reads ipset commands (a save file, or any commands) and sends
// them as one transaction. When a line fails, what ipset would have
// applied before it is sent (restoreCut), and the restore fails with
// ipset's message.
func (m *ipsetModel) restore(args []string, stdin io.Reader) error {
	file, args := takeFile(args)
	if len(args) > 0 {
		return &ipsetErr{2, fmt.Sprintf("Unknown argument: `%s'", args[0])}
	}
	in := stdin
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return &ipsetErr{1, fmt.Sprintf("Cannot open %s for reading: %v", file, err)}
		}
		defer f.Close()
		in = f
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return err
	}
	session := m.exist
	cut, err := m.restoreLines(lines)
	if err == nil {
		// sent here, so that a refusal the kernel makes of one line
		// still applies the lines before it
		err = m.send()
		m.msgs = nil
		cut = restoreCut{keep: m.failedLine - 1}
	}
	if err != nil && (cut.keep > 0 || cut.partial) {
		m.applyKept(lines, cut, session)
	}
	return err
}

// restoreCut is what ipset has applied of a restore that failed: the
// first keep lines, and, when partial, the elements of the next line
// (a range the kernel refused part of) before the refused one.
type restoreCut struct {
	keep    int
	partial bool
}

// restoreLines applies restore lines to the model. On failure it says
// how much of them ipset would have applied: it sends consecutive adds
// (or dels) to one set as one message when the next command has been
// parsed. A line that does not parse loses that pending message; a
// kernel refusal is found when it is sent, and the elements before the
// refused one stay.
func (m *ipsetModel) restoreLines(lines []string) (restoreCut, error) {
	// ipset sends consecutive adds (or dels) to one set as one message,
	// whose -exist is the session's when the first of them was read: a
	// -exist on a line counts from the next message on, and stays on.
	session := m.exist
	var runKey string
	var runExist bool
	runStart := 0 // the first line of the pending run of adds (dels)
	// deferred is a kernel refusal in the pending run of adds (dels) to
	// one set, found when the run is sent (kernelRefusal)
	var deferred error
	var deferredKey string
	deferredLine := 0
	// failed is the cut of a line that fails by itself: a kernel refusal
	// of a command sent alone (the pending run went before it), or a
	// line that does not parse (the pending run is lost with it).
	failed := func(line int, cmd string, err error, pendingStart int) (restoreCut, error) {
		if kernelRefusal(cmd, err) || pendingStart == 0 {
			return restoreCut{keep: line - 1}, lineErr(line, err)
		}
		return restoreCut{keep: pendingStart - 1}, lineErr(line, err)
	}
	fromDeferred := func() (restoreCut, error) {
		return restoreCut{keep: deferredLine - 1, partial: true}, deferred
	}
	for i, text := range lines {
		line := i + 1
		t := strings.TrimSpace(text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if t == "COMMIT" {
			if deferred != nil {
				return fromDeferred()
			}
			continue
		}
		pendingStart := 0
		if runKey != "" {
			pendingStart = runStart
		}
		texts, err := restoreArgs(strings.TrimLeft(text, " \t\r\v\f") + "\n")
		if err != nil {
			// a parameter problem: ipset names no line, and the
			// pending run is lost with it
			if pendingStart > 0 {
				return restoreCut{keep: pendingStart - 1}, err
			}
			return restoreCut{keep: line - 1}, err
		}
		m.line = line
		m.exist = session
		cmd, rest, err := m.globals(texts, false)
		session = m.exist
		key := ""
		if (cmd == "add" || cmd == "del") && len(rest) > 0 {
			key = cmd + " " + rest[0]
		}
		if key == "" || key != runKey {
			runKey, runExist, runStart = key, session, line
		}
		m.exist = runExist
		if err == nil {
			switch cmd {
			case "restore", "version", "help", "":
				err = &ipsetErr{2, fmt.Sprintf("No command specified: unknown argument %s", texts[0])}
			default:
				err = m.command(cmd, rest)
			}
		}
		if deferred != nil {
			switch {
			case err != nil && !kernelRefusal(cmd, err):
				// the pending run is the refused one: lost with the line
				return failed(line, cmd, err, pendingStart)
			case key == deferredKey:
				continue // the same message: the kernel stopped before
			}
			return fromDeferred()
		}
		if err != nil {
			if key != "" && kernelRefusal(cmd, err) {
				deferred, deferredKey, deferredLine = lineErr(line, err), key, line
				continue
			}
			return failed(line, cmd, err, pendingStart)
		}
	}
	if deferred != nil {
		return fromDeferred()
	}
	return restoreCut{}, nil
}

// applyKept sends what ipset would have applied of a failed restore
// (cut): the kept lines are applied again to a model read afresh (the
// kernel has not changed), then the refused line's elements before the
// refused one, as a single call applies them.
func (m *ipsetModel) applyKept(lines []string, cut restoreCut, exist bool) {
	k, err := loadIPSets()
	if err != nil {
		return
	}
	k.now, k.readElems, k.exist = m.now, m.readElems, exist
	if _, err := k.restoreLines(lines[:cut.keep]); err != nil {
		return // cannot happen: these lines passed before
	}
	if cut.partial && cut.keep < len(lines) {
		if texts, err := restoreArgs(strings.TrimLeft(lines[cut.keep], " \t\r\v\f") + "\n"); err == nil {
			k.line = cut.keep + 1
			if cmd, rest, err := k.globals(texts, false); err == nil && (cmd == "add" || cmd == "del") {
				// the run's message had no -exist, or nothing would
				// have been refused
				k.exist, k.single = false, true
				k.command(cmd, rest)
			}
		}
	}
	k.send()
}

// lineErr names the restore line that failed, as ipset does; a
// parameter problem (exit status 2) names none.
func lineErr(line int, err error) error {
	var ie *ipsetErr
	if errors.As(err, &ie) {
		if ie.code == 2 {
			return ie
		}
		return &ipsetErr{ie.code, fmt.Sprintf("Error in line %d: %s", line, ie.msg)}
	}
	return fmt.Errorf("Error in line %d: %v", line, err)
}

// kernelRefusals are the failures ipset learns from the kernel, when it
// sends a command; the others it finds parsing the line (an add or del
// parses its element for the set's type, which it asks the kernel for:
// a missing set is found then).
var kernelRefusals = []string{
	"it's already added", "it's not added", errOutOfRange, "cannot be used: set was created without",
	"Hash is full", "Set cannot be", "Sets cannot be swapped", "The sets cannot be swapped",
}

// kernelRefusal says whether ipset would learn of a command's failure
// from the kernel. In a restore, consecutive adds (or dels) to one set
// go to the kernel as one message when the next command has been
// parsed: a line that does not parse comes first, and the adds before it
// are lost.
func kernelRefusal(cmd string, err error) bool {
	msg := err.Error()
	if cmd != "add" && cmd != "del" && cmd != "test" && strings.Contains(msg, "The set with the given name does not exist") {
		return true
	}
	for _, k := range kernelRefusals {
		if strings.Contains(msg, k) {
			return true
		}
	}
	return false
}

// restoreArgs splits a restore line (with its newline) into arguments
// as ipset's build_argv does: at blanks outside double quotes, which
// are taken out; no other quoting (a single quote is a character). A
// quote left open takes the rest of the line, newline included, and
// the argument is lost, as in ipset.
func restoreArgs(line string) ([]string, error) {
	var out []string
	var arg []byte
	quoted := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		last := i+1 == len(line)
		switch c {
		case '"':
			quoted = !quoted
			if !last {
				continue
			}
		case ' ', '\r', '\n', '\t':
			if quoted {
				arg = append(arg, c)
				continue
			}
		default:
			arg = append(arg, c)
			if !last {
				continue
			}
		}
		if last && quoted {
			return nil, &ipsetErr{2, "Missing close quote!"}
		}
		if len(arg) > 0 {
			out = append(out, string(arg))
			arg = arg[:0]
		}
	}
	return out, nil
}
