package kernel

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ipt2nft/ipt2nft/emit"
	"github.com/ipt2nft/ipt2nft/internal/lazy"
	"github.com/ipt2nft/ipt2nft/ir"
)

// Unsupported is a rule this kernel cannot run.
type Unsupported struct {
	Rule *emit.NLRule
	Kind string // kernel expression type missing ("queue"), or ""
	Err  error
}

func (u Unsupported) String() string {
	what := ruleWhat(u.Rule.Src)
	if u.Kind != "" {
		return fmt.Sprintf("%s: %s needs the kernel's nft_%s support", u.Rule.Pos(), what, u.Kind)
	}
	return fmt.Sprintf("%s: %s: the kernel refuses it: %v", u.Rule.Pos(), what, u.Err)
}

var targetRE = lazy.Of[*regexp.Regexp]{New: func() *regexp.Regexp { return regexp.MustCompile(`(?:^|\s)(?:-j|--jump|-g|--goto)\s+(\S+)`) }}

// ruleWhat names a rule for messages: its iptables target, or its text.
func ruleWhat(r *ir.Rule) string {
	if m := targetRE.Get().FindStringSubmatch(r.Source()); m != nil {
		return m[1]
	}
	return "rule \"" + (&emit.Printer{}).Rule(r) + "\""
}

// probeTable is the table name probes use; it never outlives a batch.
const probeTable = "__ipt2nft_probe"

// Probe finds the rules of prog the kernel refuses, without changing
// anything: the whole ruleset is sent under a throwaway table name and
// that table is deleted in the same transaction (so even a successful
// probe leaves no trace). A refused rule is attributed to the expression
// type the kernel lacks when one alone is refused with ENOENT.
func Probe(netns string, prog *emit.NLProgram) ([]Unsupported, error) {
	var msgs []emit.NLMsg
	for _, t := range prog.Tables {
		orig := t.Src
		cp := *orig
		cp.Name = probeTable
		pt := *t
		pt.Src = &cp
		tp := &emit.NLProgram{Tables: []*emit.NLTable{&pt}}
		m, err := tp.Messages()
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m...)
		msgs = append(msgs, emit.TableDeleteMessages(orig.Family, probeTable)[1])
	}
	err := SendBatch(netns, msgs, nil)
	if err == nil {
		return nil, nil
	}
	var be *BatchError
	if !errors.As(err, &be) {
		return nil, err
	}
	var out []Unsupported
	kindOK := map[string]error{}
	for _, me := range be.Errors {
		if me.Msg.Rule == nil {
			return nil, fmt.Errorf("probe: %w", me)
		}
		u := Unsupported{Rule: me.Msg.Rule, Err: me.Errno}
		if me.Errno == unix.ENOENT || me.Errno == unix.EOPNOTSUPP {
			for i, e := range me.Msg.Rule.Exprs {
				k := kindOf(e)
				if k == "lookup" || k == "dynset" || k == "objref" || k == "immediate" {
					continue
				}
				res, seen := kindOK[k]
				if !seen {
					res = probeExpr(netns, prog, me.Msg.Rule, i)
					kindOK[k] = res
				}
				if res != nil {
					u.Kind = k
					break
				}
			}
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, err
	}
	return out, nil
}

func kindOf(e any) string { return emit.ExprKind(e) }

// probeExpr sends a rule holding only expression i of r, in a throwaway
// table, and reports whether the kernel refuses that expression type.
func probeExpr(netns string, prog *emit.NLProgram, r *emit.NLRule, i int) error {
	fam := ir.FamilyInet
	for _, t := range prog.Tables {
		for _, c := range t.Chains {
			for _, x := range c.Rules {
				if x == r {
					fam = t.Src.Family
				}
			}
		}
	}
	t := &ir.Table{Family: fam, Name: probeTable, Chains: []*ir.Chain{{Name: "probe"}}}
	one := &emit.NLRule{Src: r.Src, Exprs: []any{r.Exprs[i]}}
	p := &emit.NLProgram{Tables: []*emit.NLTable{{Src: t, Family: emit.FamilyByte(fam), Chains: []*emit.NLChain{{Src: t.Chains[0], Rules: []*emit.NLRule{one}}}}}}
	msgs, err := p.Messages()
	if err != nil {
		return err
	}
	msgs = append(msgs, emit.TableDeleteMessages(fam, probeTable)[1])
	err = SendBatch(netns, msgs, nil)
	var be *BatchError
	if errors.As(err, &be) {
		for _, me := range be.Errors {
			if me.Errno == unix.ENOENT || me.Errno == unix.EOPNOTSUPP {
				return me
			}
		}
		return nil
	}
	return err
}

// Without returns prog less the given rules.
func Without(prog *emit.NLProgram, skip []Unsupported) *emit.NLProgram {
	drop := map[*emit.NLRule]bool{}
	for _, u := range skip {
		drop[u.Rule] = true
	}
	out := &emit.NLProgram{}
	for _, t := range prog.Tables {
		nt := *t
		nt.Chains = nil
		for _, c := range t.Chains {
			nc := *c
			nc.Rules = nil
			for _, r := range c.Rules {
				if !drop[r] {
					nc.Rules = append(nc.Rules, r)
				}
			}
			nt.Chains = append(nt.Chains, &nc)
		}
		out.Tables = append(out.Tables, &nt)
	}
	return out
}

// TableRef names a table.
type TableRef struct {
	Family ir.Family
	Name   string
}

func (t TableRef) String() string { return t.Family.String() + " " + t.Name }

// Tables lists the tables of a program.
func Tables(prog *emit.NLProgram) []TableRef {
	var out []TableRef
	for _, t := range prog.Tables {
		out = append(out, TableRef{t.Src.Family, t.Src.Name})
	}
	return out
}

// ListTables lists our tables as nft prints them ("" for one that does
// not exist).
func ListTables(netns string, tables []TableRef) (map[TableRef]string, error) {
	out := map[TableRef]string{}
	have, err := existingTables(netns)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if !have[t] {
			out[t] = ""
			continue
		}
		s, err := Nft(netns, "", "list", "table", t.Family.String(), t.Name)
		if err != nil {
			return nil, err
		}
		out[t] = s
	}
	return out, nil
}

// Backup writes an nft script that puts our tables back as they are now:
// each is declared, deleted, and (if it existed) defined again, so
// loading it is one atomic transaction that touches no other table.
// It returns which of the tables exist.
func Backup(netns, path string, tables []TableRef) (existing map[TableRef]bool, err error) {
	cur, err := ListTables(netns, tables)
	if err != nil {
		return nil, err
	}
	existing = map[TableRef]bool{}
	for t, s := range cur {
		existing[t] = s != ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# ipt2nft backup %s\n# netns: %s\n", time.Now().UTC().Format(time.RFC3339), netns)
	for _, t := range tables {
		fmt.Fprintf(&b, "table %s\ndelete table %s\n", t, t)
	}
	for _, t := range tables {
		b.WriteString(cur[t])
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return nil, err
	}
	return existing, os.Rename(tmp, path)
}

// Restore loads a backup with one "nft -f" (one transaction).
func Restore(netns, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	_, err = Nft(netns, string(data), "-f", "-")
	return err
}

// InNewNetns runs fn in a new, empty network namespace that disappears
// when fn returns (it lives only as long as the thread holding it).
func InNewNetns(fn func(netns string) error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with us
		if err := unix.Unshare(unix.CLONE_NEWNET | unix.CLONE_FS); err != nil {
			errc <- fmt.Errorf("unshare: %w", err)
			return
		}
		path := fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid())
		errc <- fn(path)
	}()
	return <-errc
}
